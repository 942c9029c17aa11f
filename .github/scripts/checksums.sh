#!/usr/bin/env bash
# Writes the release's integrity files into DIR:
#   sha256sums.txt  `sha256  name` of every archive, wheel and sdist in DIR (`sha256sum -c`)
#   source.txt      the commit the release was built from and the tag's own object name, the
#                   refs under which the GitHub Action accepts the release binary
#
#   .github/scripts/checksums.sh DIR COMMIT [TAG_OBJECT]
set -euo pipefail
dir="$1"
commit="$2"
tag_object="${3:-}"
cd "$dir"
shopt -s nullglob
files=(*.tar.gz *.zip *.whl)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no release files in $dir" >&2
  exit 1
fi
sha256sum -- "${files[@]}" | LC_ALL=C sort -k2 > sha256sums.txt
{
  echo "$commit"
  if [ -n "$tag_object" ] && [ "$tag_object" != "$commit" ]; then echo "$tag_object"; fi
} > source.txt
cat sha256sums.txt source.txt
