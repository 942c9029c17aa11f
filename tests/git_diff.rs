//! Change sets of committed and work-tree changes, against real temporary repositories.

mod support;

use sre_policy::git::{ChangeRequest, ChangeSet, ChangedFile, FileStatus};
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

fn change_set(repo: &TempRepo, req: &ChangeRequest) -> ChangeSet {
    support::open(repo)
        .change_set(req, &support::all_contents)
        .unwrap_or_else(|e| panic!("change_set({req:?}): {e:?}"))
}

fn paths(set: &ChangeSet) -> Vec<&str> {
    set.files.iter().map(|f| f.path.as_str()).collect()
}

fn file<'a>(set: &'a ChangeSet, path: &str) -> &'a ChangedFile {
    set.file(path)
        .unwrap_or_else(|| panic!("{path} not in the change set: {:?}", paths(set)))
}

fn lines(file: &ChangedFile) -> (Vec<usize>, Vec<usize>) {
    (file.added_lines.clone(), file.removed_lines.clone())
}

/// The expectations of `fixtures/diff/modified_lines`, whatever the new side is.
fn assert_modified_lines_case(set: &ChangeSet) {
    assert_eq!(paths(set), ["svc/client.go", "svc/retry.go"]);
    let client = file(set, "svc/client.go");
    assert_eq!(client.status, FileStatus::Modified);
    assert_eq!(client.old_path, None);
    assert_eq!(
        lines(client),
        (vec![11, 17, 18, 19, 20, 21], vec![11, 17, 18])
    );
    assert!(client.is_line_added(18) && !client.is_line_added(12));
    let retry = file(set, "svc/retry.go");
    assert_eq!(retry.status, FileStatus::Added);
    assert_eq!(lines(retry), (vec![1, 2, 3, 4], vec![]));
}

#[test]
fn committed_change_has_exact_added_and_removed_lines() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let set = change_set(&repo, &base("main"));
    assert_modified_lines_case(&set);
    assert_eq!(set.base_commit, Some(repo.rev("main")));
    assert_eq!(set.head_commit, None, "the new side is the work tree");
}

#[test]
fn work_tree_change_counts_modified_and_untracked_files() {
    let repo = support::diff_repo("modified_lines", After::WorkTree);
    let set = change_set(&repo, &base("main"));
    assert_modified_lines_case(&set);
    assert!(
        set.commit_messages.is_empty(),
        "HEAD is the base: no commits in range"
    );
}

#[test]
fn staged_but_uncommitted_changes_count_in_work_tree_mode() {
    let repo = support::diff_repo("modified_lines", After::Staged);
    assert_modified_lines_case(&change_set(&repo, &base("main")));
}

#[test]
fn work_tree_contents_are_read_from_disk_and_old_contents_from_the_base() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    repo.write("svc/retry.go", "package svc\n\nconst MaxRetries = 5\n");
    let set = change_set(&repo, &base("main"));
    let retry = file(&set, "svc/retry.go");
    assert_eq!(
        retry.new_content.as_deref(),
        Some(&b"package svc\n\nconst MaxRetries = 5\n"[..])
    );
    assert_eq!(retry.old_content, None, "an added file has no old side");
    assert_eq!(lines(retry), (vec![1, 2, 3], vec![]));
    let client = file(&set, "svc/client.go");
    let before = std::fs::read(support::case_dir("modified_lines").join("before/svc/client.go"))
        .expect("fixture");
    assert_eq!(client.old_content.as_deref(), Some(&before[..]));
}

#[test]
fn contents_are_loaded_only_for_files_the_caller_wants() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let asked = std::cell::RefCell::new(Vec::new());
    let want = |path: &str| {
        asked.borrow_mut().push(path.to_owned());
        path.ends_with("client.go")
    };
    let set = support::open(&repo)
        .change_set(&base("main"), &want)
        .expect("change set");
    let mut asked = asked.into_inner();
    asked.sort();
    assert_eq!(
        asked,
        ["svc/client.go", "svc/retry.go"],
        "asked only about changed files"
    );
    let client = file(&set, "svc/client.go");
    assert!(client.old_content.is_some() && client.new_content.is_some());
    let retry = file(&set, "svc/retry.go");
    assert_eq!((&retry.old_content, &retry.new_content), (&None, &None));
}

