#!/usr/bin/env bash
# A commit that adds MEGABYTES of Go code at once (generated-looking but not marked generated:
# 100 KB files of small functions, one package per 10 files), checked in diff mode and as a
# whole tree, with wall time and peak memory of each. Rule passes must stay linear in the
# size of a changed file: diff mode costs a parse of what changed, not more.
#
#   benches/big_change.sh BINARY [MEGABYTES]
set -euo pipefail
binary=$(realpath "$1")
megabytes=${2:-20}
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b \
  GIT_COMMITTER_EMAIL=b@example.com GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git -C "$repo" init -q -b main
echo "# t" >"$repo/README.md"
git -C "$repo" add -A && git -C "$repo" commit -qm base
python3 - "$repo" "$megabytes" <<'PY'
import os, sys
repo, megabytes = sys.argv[1], int(sys.argv[2])
body = "".join(f"func F{i}(x int) int {{\n\tif x > {i} {{\n\t\treturn x * {i}\n\t}}\n\treturn x + {i}\n}}\n\n" for i in range(1400))
for n in range(megabytes * 10):
    folder = os.path.join(repo, "pkg", f"p{n // 10}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"f{n}.go"), "w") as f:
        f.write(f"package p{n // 10}\n\n" + body)
PY
git -C "$repo" add -A && git -C "$repo" commit -qm big
echo "added: $(du -sh "$repo/pkg" | cut -f1) of Go in $(find "$repo/pkg" -name '*.go' | wc -l) files"
for mode in "--base HEAD~1 --head HEAD" ""; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "check $mode: %e s, %M KB peak" "$binary" check "$repo" $mode \
    --format json --fail-on never >/dev/null
done
