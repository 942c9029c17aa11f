#!/usr/bin/env bash
# Validates the XML formats against their XSDs with lxml (PyPI, installed into
# target/pkg-venv): `junit` against the Jenkins xUnit plugin's junit-10.xsd, `checkstyle`
# against tests/schemas/checkstyle.xsd, on the demo (findings) and on a clean tree.
#
#   tests/schemas/validate_xml.sh [BINARY]     (default: target/debug/sre-policy)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$(realpath "${1:-$here/target/debug/sre-policy}")"
venv="$here/target/pkg-venv"
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import lxml' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet lxml
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/clean/.git"
printf 'package clean\n\nfunc F() {}\n' > "$tmp/clean/a.go"

for format in junit checkstyle; do
  status=0
  (cd "$here" && "$bin" check fixtures/demo --format "$format") > "$tmp/demo.$format.xml" || status=$?
  [ "$status" = 1 ] || fail "$format on the demo exited $status, want 1"
  "$bin" check "$tmp/clean" --format "$format" > "$tmp/clean.$format.xml" \
    || fail "$format on a clean tree exited non-zero"
done

"$venv/bin/python" - "$here/tests/schemas" "$tmp" <<'PY'
import sys
from lxml import etree

schemas, tmp = sys.argv[1], sys.argv[2]
failed = False
for fmt, xsd in (("junit", "junit-10.xsd"), ("checkstyle", "checkstyle.xsd")):
    schema = etree.XMLSchema(etree.parse(f"{schemas}/{xsd}"))
    for case in ("demo", "clean"):
        doc = etree.parse(f"{tmp}/{case}.{fmt}.xml")
        if schema.validate(doc):
            count = len(doc.findall(".//failure" if fmt == "junit" else ".//error"))
            print(f"{fmt} ({case}): valid against {xsd}, {count} findings")
            if case == "demo" and count == 0:
                print(f"FAIL: {fmt} on the demo has no findings")
                failed = True
        else:
            print(f"FAIL: {fmt} ({case}) does not validate against {xsd}:")
            for error in schema.error_log:
                print(f"  line {error.line}: {error.message}")
            failed = True
# The validator itself rejects what it should.
bad = etree.fromstring(b'<checkstyle version="4.3"><file name="a.go"><error line="0" severity="fatal" message="m" source="s"/></file></checkstyle>')
if etree.XMLSchema(etree.parse(f"{schemas}/checkstyle.xsd")).validate(bad):
    print("FAIL: checkstyle.xsd accepts line 0 and severity fatal")
    failed = True
sys.exit(1 if failed else 0)
PY
echo "xml schemas: ok"
