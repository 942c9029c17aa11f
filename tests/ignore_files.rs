//! Ignore files through the binary: a Go file that `.gitignore`, `.ignore`,
//! `.git/info/exclude` or git's global excludes file leaves out is not checked, the same in
//! whole-tree and diff mode; `--no-ignore` checks it everywhere.

mod support;

use std::path::Path;
use std::process::Command;

use support::TempRepo;

const HANDLER: &str =
    "package api\n\nimport \"net/http\"\n\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";

/// A repository whose second commit adds handlers (all without an annotation), some of them
/// in files its ignore files list (committed with `git add -f`, as happens when a pattern is
/// added after the file). `home` holds git's global excludes file.
fn repo_with_ignored_files() -> (TempRepo, tempfile::TempDir) {
    let repo = TempRepo::init();
    repo.write(".gitignore", "generated/\n*_local.go\n!keep_local.go\n");
    repo.write("api/.ignore", "scratch.go\n");
    repo.commit_all("base");
    for rel in [
        "api/h.go",
        "api/keep_local.go",
        "api/h_local.go",
        "api/scratch.go",
        "api/mine.go",
        "api/info.go",
        "generated/api/h.go",
    ] {
        repo.write(rel, HANDLER.replace("func H", "func Handler"));
    }
    repo.git(&["add", "-A", "-f"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "handlers"]);
    repo.write(".git/info/exclude", "info.go\n");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".config/git")).unwrap();
    std::fs::write(home.path().join(".config/git/ignore"), "mine.go\n").unwrap();
    (repo, home)
}

/// The paths of the findings of `sre-policy <args> --format json`, sorted.
fn finding_paths(repo: &TempRepo, home: &Path, args: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .args(["--format", "json", "--fail-on", "never"])
        .current_dir(repo.path())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let mut paths: Vec<String> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    paths.sort();
    paths
}

#[test]
fn ignored_go_files_are_left_out_in_whole_tree_and_diff_mode_alike() {
    let (repo, home) = repo_with_ignored_files();
    let checked = ["api/h.go", "api/keep_local.go"];
    for mode in [
        &["check", "--rule", "handler-oncall"][..],
        &["check", "--rule", "handler-oncall", "--base", "HEAD~1"],
        &[
            "check",
            "--rule",
            "handler-oncall",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
        ],
    ] {
        assert_eq!(finding_paths(&repo, home.path(), mode), checked, "{mode:?}");
    }
}

#[test]
fn no_ignore_checks_every_file_in_both_modes() {
    let (repo, home) = repo_with_ignored_files();
    let everything = [
        "api/h.go",
        "api/h_local.go",
        "api/info.go",
        "api/keep_local.go",
        "api/mine.go",
        "api/scratch.go",
        "generated/api/h.go",
    ];
    for mode in [
        &["check", "--no-ignore", "--rule", "handler-oncall"][..],
        &[
            "check",
            "--no-ignore",
            "--rule",
            "handler-oncall",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
        ],
    ] {
        assert_eq!(
            finding_paths(&repo, home.path(), mode),
            everything,
            "{mode:?}"
        );
    }
}

#[test]
fn inventory_honours_ignore_files_unless_no_ignore() {
    let (repo, home) = repo_with_ignored_files();
    let handlers = |args: &[&str]| -> Vec<String> {
        let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
            .args(["inventory", "--format", "json"])
            .args(args)
            .current_dir(repo.path())
            .env_remove("XDG_CONFIG_HOME")
            .env("HOME", home.path())
            .output()
            .expect("binary runs");
        assert!(output.status.success(), "{output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let mut paths: Vec<String> = json["handlers"]
            .as_array()
            .expect("handlers")
            .iter()
            .map(|h| h["path"].as_str().expect("path").to_string())
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(handlers(&[]), ["api/h.go", "api/keep_local.go"]);
    assert_eq!(handlers(&["--no-ignore"]).len(), 7);
}
