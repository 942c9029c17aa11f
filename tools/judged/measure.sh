#!/usr/bin/env bash
# Compares troubleshooting-doc with the judged sample: for each row of troubleshooting-doc.tsv,
# runs `check --base C^1 --head C --rule troubleshooting-doc` on a bare clone of the repository
# and prints the verdicts side by side, then precision and recall per change.
#
#   tools/judged/measure.sh BINARY REPOS_DIR [TSV]
#
# REPOS_DIR holds bare clones named <repo>.git (e.g. loki.git); repositories.tsv says which
# GitHub repository each short name is. A run that checked no Go file
# of a change that has Go files is an error, not a pass.
set -euo pipefail
binary=$1
repos=$2
tsv=${3:-$(dirname "$0")/troubleshooting-doc.tsv}
tp=0 fp=0 fn=0 tn=0 errors=0
while IFS=$'\t' read -r repo commit verdict _first _reason how; do
  [[ $repo == repo || $repo == \#* || -z $repo ]] && continue
  [[ ${how:-sample} == sample ]] || continue
  git_dir=$repos/$repo.git
  start=$(date +%s%N)
  out=$("$binary" check "$git_dir" --base "$commit^1" --head "$commit" \
    --rule troubleshooting-doc --format json --fail-on never 2>/tmp/measure.err) || {
    echo "ERROR $repo $commit: $(head -c 300 /tmp/measure.err)"; errors=$((errors + 1)); continue; }
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  read -r findings checked < <(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["findings"]), d["stats"]["files_checked"])' <<<"$out")
  go_files=$(git --git-dir="$git_dir" diff --name-only "$commit^1" "$commit" -- '*.go' ':!*_test.go' ':!vendor/**' | wc -l)
  if [[ $go_files -gt 0 && $checked -eq 0 ]]; then
    echo "ERROR $repo $commit: checked 0 files of a change with $go_files Go files"; errors=$((errors + 1)); continue
  fi
  tool=pass; [[ $findings -gt 0 ]] && tool=flag
  message=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["findings"][0]["path"] + ":" + str(d["findings"][0]["line"]) + " " + d["findings"][0]["message"] if d["findings"] else "")' <<<"$out")
  case $verdict/$tool in
    flag/flag) tp=$((tp + 1)); mark=TP ;;
    pass/flag) fp=$((fp + 1)); mark=FP ;;
    flag/pass) fn=$((fn + 1)); mark=FN ;;
    pass/pass) tn=$((tn + 1)); mark=TN ;;
  esac
  printf '%s\t%s\t%s\t%s ms\t%s\n' "$mark" "$repo" "${commit:0:10}" "$ms" "$message"
done <"$tsv"
python3 - "$tp" "$fp" "$fn" "$tn" "$errors" <<'PY'
import sys
tp, fp, fn, tn, errors = map(int, sys.argv[1:])
precision = tp / (tp + fp) if tp + fp else float("nan")
recall = tp / (tp + fn) if tp + fn else float("nan")
print(f"TP {tp}  FP {fp}  FN {fn}  TN {tn}  errors {errors}")
print(f"precision {precision:.2f}  recall {recall:.2f}")
PY
