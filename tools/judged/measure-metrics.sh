#!/usr/bin/env bash
# Compares metric-breaking with the judged sample: for each row of metric-breaking.tsv, runs
# `check --base C^1 --head C --rule metric-breaking` on a bare clone of the repository and
# prints the verdicts side by side, then precision and recall per change (a change is flagged
# when it has at least one finding). Rows marked `picked` are shown but not counted.
#
#   tools/judged/measure-metrics.sh BINARY REPOS_DIR [TSV]
#
# REPOS_DIR holds bare clones named <repo>.git (e.g. loki.git). A run that checked no Go file
# of a change that has Go files is an error, not a pass. References are counted twice: over the
# breaks whose old names some file used before the change (the references column), and over
# those whose old names the head of the change still uses (what a finding can name).
set -euo pipefail
binary=$1
repos=$2
tsv=${3:-$(dirname "$0")/metric-breaking.tsv}
tp=0 fp=0 fn=0 tn=0 errors=0 referenced=0 named=0 used=0 used_named=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT
while IFS=$'\t' read -r repo commit verdict broken references _reason how; do
  [[ $repo == repo || $repo == \#* || -z $repo ]] && continue
  git_dir=$repos/$repo.git
  start=$(date +%s%N)
  out=$("$binary" check "$git_dir" --base "$commit^1" --head "$commit" \
    --rule metric-breaking --format json --fail-on never 2>"$err") || {
    echo "ERROR $repo $commit: $(head -c 300 "$err")"; errors=$((errors + 1)); continue; }
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  read -r findings checked with_refs < <(python3 -c 'import json,sys; d=json.load(sys.stdin); f=d["findings"]; print(len(f), d["stats"]["files_checked"], sum("still referenced at" in x["message"] for x in f))' <<<"$out")
  go_files=$(git --git-dir="$git_dir" diff --name-only "$commit^1" "$commit" -- '*.go' ':!*_test.go' ':!vendor/**' | wc -l)
  if [[ $go_files -gt 0 && $checked -eq 0 ]]; then
    echo "ERROR $repo $commit: checked 0 files of a change with $go_files Go files"; errors=$((errors + 1)); continue
  fi
  tool=ok; [[ $findings -gt 0 ]] && tool=break
  messages=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(" | ".join(x["path"] + ":" + str(x["line"]) + " " + x["message"][:160] for x in d["findings"][:4]))' <<<"$out")
  case $verdict/$tool in
    break/break) mark=TP ;;
    ok/break) mark=FP ;;
    break/ok) mark=FN ;;
    *) mark=TN ;;
  esac
  if [[ ${how:-sample} == sample ]]; then
    case $mark in TP) tp=$((tp + 1)) ;; FP) fp=$((fp + 1)) ;; FN) fn=$((fn + 1)) ;; TN) tn=$((tn + 1)) ;; esac
  fi
  # A broken metric whose old name the repository used before the change (the references
  # column); of those, the ones whose old names the head of the change still uses (a change that
  # also updates its dashboards leaves nothing to name): the finding must name the files.
  if [[ $verdict == break && ${references:--} != - ]]; then
    referenced=$((referenced + 1))
    [[ $with_refs -gt 0 ]] && named=$((named + 1))
    old_names=$(tr ',' '\n' <<<"$broken" | sed -E 's/^[a-z-]+://; s/->.*//; s/\{.*//' | sort -u)
    patterns=()
    for name in $old_names; do patterns+=(-e "$name"); done
    if git --git-dir="$git_dir" grep -q -w "${patterns[@]}" "$commit" -- \
      '*.yml' '*.yaml' '*.json' '*.libsonnet' '*.jsonnet' '*.rules' ':!vendor/**' 2>/dev/null; then
      used=$((used + 1))
      [[ $with_refs -gt 0 ]] && used_named=$((used_named + 1))
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s ms\t%s\n' "$mark" "${how:-sample}" "$repo" "${commit:0:10}" "$ms" "$messages"
done <"$tsv"
python3 - "$tp" "$fp" "$fn" "$tn" "$errors" "$referenced" "$named" "$used" "$used_named" <<'PY'
import sys
tp, fp, fn, tn, errors, referenced, named, used, used_named = map(int, sys.argv[1:])
precision = tp / (tp + fp) if tp + fp else float("nan")
recall = tp / (tp + fn) if tp + fn else float("nan")
print(f"sampled: TP {tp}  FP {fp}  FN {fn}  TN {tn}  errors {errors}")
print(f"precision {precision:.2f}  recall {recall:.2f}")
print(f"references named in {named} of {referenced} judged breaks whose old names were used before the change")
print(f"references named in {used_named} of {used} judged breaks whose old names the head still uses")
PY
