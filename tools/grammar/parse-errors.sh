#!/usr/bin/env bash
# Lists the Go files under each ROOT that a tree-sitter Go grammar cannot parse, then one
# summary line per ROOT. Every .go file counts, tests and vendor/ included; testdata/ is
# skipped (it holds deliberately invalid Go).
#
#   tools/grammar/parse-errors.sh [-g GRAMMAR_DIR] ROOT...
#
# GRAMMAR_DIR defaults to grammar/tree-sitter-go of this repository; name another checkout
# of the grammar (e.g. the crates.io release) to compare. Needs the tree-sitter CLI on PATH.
# Exit status: 0 when every file parsed, 1 when some did not, 2 on usage errors.
set -euo pipefail

grammar="$(cd "$(dirname "$0")/../../grammar/tree-sitter-go" && pwd)"
if [[ "${1:-}" == "-g" ]]; then
    [[ $# -ge 2 ]] || { echo "usage: $0 [-g GRAMMAR_DIR] ROOT..." >&2; exit 2; }
    grammar="$(cd "$2" && pwd)"
    shift 2
fi
[[ $# -ge 1 ]] || { echo "usage: $0 [-g GRAMMAR_DIR] ROOT..." >&2; exit 2; }
command -v tree-sitter >/dev/null || { echo "$0: tree-sitter CLI not on PATH (see grammar/tree-sitter-go/NOTES.md)" >&2; exit 2; }

list="$(mktemp)"
out="$(mktemp)"
# The CLI caches compiled grammars by language name; a private cache keeps two checkouts of
# the Go grammar from being mistaken for one another.
export TREE_SITTER_LIBDIR="$(mktemp -d)"
trap 'rm -f "$list" "$out"; rm -rf "$TREE_SITTER_LIBDIR"' EXIT

status=0
for root in "$@"; do
    root="$(cd "$root" && pwd)"
    find "$root" -name testdata -prune -o -name '*.go' -type f -print | sort > "$list"
    total=$(wc -l < "$list")
    (cd "$grammar" && tree-sitter parse --quiet --stat --paths "$list" > "$out" 2>/dev/null) || true
    failed=$(grep -c $'\tParse:' "$out" || true)
    grep $'\tParse:' "$out" | sed -e "s#^$root/##" -e 's/[[:space:]]*\tParse:.*(\(ERROR\|MISSING\)/\t(\1/' || true
    echo "$root: $failed of $total files fail to parse"
    [[ "$failed" -eq 0 ]] || status=1
done
exit "$status"
