//! The binary end to end: exit codes, formats, commands, on the demo and temp trees.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sre-policy"));
    command
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    command
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(root())
        .output()
        .expect("binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `path:line rule-id` lines of fixtures/demo/EXPECTED.md's text block.
fn expected_demo_findings() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("fixtures/demo/EXPECTED.md")).unwrap();
    let block = text
        .split("```text")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("fixtures/demo/{l}"))
        .collect()
}

#[test]
fn demo_reports_exactly_the_expected_findings() {
    let output = run(&["check", "fixtures/demo", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["version"], 1);
    let found: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(found, expected_demo_findings());
    assert!(json["stats"]["files_checked"].as_u64().unwrap() >= 8);
    for key in ["files_skipped", "parse_errors", "elapsed_ms"] {
        assert!(json["stats"][key].is_u64(), "stats.{key}");
    }
    for finding in json["findings"].as_array().unwrap() {
        for key in ["column", "end_line", "end_column"] {
            assert!(finding[key].as_u64().unwrap() >= 1, "{key}");
        }
        assert!(finding["message"].as_str().unwrap().len() > 10);
    }
}

#[test]
fn compact_lines_and_fail_on() {
    let output = run(&["check", "fixtures/demo", "--format", "compact"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let line = regex::Regex::new(r"^fixtures/demo/\S+\.go:\d+:\d+: (error|warning)\[[a-z-]+\] .+$")
        .unwrap();
    assert_eq!(text.lines().count(), expected_demo_findings().len());
    assert!(text.lines().all(|l| line.is_match(l)), "{text}");

    let never = run(&["check", "fixtures/demo", "--fail-on", "never"]);
    assert_eq!(never.status.code(), Some(0));
    let only_help = run(&[
        "check",
        "fixtures/demo",
        "--rule",
        "metric-help",
        "--format",
        "compact",
    ]);
    assert_eq!(stdout(&only_help).lines().count(), 1);
    let ignored = run(&[
        "check",
        "fixtures/demo",
        "--ignore-rule",
        "handler-oncall",
        "--format",
        "compact",
    ]);
    assert!(!stdout(&ignored).contains("handler-oncall"));
}

#[test]
fn human_output_shows_snippet_help_and_summary() {
    let output = run(&["check", "fixtures/demo", "--format", "human"]);
    let text = stdout(&output);
    assert!(text.contains("handler-oncall"));
    assert!(
        text.contains("func (s *Server) handleCancelOrder"),
        "{text}"
    );
    assert!(text.contains("help:"));
    assert!(text.contains("7 errors"), "{text}");
}

#[test]
fn sarif_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let report = dir.path().join("report.txt");
    let output = run(&[
        "check",
        "fixtures/demo",
        "--output",
        report.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("metric-help"));
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 7);
}

#[test]
fn github_format_under_actions_with_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let output = bin()
        .args(["check", "fixtures/demo"])
        .current_dir(root())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output)
        .lines()
        .any(|l| l.starts_with("::error file=fixtures/demo/")));
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("metric-help"));
}

#[test]
fn clean_tree_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.go"),
        "package main\n\nimport \"net/http\"\n\n// @oncall-team payments\nfunc H(w http.ResponseWriter, r *http.Request) {}\n",
    )
    .unwrap();
    let output = run(&["check", dir.path().to_str().unwrap(), "--format", "compact"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_folder_without_go_files_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["check", dir.path().to_str().unwrap(), "--format", "human"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains("no Go files to check"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn paths_are_relative_to_the_folder_outside_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("api")).unwrap();
    std::fs::write(
        dir.path().join("api/h.go"),
        "package api\n\nimport \"net/http\"\n\nfunc H(w http.ResponseWriter, r *http.Request) {}\n",
    )
    .unwrap();
    let output = run(&["check", dir.path().to_str().unwrap(), "--format", "compact"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("api/h.go:5:1: error[handler-oncall]"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn bad_config_is_exit_2_with_location_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".sre-policy.toml"), "teems = [\"a\"]\n").unwrap();
    let output = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains(".sre-policy.toml"), "{err}");
    assert!(err.contains("teams"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn usage_errors_are_exit_2() {
    let missing = run(&["check", "no/such/dir"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("does not exist"));
    let unknown = run(&["check", "fixtures/demo", "--rule", "handler-oncal"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("handler-oncall"));
    let bad_flag = run(&["check", "--format", "xml"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn rules_and_explain() {
    let rules = run(&["rules"]);
    assert_eq!(rules.status.code(), Some(0));
    for rule in sre_policy::rules::RULES {
        assert!(stdout(&rules).contains(rule.id));
        let explain = run(&["explain", rule.id]);
        assert_eq!(explain.status.code(), Some(0));
        assert!(stdout(&explain).starts_with(&format!("# {}", rule.id)));
    }
    let unknown = run(&["explain", "metric-halp"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("metric-help"));
}

/// Every rule has its manual with the five sections, and every per-file rule its fixtures.
#[test]
fn every_rule_has_doc_and_fixtures() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for rule in sre_policy::rules::RULES {
        assert!(
            readme.contains(&format!("| `{}` |", rule.id)),
            "README's rules table lacks {}",
            rule.id
        );
        for section in [
            "## What it does",
            "## Why",
            "## Example",
            "## Configuration",
            "## How to fix",
        ] {
            assert!(
                rule.doc.contains(section),
                "rules/{}.md lacks {section}",
                rule.id
            );
        }
    }
    for rule in sre_policy::rules::RULES
        .iter()
        .filter(|r| matches!(r.kind, sre_policy::rules::Kind::File(_)))
    {
        let id = rule.id;
        let dir = root().join("fixtures").join(id);
        let has_wants = std::fs::read_dir(&dir)
            .map(|entries| {
                entries.filter_map(Result::ok).any(|e| {
                    std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("// want "))
                })
            })
            .unwrap_or(false);
        assert!(has_wants, "fixtures/{id}/ has no // want fixtures");
    }
    assert!(Path::new(&root().join("rules/handlers.toml")).exists());
}
