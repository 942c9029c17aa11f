//! Change sets from git (libgit2 through `git2`; the `git` command runs only to fetch the
//! missing objects of a partial clone, see `promisor`).
//!
//! A [`ChangeSet`] is what a pull request, a pre-commit hook or a local run changed: the
//! changed files with their added and removed line numbers, and the commit messages of
//! the range (for the `SRE-Policy-Skip:` trailer).
//!
//! # Which change ([`ChangeRequest`])
//!
//! | request                      | old side                         | new side                         | commit messages       |
//! |------------------------------|----------------------------------|----------------------------------|-----------------------|
//! | `base`                       | `merge-base(base, HEAD)`         | the working tree (files on disk) | merge-base..HEAD      |
//! | `base` + `head`              | `merge-base(base, head)`         | the commit `head`                | merge-base..head      |
//! | `head` alone                 | the first parent of `head`       | the commit `head`                | parent..head          |
//! | `staged`                     | `HEAD` (empty tree when unborn)  | the index (`GIT_INDEX_FILE`)     | none                  |
//! | nothing                      | `HEAD` (empty tree when unborn)  | the working tree                 | none                  |
//!
//! `head` alone means "what this commit changed", as `git show REV` shows it, because that
//! is what a user who names one commit expects (a push-triggered job checking the pushed
//! commit). For a merge commit that is everything the merge brought into the first
//! parent. A root commit is compared with the empty tree. In a shallow clone whose
//! history stops at `head`, the parent is missing: that is an error naming the remedy,
//! not a diff that claims every file was added.
//!
//! The working tree counts uncommitted changes, staged or not, and untracked files that
//! are not ignored. `staged` cannot be combined with `base` or `head`. Unresolved merge
//! conflicts in the index are an error: there is no single new version to check.
//!
//! # What a changed file is
//!
//! Rename detection is on (git's default 50% similarity); a pure rename has no added
//! lines. Binary files, submodules (gitlinks) and symbolic links are left out; links are
//! never followed. A file is binary by its bytes (a NUL in its first 8000), not by an
//! attribute: `*.go -diff` or `binary` cannot take a Go file out of the check. Work-tree files go through the repository's filters (`core.autocrlf`,
//! `.gitattributes`) before they are compared, so a CRLF checkout of an LF file is not
//! a change. Deleted files are in the set with every old line removed. A modified file
//! whose contents did not change (only its mode, or only line endings that the filters
//! normalise) is not in the set.
//!
//! # Cost
//!
//! The diff is libgit2's: tree against tree, tree against index, or tree against the
//! work tree through the index (stat-based, so unchanged files are not read). Contents
//! are loaded only for changed files that the caller's `want_content` accepts.

mod diff;
mod errors;
mod files;
mod hunks;
pub mod memo;
mod promisor;
mod revisions;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use git2::{
    Commit, Delta, Diff, DiffFindOptions, DiffLineType, DiffOptions, ErrorCode, FileMode, Oid,
    Patch, Repository, RepositoryOpenFlags, Sort, Tree,
};
use miette::{miette, Report, Result};

pub use errors::{code, not_a_repository};
pub use hunks::{hunks, Hunk};
pub use memo::Gate;

/// What to compare. See the module documentation for the table of cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeRequest {
    /// `--base REV`: the change starts at `merge-base(REV, head)`.
    pub base: Option<String>,
    /// `--head REV`: the change ends at this commit instead of the working tree.
    pub head: Option<String>,
    /// `--staged`: HEAD against the index (pre-commit mode).
    pub staged: bool,
}

/// Which files of the new side [`Repo::new_side_files`] lists.
#[derive(Clone, Copy)]
pub enum FileScope<'a> {
    /// Every file of the repository below the folders it enters: given a repo-relative
    /// folder, whether to list what it holds (a search of Go files need not read `vendor/`).
    Everywhere(&'a dyn Fn(&str) -> bool),
    /// The files directly in these folders (repo-relative, `""` for the root).
    Folders(&'a [&'a str]),
}

/// Why a changed path cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unchecked {
    /// A symbolic link: links are never followed.
    Link,
    /// A FIFO, a socket or a device in the work tree, in place of a tracked file.
    NotRegular,
}

/// The changed paths that cannot be checked, with why.
pub type UncheckedPaths = Vec<(String, Unchecked)>;

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
}

/// One changed text file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Repo-relative, `/`-separated; the new path (the old path for deletions).
    pub path: String,
    /// The path before a rename.
    pub old_path: Option<String>,
    pub status: FileStatus,
    /// Sorted 1-based line numbers on the new side that were added or modified (computed
    /// only when `want_content(path)` is true; empty otherwise).
    pub added_lines: Vec<usize>,
    /// Sorted 1-based line numbers on the old side that were removed or modified.
    pub removed_lines: Vec<usize>,
    /// The old contents (from git objects), loaded only when `want_content(path)` is true
    /// and the file existed on the old side.
    pub old_content: Option<Vec<u8>>,
    /// The new contents (from git objects, the index, or the work tree as it is on disk),
    /// loaded only when `want_content(path)` is true and the file exists on the new side.
    pub new_content: Option<Vec<u8>>,
}

impl ChangedFile {
    /// Whether `line` (1-based, new side) was added or modified by the change.
    pub fn is_line_added(&self, line: usize) -> bool {
        self.added_lines.binary_search(&line).is_ok()
    }

