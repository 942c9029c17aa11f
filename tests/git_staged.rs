//! `--staged` (pre-commit mode): HEAD against the index, contents read from the index.

mod support;

use sre_policy::git::{code, ChangeRequest, ChangeSet, FileStatus};
use support::{After, TempRepo};

fn staged() -> ChangeRequest {
    ChangeRequest {
        staged: true,
        ..ChangeRequest::default()
    }
}

fn staged_set(repo: &TempRepo) -> ChangeSet {
    support::open(repo)
        .change_set(&staged(), &support::all_contents)
        .unwrap_or_else(|e| panic!("staged change set: {e:?}"))
}

fn paths(set: &ChangeSet) -> Vec<&str> {
    set.files.iter().map(|f| f.path.as_str()).collect()
}

fn error_code(err: &miette::Report) -> String {
    err.code().map(|c| c.to_string()).unwrap_or_default()
}

#[test]
fn staged_changes_are_read_from_the_index() {
    let repo = support::diff_repo("modified_lines", After::Staged);
    let set = staged_set(&repo);
    assert_eq!(paths(&set), ["svc/client.go", "svc/retry.go"]);
    let client = set.file("svc/client.go").expect("client.go");
    assert_eq!(client.status, FileStatus::Modified);
    assert_eq!(client.added_lines, [11, 17, 18, 19, 20, 21]);
    assert_eq!(client.removed_lines, [11, 17, 18]);
    assert_eq!(set.base_commit, Some(repo.rev("HEAD")));
    assert_eq!(set.head_commit, None);
    assert!(set.commit_messages.is_empty());
}

#[test]
fn a_fix_left_unstaged_is_not_seen() {
    let repo = support::diff_repo("modified_lines", After::Staged);
    let staged_retry = std::fs::read(repo.path().join("svc/retry.go")).expect("read");
    // The developer fixes the file but does not `git add` the fix: the commit would
    // still contain the staged version, so that is what is checked.
    repo.write(
        "svc/retry.go",
        "package svc\n\n// fixed\nconst MaxRetries = 3\n",
    );
    repo.write("svc/untracked.go", "package svc\n");
    repo.write("docs/troubleshooting.md", "# edited but not staged\n");
    let set = staged_set(&repo);
    assert_eq!(paths(&set), ["svc/client.go", "svc/retry.go"]);
    let retry = set.file("svc/retry.go").expect("retry.go");
    assert_eq!(retry.new_content.as_deref(), Some(&staged_retry[..]));
    assert_eq!(retry.added_lines, [1, 2, 3, 4]);
}

#[test]
fn nothing_staged_is_an_empty_change_set() {
    let repo = support::diff_repo("modified_lines", After::WorkTree);
    let set = staged_set(&repo);
    assert!(set.files.is_empty(), "{:?}", paths(&set));
}

#[test]
fn unborn_head_is_compared_with_the_empty_tree() {
    let repo = TempRepo::init();
    repo.write("main.go", "package main\n\nfunc main() {}\n");
    repo.write("README.md", "# new\n");
    repo.git(&["add", "main.go"]);
    let set = staged_set(&repo);
    assert_eq!(paths(&set), ["main.go"]);
    let main = set.file("main.go").expect("main.go");
    assert_eq!(main.status, FileStatus::Added);
    assert_eq!(main.added_lines, [1, 2, 3]);
    assert_eq!(
        main.new_content.as_deref(),
        Some(&b"package main\n\nfunc main() {}\n"[..])
    );
    assert_eq!(set.base_commit, None);
}

#[test]
fn staged_rename_and_delete() {
    let repo = support::diff_repo("rename_edit", After::Staged);
    let set = staged_set(&repo);
    assert_eq!(paths(&set), ["pkg/storage.go"]);
    let moved = set.file("pkg/storage.go").expect("storage.go");
    assert_eq!(moved.status, FileStatus::Renamed);
    assert_eq!(moved.old_path.as_deref(), Some("pkg/store.go"));
    assert_eq!(moved.added_lines, [10]);

    let repo = support::diff_repo("deleted", After::Staged);
    let set = staged_set(&repo);
    assert_eq!(paths(&set), ["cmd/dial.go"]);
    assert_eq!(set.files[0].status, FileStatus::Deleted);
    assert_eq!(set.files[0].removed_lines, [1, 2, 3, 4, 5]);
}

#[test]
fn staged_cannot_be_combined_with_base() {
    let repo = support::diff_repo("modified_lines", After::Staged);
    let req = ChangeRequest {
        base: Some("main".into()),
        staged: true,
        ..ChangeRequest::default()
    };
    let err = support::open(&repo)
        .change_set(&req, &support::all_contents)
        .expect_err("--staged with --base");
    assert_eq!(error_code(&err), code::USAGE);
    assert!(err.help().is_some());
}

#[test]
fn a_held_index_lock_does_not_stop_a_read_only_check() {
    // `git commit` holds `index.lock` while its pre-commit hook runs; the check only reads.
    let repo = support::diff_repo("modified_lines", After::Staged);
    std::fs::write(repo.path().join(".git/index.lock"), b"").expect("lock");
    let set = staged_set(&repo);
    assert_eq!(paths(&set), ["svc/client.go", "svc/retry.go"]);
}

#[test]
fn a_corrupt_index_is_a_clear_error() {
    let repo = support::diff_repo("modified_lines", After::Staged);
    std::fs::write(repo.path().join(".git/index"), b"DIRC\0\0\0\x02garbage").expect("corrupt");
    let err = support::open(&repo)
        .change_set(&staged(), &support::all_contents)
        .expect_err("corrupt index");
    assert_eq!(error_code(&err), code::CORRUPT, "{err:?}");
    assert!(err.to_string().contains("index"), "{err}");
    assert!(err.help().expect("help").to_string().contains("git fsck"));
}
