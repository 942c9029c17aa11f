#!/usr/bin/env bash
# Runs action.yml's shell steps the way a runner would, against a shallow pull-request checkout
# of a temporary repository served over file://, with the sre-policy binary under test.
#
#   tests/action/run.sh [BINARY]     (default: target/debug/sre-policy; build it first)
#
# Checks: the release step takes the binary of a release served over file:// (as GitHub serves
# release assets) only when its checksum matches, re-downloads a tampered cached archive, and
# falls back to a source build for a ref without a release; the source build runs cargo in the
# action's folder with RUSTUP_TOOLCHAIN=stable (a stand-in cargo records how it was called,
# beside a hostile rust-toolchain.toml in the workspace) and a cached build runs only when it
# matches its recorded checksum; the shallow checkout gets the base and the merge base
# fetched; the check runs in diff mode (only the pull request's finding is reported); the step
# fails with exit 1; the outputs `findings` and `sarif` are written, the SARIF under
# $RUNNER_TEMP with any stale report removed first; annotations are printed; static checks
# with zizmor.
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
wf, n = re.subn(r"uses: (\S+/sre-policy)@(v\S+|[0-9a-f]{40} # v\S+)", r"uses: \1@" + "0" * 40 + " # v0.1.0", wf)
assert n == 1, wf
print(wf, end="")' > "$tmp/wf/.github/workflows/sre-policy.yml"
"$venv/bin/zizmor" --offline --persona=pedantic --no-progress "$tmp/wf/.github/workflows/sre-policy.yml" \
  || fail "zizmor reports findings on the printed workflow"
# The workflow README shows: zizmor finds nothing in it as written.
mkdir -p "$tmp/readme/.github/workflows"
"$py" -c '
import sys
text = open(sys.argv[1]).read()
print(text.split("# .github/workflows/sre-policy.yml\n", 1)[1].split("```", 1)[0], end="")' \
  "$here/README.md" > "$tmp/readme/.github/workflows/sre-policy.yml"
"$venv/bin/zizmor" --offline --persona=pedantic --no-progress "$tmp/readme/.github/workflows/sre-policy.yml" \
  || fail "zizmor reports findings on the workflow README shows"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
  GIT_COMMITTER_EMAIL=t@example.com GIT_CONFIG_NOSYSTEM=1 HOME="$tmp/home"
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global protocol.file.allow always

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
export GITHUB_ACTIONS=true GITHUB_WORKSPACE="$ws" RUNNER_TEMP="$tmp/runner-temp"
export RUNNER_TOOL_CACHE="$tmp/tool-cache" RUNNER_OS_NAME=Linux RUNNER_ARCH_NAME=X64
mkdir -p "$RUNNER_TEMP" "$RUNNER_TOOL_CACHE"
output() { sed -n "s/^$1=//p" "$GITHUB_OUTPUT" | tail -n 1; }

# A release of this version, laid out as GitHub serves release assets, over file://.
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)"
release_commit="0123456789abcdef0123456789abcdef01234567"
assets="$tmp/server/sre-policy/sre-policy/releases/download/v$version"
mkdir -p "$assets" "$tmp/pack"
cp "$bin" "$tmp/pack/sre-policy"
tar -czf "$assets/sre-policy-x86_64-unknown-linux-musl.tar.gz" -C "$tmp/pack" sre-policy
(cd "$assets" && sha256sum sre-policy-x86_64-unknown-linux-musl.tar.gz > sha256sums.txt)
echo "$release_commit" > "$assets/source.txt"
export SERVER_URL="file://$tmp/server" ACTION_REPOSITORY=sre-policy/sre-policy

# The action pinned to the release's commit: the release binary, verified.
: > "$GITHUB_OUTPUT"
ACTION_REF="$release_commit" bash "$tmp/step-release.sh" > "$tmp/release.log" 2>&1 \
  || { cat "$tmp/release.log"; fail "the release step failed"; }
[ "$(output mode)" = release ] || fail "mode: $(cat "$GITHUB_OUTPUT")"
cmp -s "$(output bin)" "$bin" || fail "the release step did not install the released binary"
# Later runs of the step below start by clearing its folder: keep this one for the check step.
release_bin="$tmp/released/sre-policy"
mkdir -p "$tmp/released" && cp "$(output bin)" "$release_bin"
# Pinned to the tag: the same.
: > "$GITHUB_OUTPUT"
ACTION_REF="v$version" bash "$tmp/step-release.sh" > "$tmp/release.log" 2>&1 \
  || { cat "$tmp/release.log"; fail "the release step failed for the tag"; }
