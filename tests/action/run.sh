#!/usr/bin/env bash
# Runs action.yml's shell steps the way a runner would, against a shallow pull-request checkout
# of a temporary repository served over file://, with the sre-policy binary under test.
#
#   tests/action/run.sh [BINARY]     (default: target/debug/sre-policy; build it first)
#
# Checks: the shallow checkout gets the base and the merge base fetched; the check runs in diff
# mode (only the pull request's finding is reported); the step fails with exit 1; the outputs
# `findings` and `sarif` are written; annotations are printed; static checks with zizmor.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$(realpath "${1:-$here/target/debug/sre-policy}")"
venv="$here/target/precommit-venv"
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ ! -x "$venv/bin/zizmor" ] || [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pre-commit zizmor
fi
py="$venv/bin/python"   # has PyYAML (a dependency of pre-commit)

# Static checks: zizmor finds nothing, in any persona.
"$venv/bin/zizmor" --offline --persona=pedantic --no-progress "$here/action.yml" \
  || fail "zizmor reports findings on action.yml"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The workflow `sre-policy init` prints (and README shows), with the action's reference
# pinned the way its comment asks: zizmor finds nothing either.
mkdir -p "$tmp/wf/.github/workflows"
"$bin" init "$tmp/wf" | "$py" -c '
import re, sys
out = sys.stdin.read()
wf = out.split("GitHub Actions:\n\n", 1)[1].split("\npre-commit", 1)[0]
wf = "\n".join(line[4:] for line in wf.rstrip().split("\n")) + "\n"
wf, n = re.subn(r"uses: (\S+/sre-policy)@v\S+", r"uses: \1@" + "0" * 40 + " # v0.1.0", wf)
assert n == 1, wf
print(wf, end="")' > "$tmp/wf/.github/workflows/sre-policy.yml"
"$venv/bin/zizmor" --offline --persona=pedantic --no-progress "$tmp/wf/.github/workflows/sre-policy.yml" \
  || fail "zizmor reports findings on the printed workflow"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
  GIT_COMMITTER_EMAIL=t@example.com GIT_CONFIG_NOSYSTEM=1 HOME="$tmp/home"
mkdir -p "$HOME/.cargo/bin"
git config --global init.defaultBranch main
git config --global protocol.file.allow always
cp "$bin" "$HOME/.cargo/bin/sre-policy"

# Upstream: main has an old unannotated handler (not the PR's fault); the PR branch forks
# there and adds a second one; main then moves on by 120 commits, more than the first fetch's
# depth, so the merge base is only found by deepening.
up="$tmp/upstream"
git init -q "$up"
cat > "$up/old.go" <<'GO'
package svc

import "net/http"

func Old(w http.ResponseWriter, r *http.Request) {}
GO
git -C "$up" add . && git -C "$up" commit -qm base
git -C "$up" branch feature
for i in $(seq 1 120); do
  echo "$i" > "$up/counter.txt"; git -C "$up" add . ; git -C "$up" commit -qm "c$i"
done
git -C "$up" checkout -q feature
cat > "$up/new.go" <<'GO'
package svc

import "net/http"

func New(w http.ResponseWriter, r *http.Request) {}
GO
mkdir -p "$up/docs" && echo "# New: check its upstream" > "$up/docs/troubleshooting.md"
git -C "$up" add . && git -C "$up" commit -qm "add handler"
git -C "$up" checkout -q main
# GitHub's refs/pull/N/merge: the PR merged into the base.
git -C "$up" checkout -q --detach main
git -C "$up" merge -q --no-ff -m merge feature
git -C "$up" update-ref refs/pull/1/merge HEAD
git -C "$up" checkout -q main

# actions/checkout with its defaults: depth 1 of the merge commit, no branches.
ws="$tmp/ws"
git init -q "$ws"
git -C "$ws" remote add origin "file://$up"
git -C "$ws" fetch -q --no-tags --depth=1 origin +refs/pull/1/merge:refs/remotes/pull/1/merge
git -C "$ws" checkout -q --detach refs/remotes/pull/1/merge
[ "$(git -C "$ws" rev-parse --is-shallow-repository)" = true ] || fail "checkout is not shallow"

# Extract the steps' scripts and environment from action.yml.
"$py" - "$here/action.yml" "$tmp" <<'PY'
import sys, yaml, pathlib
action = yaml.safe_load(open(sys.argv[1]))
out = pathlib.Path(sys.argv[2])
for i, step in enumerate(action["runs"]["steps"]):
    if "run" in step:
        assert step.get("shell") == "bash", step
        (out / f"step-{step.get('id', i)}.sh").write_text(step["run"])
PY

export GITHUB_ACTION_PATH="$here" GITHUB_OUTPUT="$tmp/output" GITHUB_STEP_SUMMARY="$tmp/summary"
export GITHUB_ACTIONS=true GITHUB_WORKSPACE="$ws"
: > "$GITHUB_OUTPUT"
RUNNER_OS_NAME=Linux RUNNER_ARCH_NAME=X64 bash "$tmp/step-key.sh"
grep -Eq '^key=sre-policy-Linux-X64-[0-9a-f]{40}$' "$GITHUB_OUTPUT" || fail "no cache key: $(cat "$GITHUB_OUTPUT")"

: > "$GITHUB_OUTPUT"
status=0
(cd "$ws" && INPUT_BASE="" PR_BASE_REF=main INPUT_CONFIG="" INPUT_ARGS="--scope added" \
  INPUT_FAIL_ON=error INPUT_SARIF=reports/../report.sarif bash "$tmp/step-check.sh") \
  > "$tmp/stdout" 2> "$tmp/stderr" || status=$?
cat "$tmp/stdout" "$tmp/stderr"
[ "$status" = 1 ] || fail "the check step exited $status, want 1"
grep -q '^::error file=new.go,line=5' "$tmp/stdout" || fail "no annotation for new.go"
if grep -q 'old.go' "$tmp/stdout"; then fail "old.go (not in the PR) was reported"; fi
grep -qx 'findings=1' "$GITHUB_OUTPUT" || fail "findings output: $(cat "$GITHUB_OUTPUT")"
grep -qx "$ws/reports/../report.sarif" "$GITHUB_OUTPUT" || fail "sarif output: $(cat "$GITHUB_OUTPUT")"
[ -s "$ws/report.sarif" ] || fail "no SARIF written"
grep -q 'new.go' "$GITHUB_STEP_SUMMARY" || fail "no step summary"

# Clean: the same step with the handler annotated on a new merge commit passes.
: > "$GITHUB_OUTPUT"
sed -i 's|^func New|// @oncall-team payments\nfunc New|' "$ws/new.go"
git -C "$ws" -c user.name=ci -c user.email=ci@example.com commit -qam "Annotate the new handler"
status=0
(cd "$ws" && INPUT_BASE=main PR_BASE_REF="" INPUT_CONFIG="" INPUT_ARGS="" \
  INPUT_FAIL_ON=error INPUT_SARIF=clean.sarif bash "$tmp/step-check.sh") > "$tmp/stdout" 2>&1 || status=$?
[ "$status" = 0 ] || { cat "$tmp/stdout"; fail "clean check exited $status, want 0"; }
grep -qx 'findings=0' "$GITHUB_OUTPUT" || fail "findings output: $(cat "$GITHUB_OUTPUT")"
echo "action: ok"
