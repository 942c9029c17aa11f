#!/usr/bin/env bash
# Replays the last N first-parent commits of a repository that change non-test Go code, checking
# each with `check --base C^1 --head C`, and prints the median, p90 and worst wall time. A run
# that checked no file of a change with Go files is an error, not a fast run.
#
#   benches/replay.sh BINARY GIT_DIR [N]      (GIT_DIR: a bare clone with a git config)
set -euo pipefail
binary=$1
git_dir=$2
count=${3:-20}
times=()
errors=0
while read -r commit; do
  # Generated files (`// Code generated ... DO NOT EDIT.`) are never checked: a change of
  # only those has nothing to check.
  go_files=0
  while read -r path; do
    start_of_file=$(git --git-dir="$git_dir" cat-file -p "$commit:$path" 2>/dev/null | head -c 4000 || true)
    grep -q '^// Code generated .* DO NOT EDIT\.$' <<<"$start_of_file" || go_files=$((go_files + 1))
  done < <(git --git-dir="$git_dir" diff --name-only "$commit^1" "$commit" -- '*.go' ':!*_test.go' ':!vendor/**')
  [[ $go_files -gt 0 ]] || continue
  start=$(date +%s%N)
  out=$("$binary" check "$git_dir" --base "$commit^1" --head "$commit" --format json --fail-on never 2>/dev/null) || {
    echo "ERROR ${commit:0:10}: exit $?"; errors=$((errors + 1)); continue; }
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  checked=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["files_checked"])' <<<"$out")
  if [[ $checked -eq 0 ]]; then
    echo "ERROR ${commit:0:10}: checked 0 files of a change with $go_files Go files"; errors=$((errors + 1)); continue
  fi
  printf '%s\t%s ms\t%s Go files changed, %s checked\n' "${commit:0:10}" "$ms" "$go_files" "$checked"
  times+=("$ms")
  [[ ${#times[@]} -ge $count ]] && break
done < <(git --git-dir="$git_dir" log --first-parent --format=%H HEAD)
python3 - "$errors" "${times[@]}" <<'PY'
import sys
errors, times = int(sys.argv[1]), sorted(int(t) for t in sys.argv[2:])
if not times:
    sys.exit(f"no commit checked ({errors} errors)")
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"{len(times)} commits: median {pick(0.5)} ms, p90 {pick(0.9)} ms, worst {times[-1]} ms; errors {errors}")
PY
[[ $errors -eq 0 ]]
