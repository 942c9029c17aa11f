//! The errors of the change-set module.
//!
//! Every error is a [`miette::Report`] with a stable `code` (`sre_policy::git::…`), a
//! message that says what went wrong and a `help` that names the remedy. The CLI
//! prints them and exits 2. Codes are part of the contract for tests and for the
//! CLI; the wording may improve.

use std::path::Path;

use git2::{ErrorClass, ErrorCode};
use miette::{miette, Report};

/// Error codes, one per kind of failure a user can act on.
pub mod code {
    pub const NOT_A_REPO: &str = "sre_policy::git::not_a_repository";
    pub const DUBIOUS_OWNERSHIP: &str = "sre_policy::git::dubious_ownership";
    pub const REV_NOT_FOUND: &str = "sre_policy::git::revision_not_found";
    pub const REV_AMBIGUOUS: &str = "sre_policy::git::revision_ambiguous";
    pub const NOT_A_COMMIT: &str = "sre_policy::git::not_a_commit";
    pub const SHALLOW: &str = "sre_policy::git::shallow_clone";
    pub const NO_MERGE_BASE: &str = "sre_policy::git::no_merge_base";
    pub const UNBORN_HEAD: &str = "sre_policy::git::unborn_head";
    pub const NO_WORK_TREE: &str = "sre_policy::git::no_work_tree";
    pub const CONFLICT: &str = "sre_policy::git::unresolved_conflict";
    pub const USAGE: &str = "sre_policy::git::usage";
    pub const LOCKED: &str = "sre_policy::git::locked";
    pub const CORRUPT: &str = "sre_policy::git::corrupt";
    pub const PARTIAL_CLONE: &str = "sre_policy::git::partial_clone";
    pub const IO: &str = "sre_policy::git::io";
    pub const OTHER: &str = "sre_policy::git::error";
}

/// The error for a path that is not inside a git repository, for callers that need one
/// (diff mode, `--staged`).
pub fn not_a_repository(path: &Path) -> Report {
    miette!(
        code = code::NOT_A_REPO,
        help = "diff mode (--base, --head, --staged) compares git revisions, so run it inside a \
                git repository (or point PATH at one); without those flags sre-policy checks \
                every file and needs no repository",
        "`{}` is not inside a git repository",
        path.display()
    )
}

/// libgit2 refused to open a repository owned by another user (git's "dubious ownership").
pub fn dubious_ownership(err: &git2::Error, start: &Path) -> Report {
    // libgit2 says: "repository path '/x/y' is not owned by current user"
    let path = err
        .message()
        .split('\'')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_else(|| start.display().to_string());
    miette!(
        code = code::DUBIOUS_OWNERSHIP,
        help = format!(
            "if you trust this repository, mark it safe: `git config --global --add \
             safe.directory {path}` (in a container or CI job the checkout is often owned by \
             another user)"
        ),
        "refusing to read the git repository at `{path}`: it is owned by another user \
         (git's \"dubious ownership\" check)"
    )
}

/// Maps any other libgit2 error to a report; `doing` says what we were doing
/// ("reading the index", "diffing …").
pub fn from_git(err: git2::Error, doing: &str) -> Report {
    let detail = err.message().to_owned();
    let (code, class) = (err.code(), err.class());
    let damaged_data = matches!(
        class,
        ErrorClass::Odb | ErrorClass::Zlib | ErrorClass::Object | ErrorClass::Index
    );
    if code == ErrorCode::Owner {
        dubious_ownership(&err, Path::new("."))
    } else if code == ErrorCode::Locked {
        miette!(
            code = code::LOCKED,
            help = "another git process is running in this repository; wait for it to finish. \
                    If none is running, a crashed one left its lock file behind: remove the \
                    `.lock` file named above",
            "{doing}: a git lock file is held: {detail}"
        )
    } else if damaged_data {
        // A missing object (class Odb, code NotFound) is damage too: the history refers
        // to something the object database does not have.
        miette!(
            code = code::CORRUPT,
            help = "the repository looks damaged or incomplete: run `git fsck` to see what is \
                    wrong; in CI, a fresh clone usually fixes it",
            "{doing}: {detail}"
        )
    } else if class == ErrorClass::Os {
        miette!(
            code = code::IO,
            help = "check that the repository's files exist and are readable by this user",
            "{doing}: {detail}"
        )
    } else {
        miette!(
            code = code::OTHER,
            help = "run the same operation with the git command line to see whether git \
                    agrees; if it does not, please report this",
            "{doing}: {detail}"
        )
    }
}

/// An I/O error while reading a changed file from the work tree.
pub fn io(err: std::io::Error, path: &Path) -> Report {
    miette!(
        code = code::IO,
        help = "the file changed or became unreadable while sre-policy was reading it; run again",
        "could not read `{}` from the work tree: {err}",
        path.display()
    )
}

pub fn usage(message: &str, help: &str) -> Report {
    miette!(code = code::USAGE, help = help.to_owned(), "{message}")
}

/// The help text for fetching more history in a shallow clone.
pub const SHALLOW_HELP: &str = "this clone is shallow (it has only the last commits). In GitHub \
     Actions give `actions/checkout` the option `fetch-depth: 0`; elsewhere run `git fetch \
     --unshallow`, or fetch just what is needed: `git fetch origin <base-branch>` and \
     `git fetch --deepen=<n>` until the merge base is there";
