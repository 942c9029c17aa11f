//! Change sets from git (libgit2 through `git2`; the product never runs the `git` binary).
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
//! never followed. Work-tree files go through the repository's filters (`core.autocrlf`,
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

mod errors;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use git2::{
    Commit, Delta, Diff, DiffFindOptions, DiffLineType, DiffOptions, ErrorCode, FileMode, Oid,
    Patch, Repository, RepositoryOpenFlags, Sort, Tree,
};
use miette::{miette, Report, Result};

pub use errors::{code, not_a_repository};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileScope<'a> {
    /// Every file of the repository.
    Everywhere,
    /// The files directly in one folder (repo-relative, `""` for the root).
    Folder(&'a str),
}

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
}

/// The result of [`Repo::change_set`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Sorted by path; binary files, submodules and symbolic links excluded.
    pub files: Vec<ChangedFile>,
    /// Full messages of the commits in `base_commit..head`, oldest first (empty when the
    /// new side is the index or the working tree without `--base`).
    pub commit_messages: Vec<String>,
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

    /// The change described by `req`. `want_content(path)` decides, per changed file,
    /// whether its old and new contents are loaded.
    pub fn change_set(
        &self,
        req: &ChangeRequest,
        want_content: &dyn Fn(&str) -> bool,
    ) -> Result<ChangeSet> {
        if req.staged && (req.base.is_some() || req.head.is_some()) {
            return Err(errors::usage(
                "--staged cannot be combined with --base or --head",
                "--staged checks what `git commit` would commit (HEAD against the index); \
                 use --base REV [--head REV] to check a range instead",
            ));
        }

        let Plan { old, new, range } = self.plan(req)?;
        let old_tree = match &old {
            Some(c) => Some(
                c.tree()
                    .map_err(|e| errors::from_git(e, "reading a tree"))?,
            ),
            None => None,
        };
        let commit_messages = match range {
            Some((from, to)) => self.messages(from, to)?,
            None => Vec::new(),
        };
        let base_commit = old.as_ref().map(|c| c.id().to_string());
        let head_commit = match &new {
            NewSide::Commit(c) => Some(c.id().to_string()),
            _ => None,
        };

        let mut diff = self.diff(old_tree.as_ref(), &new)?;
        let mut find = DiffFindOptions::new();
        find.renames(true).for_untracked(true);
        diff.find_similar(Some(&mut find))
            .map_err(|e| errors::from_git(e, "detecting renames"))?;

        let files = self.collect(&diff, &new, want_content)?;
        Ok(ChangeSet {
            files,
            commit_messages,
            base_commit,
            head_commit,
        })
    }

    /// Resolves the request into the two sides and the commit range.
    fn plan(&self, req: &ChangeRequest) -> Result<Plan<'_>> {
        if req.staged {
            self.require_work_tree("--staged")?;
            let head = self.head_commit()?;
            return Ok(Plan {
                old: head,
                new: NewSide::Index,
                range: None,
            });
        }
        match (&req.base, &req.head) {
            (Some(base), Some(head)) => {
                let base_c = self.resolve(base, "--base")?;
                let head_c = self.resolve(head, "--head")?;
                let mb = self.merge_base(&base_c, base, &head_c, head)?;
                Ok(Plan {
                    range: Some((Some(mb.id()), head_c.id())),
                    old: Some(mb),
                    new: NewSide::Commit(head_c),
                })
            }
            (Some(base), None) => {
                self.require_work_tree("--base without --head")?;
                let head_c = self.head_commit()?.ok_or_else(unborn_with_base)?;
                let base_c = self.resolve(base, "--base")?;
                let mb = self.merge_base(&base_c, base, &head_c, "HEAD")?;
                Ok(Plan {
                    range: Some((Some(mb.id()), head_c.id())),
                    old: Some(mb),
                    new: NewSide::WorkTree,
                })
            }
            (None, Some(head)) => {
                let head_c = self.resolve(head, "--head")?;
                let parent = self.first_parent(&head_c, head)?;
                Ok(Plan {
                    range: Some((parent.as_ref().map(Commit::id), head_c.id())),
                    old: parent,
                    new: NewSide::Commit(head_c),
                })
            }
            (None, None) => {
                self.require_work_tree("checking uncommitted changes")?;
                Ok(Plan {
                    old: self.head_commit()?,
                    new: NewSide::WorkTree,
                    range: None,
                })
            }
        }
    }

    /// Paths of the blobs that differ between two trees, skipping identical subtrees.
    fn changed_paths(
        &self,
        old: Option<&Tree<'_>>,
        new: Option<&Tree<'_>>,
        prefix: &str,
        into: &mut Vec<String>,
    ) -> Result<()> {
        use std::collections::BTreeMap;
        let entries = |tree: Option<&Tree<'_>>| -> BTreeMap<Vec<u8>, (Oid, i32)> {
            tree.into_iter()
                .flat_map(|t| t.iter())
                .map(|e| (e.name_bytes().to_vec(), (e.id(), e.filemode())))
                .collect()
        };
        let (old_entries, new_entries) = (entries(old), entries(new));
        let names: std::collections::BTreeSet<&Vec<u8>> =
            old_entries.keys().chain(new_entries.keys()).collect();
        let subtree = |side: Option<&(Oid, i32)>| -> Result<Option<Tree<'_>>> {
            match side {
                Some((oid, mode)) if *mode == i32::from(FileMode::Tree) => self
                    .repo
                    .find_tree(*oid)
                    .map(Some)
                    .map_err(|e| errors::from_git(e, "reading a tree")),
                _ => Ok(None),
            }
        };
        for name in names {
            let (o, n) = (old_entries.get(name), new_entries.get(name));
            if o == n {
                continue;
            }
            let path = format!("{prefix}{}", String::from_utf8_lossy(name));
            let (old_sub, new_sub) = (subtree(o)?, subtree(n)?);
            if old_sub.is_some() || new_sub.is_some() {
                self.changed_paths(
                    old_sub.as_ref(),
                    new_sub.as_ref(),
                    &format!("{path}/"),
                    into,
                )?;
            }
            let is_blob = |side: Option<&(Oid, i32)>| {
                side.is_some_and(|(_, mode)| *mode != i32::from(FileMode::Tree))
            };
            if is_blob(o) || is_blob(n) {
                into.push(path);
            }
        }
        Ok(())
    }

    fn require_work_tree(&self, what: &str) -> Result<()> {
        if self.repo.is_bare() {
            return Err(miette!(
                code = code::NO_WORK_TREE,
                help = "name the commit to check with --head REV (with --base REV for a range)",
                "{what} needs a working tree, but `{}` is a bare repository",
                self.root.display()
            ));
        }
        Ok(())
    }

    /// HEAD's commit; `None` when HEAD is unborn (a new repository before its first commit).
    fn head_commit(&self) -> Result<Option<Commit<'_>>> {
        match self.repo.head() {
            Ok(head) => head
                .peel_to_commit()
                .map(Some)
                .map_err(|e| errors::from_git(e, "reading the commit HEAD points to")),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(errors::from_git(e, "reading HEAD")),
        }
    }

    /// Resolves a user's revision (`origin/main`, a tag, an oid, `HEAD~2`) to a commit.
    fn resolve(&self, spec: &str, flag: &str) -> Result<Commit<'_>> {
        let object = match self.repo.revparse_single(spec) {
            Ok(o) => o,
            Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::InvalidSpec) => {
                return Err(self.revision_not_found(spec, flag));
            }
            Err(e) if e.code() == ErrorCode::Ambiguous => {
                return Err(miette!(
                    code = code::REV_AMBIGUOUS,
                    help = format!("give more characters of the commit hash to {flag}"),
                    "{flag} `{spec}` is ambiguous: several objects start with it"
                ));
            }
            Err(e) => return Err(errors::from_git(e, &format!("resolving {flag} `{spec}`"))),
        };
        object.peel_to_commit().map_err(|e| {
            if e.code() == ErrorCode::NotFound && e.class() == git2::ErrorClass::Odb {
                errors::from_git(e, &format!("reading the commit of {flag} `{spec}`"))
            } else {
                miette!(
                    code = code::NOT_A_COMMIT,
                    help = format!("pass a branch, tag or commit hash to {flag}"),
                    "{flag} `{spec}` does not name a commit"
                )
            }
        })
    }

    fn revision_not_found(&self, spec: &str, flag: &str) -> Report {
        if self.repo.is_shallow() {
            return miette!(
                code = code::SHALLOW,
                help = errors::SHALLOW_HELP,
                "{flag} `{spec}` was not found, and this repository is a shallow clone: the \
                 commit is probably not fetched"
            );
        }
        // A branch that exists only as a remote-tracking branch: the user wrote `main`
        // where the clone has `origin/main` (usual in CI checkouts).
        let remotes: Vec<String> = self
            .repo
            .remotes()
            .map(|names| names.iter().flatten().map(str::to_owned).collect())
            .unwrap_or_default();
        for remote in &remotes {
            let candidate = format!("{remote}/{spec}");
            if self
                .repo
                .find_reference(&format!("refs/remotes/{candidate}"))
                .is_ok()
            {
                return miette!(
                    code = code::REV_NOT_FOUND,
                    help = format!(
                        "there is no local branch `{spec}`, but there is a remote-tracking \
                         branch: pass `{flag} {candidate}`"
                    ),
                    "{flag} `{spec}` was not found in this repository"
                );
            }
        }
        let (remote, branch) = match spec.split_once('/') {
            Some((r, b)) if r == "origin" || remotes.iter().any(|name| name == r) => {
                (r.to_owned(), b.to_owned())
            }
            _ => (
                remotes
                    .iter()
                    .find(|r| r.as_str() == "origin")
                    .or(remotes.first())
                    .cloned()
                    .unwrap_or_else(|| "origin".to_owned()),
                spec.to_owned(),
            ),
        };
        let pass = if spec.contains('/') || looks_like_oid(spec) {
            String::new()
        } else {
            format!(" and pass `{flag} {remote}/{branch}`")
        };
        miette!(
            code = code::REV_NOT_FOUND,
            help = format!(
                "fetch it first: `git fetch {remote} {branch}`{pass}; or check the spelling of \
                 the revision given to {flag}"
            ),
            "{flag} `{spec}` was not found in this repository"
        )
    }

    fn merge_base<'r>(
        &'r self,
        base: &Commit<'r>,
        base_spec: &str,
        head: &Commit<'r>,
        head_spec: &str,
    ) -> Result<Commit<'r>> {
        let oid = match self.repo.merge_base(base.id(), head.id()) {
            Ok(oid) => oid,
            Err(e) if e.code() == ErrorCode::NotFound && e.class() != git2::ErrorClass::Odb => {
                if self.repo.is_shallow() {
                    return Err(miette!(
                        code = code::SHALLOW,
                        help = errors::SHALLOW_HELP,
                        "no merge base between `{base_spec}` and `{head_spec}` in this shallow \
                         clone: the history that joins them is not fetched"
                    ));
                }
                return Err(miette!(
                    code = code::NO_MERGE_BASE,
                    help = "--base must name a revision that shares history with the head, \
                            usually the branch the pull request targets (e.g. `origin/main`); \
                            unrelated histories cannot be compared",
                    "`{base_spec}` and `{head_spec}` have no common ancestor (no merge base)"
                ));
            }
            Err(e) => {
                return Err(errors::from_git(
                    e,
                    &format!("finding the merge base of `{base_spec}` and `{head_spec}`"),
                ))
            }
        };
        self.find_commit(oid)
    }

    /// The first parent of `commit`, or `None` for a root commit. In a shallow clone a
    /// commit at the shallow boundary also has no parent: that is an error.
    fn first_parent<'r>(&'r self, commit: &Commit<'r>, spec: &str) -> Result<Option<Commit<'r>>> {
        if commit.parent_count() == 0 {
            if self.shallow_boundary().contains(&commit.id()) {
                return Err(miette!(
                    code = code::SHALLOW,
                    help = errors::SHALLOW_HELP,
                    "--head `{spec}` alone is compared with its parent, but this shallow clone \
                     does not have the parent"
                ));
            }
            return Ok(None);
        }
        let parent = commit
            .parent_id(0)
            .map_err(|e| errors::from_git(e, &format!("reading the parent of `{spec}`")))?;
        self.find_commit(parent).map(Some)
    }

    /// The commits listed in `.git/shallow` (their parents were not fetched).
    fn shallow_boundary(&self) -> HashSet<Oid> {
        if !self.repo.is_shallow() {
            return HashSet::new();
        }
        std::fs::read_to_string(self.repo.commondir().join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| Oid::from_str(l.trim()).ok())
            .collect()
    }

    fn find_commit(&self, oid: Oid) -> Result<Commit<'_>> {
        self.repo
            .find_commit(oid)
            .map_err(|e| errors::from_git(e, &format!("reading commit {oid}")))
    }

    /// Messages of the commits reachable from `head` and not from `base`, oldest first.
    fn messages(&self, base: Option<Oid>, head: Oid) -> Result<Vec<String>> {
        let walk_err = |e| errors::from_git(e, "listing the commits of the range");
        let mut walk = self.repo.revwalk().map_err(walk_err)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .map_err(walk_err)?;
        walk.push(head).map_err(walk_err)?;
        if let Some(base) = base {
            walk.hide(base).map_err(walk_err)?;
        }
        let mut messages = Vec::new();
        for oid in walk {
            let commit = self.find_commit(oid.map_err(walk_err)?)?;
            messages.push(String::from_utf8_lossy(commit.message_bytes()).into_owned());
        }
        Ok(messages)
    }

    fn diff(&self, old: Option<&Tree<'_>>, new: &NewSide<'_>) -> Result<Diff<'_>> {
        let mut opts = DiffOptions::new();
        opts.context_lines(0)
            .interhunk_lines(0)
            .ignore_submodules(true)
            .include_typechange(false)
            .include_ignored(false);
        match new {
            NewSide::Commit(head) => {
                // Commit against commit needs no index, but libgit2 loads it (hashing all of
                // it) to look up diff attributes: an empty in-memory index keeps the cost
                // with the change instead of the repository's size.
                if !self.repo.is_bare() {
                    let mut empty = git2::Index::new()
                        .map_err(|e| errors::from_git(e, "creating an in-memory index"))?;
                    self.repo
                        .set_index(&mut empty)
                        .map_err(|e| errors::from_git(e, "setting an in-memory index"))?;
                }
                let tree = head
                    .tree()
                    .map_err(|e| errors::from_git(e, "reading the head tree"))?;
                // libgit2 walks both trees whole; limit it to the paths that differ, found
                // by skipping every subtree whose id is the same on both sides.
                let mut changed = Vec::new();
                self.changed_paths(old, Some(&tree), "", &mut changed)?;
                opts.disable_pathspec_match(true);
                for path in &changed {
                    opts.pathspec(path);
                }
                // No pathspec means every path: with nothing changed, diff a tree with itself.
                let new_tree = if changed.is_empty() { old } else { Some(&tree) };
                self.repo
                    .diff_tree_to_tree(old, new_tree, Some(&mut opts))
                    .map_err(|e| errors::from_git(e, "diffing the base and head commits"))
            }
            NewSide::Index => {
                let index = self
                    .repo
                    .index()
                    .map_err(|e| errors::from_git(e, "reading the index"))?;
                self.repo
                    .diff_tree_to_index(old, Some(&index), Some(&mut opts))
                    .map_err(|e| errors::from_git(e, "diffing HEAD and the index"))
            }
            NewSide::WorkTree => {
                opts.include_untracked(true)
                    .recurse_untracked_dirs(true)
                    .show_untracked_content(true);
                self.repo
                    .diff_tree_to_workdir_with_index(old, Some(&mut opts))
                    .map_err(|e| errors::from_git(e, "diffing against the working tree"))
            }
        }
    }

    fn collect(
        &self,
        diff: &Diff<'_>,
        new_side: &NewSide<'_>,
        want_content: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<ChangedFile>> {
        let mut files = Vec::new();
        for (idx, delta) in diff.deltas().enumerate() {
            if delta.status() == Delta::Conflicted {
                return Err(miette!(
                    code = code::CONFLICT,
                    help = "resolve the conflicts (edit the files, then `git add` them) and \
                            run again",
                    "`{}` has unresolved merge conflicts",
                    display_path(&delta)
                ));
            }
            let old = delta.old_file();
            let new = delta.new_file();
            let old_is_file = old.exists() && is_regular_file(old.mode());
            let new_is_file = new.exists() && is_regular_file(new.mode());
            let status = match (delta.status(), old_is_file, new_is_file) {
                (_, false, false) => continue,
                (Delta::Unmodified | Delta::Ignored | Delta::Unreadable, _, _) => continue,
                (_, true, false) => FileStatus::Deleted,
                (_, false, true) => FileStatus::Added,
                (Delta::Added | Delta::Untracked | Delta::Copied, _, _) => FileStatus::Added,
                (Delta::Deleted, _, _) => FileStatus::Deleted,
                (Delta::Renamed, _, _) => FileStatus::Renamed,
                (Delta::Modified | Delta::Typechange | Delta::Conflicted, _, _) => {
                    FileStatus::Modified
                }
            };
            let side = if status == FileStatus::Deleted {
                &old
            } else {
                &new
            };
            let path = path_string(side.path_bytes());
            // Line numbers are computed only for the files the caller reads (a vendored
            // dependency bump can change megabytes nobody checks); the others keep their
            // status, unless both sides are the same blob (only the mode changed).
            let wanted = want_content(&path);
            let (added_lines, removed_lines) = if wanted {
                let patch = Patch::from_diff(diff, idx).map_err(|e| {
                    errors::from_git(e, &format!("diffing `{}`", display_path(&delta)))
                })?;
                let Some(patch) = patch else { continue };
                if patch.delta().flags().is_binary() {
                    continue;
                }
                let (added_lines, removed_lines) = changed_lines(&patch)?;
                if status == FileStatus::Modified
                    && added_lines.is_empty()
                    && removed_lines.is_empty()
                {
                    // Only the mode or the line endings (before filters) differ: no content
                    // changed, so there is nothing to check.
                    continue;
                }
                (added_lines, removed_lines)
            } else {
                if status == FileStatus::Modified && !old.id().is_zero() && old.id() == new.id() {
                    continue;
                }
                (Vec::new(), Vec::new())
            };

            let old_path = match status {
                FileStatus::Renamed => Some(path_string(old.path_bytes())),
                _ => None,
            };
            let (mut old_content, mut new_content) = (None, None);
            if wanted {
                if old_is_file && status != FileStatus::Added {
                    old_content = Some(self.blob(old.id(), &path)?);
                }
                if new_is_file && status != FileStatus::Deleted {
                    new_content = Some(match new_side {
                        NewSide::WorkTree => self.read_work_tree(new.path_bytes())?,
                        NewSide::Commit(_) | NewSide::Index => self.blob(new.id(), &path)?,
                    });
                }
            }
            files.push(ChangedFile {
                path,
                old_path,
                status,
                added_lines,
                removed_lines,
                old_content,
                new_content,
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn blob(&self, oid: Oid, path: &str) -> Result<Vec<u8>> {
        self.repo
            .find_blob(oid)
            .map(|b| b.content().to_vec())
            .map_err(|e| errors::from_git(e, &format!("reading the contents of `{path}`")))
    }

    /// Reads a changed file from the work tree as it is on disk, never through a link.
    fn read_work_tree(&self, rel: Option<&[u8]>) -> Result<Vec<u8>> {
        let full = self.root.join(path_from_bytes(rel.unwrap_or_default()));
        let meta = std::fs::symlink_metadata(&full).map_err(|e| errors::io(e, &full))?;
        if !meta.file_type().is_file() {
            return Err(errors::io(
                std::io::Error::other("it is no longer a regular file"),
                &full,
            ));
        }
        std::fs::read(&full).map_err(|e| errors::io(e, &full))
    }
}

fn unborn_with_base() -> Report {
    miette!(
        code = code::UNBORN_HEAD,
        help = "make a first commit, or check what is about to be committed with --staged",
        "--base needs a commit to compare with, but HEAD has no commits yet"
    )
}

fn is_regular_file(mode: FileMode) -> bool {
    matches!(mode, FileMode::Blob | FileMode::BlobExecutable)
}

fn looks_like_oid(spec: &str) -> bool {
    spec.len() >= 7 && spec.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Added (new side) and removed (old side) line numbers, sorted.
fn changed_lines(patch: &Patch<'_>) -> Result<(Vec<usize>, Vec<usize>)> {
    let line_err = |e| errors::from_git(e, "reading a diff hunk");
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    for hunk in 0..patch.num_hunks() {
        for i in 0..patch.num_lines_in_hunk(hunk).map_err(line_err)? {
            let line = patch.line_in_hunk(hunk, i).map_err(line_err)?;
            match line.origin_value() {
                DiffLineType::Addition => added.extend(line.new_lineno().map(|n| n as usize)),
                DiffLineType::Deletion => removed.extend(line.old_lineno().map(|n| n as usize)),
                _ => {}
            }
        }
    }
    added.sort_unstable();
    added.dedup();
    removed.sort_unstable();
    removed.dedup();
    Ok((added, removed))
}

fn path_string(bytes: Option<&[u8]>) -> String {
    String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
}

fn display_path(delta: &git2::DiffDelta<'_>) -> String {
    path_string(
        delta
            .new_file()
            .path_bytes()
            .or_else(|| delta.old_file().path_bytes()),
    )
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

/// Reading every file of the new side (repo-level rules: metric-duplicate, metric-breaking).
impl Repo {
    /// Every regular file on the new side of `req` whose repo-relative path `want_path`
    /// accepts, whose size is at most `max_bytes` and whose bytes `want_bytes` accepts, with
    /// its contents, sorted by path. In the work tree, `.git` and `node_modules` folders are
    /// not entered and links are not followed.
    pub fn new_side_files(
        &self,
        req: &ChangeRequest,
        scope: FileScope<'_>,
        want_path: &dyn Fn(&str) -> bool,
        want_bytes: &dyn Fn(&[u8]) -> bool,
        max_bytes: u64,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let mut files = Vec::new();
        let in_scope = |rel: &str| match scope {
            FileScope::Everywhere => true,
            FileScope::Folder(dir) => crate::walk::parent_dir(rel) == dir,
        };
        match self.plan(req)?.new {
            NewSide::WorkTree => {
                let (start, depth) = match scope {
                    FileScope::Everywhere => (self.root.clone(), usize::MAX),
                    FileScope::Folder(dir) => (self.root.join(path_from_bytes(dir.as_bytes())), 1),
                };
                let walker = walkdir::WalkDir::new(start)
                    .max_depth(depth)
                    .follow_links(false)
                    .into_iter()
                    .filter_entry(|e| {
                        e.depth() == 0
                            || !e.file_type().is_dir()
                            || !matches!(e.file_name().to_str(), Some(".git" | "node_modules"))
                    });
                for entry in walker.flatten() {
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let rel = entry
                        .path()
                        .strip_prefix(&self.root)
                        .map(|p| {
                            p.components()
                                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                                .collect::<Vec<_>>()
                                .join("/")
                        })
                        .unwrap_or_default();
                    if rel.is_empty() || !want_path(&rel) {
                        continue;
                    }
                    if entry.metadata().map_or(true, |m| m.len() > max_bytes) {
                        continue;
                    }
                    if let Ok(bytes) = std::fs::read(entry.path()) {
                        if want_bytes(&bytes) {
                            files.push((rel, bytes));
                        }
                    }
                }
            }
            NewSide::Commit(commit) => {
                let mut tree = commit
                    .tree()
                    .map_err(|e| errors::from_git(e, "reading a tree"))?;
                let mut prefix = String::new();
                if let FileScope::Folder(dir) = scope {
                    if !dir.is_empty() {
                        // One folder: its own tree, not a walk of the whole commit.
                        let folder = tree
                            .get_path(Path::new(dir))
                            .ok()
                            .and_then(|entry| entry.to_object(&self.repo).ok())
                            .and_then(|object| object.into_tree().ok());
                        let Some(folder) = folder else {
                            return Ok(files);
                        };
                        tree = folder;
                        prefix = format!("{dir}/");
                    }
                }
                let mut entries = Vec::new();
                tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                    if entry.filemode() == i32::from(FileMode::Blob)
                        || entry.filemode() == i32::from(FileMode::BlobExecutable)
                    {
                        if let Some(name) = entry.name() {
                            let rel = format!("{prefix}{dir}{name}");
                            if in_scope(&rel) && want_path(&rel) {
                                entries.push((rel, entry.id()));
                            }
                        }
                    }
                    // A folder's subfolders are not part of it.
                    if matches!(scope, FileScope::Folder(_))
                        && entry.kind() == Some(git2::ObjectType::Tree)
                    {
                        git2::TreeWalkResult::Skip
                    } else {
                        git2::TreeWalkResult::Ok
                    }
                })
                .map_err(|e| errors::from_git(e, "walking a tree"))?;
                let odb = self
                    .repo
                    .odb()
                    .map_err(|e| errors::from_git(e, "opening the object database"))?;
                for (rel, id) in entries {
                    let small = odb
                        .read_header(id)
                        .is_ok_and(|(size, _)| size as u64 <= max_bytes);
                    if small {
                        let bytes = self.blob(id, &rel)?;
                        if want_bytes(&bytes) {
                            files.push((rel, bytes));
                        }
                    }
                }
            }
            NewSide::Index => {
                let index = self
                    .repo
                    .index()
                    .map_err(|e| errors::from_git(e, "reading the index"))?;
                for entry in index.iter() {
                    let rel = String::from_utf8_lossy(&entry.path).into_owned();
                    let regular = entry.mode == u32::from(FileMode::Blob)
                        || entry.mode == u32::from(FileMode::BlobExecutable);
                    if !regular
                        || u64::from(entry.file_size) > max_bytes
                        || !in_scope(&rel)
                        || !want_path(&rel)
                    {
                        continue;
                    }
                    let bytes = self.blob(entry.id, &rel)?;
                    if want_bytes(&bytes) {
                        files.push((rel, bytes));
                    }
                }
            }
        }
        files.sort();
        Ok(files)
    }
}