#[test]
fn head_revision_is_compared_commit_to_commit_ignoring_the_work_tree() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    // Uncommitted edits and untracked files are not part of `--head feature`.
    repo.write("svc/retry.go", "package svc\n");
    repo.write("svc/untracked.go", "package svc\n");
    let set = change_set(&repo, &range("main", "feature"));
    assert_modified_lines_case(&set);
    let retry = file(&set, "svc/retry.go");
    let committed = std::fs::read(support::case_dir("modified_lines").join("after/svc/retry.go"))
        .expect("fixture");
    assert_eq!(retry.new_content.as_deref(), Some(&committed[..]));
    assert_eq!(set.head_commit, Some(repo.rev("feature")));
    assert_eq!(
        set.commit_messages,
        ["Shorten the upstream timeout and close response bodies\n"]
    );
}

#[test]
fn base_is_the_merge_base_not_the_tip_of_the_base_branch() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    // main moves on after the branch point; its change is not the PR's change.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("other.go", "package main\n");
    let merge_base = repo.rev("HEAD");
    repo.commit_all("unrelated work on main");
    repo.git(&["checkout", "-q", "feature"]);
    let set = change_set(&repo, &range("main", "feature"));
    assert_modified_lines_case(&set);
    assert_eq!(set.base_commit, Some(merge_base));
}

#[test]
fn head_alone_is_compared_with_its_first_parent() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    repo.write(
        "svc/retry.go",
        "package svc\n\nconst MaxRetries = 3\n\nconst Backoff = 1\n",
    );
    repo.commit_all("second commit");
    let req = ChangeRequest {
        head: Some("HEAD".into()),
        ..ChangeRequest::default()
    };
    let set = change_set(&repo, &req);
    assert_eq!(paths(&set), ["svc/retry.go"]);
    assert_eq!(lines(file(&set, "svc/retry.go")), (vec![4, 5], vec![3]));
    assert_eq!(set.base_commit, Some(repo.rev("HEAD~1")));
    assert_eq!(set.commit_messages, ["second commit\n"]);
}

#[test]
fn head_alone_on_a_root_commit_is_compared_with_the_empty_tree() {
    let repo = TempRepo::init();
    repo.write("main.go", "package main\n\nfunc main() {}\n");
    repo.commit_all("initial");
    let req = ChangeRequest {
        head: Some("main".into()),
        ..ChangeRequest::default()
    };
    let set = change_set(&repo, &req);
    assert_eq!(paths(&set), ["main.go"]);
    assert_eq!(file(&set, "main.go").status, FileStatus::Added);
    assert_eq!(lines(file(&set, "main.go")), (vec![1, 2, 3], vec![]));
    assert_eq!(set.base_commit, None);
}

#[test]
fn no_request_compares_head_with_the_work_tree() {
    let repo = support::diff_repo("modified_lines", After::WorkTree);
    let set = change_set(&repo, &ChangeRequest::default());
    assert_modified_lines_case(&set);
    assert_eq!(set.base_commit, Some(repo.rev("HEAD")));
}

#[test]
fn untracked_files_count_but_ignored_files_do_not() {
    let repo = support::diff_repo("untracked", After::WorkTree);
    repo.write("debug.log", "ignored\n");
    repo.write("internal/api/trace.log", "ignored too\n");
    let set = change_set(&repo, &base("main"));
    assert_eq!(paths(&set), ["internal/api/health.go"]);
    let health = file(&set, "internal/api/health.go");
    assert_eq!(health.status, FileStatus::Added);
    assert_eq!(health.added_lines, (1..=6).collect::<Vec<_>>());
    assert!(health.new_content.is_some());
}

