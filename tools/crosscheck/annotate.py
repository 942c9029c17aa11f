#!/usr/bin/env python3
"""annotate.py SRC DST: copy the Go tree SRC to DST and add `@oncall-team`
comments at chosen places around the handlers that the Go tool lists, so that
both linters are compared on annotated code too (the real corpora have none).

Handler number i (in the Go tool's -list order) gets, by i % 4:
  0: a line `// @oncall-team sre` inserted directly above the line of its `func`
     keyword (a doc comment for a declaration; for a literal it counts only
     when that line is the first line of its statement);
  1: ` // @oncall-team sre` appended to the line of its `func` keyword (counts
     for a literal on its statement's first line, never for a declaration);
  2: the same inserted line, but followed by a blank line (never counts);
  3: nothing.
Usage: annotate.py CROSSCHECK_BIN SRC DST
"""
import os, re, shutil, subprocess, sys
from collections import defaultdict

tool, src, dst = sys.argv[1:4]
if os.path.exists(dst):
    shutil.rmtree(dst)
shutil.copytree(src, dst, symlinks=True)
out = subprocess.run([tool, "-list", dst], capture_output=True, text=True, check=True).stdout
edits = defaultdict(list)
i = 0
for line in out.splitlines():
    m = re.match(r"^(.*?):(\d+):(\d+): handler ", line)
    if not m:
        continue
    edits[m.group(1)].append((int(m.group(2)), i % 4))
    i += 1
for rel, es in edits.items():
    p = os.path.join(dst, rel)
    with open(p, "rb") as f:
        lines = f.read().split(b"\n")
    done = set()
    for ln, kind in sorted(es, reverse=True):
        if ln in done:  # two handlers on one line: one edit
            continue
        done.add(ln)
        k = ln - 1
        indent = re.match(rb"[ \t]*", lines[k]).group(0)
        if kind == 0:
            lines.insert(k, indent + b"// @oncall-team sre")
        elif kind == 1:
            cr = lines[k].endswith(b"\r")
            body = lines[k][:-1] if cr else lines[k]
            lines[k] = body + b" // @oncall-team sre" + (b"\r" if cr else b"")
        elif kind == 2:
            lines[k:k] = [indent + b"// @oncall-team sre", b""]
    with open(p, "wb") as f:
        f.write(b"\n".join(lines))
print(f"{dst}: {i} handlers, {len(edits)} files edited")
