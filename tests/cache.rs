//! The cache of earlier parses through the binary: a second run reuses every parse and reports
//! the same findings; an edit, a corrupt entry or a missing folder costs a parse, never a
//! stale or lost finding.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use support::TempRepo;

const PAY: &str = "package billing

import \"net/http\"

// Pay takes a payment.
// @oncall-team payments
func Pay(w http.ResponseWriter, r *http.Request) {
\tw.WriteHeader(http.StatusOK)
}
";

const REFUND: &str = "package billing

import \"net/http\"

// Refund returns a payment.
func Refund(w http.ResponseWriter, r *http.Request) {
\tw.WriteHeader(http.StatusOK)
}
";

const METRICS: &str = "package billing

import (
\t\"github.com/prometheus/client_golang/prometheus\"
\t\"github.com/prometheus/client_golang/prometheus/promauto\"
)

var payments = promauto.NewCounter(prometheus.CounterOpts{
\tName: \"billing_payments_total\",
\tHelp: \"Payments taken.\",
})
";

/// `check --format json --stats --fail-on never` plus `args` in `repo`, with the cache in
/// `cache` (or off when `None`).
fn check(repo: &Path, cache: Option<&Path>, args: &[&str]) -> Output {
    support::isolate();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sre-policy"));
    command
        .args(["check", "--format", "json", "--stats", "--fail-on", "never"])
        .args(args)
        .current_dir(repo)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    match cache {
        Some(dir) => command.env("SRE_POLICY_CACHE_DIR", dir),
        None => command.arg("--no-cache"),
    };
    let output = command.output().expect("binary runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `rule path:line` of each finding.
fn findings(output: &Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json report");
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| format!("{} {}:{}", f["rule"], f["path"], f["line"]))
        .collect()
}

/// The (reused, parsed afresh) counts the `--stats` cache line gives.
fn cache_counts(output: &Output) -> (usize, usize) {
    let text = stderr(output);
    let line = text
        .lines()
        .find(|line| line.starts_with("cache: "))
        .unwrap_or_else(|| panic!("no cache line in:\n{text}"));
    let numbers: Vec<usize> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 2, "{line}");
    (numbers[0], numbers[1])
}

/// The cache's entries: the files of each binary's folder but its markers.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for binary in fs::read_dir(cache).expect("read cache folder").flatten() {
        if !binary.path().is_dir() {
            continue;
        }
        for entry in fs::read_dir(binary.path()).expect("read entries").flatten() {
            let name = entry.file_name();
            if name != "used" && name != "trimmed" {
                found.push(entry.path());
            }
        }
    }
    found
}

/// Sets the modification time of `path` to `days` ago.
fn age_by_days(path: &Path, days: u64) {
    let at = SystemTime::now() - Duration::from_secs(days * 24 * 60 * 60);
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(at))
        .expect("set modification time");
}

fn billing_repo() -> TempRepo {
    let repo = TempRepo::init();
    repo.write("billing/pay.go", PAY);
    repo.write("billing/metrics.go", METRICS);
    repo.commit_all("billing");
    repo
}

#[test]
fn a_second_check_reuses_every_parse_and_reports_the_same_findings() {
    let repo = billing_repo();
    repo.write("billing/refund.go", REFUND);
    let cache = tempfile::tempdir().unwrap();
    let first = check(repo.path(), Some(cache.path()), &[]);
    let (reused, parsed) = cache_counts(&first);
    assert_eq!(reused, 0);
    assert!(parsed >= 2, "{}", stderr(&first));
    assert!(findings(&first)
        .iter()
        .any(|f| f.contains("handler-oncall") && f.contains("refund.go")));
    assert!(cache.path().join("CACHEDIR.TAG").is_file());
    assert_eq!(entries(cache.path()).len(), parsed);

    let second = check(repo.path(), Some(cache.path()), &[]);
    assert_eq!(cache_counts(&second), (parsed, 0));
    assert_eq!(findings(&second), findings(&first));
}

#[test]
fn an_edited_file_is_parsed_afresh_and_its_findings_follow_the_edit() {
    let repo = billing_repo();
    let cache = tempfile::tempdir().unwrap();
    let first = check(repo.path(), Some(cache.path()), &[]);
    assert!(findings(&first).is_empty(), "{:?}", findings(&first));
    let (_, parsed) = cache_counts(&first);

    repo.write(
        "billing/pay.go",
        PAY.replace("// @oncall-team payments\n", ""),
    );
    let edited = check(repo.path(), Some(cache.path()), &[]);
    assert_eq!(cache_counts(&edited), (parsed - 1, 1));
    assert_eq!(
        findings(&edited),
        findings(&check(repo.path(), None, &[])),
        "the cached run must report what a run without the cache does"
    );
    assert!(findings(&edited)
        .iter()
        .any(|f| f.contains("handler-oncall") && f.contains("pay.go")));
}

#[test]
fn a_change_reuses_the_parses_of_both_versions() {
    let repo = billing_repo();
    repo.write("billing/refund.go", REFUND);
    repo.write(
        "billing/metrics.go",
        METRICS.replace("billing_payments_total", "billing_payments_taken_total"),
    );
    repo.commit_all("refunds");
    let cache = tempfile::tempdir().unwrap();
    let args = ["--base", "HEAD~1", "--head", "HEAD"];
    let first = check(repo.path(), Some(cache.path()), &args);
    let (reused, parsed) = cache_counts(&first);
    assert_eq!(reused, 0);
    assert!(
        parsed >= 3,
        "both versions of metrics.go and refund.go: {}",
        stderr(&first)
    );
    let reported = findings(&first);
    assert!(
        reported.iter().any(|f| f.contains("metric-breaking")),
        "{reported:?}"
    );
    assert!(
        reported.iter().any(|f| f.contains("handler-oncall")),
        "{reported:?}"
    );

    let second = check(repo.path(), Some(cache.path()), &args);
    assert_eq!(cache_counts(&second), (parsed, 0));
    assert_eq!(findings(&second), reported);
}

