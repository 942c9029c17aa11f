//! Discovery honours git's environment variables (`GIT_INDEX_FILE`, `GIT_DIR`), as a
//! hook run by `git commit -a` or `git commit -- path` needs.
//!
//! These tests change the process environment, so they live in their own test binary
//! and take `ENV_LOCK` for their whole run.

mod support;

use std::path::Path;
use std::sync::Mutex;

use sre_policy::git::{ChangeRequest, ChangeSet};
use support::After;

static ENV_LOCK: Mutex<()> = Mutex::new(());

/// Runs `f` with `vars` set, then removes them again.
fn with_env<T>(vars: &[(&str, &Path)], f: impl FnOnce() -> T) -> T {
    let _guard = ENV_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    support::isolate();
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    for (k, _) in vars {
        std::env::remove_var(k);
    }
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn staged_at(path: &Path) -> ChangeSet {
    let req = ChangeRequest {
        staged: true,
        ..ChangeRequest::default()
    };
    support::open_at(path)
        .change_set(&req, &support::all_contents)
        .unwrap_or_else(|e| panic!("staged change set: {e:?}"))
}

fn paths(set: &ChangeSet) -> Vec<&str> {
    set.files.iter().map(|f| f.path.as_str()).collect()
}

#[test]
fn staged_reads_the_index_named_by_git_index_file() {
    let repo = support::diff_repo("modified_lines", After::WorkTree);
    // Like `git commit -- svc/client.go`: a temporary index with only that path staged,
    // while the repository's own index stages nothing.
    let alternate = repo.path().join(".git/next-index-1234.lock");
    std::fs::copy(repo.path().join(".git/index"), &alternate).expect("copy index");
    support::git_in(
        repo.path(),
        &["add", "svc/client.go"],
        &[("GIT_INDEX_FILE", &alternate)],
    );

    let with_alternate = with_env(&[("GIT_INDEX_FILE", &alternate)], || staged_at(repo.path()));
    assert_eq!(paths(&with_alternate), ["svc/client.go"]);
    let client = &with_alternate.files[0];
    assert_eq!(client.added_lines, [11, 17, 18, 19, 20, 21]);

    let without = with_env(&[], || staged_at(repo.path()));
    assert!(without.files.is_empty(), "{:?}", paths(&without));
}

#[test]
fn git_dir_and_git_work_tree_win_over_the_search() {
    let repo = support::diff_repo("modified_lines", After::Staged);
    let elsewhere = support::scratch_dir();
    let git_dir = repo.path().join(".git");
    let set = with_env(
        &[("GIT_DIR", &git_dir), ("GIT_WORK_TREE", repo.path())],
        || staged_at(elsewhere.path()),
    );
    assert_eq!(paths(&set), ["svc/client.go", "svc/retry.go"]);
}
