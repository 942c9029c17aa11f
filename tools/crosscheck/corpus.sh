#!/usr/bin/env bash
# corpus.sh [RUST_BINARY]: run the Go reference tool on every tree under
# $CORPUS (default /work/corpus) and, when RUST_BINARY is given, compare.sh too.
# Per-tree outputs go to $OUT (default /tmp/crosscheck-out).
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${CORPUS:-/work/corpus}
OUT=${OUT:-/tmp/crosscheck-out}
mkdir -p "$OUT"
BIN=$OUT/crosscheck
(cd "$HERE" && GOFLAGS=-mod=mod GOPROXY=off GOWORK=off go build -o "$BIN" .) || exit 2
for d in "$CORPUS"/*/; do
  n=$(basename "$d")
  "$BIN" -stats "$d" >"$OUT/$n.findings" 2>"$OUT/$n.stderr"
  "$BIN" -list "$d" >"$OUT/$n.list" 2>/dev/null
  echo "$n: $(grep '^stats:' "$OUT/$n.stderr" | sed 's/^stats: //')"
  if [ $# -ge 1 ]; then
    CROSSCHECK_BIN=$BIN "$HERE/compare.sh" "$1" "$d" >"$OUT/$n.compare"
    echo "  $(grep -E '^(agreement|RUST FAILED)' "$OUT/$n.compare" | tr '\n' ' ')"
  fi
done