#[test]
fn corrupt_entries_read_as_misses_and_are_written_anew() {
    let repo = billing_repo();
    repo.write("billing/refund.go", REFUND);
    let cache = tempfile::tempdir().unwrap();
    let first = check(repo.path(), Some(cache.path()), &[]);
    let (_, parsed) = cache_counts(&first);
    let written = entries(cache.path());
    assert_eq!(written.len(), parsed);
    for (at, entry) in written.iter().enumerate() {
        let bytes = fs::read(entry).unwrap();
        // One entry cut short, the others with a flipped byte past the checksum.
        let corrupt = match at {
            0 => bytes[..bytes.len() / 2].to_vec(),
            _ => {
                let mut bytes = bytes;
                let last = bytes.len() - 1;
                bytes[last] ^= 0x55;
                bytes
            }
        };
        fs::write(entry, corrupt).unwrap();
    }

    let corrupted = check(repo.path(), Some(cache.path()), &[]);
    assert_eq!(cache_counts(&corrupted), (0, parsed));
    assert_eq!(findings(&corrupted), findings(&first));
    let third = check(repo.path(), Some(cache.path()), &[]);
    assert_eq!(cache_counts(&third), (parsed, 0));
}

#[test]
fn no_cache_neither_reads_nor_writes_a_cache() {
    let repo = billing_repo();
    let cache = tempfile::tempdir().unwrap();
    let folder = cache.path().join("sre-policy");
    let mut command = Command::new(env!("CARGO_BIN_EXE_sre-policy"));
    let output = command
        .args(["check", "--stats", "--no-cache", "--format", "json"])
        .current_dir(repo.path())
        .env("SRE_POLICY_CACHE_DIR", &folder)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cache: off"),
        "{}",
        stderr(&output)
    );
    assert!(!folder.exists());
}

#[test]
fn a_cache_folder_that_cannot_be_made_is_a_warning_not_a_failed_check() {
    let repo = billing_repo();
    repo.write("billing/refund.go", REFUND);
    let scratch = tempfile::tempdir().unwrap();
    let blocker = scratch.path().join("not-a-folder");
    fs::write(&blocker, "a file where the cache folder's parent should be").unwrap();
    let output = check(repo.path(), Some(&blocker.join("cache")), &[]);
    let text = stderr(&output);
    assert!(text.contains("not-a-folder"), "{text}");
    assert!(text.contains("--no-cache"), "{text}");
    assert!(text.contains("cache: off"), "{text}");
    assert_eq!(findings(&output), findings(&check(repo.path(), None, &[])));
    assert!(findings(&output).iter().any(|f| f.contains("refund.go")));
}

#[test]
fn another_binarys_folder_unused_for_a_month_is_removed() {
    let repo = billing_repo();
    let cache = tempfile::tempdir().unwrap();
    let folder = |name: &str, used_days_ago: u64| {
        let path = cache.path().join(name);
        fs::create_dir_all(path.join("ab")).unwrap();
        fs::write(path.join("ab").join("entry"), "facts").unwrap();
        fs::write(path.join("used"), "").unwrap();
        age_by_days(&path.join("used"), used_days_ago);
        path
    };
    let stale = folder("0123456789abcdef0123456789abcdef", 40);
    let recent = folder("fedcba9876543210fedcba9876543210", 3);
    let foreign = folder("not-an-entries-folder", 40);
    check(repo.path(), Some(cache.path()), &[]);
    assert!(!stale.exists());
    assert!(recent.join("ab").join("entry").is_file());
    assert!(foreign.join("ab").join("entry").is_file());
}

#[test]
fn entries_unused_for_a_week_are_removed_once_a_day() {
    let repo = billing_repo();
    let cache = tempfile::tempdir().unwrap();
    let first = check(repo.path(), Some(cache.path()), &[]);
    let (_, parsed) = cache_counts(&first);
    let written = entries(cache.path());
    assert_eq!(written.len(), parsed);
    let binary = written[0].parent().unwrap().to_path_buf();
    let stale = binary.join("0123456789abcdef0123456789abcdef");
    fs::write(&stale, "an entry of a file version no run asks for").unwrap();
    age_by_days(&stale, 10);

    // Trimmed today: the stale entry waits for tomorrow's trim.
    check(repo.path(), Some(cache.path()), &[]);
    assert!(stale.is_file());

    age_by_days(&binary.join("trimmed"), 2);
    for entry in &written {
        age_by_days(entry, 3);
    }
    let trimming = check(repo.path(), Some(cache.path()), &[]);
    assert!(!stale.exists());
    assert_eq!(cache_counts(&trimming), (parsed, 0));
    // Read again, each entry is a week from its trim once more.
    for entry in &written {
        let modified = fs::metadata(entry).unwrap().modified().unwrap();
        let age = modified.elapsed().unwrap_or_default();
        assert!(age < Duration::from_secs(60 * 60), "{}", entry.display());
    }
}
