//! Revisions: what `--base`, `--head` and `--staged` resolve to, merge bases, first parents,
//! shallow boundaries and the commit messages of a range.

use super::*;

impl Repo {
    /// Resolves the request into the two sides and the commit range.
    pub(super) fn plan(&self, req: &ChangeRequest) -> Result<Plan<'_>> {
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
                let head_c = self.head_commit()?.ok_or_else(|| self.unborn_with_base())?;
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

    pub(super) fn require_work_tree(&self, what: &str) -> Result<()> {
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
    pub(super) fn head_commit(&self) -> Result<Option<Commit<'_>>> {
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
    pub(super) fn resolve(&self, spec: &str, flag: &str) -> Result<Commit<'_>> {
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

    pub(super) fn revision_not_found(&self, spec: &str, flag: &str) -> Report {
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

    pub(super) fn merge_base<'r>(
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
    pub(super) fn first_parent<'r>(
        &'r self,
        commit: &Commit<'r>,
        spec: &str,
    ) -> Result<Option<Commit<'r>>> {
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
    pub(super) fn shallow_boundary(&self) -> HashSet<Oid> {
        if !self.repo.is_shallow() {
            return HashSet::new();
        }
        std::fs::read_to_string(self.repo.commondir().join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| Oid::from_str(l.trim()).ok())
            .collect()
    }

    pub(super) fn find_commit(&self, oid: Oid) -> Result<Commit<'_>> {
        self.repo
            .find_commit(oid)
            .map_err(|e| errors::from_git(e, &format!("reading commit {oid}")))
    }

    /// Messages of the commits reachable from `head` and not from `base`, oldest first.
    /// The (id, message) of each commit of the range, oldest first.
    pub(super) fn messages(&self, base: Option<Oid>, head: Oid) -> Result<Vec<(String, String)>> {
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
            messages.push((
                commit.id().to_string(),
                String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            ));
        }
        Ok(messages)
    }
}

impl Repo {
    /// HEAD has no commit: a new repository, or HEAD naming a branch that does not exist
    /// while others do (a deleted branch, a broken checkout), which needs another remedy.
    fn unborn_with_base(&self) -> Report {
        let target = self
            .repo
            .find_reference("HEAD")
            .ok()
            .and_then(|head| head.symbolic_target().map(str::to_string));
        let has_branches = self
            .repo
            .branches(None)
            .is_ok_and(|mut branches| branches.next().is_some());
        match target {
            Some(target) if has_branches => {
                let branch = target.strip_prefix("refs/heads/").unwrap_or(&target);
                miette!(
                    code = code::UNBORN_HEAD,
                    help = "switch to an existing branch (`git switch main`), or name the commit \
                            to check with --head REV",
                    "--base needs a commit to compare with, but HEAD points at the branch \
                     `{branch}`, which does not exist"
                )
            }
            _ => miette!(
                code = code::UNBORN_HEAD,
                help = "make a first commit, or check what is about to be committed with --staged",
                "--base needs a commit to compare with, but HEAD has no commits yet"
            ),
        }
    }
}

pub(super) fn looks_like_oid(spec: &str) -> bool {
    spec.len() >= 7 && spec.bytes().all(|b| b.is_ascii_hexdigit())
}
