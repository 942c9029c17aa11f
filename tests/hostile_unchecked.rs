//! Inputs built to be uncheckable: every one is listed as not checked in the report, the run
//! stays bounded, and under `--fail-on-unchecked` (the default under GitHub Actions) the run
//! fails instead of passing silently.

mod robustness_common;
mod support;

use robustness_common::*;
use support::TempRepo;

/// An annotated handler: checked, it yields no finding.
const CLEAN: &str = "package x\n\nimport \"net/http\"\n\n// @oncall-team payments\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";

fn skipped_reason(json: &serde_json::Value, path: &str) -> Option<String> {
    skipped(json)
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, reason)| reason)
}

/// A handler followed by comments, over the 8 MB limit.
fn oversized() -> String {
    let mut text = CLEAN.to_string();
    while text.len() <= 9 * 1024 * 1024 {
        text.push_str("// padding padding padding padding padding padding padding padding\n");
    }
    text
}

#[test]
fn an_unchecked_file_fails_the_run_when_asked_and_under_github_actions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.go"), oversized()).unwrap();
    std::fs::write(dir.path().join("ok.go"), CLEAN).unwrap();

    let run = sre_policy(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let reason = skipped_reason(&run.json(), "big.go").expect("big.go is listed");
    assert!(reason.contains("too large"), "{reason}");

    let run = sre_policy(
        dir.path(),
        &["check", ".", "--format", "json", "--fail-on-unchecked"],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 file could not be checked"),
        "{}",
        run.stderr
    );
    // The last of the pair wins.
    let run = sre_policy(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--fail-on-unchecked",
            "--no-fail-on-unchecked",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    // Not a pull request run, even when the tests themselves run in one.
    let actions = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_PATH", ""),
        ("GITHUB_BASE_REF", ""),
    ];
    let run = sre_policy_env(dir.path(), &["check", "."], &actions);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("big.go"), "{}", run.stdout);
    let run = sre_policy_env(
        dir.path(),
        &["check", ".", "--no-fail-on-unchecked"],
        &actions,
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let run = sre_policy_env(dir.path(), &["check", ".", "--fail-on", "never"], &actions);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn a_huge_file_in_a_change_is_capped_and_listed() {
    let repo = TempRepo::init();
    repo.write(GOOD_NAME, GOOD);
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // One 30 MB line after a handler: read from git objects, not from disk.
    let mut text = CLEAN.to_string();
    text.push_str("var s = \"");
    text.push_str(&"a".repeat(30 * 1024 * 1024));
    text.push_str("\"\n");
    repo.write("huge.go", text);
    repo.write("new.go", GOOD.replace("Good", "New"));
    repo.commit_all("feature");
    let run = sre_policy(
        repo.path(),
        &[
            "check",
            ".",
            "--base",
            "main",
            "--format",
            "json",
            "--fail-on-unchecked",
        ],
    );
    run.assert_source_level();
    let json = run.json();
    let reason = skipped_reason(&json, "huge.go").expect("huge.go is listed");
    assert!(reason.contains("too large"), "{reason}");
    assert!(findings(&json).contains(&("new.go".into(), 5, "handler-oncall".into())));
    assert_eq!(run.code, Some(1));
}

#[test]
fn error_recovery_bombs_are_not_parsed() {
    let dir = tree_with_good_file();
    let head =
        "package x\n\nimport \"net/http\"\n\nfunc H(w http.ResponseWriter, r *http.Request) {}\n\n";
    std::fs::write(
        dir.path().join("index.go"),
        format!("{head}var x = {}\n", "a[".repeat(300_000)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("call.go"),
        format!("{head}func f() {{ f({}\n", "f(a[".repeat(200_000)),
    )
    .unwrap();
    // Unclosed brackets cut into short runs by wrong closers: each run is shallow, but the
    // parser keeps every open one.
    std::fs::write(
        dir.path().join("runs.go"),
        format!(
            "{head}{}",
            format!("var v = {}}}\n", "f(a[".repeat(250)).repeat(400)
        ),
    )
    .unwrap();
    // Two million tokens: a tree of about 600 MB.
    std::fs::write(
        dir.path().join("tokens.go"),
        format!("{head}func g() {{\n{}}}\n", "a;".repeat(1_000_000)),
    )
    .unwrap();
    let run = sre_policy(dir.path(), &["check", ".", "--format", "json"]);
    run.assert_source_level();
    let json = run.json();
    for path in ["index.go", "call.go", "runs.go"] {
        let reason = skipped_reason(&json, path).unwrap_or_else(|| panic!("{path}: {json}"));
        assert!(reason.contains("not balanced"), "{path}: {reason}");
    }
    let reason = skipped_reason(&json, "tokens.go").expect("tokens.go is listed");
    assert!(reason.contains("too many tokens"), "{reason}");
    assert_good_reported(&json, "");
}

#[test]
fn deep_balanced_nesting_is_still_checked() {
    let dir = tree_with_good_file();
    // Balanced nesting far over the limit parses quickly: checked, not listed.
    std::fs::write(
        dir.path().join("deep.go"),
        format!(
            "package x\nimport \"net/http\"\nfunc D(w http.ResponseWriter, r *http.Request) {{}}\nvar v = {}1{}\n",
            "(".repeat(20_000),
            ")".repeat(20_000)
        ),
    )
    .unwrap();
    let run = sre_policy(dir.path(), &["check", ".", "--format", "json"]);
    run.assert_source_level();
    let json = run.json();
    assert!(skipped_reason(&json, "deep.go").is_none(), "{json}");
    assert!(findings(&json).contains(&("deep.go".into(), 3, "handler-oncall".into())));
}

#[test]
fn a_go_file_the_change_makes_a_link_is_listed_and_fails_closed() {
    let repo = TempRepo::init();
    repo.write(GOOD_NAME, GOOD);
    repo.write("real/impl.go.txt", CLEAN);
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // `go build` compiles a linked `.go` file: a change that adds one adds code.
    std::os::unix::fs::symlink("real/impl.go.txt", repo.path().join("linked.go")).unwrap();
    repo.write("new.go", GOOD.replace("Good", "New"));
    repo.commit_all("feature");
    for args in [
        &["--base", "main"][..],
        &["--base", "main", "--head", "HEAD"][..],
    ] {
        let mut full = vec!["check", ".", "--format", "json", "--fail-on-unchecked"];
        full.extend_from_slice(args);
        let run = sre_policy(repo.path(), &full);
        run.assert_source_level();
        let json = run.json();
        let reason = skipped_reason(&json, "linked.go").expect("linked.go is listed");
        assert!(reason.contains("symbolic link"), "{reason}");
        assert!(findings(&json).contains(&("new.go".into(), 5, "handler-oncall".into())));
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_tracked_go_file_swapped_for_a_fifo_or_a_device_link_is_listed_not_read() {
    let repo = TempRepo::init();
    repo.write(GOOD_NAME, GOOD);
    repo.write("fifo.go", CLEAN);
    repo.write("zero.go", CLEAN);
    repo.commit_all("base");
    repo.remove("fifo.go");
    let fifo = std::ffi::CString::new(repo.path().join("fifo.go").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    repo.remove("zero.go");
    std::os::unix::fs::symlink("/dev/zero", repo.path().join("zero.go")).unwrap();
    repo.write("new.go", GOOD.replace("Good", "New"));
    let run = sre_policy(
        repo.path(),
        &[
            "check",
            ".",
            "--base",
            "main",
            "--format",
            "json",
            "--fail-on-unchecked",
        ],
    );
    run.assert_source_level();
    let json = run.json();
    let fifo = skipped_reason(&json, "fifo.go").expect("fifo.go is listed");
    assert!(fifo.contains("not a regular file"), "{fifo}");
    let zero = skipped_reason(&json, "zero.go").expect("zero.go is listed");
    assert!(zero.contains("symbolic link"), "{zero}");
    assert!(findings(&json).contains(&("new.go".into(), 5, "handler-oncall".into())));
    assert_eq!(run.code, Some(1));
}
