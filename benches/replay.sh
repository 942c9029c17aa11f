#!/usr/bin/env bash
# Replays the last N first-parent commits of a repository that change non-test Go code, checking
# each with `check --base C^1 --head C`, and prints the median, p90 and worst wall time. A run
# that checked no file of a change with Go files is an error, not a fast run.
#
#   benches/replay.sh BINARY GIT_DIR [N] [RUNS] [BASELINE]
#
# GIT_DIR: a bare clone with a git config. RUNS (default 1): runs per commit, the fastest
# counts. BASELINE: a second binary, run in turn with BINARY on each commit (A B A B ...), so
# that both see the same machine; its figures are printed beside BINARY's, and a commit whose
# findings differ between the two is an error. Every run starts with an empty cache of
# earlier parses, as a pull request's first check does.
set -euo pipefail
exec python3 - "$@" <<'PY'
import json, os, statistics, subprocess, sys, tempfile, time

args = sys.argv[1:]
if len(args) < 2:
    sys.exit("usage: benches/replay.sh BINARY GIT_DIR [N] [RUNS] [BASELINE]")
binary, git_dir = args[0], args[1]
count = int(args[2]) if len(args) > 2 else 20
runs = int(args[3]) if len(args) > 3 else 1
baseline = args[4] if len(args) > 4 else None


def git(*argv):
    done = subprocess.run(["git", f"--git-dir={git_dir}", *argv], capture_output=True)
    if done.returncode != 0:
        print(f"git {' '.join(argv)} failed in {git_dir}: {done.stderr.decode().strip()}\n"
              "GIT_DIR must be a git folder (a bare clone with a git config)", file=sys.stderr)
        sys.exit(2)
    return done.stdout


def go_files_checked(commit):
    """The changed non-test Go files of `commit` that are not generated (never checked)."""
    paths = git("diff", "--name-only", f"{commit}^1", commit, "--", "*.go", ":!*_test.go",
                ":!vendor/**").decode().split("\n")
    count = 0
    for path in filter(None, paths):
        shown = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "-p", f"{commit}:{path}"],
                               capture_output=True)
        head = shown.stdout[:4000].decode(errors="replace").split("\n")
        generated = any(l.startswith("// Code generated ") and l.endswith(" DO NOT EDIT.") for l in head)
        count += 0 if generated else 1
    return count


def check(binary, commit):
    """Wall milliseconds, findings and files checked of one run."""
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        done = subprocess.run([binary, "check", git_dir, "--base", f"{commit}^1", "--head", commit,
                               "--format", "json", "--fail-on", "never"], capture_output=True,
                              env={**os.environ, "SRE_POLICY_CACHE_DIR": cache})
        elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.decode()[:300]}")
    report = json.loads(done.stdout)
    findings = sorted(json.dumps(f, sort_keys=True) for f in report["findings"])
    return elapsed, findings, report["stats"]["files_checked"]


binaries = [binary] + ([baseline] if baseline else [])
times = {b: [] for b in binaries}
errors = 0
for commit in git("log", "--first-parent", "--format=%H", "HEAD").decode().split():
    go_files = go_files_checked(commit)
    if go_files == 0:
        continue
    best, seen = {}, {}
    try:
        for _ in range(runs):
            for b in binaries:
                elapsed, findings, checked = check(b, commit)
                if checked == 0:
                    raise RuntimeError(f"checked 0 files of a change with {go_files} Go files")
                best[b] = min(best.get(b, elapsed), elapsed)
                seen[b] = findings
    except RuntimeError as error:
        print(f"ERROR {commit[:10]}: {error}")
        errors += 1
        continue
    if baseline and seen[binary] != seen[baseline]:
        print(f"ERROR {commit[:10]}: the findings differ from the baseline's")
        errors += 1
    line = f"{commit[:10]}\t{best[binary]:.0f} ms"
    if baseline:
        line += f"\tbaseline {best[baseline]:.0f} ms"
    print(f"{line}\t{go_files} Go files changed, {checked} checked")
    for b in binaries:
        times[b].append(best[b])
    if len(times[binary]) >= count:
        break


def summary(values):
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
    return (f"median {statistics.median(values):.0f} ms, p90 {p90:.0f} ms, "
            f"worst {values[-1]:.0f} ms")


if not times[binary]:
    sys.exit(f"no commit checked ({errors} errors)")
print(f"{len(times[binary])} commits: {summary(times[binary])}; errors {errors}")
if baseline:
    print(f"baseline: {summary(times[baseline])}")
sys.exit(1 if errors else 0)
PY