[ "$(output mode)" = release ] || fail "tag ref: $(cat "$GITHUB_OUTPUT")"

# A cached archive that no longer has the published checksum is downloaded again.
cached="$RUNNER_TOOL_CACHE/sre-policy/$version/x86_64-unknown-linux-musl"
echo tampered > "$cached/sre-policy-x86_64-unknown-linux-musl.tar.gz"
: > "$GITHUB_OUTPUT"
ACTION_REF="$release_commit" bash "$tmp/step-release.sh" > "$tmp/release.log" 2>&1 \
  || { cat "$tmp/release.log"; fail "the release step failed on a tampered cache"; }
cmp -s "$(output bin)" "$bin" || fail "a tampered cached archive was used"

# A release asset that does not match its checksum is refused (exit 2), never run.
cp "$assets/sre-policy-x86_64-unknown-linux-musl.tar.gz" "$tmp/good.tar.gz"
echo evil > "$assets/sre-policy-x86_64-unknown-linux-musl.tar.gz"
rm -rf "$RUNNER_TOOL_CACHE/sre-policy"
: > "$GITHUB_OUTPUT"
status=0
ACTION_REF="$release_commit" bash "$tmp/step-release.sh" > "$tmp/release.log" 2>&1 || status=$?
[ "$status" = 2 ] || { cat "$tmp/release.log"; fail "a mismatching asset: exit $status, want 2"; }
grep -q 'checksum mismatch' "$tmp/release.log" || fail "no checksum message: $(cat "$tmp/release.log")"
[ -z "$(output bin)" ] || fail "a binary was offered after a checksum mismatch"
mv "$tmp/good.tar.gz" "$assets/sre-policy-x86_64-unknown-linux-musl.tar.gz"

# A ref without a release (a branch, another commit): build from source.
: > "$GITHUB_OUTPUT"
ACTION_REF=main bash "$tmp/step-release.sh" > "$tmp/release.log" 2>&1 \
  || { cat "$tmp/release.log"; fail "the release step failed for a branch"; }
[ "$(output mode)" = source ] || fail "branch ref: $(cat "$GITHUB_OUTPUT")"
grep -q 'building from source' "$tmp/release.log" || fail "no notice for the source build"

: > "$GITHUB_OUTPUT"
bash "$tmp/step-key.sh"
grep -Eq '^key=sre-policy-Linux-X64-[0-9a-f]{40}$' "$GITHUB_OUTPUT" || fail "no cache key: $(cat "$GITHUB_OUTPUT")"

# The source build, with a stand-in cargo that records where and with which toolchain it
# runs, and a workspace whose rust-toolchain.toml would take over a build run there.
printf '[toolchain]\npath = "%s"\n' "$tmp/evil-toolchain" > "$ws/rust-toolchain.toml"
mkdir -p "$tmp/fake-bin"
cat > "$tmp/fake-bin/cargo" <<'SH'
#!/usr/bin/env bash
echo "cwd=$PWD toolchain=${RUSTUP_TOOLCHAIN:-} args=$*" >> "$CARGO_LOG"
root=""; prev=""
for arg in "$@"; do [ "$prev" = --root ] && root="$arg"; prev="$arg"; done
mkdir -p "$root/bin" && cp "$REAL_BIN" "$root/bin/sre-policy"
SH
chmod +x "$tmp/fake-bin/cargo"
export CARGO_LOG="$tmp/cargo.log" REAL_BIN="$bin"
: > "$GITHUB_OUTPUT"
(cd "$ws" && PATH="$tmp/fake-bin:$PATH" bash "$tmp/step-build.sh") > "$tmp/build.log" 2>&1 \
  || { cat "$tmp/build.log"; fail "the build step failed"; }
grep -qx "cwd=$here toolchain=stable args=install --locked --root $RUNNER_TEMP/sre-policy-build --path $here" "$CARGO_LOG" \
  || fail "cargo ran elsewhere or with another toolchain: $(cat "$CARGO_LOG")"
