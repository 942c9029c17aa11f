//! The change itself: libgit2's diff of the two sides, with rename detection, and the
//! changed files with their added and removed lines.

use super::*;

impl Repo {
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
        let commits = match range {
            Some((from, to)) => self.messages(from, to)?,
            None => Vec::new(),
        };
        let (commit_ids, commit_messages) = commits.into_iter().unzip();
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

        let (files, unchecked) = self.collect(&diff, &new, want_content)?;
        Ok(ChangeSet {
            files,
            unchecked,
            commit_messages,
            commit_ids,
            base_commit,
            head_commit,
        })
    }

    /// Paths of the blobs that differ between two trees, skipping identical subtrees.
    pub(super) fn changed_paths(
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

    pub(super) fn diff(&self, old: Option<&Tree<'_>>, new: &NewSide<'_>) -> Result<Diff<'_>> {
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

    pub(super) fn collect(
        &self,
        diff: &Diff<'_>,
        new_side: &NewSide<'_>,
        want_content: &dyn Fn(&str) -> bool,
    ) -> Result<(Vec<ChangedFile>, UncheckedPaths)> {
        let (mut files, mut unchecked) = (Vec::new(), Vec::new());
        let sparse = match new_side {
            NewSide::WorkTree => self.skip_worktree_entries()?,
            _ => HashMap::new(),
        };
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
            if !new.exists() {
                let old_path = path_string(old.path_bytes());
                if let Some(staged) = sparse.get(&old_path) {
                    // Outside a sparse checkout's cone: absent from disk, not deleted. Its
                    // new version is the index's.
                    if *staged != old.id() {
                        files.push(self.sparse_change(
                            old_path,
                            old.id(),
                            *staged,
                            &want_content,
                        )?);
                    }
                    continue;
                }
            }
            let old_is_file = old.exists() && is_regular_file(old.mode());
            let new_is_file = new.exists() && is_regular_file(new.mode());
            if new.exists() && new.mode() == FileMode::Link && delta.status() != Delta::Deleted {
                unchecked.push((path_string(new.path_bytes()), Unchecked::Link));
            }
            // libgit2 sees a FIFO or a device in place of a tracked file as a deletion (or the
            // old side of a rename); it is neither, and it cannot be read.
            let mut special_old_side = false;
            if old.exists()
                && matches!(new_side, NewSide::WorkTree)
                && matches!(delta.status(), Delta::Deleted | Delta::Renamed)
            {
                let rel = path_string(old.path_bytes());
                let on_disk =
                    std::fs::symlink_metadata(self.root.join(path_from_bytes(rel.as_bytes())));
                if on_disk.is_ok_and(|m| !m.is_file() && !m.is_dir() && !m.is_symlink()) {
                    unchecked.push((rel, Unchecked::NotRegular));
                    if delta.status() == Delta::Deleted {
                        continue;
                    }
                    special_old_side = true;
                }
            }
            let status = match (delta.status(), old_is_file, new_is_file) {
                (_, false, false) => continue,
                (Delta::Unmodified | Delta::Ignored | Delta::Unreadable, _, _) => continue,
                (_, true, false) => FileStatus::Deleted,
                (_, false, true) => FileStatus::Added,
                (Delta::Added | Delta::Untracked | Delta::Copied, _, _) => FileStatus::Added,
                (Delta::Deleted, _, _) => FileStatus::Deleted,
                (Delta::Renamed, _, _) if special_old_side => FileStatus::Added,
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
                let (added_lines, removed_lines) = if patch.delta().flags().is_binary() {
                    // A `-diff` or `binary` attribute must not take a checked file out of the
                    // check: when its bytes are text (git's test: no NUL in the first 8000
                    // bytes), its two versions are compared as text here.
                    let old_bytes = match old_is_file && status != FileStatus::Added {
                        true => self.blob(old.id(), &path)?,
                        false => Vec::new(),
                    };
                    let new_bytes = match (new_is_file && status != FileStatus::Deleted, new_side) {
                        (false, _) => Vec::new(),
                        (true, NewSide::WorkTree) => self.read_work_tree(new.path_bytes())?,
                        (true, _) => self.blob(new.id(), &path)?,
                    };
                    let looks_binary = |bytes: &[u8]| bytes[..bytes.len().min(8000)].contains(&0);
                    if looks_binary(&old_bytes) || looks_binary(&new_bytes) {
                        continue;
                    }
                    let mut text = DiffOptions::new();
                    text.force_text(true).context_lines(0).interhunk_lines(0);
                    let patch =
                        Patch::from_buffers(&old_bytes, None, &new_bytes, None, Some(&mut text))
                            .map_err(|e| {
                                errors::from_git(
                                    e,
                                    &format!("diffing `{}` as text", display_path(&delta)),
                                )
                            })?;
                    changed_lines(&patch)?
                } else {
                    changed_lines(&patch)?
                };
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
            let (mut added_lines, mut removed_lines) = (added_lines, removed_lines);
            if special_old_side {
                // Not a rename of the unreadable file: every line of the new one is added.
                old_content = None;
                removed_lines.clear();
                let lines = new_content
                    .as_deref()
                    .filter(|c| !c.is_empty())
                    .map_or(0, |c| crate::source::LineIndex::new(c).line_count());
                added_lines = (1..=lines).collect();
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
        unchecked.sort();
        Ok((files, unchecked))
    }

    /// The index entries of a sparse checkout that are not on disk (the skip-worktree bit),
    /// by path: git treats them as unchanged from the index.
    pub(super) fn skip_worktree_entries(&self) -> Result<HashMap<String, Oid>> {
        let index = self
            .repo
            .index()
            .map_err(|e| errors::from_git(e, "reading the index"))?;
        Ok(index
            .iter()
            .filter(|entry| {
                git2::IndexEntryExtendedFlag::from_bits_truncate(entry.flags_extended)
                    .is_skip_worktree()
            })
            .map(|entry| (String::from_utf8_lossy(&entry.path).into_owned(), entry.id))
            .collect())
    }

    /// A file outside a sparse checkout's cone whose staged version differs from the old
    /// side: modified, from the old blob to the index's.
    fn sparse_change(
        &self,
        path: String,
        old: Oid,
        staged: Oid,
        want_content: &dyn Fn(&str) -> bool,
    ) -> Result<ChangedFile> {
        let (mut added_lines, mut removed_lines) = (Vec::new(), Vec::new());
        let (mut old_content, mut new_content) = (None, None);
        if want_content(&path) {
            let old_bytes = self.blob(old, &path)?;
            let new_bytes = self.blob(staged, &path)?;
            let mut text = DiffOptions::new();
            text.context_lines(0).interhunk_lines(0);
            let patch = Patch::from_buffers(&old_bytes, None, &new_bytes, None, Some(&mut text))
                .map_err(|e| errors::from_git(e, &format!("diffing `{path}`")))?;
            (added_lines, removed_lines) = changed_lines(&patch)?;
            drop(patch);
            (old_content, new_content) = (Some(old_bytes), Some(new_bytes));
        }
        Ok(ChangedFile {
            path,
            old_path: None,
            status: FileStatus::Modified,
            added_lines,
            removed_lines,
            old_content,
            new_content,
        })
    }

    /// Reads a changed file from the work tree as it is on disk, never through a link.
    pub(super) fn read_work_tree(&self, rel: Option<&[u8]>) -> Result<Vec<u8>> {
        let full = self.root.join(path_from_bytes(rel.unwrap_or_default()));
        // One byte over the limit is enough for the file to be listed as too large.
        match crate::source::read_regular_file(&full, crate::source::MAX_FILE_BYTES + 1) {
            Ok(Some(file)) => Ok(file.bytes),
            Ok(None) => Err(errors::io(
                std::io::Error::other("it is no longer a regular file"),
                &full,
            )),
            Err(e) => Err(errors::io(e, &full)),
        }
    }
}

pub(super) fn is_regular_file(mode: FileMode) -> bool {
    matches!(mode, FileMode::Blob | FileMode::BlobExecutable)
}

/// Added (new side) and removed (old side) line numbers, sorted.
pub(super) fn changed_lines(patch: &Patch<'_>) -> Result<(Vec<usize>, Vec<usize>)> {
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

pub(super) fn path_string(bytes: Option<&[u8]>) -> String {
    String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
}

pub(super) fn display_path(delta: &git2::DiffDelta<'_>) -> String {
    path_string(
        delta
            .new_file()
            .path_bytes()
            .or_else(|| delta.old_file().path_bytes()),
    )
}
