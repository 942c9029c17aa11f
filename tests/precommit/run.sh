#!/usr/bin/env bash
# The pre-commit hook, end to end, with the real pre-commit tool (PyPI):
#
#   tests/precommit/run.sh              # the hook as users get it: pre-commit clones this
#                                       # checkout at its HEAD commit and builds it (`language:
#                                       # rust`, cargo install), so it tests committed code
#   tests/precommit/run.sh --local BIN  # quicker: the hook of .pre-commit-hooks.yaml run as
#                                       # `language: system` with BIN (e.g. target/debug/sre-policy)
#   tests/precommit/run.sh --wheel DIR  # the `language: python` flavour (packaging/pre-commit/,
#                                       # the hook mirror) installing the sre-policy wheel from
#                                       # DIR (tests/wheel/run.sh builds it) as a local wheel
#                                       # index, with no cargo on PATH and no package index
#
# In a temporary repository: a first commit with a clean Go file passes; a commit staging an
# unannotated net/http handler is blocked and the finding is shown; once the handler is
# annotated, the commit passes; a commit that stages the unannotated handler but leaves the
# fix unstaged is blocked (the hook checks the index, not the work tree).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$here/target/precommit-venv"
fail() { echo "FAIL: $*" >&2; exit 1; }

mode=remote
if [ "${1:-}" = --local ]; then
  mode=local
  bin="$(realpath "${2:?--local needs the binary}")"
elif [ "${1:-}" = --wheel ]; then
  mode=wheel
  wheels="$(realpath "${2:?--wheel needs the folder holding the wheel}")"
fi

if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pre-commit
fi
export PATH="$venv/bin:$PATH"
# Installed hook environments are cached here, per repository and rev; the cargo build of the
# hook reuses this target folder, so a new HEAD rebuilds incrementally.
export PRE_COMMIT_HOME="$here/target/precommit-home"
export CARGO_TARGET_DIR="$here/target/precommit-build"
if [ "$mode" = wheel ]; then
  # A first run as a developer without Rust has it: a fresh hook cache, no cargo anywhere on
  # PATH, and pip limited to the local wheel index (the wheel, and the mirror's build backend).
  wheel_home="$(mktemp -d)"
  export PRE_COMMIT_HOME="$wheel_home"
  if ! ls "$wheels"/setuptools-*.whl >/dev/null 2>&1; then
    "$venv/bin/pip" download --quiet --only-binary :all: --dest "$wheels" "setuptools>=61"
  fi
  export PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheels"
  PATH="$venv/bin:$(dirname "$(command -v python3)"):/usr/local/bin:/usr/bin:/bin"
  PATH="$(tr ':' '\n' <<< "$PATH" | grep -v '/\.cargo/' | paste -sd: -)"
  if command -v cargo >/dev/null; then fail "cargo is still on PATH: $(command -v cargo)"; fi
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp" ${wheel_home:+"$wheel_home"}' EXIT
export GIT_CONFIG_GLOBAL="$tmp/gitconfig" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t \
  GIT_COMMITTER_EMAIL=t@example.com
git config --global init.defaultBranch main
git config --global advice.detachedHead false

repo="$tmp/repo"
git init -q "$repo"
cd "$repo"

if [ "$mode" = remote ]; then
  rev="$(git -C "$here" rev-parse HEAD)"
  git -C "$here" cat-file -e "$rev:.pre-commit-hooks.yaml" 2>/dev/null \
    || fail "HEAD ($rev) has no .pre-commit-hooks.yaml: commit it first"
  if [ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ]; then
    echo "note: uncommitted changes in $here are not tested; pre-commit builds $rev" >&2
  fi
  cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $here
    rev: $rev
    hooks:
      - id: sre-policy
YAML
elif [ "$mode" = wheel ]; then
  # The hook mirror as its own repository; its hook must be the main hook but for the language.
  python - "$here/.pre-commit-hooks.yaml" "$here/packaging/pre-commit/.pre-commit-hooks.yaml" <<'PY'
import sys, yaml
main, mirror = (yaml.safe_load(open(p))[0] for p in sys.argv[1:])
assert main.pop("language") == "rust" and mirror.pop("language") == "python", (main, mirror)
assert main == mirror, (main, mirror)
PY
  mirror="$tmp/mirror"
  cp -r "$here/packaging/pre-commit" "$mirror"
  git init -q "$mirror"
  git -C "$mirror" add -A && git -C "$mirror" commit -qm mirror
  cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $mirror
    rev: $(git -C "$mirror" rev-parse HEAD)
    hooks:
      - id: sre-policy
YAML
else
  # The hook definition from .pre-commit-hooks.yaml, run with the given binary.
  python - "$here/.pre-commit-hooks.yaml" "$bin" > .pre-commit-config.yaml <<'PY'
import json, sys, yaml
hook = dict(yaml.safe_load(open(sys.argv[1]))[0])
assert hook["entry"].startswith("sre-policy "), hook["entry"]
hook["entry"] = sys.argv[2] + hook["entry"][len("sre-policy"):]
hook["language"] = "system"
hook.pop("minimum_pre_commit_version", None)  # a manifest key, not a config key
print(json.dumps({"repos": [{"repo": "local", "hooks": [hook]}]}, indent=2))
PY
fi
cat .pre-commit-config.yaml
pre-commit install > /dev/null

mkdir -p svc
cat > svc/server.go <<'GO'
package svc

import "fmt"

func Hello() string { return fmt.Sprint("hello") }
GO
git add .pre-commit-config.yaml svc/server.go
start=$(date +%s)
git commit -qm "clean start" > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "a clean first commit was blocked"; }
echo "first commit (installs the hook, $mode) took $(( $(date +%s) - start )) s"
if [ "$mode" = wheel ]; then
  # A measurement, not a gate: a loaded CI machine must not fail the build on time alone.
  [ -n "$(find "$PRE_COMMIT_HOME" -path '*/bin/sre-policy' -print -quit)" ] \
    || fail "the hook environment has no sre-policy from the wheel"
fi

cat > svc/handler.go <<'GO'
package svc

import "net/http"

func Health(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
}
GO
mkdir -p docs
echo "# Health: always 200" > docs/troubleshooting.md   # a net/http change (troubleshooting-doc)
git add svc/handler.go docs/troubleshooting.md
if git commit -qm "add handler" > "$tmp/out" 2>&1; then
  cat "$tmp/out"; fail "a commit with an unannotated handler passed"
fi
cat "$tmp/out"
grep -q 'svc/handler.go:5:1:.*handler-oncall' "$tmp/out" || fail "the finding is not shown"
[ "$(git rev-list --count HEAD)" = 1 ] || fail "the blocked commit was made"

# Annotated in the work tree only: the index, which is what gets committed, still holds the
# unannotated handler.
sed -i 's|^func Health|// @oncall-team platform\nfunc Health|' svc/handler.go
if git commit -qm "add handler" > "$tmp/out" 2>&1; then
  cat "$tmp/out"; fail "the hook read the work tree instead of the index"
fi

git add svc/handler.go
git commit -qm "add handler" > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the annotated handler was blocked"; }
[ "$(git rev-list --count HEAD)" = 2 ] || fail "the commit was not made"
echo "pre-commit ($mode): ok"