built_bin="$(output bin)"
[ "$built_bin" = "$RUNNER_TEMP/sre-policy-build/bin/sre-policy" ] || fail "bin output: $(cat "$GITHUB_OUTPUT")"
# A restored build with its checksum is used as is; a changed one is rebuilt.
: > "$CARGO_LOG"
(cd "$ws" && PATH="$tmp/fake-bin:$PATH" bash "$tmp/step-build.sh") > "$tmp/build.log" 2>&1
[ ! -s "$CARGO_LOG" ] || fail "a verified cached build was rebuilt"
echo 'echo pass; exit 0' >> "$built_bin"
(cd "$ws" && PATH="$tmp/fake-bin:$PATH" bash "$tmp/step-build.sh") > "$tmp/build.log" 2>&1
[ -s "$CARGO_LOG" ] || fail "a cached build that fails its checksum was run"
cmp -s "$built_bin" "$bin" || fail "the tampered build was kept"
rm -f "$ws/rust-toolchain.toml"

# A stale report (from an earlier run, or committed by the pull request) never survives a
# check that stops before writing one.
mkdir -p "$RUNNER_TEMP/sre-policy"
echo '{"stale": true}' > "$RUNNER_TEMP/sre-policy/sre-policy.sarif"
: > "$GITHUB_OUTPUT"
status=0
(cd "$ws" && RELEASE_BIN="$release_bin" BUILT_BIN="" INPUT_BASE="" PR_BASE_REF="" \
  INPUT_CONFIG="missing.toml" INPUT_ARGS="" INPUT_FAIL_ON=error INPUT_SARIF="" \
  bash "$tmp/step-check.sh") > "$tmp/stdout" 2>&1 || status=$?
[ "$status" = 2 ] || { cat "$tmp/stdout"; fail "a missing config: exit $status, want 2"; }
[ ! -e "$RUNNER_TEMP/sre-policy/sre-policy.sarif" ] || fail "the stale SARIF report survived"
status=0
(cd "$ws" && RELEASE_BIN="$release_bin" BUILT_BIN="" INPUT_BASE="" PR_BASE_REF="" \
  INPUT_CONFIG="" INPUT_ARGS="" INPUT_FAIL_ON=error INPUT_SARIF="../escape.sarif" \
  bash "$tmp/step-check.sh") > "$tmp/stdout" 2>&1 || status=$?
[ "$status" = 2 ] || fail "a sarif name with ..: exit $status, want 2"

: > "$GITHUB_OUTPUT"
status=0
(cd "$ws" && RELEASE_BIN="$release_bin" BUILT_BIN="" INPUT_BASE="" PR_BASE_REF=main \
  INPUT_CONFIG="" INPUT_ARGS="--scope added" INPUT_FAIL_ON=error INPUT_SARIF=reports/pr.sarif \
  bash "$tmp/step-check.sh") \
  > "$tmp/stdout" 2> "$tmp/stderr" || status=$?
cat "$tmp/stdout" "$tmp/stderr"
[ "$status" = 1 ] || fail "the check step exited $status, want 1"
grep -q '^::error file=new.go,line=5' "$tmp/stdout" || fail "no annotation for new.go"
if grep -q 'old.go' "$tmp/stdout"; then fail "old.go (not in the PR) was reported"; fi
grep -qx 'findings=1' "$GITHUB_OUTPUT" || fail "findings output: $(cat "$GITHUB_OUTPUT")"
grep -qx "$RUNNER_TEMP/sre-policy/reports/pr.sarif" "$GITHUB_OUTPUT" || fail "sarif output: $(cat "$GITHUB_OUTPUT")"
[ -s "$RUNNER_TEMP/sre-policy/reports/pr.sarif" ] || fail "no SARIF written"
grep -q 'new.go' "$GITHUB_STEP_SUMMARY" || fail "no step summary"

# Clean: the same step with the handler annotated on a new merge commit passes.
: > "$GITHUB_OUTPUT"
sed -i 's|^func New|// @oncall-team payments\nfunc New|' "$ws/new.go"
git -C "$ws" -c user.name=ci -c user.email=ci@example.com commit -qam "Annotate the new handler"
status=0
(cd "$ws" && RELEASE_BIN="" BUILT_BIN="$built_bin" INPUT_BASE=main PR_BASE_REF="" \
  INPUT_CONFIG="" INPUT_ARGS="" INPUT_FAIL_ON=error INPUT_SARIF=clean.sarif \
  bash "$tmp/step-check.sh") > "$tmp/stdout" 2>&1 || status=$?
[ "$status" = 0 ] || { cat "$tmp/stdout"; fail "clean check exited $status, want 0"; }
grep -qx 'findings=0' "$GITHUB_OUTPUT" || fail "findings output: $(cat "$GITHUB_OUTPUT")"
echo "action: ok"
