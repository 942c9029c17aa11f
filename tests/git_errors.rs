//! Errors: each is a miette report with a stable code, a clear message and a remedy.

mod support;

use std::path::Path;

use sre_policy::git::{code, ChangeRequest, Repo};
use support::{After, TempRepo};

fn base(rev: &str) -> ChangeRequest {
    ChangeRequest {
        base: Some(rev.to_owned()),
        ..ChangeRequest::default()
    }
}

fn range(base: &str, head: &str) -> ChangeRequest {
    ChangeRequest {
        base: Some(base.to_owned()),
        head: Some(head.to_owned()),
        staged: false,
    }
}

/// The error of `change_set(req)` in the repository at `path`.
fn change_set_error(path: &Path, req: &ChangeRequest) -> miette::Report {
    support::open_at(path)
        .change_set(req, &support::all_contents)
        .expect_err("expected an error")
}

fn error_code(err: &miette::Report) -> String {
    err.code().map(|c| c.to_string()).unwrap_or_default()
}

fn help(err: &miette::Report) -> String {
    err.help().map(|h| h.to_string()).unwrap_or_default()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn base_not_found_names_the_flag_and_how_to_fetch_it() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let err = change_set_error(repo.path(), &base("origin/release-1.2"));
    assert_eq!(error_code(&err), code::REV_NOT_FOUND);
    assert!(
        err.to_string().contains("--base `origin/release-1.2`"),
        "{err}"
    );
    assert!(
        help(&err).contains("git fetch origin release-1.2"),
        "{}",
        help(&err)
    );
}

#[test]
fn head_not_found_names_the_head_flag() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let err = change_set_error(repo.path(), &range("main", "no-such-branch"));
    assert_eq!(error_code(&err), code::REV_NOT_FOUND);
    assert!(err.to_string().contains("--head `no-such-branch`"), "{err}");
}

#[test]
fn base_that_exists_only_as_a_remote_tracking_branch_suggests_it() {
    let origin = support::diff_repo("modified_lines", After::Committed);
    let scratch = support::scratch_dir();
    support::git_in(
        scratch.path(),
        &[
            "clone",
            "-q",
            "--branch",
            "feature",
            &file_url(origin.path()),
            "clone",
        ],
        &[],
    );
    let clone = scratch.path().join("clone");
    let err = change_set_error(&clone, &base("main"));
    assert_eq!(error_code(&err), code::REV_NOT_FOUND);
    assert!(help(&err).contains("--base origin/main"), "{}", help(&err));
    // And the suggestion works.
    let set = support::open_at(&clone)
        .change_set(&base("origin/main"), &support::all_contents)
        .expect("origin/main");
    assert_eq!(set.files.len(), 2);
}

#[test]
fn shallow_clone_without_the_base_says_it_is_shallow_and_names_fetch_depth() {
    let origin = support::diff_repo("modified_lines", After::Committed);
    let (_scratch, shallow) = support::shallow_clone(&origin, &[]);
    assert!(support::open_at(&shallow).is_shallow());
    let err = change_set_error(&shallow, &base("origin/main"));
    assert_eq!(error_code(&err), code::SHALLOW, "{err:?}");
    assert!(err.to_string().contains("shallow"), "{err}");
    let help = help(&err);
    assert!(help.contains("fetch-depth: 0"), "{help}");
    assert!(help.contains("actions/checkout"), "{help}");
}

#[test]
fn shallow_clone_with_both_tips_but_no_merge_base_says_it_is_shallow() {
    let origin = support::diff_repo("modified_lines", After::Committed);
    // main moves on, so that neither tip is the merge base.
    origin.git(&["checkout", "-q", "main"]);
    origin.write("later.go", "package main\n");
    origin.commit_all("later on main");
    let (_scratch, shallow) = support::shallow_clone(&origin, &["--no-single-branch"]);
    let err = change_set_error(&shallow, &base("origin/main"));
    assert_eq!(error_code(&err), code::SHALLOW, "{err:?}");
    assert!(err.to_string().contains("merge base"), "{err}");
    assert!(help(&err).contains("git fetch --deepen"), "{}", help(&err));
}

#[test]
fn head_alone_at_a_shallow_boundary_is_an_error_not_an_all_added_diff() {
    let origin = support::diff_repo("modified_lines", After::Committed);
    let (_scratch, shallow) = support::shallow_clone(&origin, &[]);
    let req = ChangeRequest {
        head: Some("HEAD".into()),
        ..ChangeRequest::default()
    };
    let err = change_set_error(&shallow, &req);
    assert_eq!(error_code(&err), code::SHALLOW, "{err:?}");
}