#[test]
fn pure_rename_has_no_added_lines() {
    let repo = support::diff_repo("rename_pure", After::Committed);
    let set = change_set(&repo, &range("main", "feature"));
    assert_eq!(paths(&set), ["internal/store/redis.go"]);
    let moved = file(&set, "internal/store/redis.go");
    assert_eq!(moved.status, FileStatus::Renamed);
    assert_eq!(moved.old_path.as_deref(), Some("internal/cache/redis.go"));
    assert_eq!(lines(moved), (vec![], vec![]));
    assert_eq!(moved.old_content, moved.new_content);
}

#[test]
fn rename_with_an_edit_has_only_the_edited_line() {
    for after in [After::Committed, After::Staged, After::WorkTree] {
        let repo = support::diff_repo("rename_edit", after);
        let set = change_set(&repo, &base("main"));
        assert_eq!(paths(&set), ["pkg/storage.go"], "{after:?}");
        let moved = file(&set, "pkg/storage.go");
        assert_eq!(moved.status, FileStatus::Renamed, "{after:?}");
        assert_eq!(moved.old_path.as_deref(), Some("pkg/store.go"), "{after:?}");
        assert_eq!(lines(moved), (vec![10], vec![10]), "{after:?}");
    }
}

#[test]
fn deleted_file_has_every_old_line_removed() {
    for after in [After::Committed, After::WorkTree] {
        let repo = support::diff_repo("deleted", after);
        let set = change_set(&repo, &base("main"));
        assert_eq!(paths(&set), ["cmd/dial.go"], "{after:?}");
        let gone = file(&set, "cmd/dial.go");
        assert_eq!(gone.status, FileStatus::Deleted);
        assert_eq!(lines(gone), (vec![], vec![1, 2, 3, 4, 5]));
        assert!(gone.old_content.is_some());
        assert_eq!(gone.new_content, None);
    }
}

#[test]
fn binary_files_are_left_out() {
    for after in [After::Committed, After::WorkTree] {
        let repo = support::diff_repo("binary", after);
        let set = change_set(&repo, &base("main"));
        assert_eq!(paths(&set), ["main.go"], "{after:?}");
    }
}

#[test]
fn symbolic_links_are_left_out_and_never_followed() {
    for after in [After::Committed, After::Staged, After::WorkTree] {
        let repo = support::diff_repo("symlink", after);
        let set = change_set(&repo, &base("main"));
        // alias.go, outside.go (-> /etc/passwd) and dangling.go are links: not there.
        // config.go turned from a file into a link: the file is gone.
        assert_eq!(paths(&set), ["config.go", "helper.go"], "{after:?}");
        let config = file(&set, "config.go");
        assert_eq!(config.status, FileStatus::Deleted, "{after:?}");
        assert_eq!(lines(config), (vec![], vec![1, 2, 3]), "{after:?}");
        assert_eq!(config.new_content, None);
        assert_eq!(file(&set, "helper.go").status, FileStatus::Added);
    }
}

#[test]
fn submodules_are_left_out() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    // A gitlink entry (mode 160000) as `git submodule add` creates, without the network.
    let commit = repo.rev("main");
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{commit},third_party/lib"),
    ]);
    repo.write(
        ".gitmodules",
        "[submodule \"lib\"]\n\tpath = third_party/lib\n\turl = ../lib\n",
    );
    repo.commit_all("add a submodule");
    let set = change_set(&repo, &range("main", "feature"));
    assert_eq!(
        paths(&set),
        [".gitmodules", "svc/client.go", "svc/retry.go"]
    );
    let set = change_set(&repo, &base("main"));
    assert_eq!(
        paths(&set),
        [".gitmodules", "svc/client.go", "svc/retry.go"]
    );
}

#[test]
fn crlf_checkout_with_autocrlf_is_not_a_change_of_every_line() {
    for after in [After::Committed, After::Staged, After::WorkTree] {
        let repo = support::diff_repo("crlf_autocrlf", after);
        let set = change_set(&repo, &base("main"));
        // util.go differs only in line endings; server.go has one real edit.
        assert_eq!(paths(&set), ["server.go"], "{after:?}");
        assert_eq!(
            lines(file(&set, "server.go")),
            (vec![6], vec![6]),
            "{after:?}"
        );
    }
}

