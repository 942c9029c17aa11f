//! `cargo bench --bench synthetic`: generates a synthetic Go repository, then times the whole
//! check and a diff check of a 10-file change with the release binary, printing files/s and
//! MB/s: each without the cache of earlier parses, and the whole check again with it warm. Sizes: `SRE_BENCH_PACKAGES` (default 300) packages, each with a handler file, a
//! metrics file and `SRE_BENCH_OTHER` (default 8) other files. Run it at two sizes to see that
//! the diff check does not grow with the repository. `SRE_BENCH_DIR` keeps the generated
//! repository there.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn write(path: &Path, text: &str) -> usize {
    std::fs::create_dir_all(path.parent().expect("file has a folder")).expect("create folder");
    std::fs::write(path, text).expect("write file");
    text.len()
}

/// Writes the repository; returns (Go files, bytes).
fn generate(root: &Path, packages: usize, others: usize) -> (usize, usize) {
    let mut files = 0;
    let mut bytes = 0;
    for p in 0..packages {
        let dir = root.join(format!("internal/svc{p:04}"));
        bytes += write(
            &dir.join("handlers.go"),
            &format!(
                "package svc{p}\n\nimport (\n\t\"encoding/json\"\n\t\"net/http\"\n)\n\n\
                 // Server serves svc{p}.\ntype Server struct{{}}\n\n\
                 // List lists.\n// @oncall-team payments\n\
                 func (s *Server) List(w http.ResponseWriter, r *http.Request) {{\n\
                 \t_ = json.NewEncoder(w).Encode(map[string]int{{\"n\": {p}}})\n}}\n\n\
                 func (s *Server) Get(w http.ResponseWriter, r *http.Request) {{\n\
                 \tw.WriteHeader(http.StatusOK)\n}}\n"
            ),
        );
        bytes += write(
            &dir.join("metrics.go"),
            &format!(
                "package svc{p}\n\nimport (\n\t\"github.com/prometheus/client_golang/prometheus\"\n\
                 \t\"github.com/prometheus/client_golang/prometheus/promauto\"\n)\n\n\
                 var requests = promauto.NewCounterVec(prometheus.CounterOpts{{\n\
                 \tName: \"svc{p}_requests_total\",\n\tHelp: \"Requests served.\",\n}}, []string{{\"code\"}})\n\n\
                 var latency = promauto.NewHistogram(prometheus.HistogramOpts{{\n\
                 \tName: \"svc{p}_latency_seconds\",\n}})\n"
            ),
        );
        files += 2;
        for o in 0..others {
            let body: String = (0..40)
                .map(|i| format!("func helper{o}x{i}(a, b int) int {{\n\tif a > b {{\n\t\treturn a - b\n\t}}\n\treturn b - a + {i}\n}}\n\n"))
                .collect();
            bytes += write(
                &dir.join(format!("logic{o}.go")),
                &format!(
                    "package svc{p}\n\nimport \"strings\"\n\nvar _ = strings.TrimSpace\n\n{body}"
                ),
            );
            files += 1;
        }
    }
    (files, bytes)
}

fn median_time(runs: usize, mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// One check of `root`; with the cache in `cache`, or without one.
fn check(root: &Path, cache: Option<&Path>, args: &[&str]) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sre-policy"));
    match cache {
        Some(dir) => command.arg("--cache-dir").arg(dir),
        None => command.arg("--no-cache"),
    };
    let output = command
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(args)
        .arg(root)
        .output()
        .expect("sre-policy runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn main() {
    let packages = env_usize("SRE_BENCH_PACKAGES", 300);
    let others = env_usize("SRE_BENCH_OTHER", 8);
    let runs = env_usize("SRE_BENCH_RUNS", 5);
    // SRE_BENCH_DIR keeps the repository for a look afterwards (an empty or new folder).
    let temp = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("SRE_BENCH_DIR").map(std::path::PathBuf::from);
    let root = kept.as_deref().unwrap_or(temp.path());
    let (files, bytes) = generate(root, packages, others);
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["checkout", "-q", "-b", "feature"]);
    // The change: a new unannotated handler in 10 packages.
    for p in 0..10.min(packages) {
        let path = root.join(format!("internal/svc{p:04}/handlers.go"));
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("\nfunc (s *Server) Put(w http.ResponseWriter, r *http.Request) {}\n");
        std::fs::write(&path, text).expect("write");
    }
    let mb = bytes as f64 / 1e6;
    println!("synthetic repository: {packages} packages, {files} Go files, {mb:.1} MB");
    let full = median_time(runs, || check(root, None, &[]));
    let cache = tempfile::tempdir().expect("temp dir");
    check(root, Some(cache.path()), &[]);
    let warm = median_time(runs, || check(root, Some(cache.path()), &[]));
    for (label, time) in [
        ("whole-tree check", full),
        ("whole-tree check, cache warm", warm),
    ] {
        println!(
            "{label}: {:>8.1} ms  {:>9.0} files/s  {:>6.1} MB/s",
            time.as_secs_f64() * 1e3,
            files as f64 / time.as_secs_f64(),
            mb / time.as_secs_f64()
        );
    }
    let diff = median_time(runs, || check(root, None, &["--base", "main"]));
    println!(
        "diff check (10 changed files, work tree): {:>8.1} ms",
        diff.as_secs_f64() * 1e3
    );
    git(root, &["commit", "-q", "-am", "change"]);
    let commits = median_time(runs, || {
        check(root, None, &["--base", "main", "--head", "HEAD"])
    });
    println!(
        "diff check (10 changed files, --head): {:>8.1} ms",
        commits.as_secs_f64() * 1e3
    );
}
