#!/usr/bin/env python3
"""Samples commits for a judged metric-breaking set: walks the last 3000 first-parent commits of a
bare clone and keeps those whose non-test Go diff changes a metric declaration line in a file
that imports client_golang; prints every 2nd kept commit, newest first, until COUNT.

    tools/judged/sample_metric_commits.py REPO.git [COUNT]   (default 4)
"""
import re, subprocess, sys
R = sys.argv[1]
RX = re.compile(r'prometheus\.(New(Counter|Gauge|Histogram|Summary)(Vec|Func)?|NewDesc|BuildFQName)|promauto\.|\b(Name|Namespace|Subsystem|ConstLabels)\s*:')
def g(*a):
    return subprocess.run(['git', '--git-dir=' + R] + list(a), capture_output=True, text=True, errors='replace').stdout
commits = g('log', '--first-parent', '--format=%H %P', 'HEAD').splitlines()[:3000]
kept = 0; picked = []
for line in commits:
    parts = line.split()
    if len(parts) < 2: continue
    c, p = parts[0], parts[1]
    d = g('diff', '-U0', p, c, '--', '*.go', ':!*_test.go', ':!vendor/**')
    files = {}; cur = None
    for l in d.splitlines():
        if l.startswith('--- '):
            cur = ('old', l[6:] if l.startswith('--- a/') else None)
        elif l.startswith('+++ '):
            if l.startswith('+++ b/'): cur = ('new', l[6:])
            # else deleted: keep old path
        elif cur and cur[1] and (l.startswith('+') or l.startswith('-')) and RX.search(l[1:]):
            files.setdefault(cur, True)
    ok = False
    for (side, path) in files:
        src = g('show', f'{c if side=="new" else p}:{path}')
        if 'github.com/prometheus/client_golang' in src:
            ok = True; break
    if ok:
        kept += 1
        if kept % 2 == 1:
            picked.append(c); print(c, flush=True)
            if len(picked) >= (int(sys.argv[2]) if len(sys.argv) > 2 else 4): break