#[test]
fn commit_messages_of_the_range_carry_the_skip_trailer() {
    let repo = support::diff_repo("skip_trailer", After::Committed);
    repo.write("net/extra.go", "package net\n");
    repo.commit_all("Add extra.go");
    let set = change_set(&repo, &range("main", "feature"));
    assert_eq!(set.commit_messages.len(), 2);
    assert!(
        set.commit_messages[0].contains(
            "\nSRE-Policy-Skip: troubleshooting-doc port change is covered by the LB runbook"
        ),
        "{:?}",
        set.commit_messages
    );
    assert_eq!(set.commit_messages[1], "Add extra.go\n", "oldest first");
    // The base commit's own message is outside the range.
    assert!(!set.commit_messages.iter().any(|m| m.starts_with("base")));
    // In work-tree mode the range is merge-base..HEAD too.
    let set = change_set(&repo, &base("main"));
    assert_eq!(set.commit_messages.len(), 2);
}

#[test]
fn bare_repository_works_with_head() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let scratch = support::scratch_dir();
    let bare = scratch.path().join("bare.git");
    support::git_in(
        scratch.path(),
        &[
            "clone",
            "-q",
            "--bare",
            repo.path().to_str().expect("utf-8 temp path"),
            "bare.git",
        ],
        &[],
    );
    let opened = support::open_at(&bare);
    assert!(opened.is_bare());
    let set = opened
        .change_set(&range("main", "feature"), &support::all_contents)
        .expect("change set in a bare repository");
    assert_modified_lines_case(&set);
    assert!(file(&set, "svc/retry.go").new_content.is_some());
    let err = opened
        .change_set(&base("main"), &support::all_contents)
        .expect_err("a bare repository has no work tree");
    assert_eq!(
        err.code().map(|c| c.to_string()).as_deref(),
        Some(sre_policy::git::code::NO_WORK_TREE)
    );
}

#[test]
fn linked_worktree_is_found_and_its_own_changes_are_seen() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let scratch = support::scratch_dir();
    let linked = scratch.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "topic",
        linked.to_str().expect("utf-8 temp path"),
        "feature",
    ]);
    std::fs::write(linked.join("svc/new.go"), "package svc\n").expect("write");
    let opened = support::open_at(&linked.join("svc"));
    assert_eq!(
        opened.root().canonicalize().expect("root"),
        linked.canonicalize().expect("linked")
    );
    let set = opened
        .change_set(&base("main"), &support::all_contents)
        .expect("change set");
    assert_eq!(paths(&set), ["svc/client.go", "svc/new.go", "svc/retry.go"]);
}

#[test]
fn discover_from_a_subdirectory_finds_the_root() {
    let repo = support::diff_repo("modified_lines", After::Committed);
    let opened = support::open_at(&repo.path().join("svc"));
    assert_eq!(
        opened.root().canonicalize().expect("root"),
        repo.path().canonicalize().expect("repo")
    );
}

#[test]
fn a_search_of_the_head_stops_reading_once_it_has_its_answer() {
    use sre_policy::git::FileScope;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let repo = TempRepo::init();
    for i in 0..40 {
        repo.write(&format!("pkg{i:02}/f.go"), format!("package pkg{i:02}\n"));
    }
    let head = repo.commit_all("forty packages");
    let opened = support::open(&repo);
    let request = range(&head, &head);
    for (stop_after, expected) in [(usize::MAX, 40), (3, 3)] {
        let read = AtomicUsize::new(0);
        let files = opened
            .new_side_files_until(
                &request,
                FileScope::Everywhere(&|_| true),
                &|rel| rel.ends_with(".go"),
                &|_| {
                    read.fetch_add(1, Ordering::Relaxed);
                    true
                },
                1024,
                &|| read.load(Ordering::Relaxed) >= stop_after,
            )
            .expect("search the head");
        // Each reading thread stops at its next file once the answer is in.
        let threads = rayon::current_num_threads();
        assert!(
            files.len() >= expected.min(40) && files.len() < expected.min(40) + threads,
            "read {} files, stopping after {stop_after}",
            files.len()
        );
    }
}
