#!/usr/bin/env bash
# compare.sh RUST_BINARY ROOT
#
# Runs the Rust linter and the Go reference implementation (this directory) on
# ROOT and prints how far they agree on handler-oncall (missing-annotation
# findings only), metric-help, metric-promauto and metric-location.
#
# Findings are matched on `path:line:col: rule-id` (severity and message are
# not part of the key, since only handler-oncall's message is fixed by the
# contract; handler-oncall messages of matched findings are compared as well).
#
# Environment: CROSSCHECK_BIN=path to a prebuilt Go tool (otherwise built
# here with the standard library only); KEEP=dir to keep the raw outputs.
# Exit status: 0 when the tools agree exactly, 1 when they differ, 2 on error
# (including a crash or an unexpected exit status of the Rust binary).
set -u -o pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 RUST_BINARY ROOT" >&2
  exit 2
fi
RUST=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$2" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$RUST" ] || { echo "error: $RUST is not executable" >&2; exit 2; }

WORK=${KEEP:-$(mktemp -d)}
mkdir -p "$WORK"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT

if [ -n "${CROSSCHECK_BIN:-}" ]; then
  GO_TOOL=$CROSSCHECK_BIN
else
  GO_TOOL=$WORK/crosscheck
  (cd "$HERE" && GOFLAGS=-mod=mod GOPROXY=off GOWORK=off go build -o "$GO_TOOL" .) || { echo "error: cannot build the Go tool" >&2; exit 2; }
fi

RULES='handler-oncall|metric-help|metric-promauto|metric-location'
# keep only the four rules; for handler-oncall only the missing-annotation case
filter() {
  grep -E "^[^ ]+:[0-9]+:[0-9]+: [a-z]+\[($RULES)\] " \
    | awk '!/\[handler-oncall\] / || /has no/' \
    | sed -E 's#^\./##'
}
key() { sed -E 's#^([^ ]+:[0-9]+:[0-9]+: )[a-z]+\[([a-z-]+)\].*#\1\2#'; }

# --- run the Rust tool (from ROOT, on ".", so paths are ROOT-relative)
t0=$(date +%s.%N)
(cd "$ROOT" && "$RUST" check --format compact --fail-on never .) >"$WORK/rust.raw" 2>"$WORK/rust.err"
rust_rc=$?
t1=$(date +%s.%N)
"$GO_TOOL" "$ROOT" >"$WORK/go.raw" 2>"$WORK/go.err"
go_rc=$?
t2=$(date +%s.%N)

status=0
if [ $rust_rc -ne 0 ] || grep -q 'panicked' "$WORK/rust.err"; then
  echo "RUST FAILED: exit $rust_rc"
  head -20 "$WORK/rust.err" | sed 's/^/  rust stderr: /'
  status=2
fi
if [ $go_rc -ne 0 ]; then
  echo "GO FAILED: exit $go_rc"; head -20 "$WORK/go.err"; status=2
fi

filter <"$WORK/rust.raw" | sort -u >"$WORK/rust.txt"
filter <"$WORK/go.raw" | sort -u >"$WORK/go.txt"
key <"$WORK/rust.txt" | sort -u >"$WORK/rust.keys"
key <"$WORK/go.txt" | sort -u >"$WORK/go.keys"
comm -12 "$WORK/rust.keys" "$WORK/go.keys" >"$WORK/common.keys"
comm -23 "$WORK/rust.keys" "$WORK/go.keys" >"$WORK/only-rust.keys"
comm -13 "$WORK/rust.keys" "$WORK/go.keys" >"$WORK/only-go.keys"

n_rust=$(wc -l <"$WORK/rust.keys"); n_go=$(wc -l <"$WORK/go.keys"); n_common=$(wc -l <"$WORK/common.keys")
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a (none)"; else printf "%.2f%%", 100 * a / b }'; }

echo "root: $ROOT"
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "time: rust %.2fs, go %.2fs\n", b - a, c - b }'
echo "parse-error findings from rust: $(grep -c '\[parse-error\]' "$WORK/rust.raw")"
grep '\[parse-error\]' "$WORK/rust.raw" | head -20 | sed 's/^/  /'
echo "parse errors from go: $(grep -c '^parse-error' "$WORK/go.err")"
printf '%-18s %8s %8s %8s %10s %8s\n' rule rust go common only-rust only-go
for r in handler-oncall metric-help metric-promauto metric-location; do
  printf '%-18s %8d %8d %8d %10d %8d\n' "$r" \
    "$(grep -c " $r\$" "$WORK/rust.keys")" "$(grep -c " $r\$" "$WORK/go.keys")" \
    "$(grep -c " $r\$" "$WORK/common.keys")" "$(grep -c " $r\$" "$WORK/only-rust.keys")" \
    "$(grep -c " $r\$" "$WORK/only-go.keys")"
done
printf '%-18s %8d %8d %8d %10d %8d\n' total "$n_rust" "$n_go" "$n_common" \
  "$(wc -l <"$WORK/only-rust.keys")" "$(wc -l <"$WORK/only-go.keys")"
echo "agreement: $(pct "$n_common" "$n_rust") of rust findings are in go; $(pct "$n_common" "$n_go") of go findings are in rust"

# full lines for the differences
show() { # keys-file lines-file
  while IFS= read -r k; do
    loc=${k% *}; rule=${k##* }
    grep -F -- "$loc " "$2" | grep -F -- "[$rule]" | head -1
  done <"$1"
}
if [ -s "$WORK/only-rust.keys" ]; then echo "--- only in rust"; show "$WORK/only-rust.keys" "$WORK/rust.txt"; fi
if [ -s "$WORK/only-go.keys" ]; then echo "--- only in go"; show "$WORK/only-go.keys" "$WORK/go.txt"; fi

# same location, different handler-oncall message
mm=$(join -t $'\t' \
  <(grep '\[handler-oncall\]' "$WORK/rust.txt" | sed -E 's#^([^ ]+:[0-9]+:[0-9]+: )[a-z]+\[[a-z-]+\] #\1\t#' | sort) \
  <(grep '\[handler-oncall\]' "$WORK/go.txt" | sed -E 's#^([^ ]+:[0-9]+:[0-9]+: )[a-z]+\[[a-z-]+\] #\1\t#' | sort) \
  | awk -F'\t' '$2 != $3')
if [ -n "$mm" ]; then
  echo "--- handler-oncall message differs (location, rust, go)"
  echo "$mm"
fi

if [ $status -ne 0 ]; then exit $status; fi
if [ -s "$WORK/only-rust.keys" ] || [ -s "$WORK/only-go.keys" ] || [ -n "$mm" ]; then exit 1; fi
exit 0
