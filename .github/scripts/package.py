"""Packs the release archive of one target from its wheel.

    python .github/scripts/package.py WHEEL TARGET OUT_DIR

The wheel (maturin, `bindings = "bin"`) carries the binary as a script; the archive is
`sre-policy-TARGET.tar.gz` (`.zip` for Windows) holding `sre-policy[.exe]`, LICENSE and
README.md at its root, which is where the GitHub Action looks for the binary. One build per
target thus feeds both PyPI and the GitHub release, byte for byte the same binary.
"""

import io
import os
import sys
import tarfile
import zipfile


def main() -> int:
    wheel, target, out_dir = sys.argv[1:4]
    exe = "sre-policy.exe" if "windows" in target else "sre-policy"
    with zipfile.ZipFile(wheel) as whl:
        scripts = [n for n in whl.namelist() if n.endswith(".data/scripts/" + exe)]
        if len(scripts) != 1:
            print(f"{wheel}: expected one {exe} script, found {scripts}", file=sys.stderr)
            return 1
        binary = whl.read(scripts[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    files = [(exe, binary, 0o755)]
    for name in ("LICENSE", "README.md"):
        with open(os.path.join(root, name), "rb") as f:
            files.append((name, f.read(), 0o644))
    os.makedirs(out_dir, exist_ok=True)
    if "windows" in target:
        path = os.path.join(out_dir, f"sre-policy-{target}.zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data, _ in files:
                archive.writestr(name, data)
    else:
        path = os.path.join(out_dir, f"sre-policy-{target}.tar.gz")
        with tarfile.open(path, "w:gz") as archive:
            for name, data, mode in files:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = mode
                archive.addfile(info, io.BytesIO(data))
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
