//! Git states through the binary (the library-level cases are in tests/git_*.rs): a corrupt
//! object, an `index.lock`, a detached HEAD, a linked worktree, a bare repository with
//! `--head`, and hostile source files inside a change.

mod robustness_common;
mod support;

use robustness_common::*;
use support::TempRepo;

const NEW: &str =
    "package x\nimport \"net/http\"\nfunc New(w http.ResponseWriter, r *http.Request) {}\n";

/// `main` with the good file; `feature` adds new.go (one handler, one troubleshooting-doc).
fn repo() -> TempRepo {
    let repo = TempRepo::init();
    repo.write(GOOD_NAME, GOOD);
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("new.go", NEW);
    repo.commit_all("feature");
    repo
}

fn rules(run: &Run) -> Vec<(String, u64, String)> {
    findings(&run.json())
}

fn expect_new_handler(run: &Run) {
    run.assert_source_level();
    let found = rules(run);
    assert!(
        found.contains(&("new.go".into(), 3, "handler-oncall".into())),
        "{found:?}"
    );
}

#[test]
fn an_index_lock_does_not_stop_a_read_only_check() {
    let repo = repo();
    std::fs::write(repo.path().join(".git/index.lock"), "").unwrap();
    let run = sre_policy(
        repo.path(),
        &["check", ".", "--base", "main", "--format", "json"],
    );
    expect_new_handler(&run);
    let staged = sre_policy(repo.path(), &["check", ".", "--staged", "--format", "json"]);
    staged.assert_source_level();
    // The lock is left alone.
    assert!(repo.path().join(".git/index.lock").exists());
}

#[test]
fn a_detached_head() {
    let repo = repo();
    repo.git(&["checkout", "-q", "--detach", "HEAD"]);
    let run = sre_policy(
        repo.path(),
        &["check", ".", "--base", "main", "--format", "json"],
    );
    expect_new_handler(&run);
}

#[test]
fn a_linked_worktree() {
    let repo = repo();
    let linked = tempfile::tempdir().unwrap();
    let path = linked.path().join("wt");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["worktree", "add", "-q", path.to_str().unwrap(), "feature"]);
    std::fs::write(path.join("more.go"), HANDLER).unwrap();
    let run = sre_policy(&path, &["check", ".", "--base", "main", "--format", "json"]);
    expect_new_handler(&run);
    assert!(rules(&run).iter().any(|(p, _, _)| p == "more.go"));
}

#[test]
fn a_bare_repository_with_head_and_without() {
    let repo = repo();
    let bare = tempfile::tempdir().unwrap();
    let path = bare.path().join("bare.git");
    repo.git(&["clone", "-q", "--bare", ".", path.to_str().unwrap()]);
    let run = sre_policy(
        &path,
        &[
            "check", ".", "--base", "main", "--head", "feature", "--format", "json",
        ],
    );
    expect_new_handler(&run);
    let staged = sre_policy(&path, &["check", ".", "--staged"]);
    staged.assert_tool_error(&["bare repository", "--head"]);
}

#[test]
fn a_corrupt_object_is_a_clear_error() {
    let repo = repo();
    let oid = repo.rev("HEAD:new.go");
    let object = repo
        .path()
        .join(".git/objects")
        .join(&oid[..2])
        .join(&oid[2..]);
    let mut permissions = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&object, permissions).unwrap();
    std::fs::write(&object, b"not zlib data").unwrap();
    let run = sre_policy(
        repo.path(),
        &["check", ".", "--base", "main", "--format", "json"],
    );
    run.assert_tool_error(&["git fsck"]);
    assert!(run.stdout.is_empty(), "no half report: {}", run.stdout);
}

#[test]
fn hostile_files_inside_a_change_are_handled_like_on_disk() {
    let repo = repo();
    repo.write(
        "deep.go",
        format!(
            "package x\nimport \"net/http\"\nfunc H(w http.ResponseWriter, r *http.Request) {{}}\nvar v = {}1{}\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    repo.write(
        "broken.go",
        "package x\nimport \"net/http\"\nfunc B(w http.ResponseWriter, r *http.Request) {\n",
    );
    repo.write("latin1.go", b"package x\n// caf\xe9\n".as_slice());
    repo.commit_all("hostile");
    for scope in ["added", "all"] {
        let run = sre_policy(
            repo.path(),
            &[
                "check", ".", "--base", "main", "--scope", scope, "--format", "json",
            ],
        );
        expect_new_handler(&run);
        let found = rules(&run);
        assert!(
            found.contains(&("deep.go".into(), 1, "parse-error".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&("broken.go".into(), 3, "handler-oncall".into())),
            "{found:?}"
        );
        if scope == "all" {
            assert_good_reported(&run.json(), "");
        }
    }
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the panic hook is compiled into debug builds only"
)]
fn a_panic_in_one_changed_file_is_contained_and_reported() {
    let repo = repo();
    repo.write(
        "broken.go",
        "package x\nimport \"net/http\"\nfunc B(w http.ResponseWriter, r *http.Request) {}\n",
    );
    repo.commit_all("broken");
    let panicking = sre_policy_env(
        repo.path(),
        &["check", ".", "--base", "main", "--format", "json"],
        &[("SRE_POLICY_TEST_PANIC_ON", "broken.go")],
    );
    panicking.assert_tool_error(&["internal error"]);
    assert!(panicking.stdout.contains("new.go"), "{}", panicking.stdout);
}
