//! Reading files of the new side of a change: the neighbours of changed files, the files
//! rules search (metric references), `go.mod`.

use super::*;

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
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        self.new_side_files_until(req, scope, want_path, want_bytes, max_bytes, &|| false)
    }

    /// Like [`Repo::new_side_files`], for a search whose `want_bytes` only accepts blobs that
    /// pass `gate`: a blob of a commit remembered to fail it is not read (see [`memo`]), and
    /// the blobs found to fail it are remembered for the next run.
    pub fn new_side_files_passing(
        &self,
        req: &ChangeRequest,
        scope: FileScope<'_>,
        want_path: &dyn Fn(&str) -> bool,
        gate: Gate,
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let read = Reading {
            want_bytes,
            max_bytes,
            done: &|| false,
            gate: Some(gate),
        };
        self.search(req, scope, want_path, read)
    }

    /// Like [`Repo::new_side_files`], but no more files are read once `done` says so (the
    /// files `want_bytes` has seen already answer the search): the files read by then.
    pub fn new_side_files_until(
        &self,
        req: &ChangeRequest,
        scope: FileScope<'_>,
        want_path: &dyn Fn(&str) -> bool,
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
        done: &(dyn Fn() -> bool + Sync),
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let read = Reading {
            want_bytes,
            max_bytes,
            done,
            gate: None,
        };
        self.search(req, scope, want_path, read)
    }

    /// The files of the new side in `scope` that `want_path` and `read` accept.
    fn search(
        &self,
        req: &ChangeRequest,
        scope: FileScope<'_>,
        want_path: &dyn Fn(&str) -> bool,
        read: Reading<'_>,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        // The revisions are resolved once, whatever the number of folders.
        let new = self.plan(req)?.new;
        let mut files = Vec::new();
        // The blobs of a commit, of every folder, are read in one parallel pass.
        let mut blobs = Vec::new();
        match scope {
            FileScope::Everywhere(enters) => self.files_on_side(
                &new,
                Folder::Below(enters),
                want_path,
                &read,
                &mut files,
                &mut blobs,
            )?,
            FileScope::Folders(dirs) => {
                for dir in dirs {
                    self.files_on_side(
                        &new,
                        Folder::Only(dir),
                        want_path,
                        &read,
                        &mut files,
                        &mut blobs,
                    )?;
                }
            }
        }
        files.extend(self.read_blobs(blobs, &read)?);
        if matches!(new, NewSide::WorkTree) {
            // A sparse checkout leaves files out of the disk, not out of the repository: they
            // are read from the index, once for every folder.
            let in_scope = |rel: &str| match scope {
                FileScope::Everywhere(enters) => enters(crate::walk::parent_dir(rel)),
                FileScope::Folders(dirs) => dirs.contains(&crate::walk::parent_dir(rel)),
            };
            let outside_cone: Vec<(String, Oid)> = self
                .skip_worktree_entries()?
                .into_iter()
                .filter(|(rel, _)| in_scope(rel) && want_path(rel))
                .collect();
            // Remembered failures are a commit search's: a few blobs of a sparse checkout
            // would replace them.
            let read = Reading { gate: None, ..read };
            files.extend(self.read_blobs(outside_cone, &read)?);
        }
        files.sort();
        Ok(files)
    }

    /// The files of one side, in one folder or below the root, into `files`; a commit's
    /// blobs are listed into `blobs`, to read.
    fn files_on_side(
        &self,
        new: &NewSide<'_>,
        folder: Folder<'_>,
        want_path: &dyn Fn(&str) -> bool,
        read: &Reading<'_>,
        files: &mut Vec<(String, Vec<u8>)>,
        blobs: &mut Vec<(String, Oid)>,
    ) -> Result<()> {
        let Reading {
            want_bytes,
            max_bytes,
            done,
            ..
        } = *read;
        let in_scope = |rel: &str| match folder {
            Folder::Only(dir) => crate::walk::parent_dir(rel) == dir,
            Folder::Below(_) => true,
        };
        let relative = |path: &Path| {
            path.strip_prefix(&self.root)
                .map(|p| {
                    p.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default()
        };
        match new {
            NewSide::WorkTree => {
                let (start, depth) = match folder {
                    Folder::Below(_) => (self.root.clone(), usize::MAX),
                    Folder::Only(dir) => (self.root.join(path_from_bytes(dir.as_bytes())), 1),
                };
                let walker = walkdir::WalkDir::new(start)
                    .max_depth(depth)
                    .follow_links(false)
                    .into_iter()
                    .filter_entry(|e| {
                        e.depth() == 0
                            || !e.file_type().is_dir()
                            || (!matches!(e.file_name().to_str(), Some(".git" | "node_modules"))
                                && match folder {
                                    Folder::Below(enters) => enters(&relative(e.path())),
                                    Folder::Only(_) => true,
                                })
                    });
                for entry in walker.flatten() {
                    if done() {
                        break;
                    }
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let rel = relative(entry.path());
                    if rel.is_empty() || !want_path(&rel) {
                        continue;
                    }
                    if entry.metadata().map_or(true, |m| m.len() > max_bytes) {
                        continue;
                    }
                    if let Ok(Some(file)) =
                        crate::source::read_regular_file(entry.path(), max_bytes)
                    {
                        if want_bytes(&file.bytes) {
                            files.push((rel, file.bytes));
                        }
                    }
                }
            }
            NewSide::Commit(commit) => {
                let mut tree = commit
                    .tree()
                    .map_err(|e| errors::from_git(e, "reading a tree"))?;
                let mut prefix = String::new();
                if let Folder::Only(dir) = folder {
                    if !dir.is_empty() {
                        // One folder: its own tree, not a walk of the whole commit.
                        let folder = tree
                            .get_path(Path::new(dir))
                            .ok()
                            .and_then(|entry| entry.to_object(&self.repo).ok())
                            .and_then(|object| object.into_tree().ok());
                        let Some(folder) = folder else {
                            return Ok(());
                        };
                        tree = folder;
                        prefix = format!("{dir}/");
                    }
                }
                tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                    if entry.filemode() == i32::from(FileMode::Blob)
                        || entry.filemode() == i32::from(FileMode::BlobExecutable)
                    {
                        if let Some(name) = entry.name() {
                            let rel = format!("{prefix}{dir}{name}");
                            if in_scope(&rel) && want_path(&rel) {
                                blobs.push((rel, entry.id()));
                            }
                        }
                    }
                    if entry.kind() != Some(git2::ObjectType::Tree) {
                        return git2::TreeWalkResult::Ok;
                    }
                    let enter = match folder {
                        // A folder's subfolders are not part of it.
                        Folder::Only(_) => false,
                        Folder::Below(enters) => enters(&format!(
                            "{prefix}{dir}{}",
                            entry.name().unwrap_or_default()
                        )),
                    };
                    if enter {
                        git2::TreeWalkResult::Ok
                    } else {
                        git2::TreeWalkResult::Skip
                    }
                })
                .map_err(|e| errors::from_git(e, "walking a tree"))?;
            }
            NewSide::Index => {
                let index = self
                    .repo
                    .index()
                    .map_err(|e| errors::from_git(e, "reading the index"))?;
                for entry in index.iter() {
                    if done() {
                        break;
                    }
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
        Ok(())
    }

    /// The blobs of `entries` of at most `max_bytes` whose bytes `want_bytes` accepts, read
    /// on every core: inflating thousands of blobs (a search of the whole head) is the cost of
    /// a diff-mode run that searches the repository. Each thread opens its own handle on the
    /// repository, as libgit2's objects are not shared between threads.
    fn read_blobs(
        &self,
        entries: Vec<(String, Oid)>,
        reading: &Reading<'_>,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        use rayon::prelude::*;
        let Reading {
            want_bytes,
            max_bytes,
            done,
            gate,
        } = *reading;
        let git_dir = self.repo.path().to_path_buf();
        let memo = gate.map(|gate| (gate, memo::Memo::load(self.repo.commondir(), gate)));
        // What became of one blob: its bytes when wanted, and whether it fails the gate.
        let read = |repo: &Repository, rel: &str, id: Oid| -> Result<(Option<Vec<u8>>, bool)> {
            if memo.as_ref().is_some_and(|(_, memo)| memo.fails(id)) {
                return Ok((None, true));
            }
            let odb = repo
                .odb()
                .map_err(|e| errors::from_git(e, "opening the object database"))?;
            if !odb
                .read_header(id)
                .is_ok_and(|(size, _)| size as u64 <= max_bytes)
            {
                return Ok((None, false));
            }
            let blob = repo
                .find_blob(id)
                .map_err(|e| errors::from_git(e, &format!("reading the contents of `{rel}`")))?;
            let bytes = blob.content();
            if memo.as_ref().is_some_and(|(gate, _)| !(gate.passes)(bytes)) {
                return Ok((None, true));
            }
            Ok((want_bytes(bytes).then(|| bytes.to_vec()), false))
        };
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        // One share per thread: a handle opened per item (or per split) would load the pack
        // indexes and inflate shared delta bases again each time.
        let share = entries.len().div_ceil(rayon::current_num_threads().max(1));
        type Share = (Vec<(String, Vec<u8>)>, Vec<Oid>);
        let found = entries
            .par_chunks(share)
            .map(|chunk| -> Result<Share> {
                let repo = Repository::open_bare(&git_dir).map_err(|e| {
                    errors::from_git(e, "opening the repository on a reading thread")
                })?;
                let mut files = Vec::new();
                let mut failing = Vec::new();
                for (rel, id) in chunk {
                    if done() {
                        break;
                    }
                    match read(&repo, rel, *id)? {
                        (Some(bytes), _) => files.push((rel.clone(), bytes)),
                        (None, true) => failing.push(*id),
                        (None, false) => {}
                    }
                }
                Ok((files, failing))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut files = Vec::new();
        let mut failing = std::collections::HashSet::new();
        for (found, failed) in found {
            files.extend(found);
            failing.extend(failed);
        }
        if let Some((_, memo)) = memo {
            memo.save(failing);
        }
        Ok(files)
    }
}

/// Which files' bytes a search keeps, and when it has read enough.
#[derive(Clone, Copy)]
struct Reading<'a> {
    want_bytes: &'a (dyn Fn(&[u8]) -> bool + Sync),
    max_bytes: u64,
    done: &'a (dyn Fn() -> bool + Sync),
    /// The test every wanted blob passes, whose failures are remembered.
    gate: Option<Gate>,
}

/// Where [`Repo::new_side_files`] lists the files of one side.
#[derive(Clone, Copy)]
enum Folder<'a> {
    /// Directly in this folder (repo-relative, `""` for the root).
    Only(&'a str),
    /// Anywhere below the root, in the folders the predicate enters.
    Below(&'a dyn Fn(&str) -> bool),
}
