//! `check --add-ignore "<reason>"` through the binary: a suppression above each finding, laid
//! out the way gofmt keeps it (a doc comment paragraph above a declaration, the end of the
//! line in aligned blocks and after directives, merged into a suppression already there),
//! idempotent, and a bad reason is a usage error.

use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("binary runs")
}

const HANDLERS: &str = "package api

import \"net/http\"

// Orders lists orders.
func Orders(w http.ResponseWriter, r *http.Request) {}

func Users(w http.ResponseWriter, r *http.Request) {}

//go:noinline
func Admin(w http.ResponseWriter, r *http.Request) {}

func routes(mux *http.ServeMux) {
\tmux.HandleFunc(\"/a\", func(w http.ResponseWriter, r *http.Request) {})
\t//sre-policy:ignore metric-help -- unrelated
\tmux.HandleFunc(\"/b\", func(w http.ResponseWriter, r *http.Request) {})
}
";

const SUPPRESSED: &str = "package api

import \"net/http\"

// Orders lists orders.
//
// sre-policy:ignore handler-oncall -- legacy, see SRE-1
func Orders(w http.ResponseWriter, r *http.Request) {}

// sre-policy:ignore handler-oncall -- legacy, see SRE-1
func Users(w http.ResponseWriter, r *http.Request) {}

//go:noinline
func Admin(w http.ResponseWriter, r *http.Request) {} //sre-policy:ignore handler-oncall -- legacy, see SRE-1

func routes(mux *http.ServeMux) {
\t//sre-policy:ignore handler-oncall -- legacy, see SRE-1
\tmux.HandleFunc(\"/a\", func(w http.ResponseWriter, r *http.Request) {})
\t//sre-policy:ignore metric-help,handler-oncall -- unrelated; legacy, see SRE-1
\tmux.HandleFunc(\"/b\", func(w http.ResponseWriter, r *http.Request) {})
}
";

const METRICS: &str = "package api

import \"github.com/prometheus/client_golang/prometheus\"

var (
\trequests = prometheus.NewCounter(prometheus.CounterOpts{Name: \"api_requests_total\", Help: \"Requests.\"})
\terrs     = prometheus.NewCounter(prometheus.CounterOpts{Name: \"api_errors_total\", Help: \"Errors.\"})
)

func register() {
\tprometheus.MustRegister(requests, errs)
}
";

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("handlers.go"), HANDLERS).unwrap();
    std::fs::write(dir.path().join("metrics.go"), METRICS).unwrap();
    dir
}

#[test]
fn suppressions_are_written_where_gofmt_keeps_them_and_twice_is_once() {
    let dir = tree();
    let before = run(dir.path(), &["check", ".", "--format", "compact"]);
    assert_eq!(before.status.code(), Some(1));
    let output = run(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "compact",
            "--add-ignore",
            "legacy, see SRE-1",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("added 6 suppression comments for 7 findings in 2 files"),
        "{stderr}"
    );
    let handlers = std::fs::read_to_string(dir.path().join("handlers.go")).unwrap();
    assert_eq!(handlers, SUPPRESSED);
    let metrics = std::fs::read_to_string(dir.path().join("metrics.go")).unwrap();
    assert!(
        metrics.contains(
            "\trequests = prometheus.NewCounter(prometheus.CounterOpts{Name: \"api_requests_total\", Help: \"Requests.\"}) //sre-policy:ignore metric-promauto -- legacy, see SRE-1\n\
             \terrs     = prometheus.NewCounter("
        ),
        "an aligned block keeps its alignment: {metrics}"
    );
    assert!(
        metrics.contains("Help: \"Errors.\"})\n"),
        "the suppression at the end of the line above covers the next one: {metrics}"
    );
    // What is left is the suppression that never suppressed anything (a warning).
    let after = run(dir.path(), &["check", ".", "--format", "compact"]);
    let stdout = String::from_utf8_lossy(&after.stdout);
    assert_eq!(after.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("warning[unused-suppression]"), "{stdout}");

    let again = run(dir.path(), &["check", ".", "--add-ignore", "again"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).contains("added 0 suppression comments"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("handlers.go")).unwrap(),
        SUPPRESSED
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("metrics.go")).unwrap(),
        metrics
    );
}

#[test]
fn only_the_selected_findings_are_suppressed() {
    let dir = tree();
    let output = run(
        dir.path(),
        &[
            "check",
            ".",
            "--rule",
            "metric-promauto",
            "--add-ignore",
            "later",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("handlers.go")).unwrap(),
        HANDLERS
    );
    let after = run(dir.path(), &["check", ".", "--format", "compact"]);
    let stdout = String::from_utf8_lossy(&after.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("[handler-oncall]"))
            .count(),
        5,
        "{stdout}"
    );
    assert!(!stdout.contains("[metric-promauto]"), "{stdout}");
}

#[test]
fn a_reason_is_one_line_and_not_empty() {
    let dir = tree();
    for reason in ["", "  ", "two\nlines", "ends // early"] {
        let output = run(dir.path(), &["check", ".", "--add-ignore", reason]);
        assert_eq!(output.status.code(), Some(2), "{reason:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--add-ignore reason"), "{stderr}");
    }
    let both = run(dir.path(), &["check", ".", "--fix", "--add-ignore", "x"]);
    assert_eq!(both.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("handlers.go")).unwrap(),
        HANDLERS,
        "nothing written on a usage error"
    );
}

#[test]
fn a_line_inside_a_raw_string_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    // The handler starts on a line that begins inside a raw string.
    let source = "package api\n\nimport \"net/http\"\n\nvar doc = `usage:\n`; var h = func(w http.ResponseWriter, r *http.Request) {}\n";
    std::fs::write(dir.path().join("h.go"), source).unwrap();
    let output = run(dir.path(), &["check", ".", "--add-ignore", "x"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("left h.go alone"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("h.go")).unwrap(),
        source
    );
}

#[test]
fn crlf_files_keep_their_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    let crlf = HANDLERS.replace('\n', "\r\n");
    std::fs::write(dir.path().join("handlers.go"), &crlf).unwrap();
    let output = run(
        dir.path(),
        &["check", ".", "--add-ignore", "legacy, see SRE-1"],
    );
    assert_eq!(output.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("handlers.go")).unwrap();
    assert_eq!(written, SUPPRESSED.replace('\n', "\r\n"));
}