#[test]
fn unrelated_histories_have_no_merge_base() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    repo.git(&["checkout", "-q", "--orphan", "unrelated"]);
    repo.git(&["rm", "-q", "-r", "-f", "."]);
    repo.write("other.go", "package other\n");
    repo.commit_all("unrelated root");
    repo.git(&["checkout", "-q", "feature"]);
    let err = change_set_error(repo.path(), &base("unrelated"));
    assert_eq!(error_code(&err), code::NO_MERGE_BASE, "{err:?}");
    assert!(err.to_string().contains("no common ancestor"), "{err}");
    assert!(help(&err).contains("--base"), "{}", help(&err));
}

#[test]
fn base_with_an_unborn_head_says_there_is_no_commit_yet() {
    let repo = TempRepo::init();
    repo.write("main.go", "package main\n");
    let err = change_set_error(repo.path(), &base("main"));
    assert_eq!(error_code(&err), code::UNBORN_HEAD, "{err:?}");
    assert!(help(&err).contains("--staged"), "{}", help(&err));
}

#[test]
fn base_with_head_on_a_missing_branch_names_the_branch_not_a_first_commit() {
    let repo = TempRepo::init();
    repo.write("main.go", "package main\n");
    repo.commit_all("first");
    repo.git(&["symbolic-ref", "HEAD", "refs/heads/gone"]);
    let err = change_set_error(repo.path(), &base("main"));
    assert_eq!(error_code(&err), code::UNBORN_HEAD, "{err:?}");
    assert!(err.to_string().contains("`gone`"), "{err}");
    assert!(help(&err).contains("git switch"), "{}", help(&err));
}

#[test]
fn a_revision_that_is_not_a_commit_is_rejected() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let err = change_set_error(repo.path(), &base("main:svc/client.go"));
    assert_eq!(error_code(&err), code::NOT_A_COMMIT, "{err:?}");
}

#[test]
fn outside_a_repository_discover_is_none() {
    let dir = support::scratch_dir();
    let found = Repo::discover(dir.path()).expect("no error outside a repository");
    assert!(found.is_none());
    let err = Repo::discover_required(dir.path()).expect_err("required");
    assert_eq!(error_code(&err), code::NOT_A_REPO);
    assert!(
        err.to_string().contains("not inside a git repository"),
        "{err}"
    );
    assert!(help(&err).contains("diff mode"), "{}", help(&err));
}

#[test]
fn a_missing_path_is_an_error_not_none() {
    let dir = support::scratch_dir();
    let err = Repo::discover(&dir.path().join("nope")).expect_err("missing path");
    assert_eq!(error_code(&err), code::IO);
}

#[test]
fn a_missing_object_is_a_clear_error() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let blob = repo.rev("feature:svc/retry.go");
    let loose = repo
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&loose).expect("remove the loose object");
    let err = change_set_error(repo.path(), &range("main", "feature"));
    assert_eq!(error_code(&err), code::CORRUPT, "{err:?}");
    assert!(help(&err).contains("git fsck"), "{}", help(&err));
}

#[test]
fn a_repository_owned_by_another_user_names_safe_directory() {
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .expect("id -u");
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        eprintln!("skipped: changing a repository's owner needs root");
        return;
    }
    let repo = support::diff_repo("modified_lines", After::Committed);
    let status = std::process::Command::new("chown")
        .args(["-R", "12345:12345"])
        .arg(repo.path())
        .status()
        .expect("chown");
    assert!(status.success());
    let err = Repo::discover(repo.path()).expect_err("dubious ownership");
    assert_eq!(error_code(&err), code::DUBIOUS_OWNERSHIP, "{err:?}");
    let help = help(&err);
    let expected = format!(
        "git config --global --add safe.directory {}",
        repo.path().display()
    );
    assert!(help.contains(&expected), "{help}");
}

#[test]
fn unresolved_merge_conflicts_are_an_error_naming_the_file() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "svc/client.go",
        "package svc\n\n// conflicting edit on main\n",
    );
    repo.commit_all("conflicting edit on main");
    repo.git(&["checkout", "-q", "feature"]);
    let merge = support::git_command(repo.path())
        .args(["merge", "-q", "main"])
        .output()
        .expect("git merge");
    assert!(!merge.status.success(), "the merge must conflict");
    let staged = ChangeRequest {
        staged: true,
        ..ChangeRequest::default()
    };
    for req in [base("main"), staged, ChangeRequest::default()] {
        let err = change_set_error(repo.path(), &req);
        assert_eq!(error_code(&err), code::CONFLICT, "{req:?}: {err:?}");
        assert!(err.to_string().contains("svc/client.go"), "{err}");
    }
}