    /// The new-side lines where removed lines were (the line that now follows them), sorted.
    pub fn removal_points(&self) -> Vec<usize> {
        hunks(&self.added_lines, &self.removed_lines)
            .into_iter()
            .filter(|h| !h.removed.is_empty())
            .map(|h| h.new_start)
            .collect()
    }

    /// Whether the change added, modified or removed code within new-side `lines`
    /// (inclusive); `removal_points` as [`ChangedFile::removal_points`] gives them.
    pub fn touches(&self, (first, last): (usize, usize), removal_points: &[usize]) -> bool {
        let within = |sorted: &[usize]| {
            let from = sorted.partition_point(|&l| l < first);
            sorted.get(from).is_some_and(|&l| l <= last)
        };
        within(&self.added_lines) || within(removal_points)
    }
}

/// The result of [`Repo::change_set`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Sorted by path; binary files, submodules and symbolic links excluded.
    pub files: Vec<ChangedFile>,
    /// Paths the change adds or changes as something that cannot be read, sorted: never
    /// checked, and never dropped silently either (the caller lists them).
    pub unchecked: UncheckedPaths,
    /// Full messages of the commits in `base_commit..head`, oldest first (empty when the
    /// new side is the index or the working tree without `--base`).
    pub commit_messages: Vec<String>,
    /// The ids of those commits, parallel to `commit_messages`.
    pub commit_ids: Vec<String>,
    /// The oid of the old side's commit: the merge base, HEAD for `--staged`, the parent
    /// for `--head` alone. `None` when the old side is the empty tree.
    pub base_commit: Option<String>,
    /// The oid of the new side's commit; `None` when it is the index or the work tree.
    pub head_commit: Option<String>,
}

impl ChangeSet {
    /// The changed file at `path` (its new path), if any.
    pub fn file(&self, path: &str) -> Option<&ChangedFile> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }
}

/// An opened repository.
pub struct Repo {
    repo: Repository,
    root: PathBuf,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo").field("root", &self.root).finish()
    }
}

/// The two sides of the diff and the commit range whose messages count.
struct Plan<'r> {
    /// `None`: the empty tree.
    old: Option<Commit<'r>>,
    new: NewSide<'r>,
    /// (from, to): the commits reachable from `to` and not from `from`.
    range: Option<(Option<Oid>, Oid)>,
}

/// The new side of a diff.
enum NewSide<'r> {
    Commit(Commit<'r>),
    Index,
    WorkTree,
}

impl Repo {
    /// Finds the repository containing `path`, as git does: `GIT_DIR` (with `GIT_WORK_TREE`)
    /// wins over the search when set, `GIT_CEILING_DIRECTORIES` and
    /// `GIT_DISCOVERY_ACROSS_FILESYSTEM` bound the search, and `GIT_INDEX_FILE`,
    /// `GIT_OBJECT_DIRECTORY`, `GIT_ALTERNATE_OBJECT_DIRECTORIES` are honoured later (git
    /// sets `GIT_INDEX_FILE` for hooks run by `git commit -a` and `git commit -- path`).
    ///
    /// `Ok(None)` when `path` is not in a repository. Errors for a missing `path` and for a
    /// repository owned by another user (git's `safe.directory` check).
    pub fn discover(path: &Path) -> Result<Option<Repo>> {
        // Re-hashing every object read only guards against on-disk corruption, which git
        // itself does not check on reads either; it was a third of a commit diff's time.
        git2::opts::strict_hash_verification(false);
        let opened = if std::env::var_os("GIT_DIR").is_some() {
            Repository::open_from_env()
        } else {
            // `open_ext` with a start path does not read GIT_CEILING_DIRECTORIES itself.
            let ceilings: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
                .map(|v| {
                    std::env::split_paths(&v)
                        .filter(|p| !p.as_os_str().is_empty())
                        .collect()
                })
                .unwrap_or_default();
            Repository::open_ext(path, RepositoryOpenFlags::FROM_ENV, &ceilings)
        };
        let repo = match opened {
            Ok(repo) => repo,
            Err(e) if e.code() == ErrorCode::Owner => {
                return Err(errors::dubious_ownership(&e, path))
            }
            Err(e) if e.code() == ErrorCode::NotFound => {
                if path.exists() {
                    return Ok(None);
                }
                return Err(miette!(
                    code = code::IO,
                    help = "pass a path that exists (the repository is found from it)",
                    "`{}` does not exist",
                    path.display()
                ));
            }
            Err(e) => {
                return Err(errors::from_git(
                    e,
                    &format!("opening the git repository at `{}`", path.display()),
                ))
            }
        };
        let root = repo
            .workdir()
            .unwrap_or_else(|| repo.path())
            .components()
            .collect();
        Ok(Some(Repo { repo, root }))
    }

    /// Like [`Repo::discover`], but a path outside any repository is an error that says
    /// diff mode needs one.
    pub fn discover_required(path: &Path) -> Result<Repo> {
        Repo::discover(path)?.ok_or_else(|| not_a_repository(path))
    }

    /// The work-tree root, or the git directory of a bare repository.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the repository has no work tree.
    pub fn is_bare(&self) -> bool {
        self.repo.is_bare()
    }

    /// Whether this is a shallow clone.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    fn blob(&self, oid: Oid, path: &str) -> Result<Vec<u8>> {
        self.repo
            .find_blob(oid)
            .map(|b| b.content().to_vec())
            .map_err(|e| errors::from_git(e, &format!("reading the contents of `{path}`")))
    }
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}
