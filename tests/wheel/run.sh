#!/usr/bin/env bash
# The Python wheel end to end: maturin (PyPI, into target/pkg-venv) builds the wheel of this
# checkout (`bindings = "bin"`; the dev profile, which reuses target/debug, to stay quick: the
# release workflow builds with --release) and the sdist; the wheel installs into a fresh
# virtual environment from a local wheel folder (no index), and its `sre-policy` runs:
# `--version` names this commit, `check fixtures/demo` exits 1 with the demo's findings.
#
#   tests/wheel/run.sh [OUT_DIR]      (default: target/wheels; the pre-commit test reads it)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$here/target/pkg-venv"
out="$(realpath -m "${1:-$here/target/wheels}")"
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if [ ! -x "$venv/bin/maturin" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet maturin
fi
rm -rf "$out" && mkdir -p "$out"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)"

start="$(now)"
(cd "$here" && "$venv/bin/maturin" build --profile dev --locked --out "$out") > "$out/build.log" 2>&1 \
  || { cat "$out/build.log"; fail "maturin build failed"; }
echo "wheel build (maturin, dev profile): $(since "$start") s"
wheel="$(ls "$out"/sre_policy-"$version"-*.whl)"
echo "wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

# What the wheel holds: the binary as a script, the licence, the metadata.
"$venv/bin/python" - "$wheel" "$version" <<'PY'
import sys, zipfile
wheel, version = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
data = f"sre_policy-{version}.data/scripts/sre-policy"
assert data in names, names
meta = zipfile.ZipFile(wheel).read(f"sre_policy-{version}.dist-info/METADATA").decode()
assert "Name: sre-policy" in meta and f"Version: {version}" in meta, meta[:400]
assert any(n.endswith("LICENSE") for n in names), names
PY

# The sdist builds what pip would compile from source: the crate and its data, no tests.
(cd "$here" && "$venv/bin/maturin" sdist --out "$out") > "$out/sdist.log" 2>&1 \
  || { cat "$out/sdist.log"; fail "maturin sdist failed"; }
sdist="$(ls "$out"/sre_policy-"$version".tar.gz)"
listing="$(tar -tzf "$sdist")"
for want in Cargo.toml Cargo.lock build.rs pyproject.toml LICENSE README.md src/main.rs rules/handler-oncall.md; do
  grep -qx "sre_policy-$version/$want" <<< "$listing" || fail "the sdist lacks $want"
done
if grep -q "/fixtures/\|/tests/" <<< "$listing"; then fail "the sdist carries tests or fixtures"; fi

# A fresh environment, the wheel from a local folder only.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
start="$(now)"
PIP_NO_INDEX=1 "$tmp/venv/bin/pip" install --quiet --find-links "$out" "sre-policy==$version" \
  || fail "pip install from the local wheel folder failed"
echo "pip install (fresh venv, local wheel): $(since "$start") s"

[ -x "$tmp/venv/bin/sre-policy" ] || fail "the wheel installed no sre-policy command"
reported="$("$tmp/venv/bin/sre-policy" --version)"
commit="$(git -C "$here" log -1 --format=%h --abbrev=12)"
[ "$reported" = "sre-policy $version ($commit $(git -C "$here" log -1 --format=%cs))" ] \
  || fail "--version printed '$reported'"
echo "$reported"

status=0
(cd "$here" && "$tmp/venv/bin/sre-policy" check fixtures/demo --format compact) > "$tmp/demo.txt" || status=$?
[ "$status" = 1 ] || fail "check fixtures/demo exited $status, want 1"
grep -q 'handler-oncall' "$tmp/demo.txt" || fail "no handler-oncall finding: $(cat "$tmp/demo.txt")"
echo "check fixtures/demo from the wheel: exit 1, $(wc -l < "$tmp/demo.txt") findings"
echo "wheel: ok"
