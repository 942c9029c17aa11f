#!/usr/bin/env python3
"""Samples commits for a judged set: walks `git log --first-parent HEAD` of a clone, keeps the
commits that change a non-test, non-generated Go file, and prints every STEP-th kept commit from
the START-th until COUNT are printed.

    tools/judged/sample_commits.py REPO.git [STEP START COUNT]   (default 5 1 6)
"""
import subprocess, sys, re
GEN = re.compile(r'^// Code generated .* DO NOT EDIT\.$', re.M)
def git(repo, *a):
    return subprocess.run(['git', '-C', repo, *a], capture_output=True, text=True).stdout
def generated(repo, rev, path):
    r = subprocess.run(['git', '-C', repo, 'show', f'{rev}:{path}'], capture_output=True, text=True, errors='replace')
    if r.returncode != 0:
        return None
    return bool(GEN.search(r.stdout))
repo = sys.argv[1]
step, start, n = (int(a) for a in sys.argv[2:5]) if len(sys.argv) >= 5 else (5, 1, 6)
kept = 0; out = []
for c in git(repo, 'log', '--first-parent', '--format=%H', 'HEAD').split():
    if not git(repo, 'rev-parse', '-q', '--verify', c + '^1').strip():
        continue
    files = git(repo, 'diff', '--name-only', c + '^1', c, '--', '*.go', ':!*_test.go', ':!vendor/**').split()
    ok = False
    for f in files:
        g = generated(repo, c, f)
        if g is None:
            g = generated(repo, c + '^1', f)
        if not g:
            ok = True; break
    if not ok:
        continue
    kept += 1
    if kept >= start and (kept - start) % step == 0:
        out.append(c)
        print(c, flush=True)
        if len(out) == n:
            break
