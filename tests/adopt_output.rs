//! Output that scales, through the binary: the human format's per-rule table, `--statistics`,
//! `--quiet`, `--color`, the help line of the default format off a terminal, and the step
//! summary grouped by rule.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sre-policy"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const TABLE: &str = "Rule             Severity        Count  Fixable\n\
                     handler-oncall   error               4  -\n\
                     metric-help      error               1  -\n\
                     metric-location  error               1  -\n\
                     metric-promauto  error               1  -\n";

#[test]
fn human_output_closes_with_the_per_rule_table_and_the_busiest_files() {
    let output = run(&["check", "fixtures/demo", "--format", "human"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let table = out
        .find(TABLE)
        .unwrap_or_else(|| panic!("no table in {out}"));
    let (before, tail) = out.split_at(table);
    assert!(
        before.contains("\n7 errors in 8 files checked in "),
        "{before}"
    );
    assert!(
        before.ends_with(")\n\n"),
        "a blank line after the notes: {before}"
    );
    assert!(
        tail.ends_with(
            "\nFiles with most findings:\n\
             \x20 2  fixtures/demo/internal/api/checkout.go\n\
             \x20 2  fixtures/demo/internal/api/orders.go\n\
             \x20 1  fixtures/demo/cmd/shop/main.go\n\
             \x20 1  fixtures/demo/internal/api/metrics.go\n\
             \x20 1  fixtures/demo/internal/api/users.go\n"
        ),
        "{tail}"
    );
    assert!(!out.contains('\u{1b}'), "no colour off a terminal: {out}");
}

#[test]
fn statistics_prints_only_the_summary_and_the_table() {
    let output = run(&["check", "fixtures/demo", "--statistics"], &[]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "same exit code as a full run"
    );
    let out = stdout(&output);
    assert!(out.starts_with("7 errors in 8 files checked in "), "{out}");
    assert!(out.contains(&format!("\n\n{TABLE}\n")), "{out}");
    assert!(!out.contains("help:") && !out.contains("-->"), "{out}");
    let conflict = run(
        &["check", "fixtures/demo", "--statistics", "--format", "json"],
        &[],
    );
    assert_eq!(conflict.status.code(), Some(2));
}

#[test]
fn quiet_prints_one_line_per_finding_and_nothing_else() {
    for format in ["human", "compact"] {
        let output = run(&["check", "fixtures/demo", "-q", "--format", format], &[]);
        assert_eq!(output.status.code(), Some(1));
        let out = stdout(&output);
        assert_eq!(out.lines().count(), 7, "{format}: {out}");
        assert!(
            out.lines()
                .all(|l| l.starts_with("fixtures/demo/") && l.contains(": error[")),
            "{format}: {out}"
        );
    }
    let default = run(&["check", "fixtures/demo", "--quiet"], &[]);
    assert_eq!(stdout(&default).lines().count(), 7);
}

#[test]
fn color_always_never_and_no_color() {
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["check", "fixtures/demo", "--format", "human"];
        all.extend_from_slice(args);
        stdout(&run(&all, env)).contains('\u{1b}')
    };
    assert!(colored(&["--color", "always"], &[]));
    assert!(
        colored(&["--color", "always"], &[("NO_COLOR", "1")]),
        "an explicit choice wins"
    );
    assert!(!colored(&["--color", "never"], &[]));
    assert!(!colored(&["--color", "auto"], &[]), "not a terminal");
    assert!(!colored(&[], &[("NO_COLOR", "1")]));
    let bad = run(&["check", "fixtures/demo", "--color", "sometimes"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn default_format_off_a_terminal_keeps_the_help_explicit_compact_does_not() {
    let default = stdout(&run(&["check", "fixtures/demo"], &[]));
    let lines: Vec<&str> = default.lines().collect();
    assert_eq!(lines.len(), 14, "a help line under each finding: {default}");
    for pair in lines.chunks(2) {
        assert!(pair[0].starts_with("fixtures/demo/"), "{default}");
        assert!(pair[1].starts_with("    help: "), "{default}");
    }
    let explicit = stdout(&run(
        &["check", "fixtures/demo", "--format", "compact"],
        &[],
    ));
    assert_eq!(explicit.lines().count(), 7, "{explicit}");
}

#[test]
fn step_summary_groups_findings_by_rule_with_code_spans() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let output = run(
        &["check", "fixtures/demo", "--format", "github"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_PATH", ""),
            ("GITHUB_BASE_REF", ""),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(
        markdown.contains("| handler-oncall | error | 4 | 0 |\n"),
        "{markdown}"
    );
    assert_eq!(markdown.matches("<details>").count(), 4, "{markdown}");
    assert!(
        markdown.contains("<details><summary><code>handler-oncall</code>: 4 errors</summary>"),
        "{markdown}"
    );
    // The message's quotes are code spans, not one span around the whole message.
    assert!(
        markdown.contains(
            "| error | HTTP handler `func literal` has no `// @oncall-team <team>` annotation |"
        ),
        "{markdown}"
    );
}
