//! `sre-policy baseline` and the baseline `check` reads, through the binary on real git
//! repositories: only new findings are reported, lines inserted above and renames keep a
//! finding accepted, paid-down entries are reported and pruned, the file is sorted and
//! matches `schemas/baseline.schema.json`, and a bad file is a clear error.

mod support;

use std::path::Path;
use std::process::Output;

use support::TempRepo;

fn run(dir: &Path, args: &[&str]) -> Output {
    support::isolate();
    std::process::Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `check --format compact` plus `args`: (exit code, finding lines, stderr+stdout of a human run).
fn check(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut all = vec!["check", ".", "--format", "compact"];
    all.extend_from_slice(args);
    let output = run(dir, &all);
    let lines = text(&output.stdout).lines().map(str::to_string).collect();
    (output.status.code(), lines)
}

/// The notes of a human run.
fn notes(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["check", ".", "--format", "human"];
    all.extend_from_slice(args);
    text(&run(dir, &all).stdout)
}

const API: &str = "package api

import \"net/http\"

// Orders lists orders.
func Orders(w http.ResponseWriter, r *http.Request) {}

// Users lists users.
func Users(w http.ResponseWriter, r *http.Request) {}
";

const METRICS: &str = "package api

import \"github.com/prometheus/client_golang/prometheus\"

var requests = prometheus.NewCounter(prometheus.CounterOpts{Name: \"api_requests_total\", Help: \"Requests.\"})
";

fn repo_with_debt() -> TempRepo {
    let repo = TempRepo::init();
    repo.write("api/handlers.go", API);
    repo.write("api/metrics.go", METRICS);
    repo.write(
        "legacy/old.go",
        API.replace("package api", "package legacy"),
    );
    repo.commit_all("service");
    repo
}

fn write_baseline(repo: &TempRepo, args: &[&str]) -> String {
    let mut all = vec!["baseline"];
    all.extend_from_slice(args);
    let output = run(repo.path(), &all);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    text(&output.stderr)
}

fn baseline_json(repo: &TempRepo) -> serde_json::Value {
    let raw = std::fs::read_to_string(repo.path().join(".sre-policy-baseline.json"))
        .expect("baseline written");
    serde_json::from_str(&raw).expect("baseline is JSON")
}

#[test]
fn only_new_findings_are_reported_and_lines_above_do_not_resurface_old_ones() {
    let repo = repo_with_debt();
    let (code, before) = check(repo.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(before.len(), 5, "{before:?}");

    let said = write_baseline(&repo, &[]);
    assert!(
        said.contains("wrote 5 findings to .sre-policy-baseline.json"),
        "{said}"
    );
    let (code, after) = check(repo.path(), &[]);
    assert_eq!((code, after.len()), (Some(0), 0), "{after:?}");
    assert!(
        notes(repo.path(), &[])
            .contains("note: 5 accepted findings hidden by the baseline .sre-policy-baseline.json"),
        "{}",
        notes(repo.path(), &[])
    );
    repo.commit_all("baseline");

    // Lines inserted above every baselined finding, and re-indentation.
    repo.write(
        "api/handlers.go",
        API.replace("// Orders", "const version = 2\n\n// Orders")
            .replace("func Users", "\n\nfunc  Users"),
    );
    repo.write(
        "api/metrics.go",
        METRICS.replace("var requests", "// requests counts requests.\nvar requests"),
    );
    // One new violation.
    repo.write(
        "api/refunds.go",
        "package api\n\nimport \"net/http\"\n\nfunc Refund(w http.ResponseWriter, r *http.Request) {}\n",
    );
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines,
        ["api/refunds.go:5:1: error[handler-oncall] HTTP handler `Refund` has no `// @oncall-team <team>` annotation"]
    );
    let (_, everything) = check(repo.path(), &["--no-baseline"]);
    assert_eq!(everything.len(), 6, "{everything:?}");
}

#[test]
fn renamed_files_keep_their_entries_committed_staged_or_not() {
    let repo = repo_with_debt();
    write_baseline(&repo, &[]);
    repo.commit_all("baseline");
    repo.git(&["mv", "api/handlers.go", "api/routes.go"]);
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!(
        (code, lines.len()),
        (Some(0), 0),
        "staged rename: {lines:?}"
    );
    repo.commit_all("rename");
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!(
        (code, lines.len()),
        (Some(0), 0),
        "committed rename: {lines:?}"
    );
    // A plain `mv`, not told to git.
    std::fs::rename(
        repo.path().join("legacy/old.go"),
        repo.path().join("legacy/older.go"),
    )
    .unwrap();
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!(
        (code, lines.len()),
        (Some(0), 0),
        "work-tree rename: {lines:?}"
    );
    // A new file with the same text elsewhere is not a rename of a baselined one: its
    // findings are new.
    repo.write(
        "billing/copy.go",
        API.replace("package api", "package billing"),
    );
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.starts_with("billing/copy.go:")));
}

#[test]
fn paid_down_entries_are_reported_and_pruned() {
    let repo = repo_with_debt();
    write_baseline(&repo, &[]);
    repo.commit_all("baseline");
    repo.write(
        "api/handlers.go",
        API.replace(
            "// Users lists users.",
            "// Users lists users.\n// @oncall-team api",
        ),
    );
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!((code, lines.len()), (Some(0), 0));
    let human = notes(repo.path(), &[]);
    assert!(
        human.contains("note: 1 entry of .sre-policy-baseline.json no longer matches a finding: `sre-policy baseline --prune` removes them"),
        "{human}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run(repo.path(), &["check", ".", "--format", "json"]).stdout)
            .expect("JSON report");
    assert_eq!(
        json["baseline"],
        serde_json::json!({"file": ".sre-policy-baseline.json", "hidden": 4, "stale": 1})
    );
    // A run that checks a part of the tree, or one rule, judges only what it checked.
    let other_rule = notes(repo.path(), &["--rule", "metric-promauto"]);
    assert!(!other_rule.contains("no longer match"), "{other_rule}");
    let other_folder = text(&run(repo.path(), &["check", "legacy", "--format", "human"]).stdout);
    assert!(!other_folder.contains("no longer match"), "{other_folder}");

    let said = write_baseline(&repo, &["--prune"]);
    assert!(said.contains("wrote 4 findings"), "{said}");
    assert!(said.contains("1 removed"), "{said}");
    assert_eq!(
        baseline_json(&repo)["findings"].as_array().map(Vec::len),
        Some(4)
    );
    assert!(!notes(repo.path(), &[]).contains("no longer match"));
    // Pruning adds nothing: a new finding stays reported.
    repo.write(
        "api/refunds.go",
        "package api\n\nimport \"net/http\"\n\nfunc Refund(w http.ResponseWriter, r *http.Request) {}\n",
    );
    write_baseline(&repo, &["--prune"]);
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!((code, lines.len()), (Some(1), 1), "{lines:?}");
}

#[test]
fn the_file_is_sorted_versioned_and_matches_its_schema() {
    let repo = repo_with_debt();
    write_baseline(&repo, &[]);
    let document = baseline_json(&repo);
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/baseline.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(document["version"], 1);
    assert_eq!(document["commit"], repo.rev("HEAD"));
    let keys: Vec<(String, String, String)> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (field("path"), field("rule"), field("message"))
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // Written twice, byte for byte the same.
    let first = std::fs::read(repo.path().join(".sre-policy-baseline.json")).unwrap();
    write_baseline(&repo, &[]);
    assert_eq!(
        first,
        std::fs::read(repo.path().join(".sre-policy-baseline.json")).unwrap()
    );
}

#[test]
fn a_folder_baseline_keeps_the_entries_of_other_folders() {
    let repo = repo_with_debt();
    write_baseline(&repo, &[]);
    repo.write(
        "legacy/old.go",
        API.replace("package api", "package legacy").replace(
            "// Orders lists orders.",
            "// Orders lists orders.\n// @oncall-team x",
        ),
    );
    write_baseline(&repo, &["legacy"]);
    let paths: Vec<String> = baseline_json(&repo)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(paths.iter().filter(|p| p.starts_with("api/")).count(), 3);
    assert_eq!(paths.iter().filter(|p| p.starts_with("legacy/")).count(), 1);
}

#[test]
fn explicit_missing_and_broken_baselines() {
    let repo = repo_with_debt();
    write_baseline(&repo, &["--baseline", "debt.json"]);
    assert!(!repo.path().join(".sre-policy-baseline.json").exists());
    let (code, lines) = check(repo.path(), &["--baseline", "debt.json"]);
    assert_eq!((code, lines.len()), (Some(0), 0));
    let (code, lines) = check(repo.path(), &[]);
    assert_eq!(
        (code, lines.len()),
        (Some(1), 5),
        "no default file: all reported"
    );

    let missing = run(repo.path(), &["check", ".", "--baseline", "nope.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read baseline nope.json"));

    repo.write(
        ".sre-policy-baseline.json",
        "{\"version\": 1,\n \"findings\": [}\n",
    );
    let broken = run(repo.path(), &["check", "."]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = text(&broken.stderr);
    assert!(stderr.contains(".sre-policy-baseline.json:2:"), "{stderr}");
    assert!(stderr.contains("sre-policy baseline"), "{stderr}");
    assert!(stderr.contains("--no-baseline"), "{stderr}");
    let (code, lines) = check(repo.path(), &["--no-baseline"]);
    assert_eq!((code, lines.len()), (Some(1), 5));

    repo.write(
        ".sre-policy-baseline.json",
        "{\"version\": 9, \"findings\": []}\n",
    );
    let future = run(repo.path(), &["check", "."]);
    assert_eq!(future.status.code(), Some(2));
    assert!(text(&future.stderr).contains("has version 9"));

    std::fs::remove_file(repo.path().join(".sre-policy-baseline.json")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("debt.json", repo.path().join(".sre-policy-baseline.json"))
            .unwrap();
        let linked = run(repo.path(), &["check", "."]);
        assert_eq!(linked.status.code(), Some(2));
        assert!(text(&linked.stderr).contains("is a symbolic link"));
        std::fs::remove_file(repo.path().join(".sre-policy-baseline.json")).unwrap();
    }
    let prune = run(repo.path(), &["baseline", "--prune"]);
    assert_eq!(prune.status.code(), Some(2));
    assert!(text(&prune.stderr).contains("no baseline to prune"));
}

#[test]
fn diff_mode_hides_accepted_findings_without_calling_entries_stale() {
    let repo = repo_with_debt();
    write_baseline(&repo, &[]);
    repo.commit_all("baseline");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // The handler's line changes but stays the same text after normalisation.
    repo.write(
        "api/handlers.go",
        API.replace("func Orders", "func  Orders"),
    );
    repo.write(
        "api/handlers.go",
        API.replace(
            "// Users lists users.",
            "// Users lists users.\n// @oncall-team api",
        )
        .replace("func Orders", "func  Orders"),
    );
    let (code, lines) = check(repo.path(), &["--base", "main", "--scope", "changed-files"]);
    assert_eq!((code, lines.len()), (Some(0), 0), "{lines:?}");
    let human = notes(repo.path(), &["--base", "main"]);
    assert!(!human.contains("no longer match"), "{human}");
}
