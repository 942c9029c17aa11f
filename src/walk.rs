//! File discovery: which Go files of a tree are checked.
//!
//! One set of rules in every mode: the go tool's skipped folders (`.x`, `_x`, `testdata`,
//! `vendor` unless asked for), the config's `exclude` globs, and the repository's ignore files
//! (`.gitignore`, `.ignore`, `.git/info/exclude`, git's global excludes file) unless
//! `--no-ignore`. [`walk`] lists a tree with them; [`Filter`] answers the same question for
//! the paths of a change, which come from git rather than from a walk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{Match, WalkBuilder, WalkState};

use crate::config::Settings;
use crate::finding::SkippedFile;

/// A Go file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub abs: PathBuf,
    /// Repository-relative, `/`-separated.
    pub rel: String,
}

/// What the walk found, sorted by path.
#[derive(Debug, Default)]
pub struct WalkResult {
    pub files: Vec<SourceFile>,
    /// Entries that could not be read (unreadable folders, broken entries) and entries that
    /// are never opened (links, FIFOs, devices), each with the reason.
    pub skipped: Vec<SkippedFile>,
}

/// Options of the walk that do not come from the config file.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    pub include_vendor: bool,
    /// Check files that ignore files (`.gitignore`, `.ignore`, git's excludes) leave out.
    pub no_ignore: bool,
}

/// The repository root above `path`: the nearest folder with a `.git` entry, else `path`
/// itself (or its folder when it is a file).
pub fn find_root(path: &Path) -> PathBuf {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let start = if path.is_file() {
        path.parent().unwrap_or(&path)
    } else {
        &path
    };
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

/// `path` relative to `root`, `/`-separated.
pub fn relative(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The folder of repo-relative `rel` (`""` at the root): a Go package's identity here.
pub fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// True for folders the go tool ignores, and vendor unless asked for.
fn skipped_dir(name: &str, options: WalkOptions) -> bool {
    name.starts_with('.')
        || name.starts_with('_')
        || name == "testdata"
        || (name == "vendor" && !options.include_vendor)
}

/// Whether a file name is a Go file that the settings ask to check.
pub fn wanted_go_file(name: &str, settings: &Settings) -> bool {
    name.ends_with(".go") && (settings.include_tests || !name.ends_with("_test.go"))
}

/// Whether `rel` lies in a folder the walk skips or matches an exclude glob. Ignore files
/// are not consulted here: [`Filter`] adds them.
pub fn excluded(rel: &str, settings: &Settings, options: WalkOptions) -> bool {
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    parts.iter().any(|dir| skipped_dir(dir, options)) || settings.exclude.is_match(rel)
}

/// Why a symbolic link is listed as not checked, in every mode.
pub const SYMLINK_SKIP_REASON: &str = "skipped: symbolic link (links are not followed)";

/// Why a FIFO, a socket or a device is listed as not checked, in every mode.
pub const NOT_REGULAR_SKIP_REASON: &str = "skipped: not a regular file";

/// Walks `start` (a folder or a single file) below `root`, in parallel. Symlinks are never
/// followed and only regular files are returned, so FIFOs and devices are never opened.
/// A file named as `start` is taken as given: it is checked even when an ignore file lists
/// it.
pub fn walk(start: &Path, root: &Path, settings: &Settings, options: WalkOptions) -> WalkResult {
    let found = match std::fs::symlink_metadata(start) {
        Ok(meta) if !meta.is_dir() => classify(start, meta.file_type(), root, settings)
            .into_iter()
            .collect(),
        _ => walk_folder(start, root, settings, options),
    };
    let mut result = WalkResult::default();
    for found in found {
        match found {
            Found::File(file) => result.files.push(file),
            Found::Skipped(skipped) => result.skipped.push(skipped),
        }
    }
    result.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    result.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    result
}

/// The walk of folder `start`. It begins at `root` and goes straight down to `start`, so that
/// exactly the ignore files of the repository apply (from the root down, as [`Filter`] reads
/// them), and none of the folders above it.
fn walk_folder(start: &Path, root: &Path, settings: &Settings, options: WalkOptions) -> Vec<Found> {
    let use_ignores = !options.no_ignore;
    let base = if start.starts_with(root) { root } else { start };
    let target = start.to_path_buf();
    let mut builder = WalkBuilder::new(base);
    builder
        .follow_links(false)
        .hidden(false)
        .parents(false)
        .ignore(use_ignores)
        .git_ignore(use_ignores)
        .git_exclude(use_ignores)
        .git_global(use_ignores)
        // Global exclude patterns are relative to the repository, as git reads them.
        .current_dir(root)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            match entry.path().strip_prefix(&target) {
                Ok(below) => {
                    below.as_os_str().is_empty()
                        || !is_dir
                        || !skipped_dir(&entry.file_name().to_string_lossy(), options)
                }
                // A folder on the way from the root down to `start`.
                Err(_) => is_dir && target.starts_with(entry.path()),
            }
        });
    let results = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let results = &results;
        Box::new(move |entry| {
            if let Some(found) = visit(entry, start, root, settings) {
                lock(results).push(found);
            }
            WalkState::Continue
        })
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// What one walked entry contributes.
enum Found {
    File(SourceFile),
    Skipped(SkippedFile),
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// What one walked entry contributes, if anything.
fn visit(
    entry: Result<ignore::DirEntry, ignore::Error>,
    start: &Path,
    root: &Path,
    settings: &Settings,
) -> Option<Found> {
    let entry = match entry {
        Ok(entry) => entry,
        // Only what could not be read is listed; a pattern of an ignore file that does not
        // parse is dropped, as git drops it.
        Err(error) => {
            let io = error.io_error()?;
            let path = error_path(&error).unwrap_or(start);
            return Some(Found::Skipped(SkippedFile {
                path: relative(path, root),
                reason: format!("cannot read: {io}"),
            }));
        }
    };
    classify(entry.path(), entry.file_type()?, root, settings)
}

/// A file the walk met: a Go file to check, one listed as not opened, or nothing.
fn classify(
    path: &Path,
    file_type: std::fs::FileType,
    root: &Path,
    settings: &Settings,
) -> Option<Found> {
    if file_type.is_dir() {
        return None;
    }
    let name = path.file_name()?.to_string_lossy();
    if !wanted_go_file(&name, settings) {
        return None;
    }
    let rel = relative(path, root);
    if settings.exclude.is_match(&rel) {
        return None;
    }
    if !file_type.is_file() {
        // Never opened: a link may lead out of the repository or into a loop, and a FIFO
        // or a device would block or never end. Listed, so that nothing is lost silently.
        let reason = if file_type.is_symlink() {
            SYMLINK_SKIP_REASON
        } else {
            NOT_REGULAR_SKIP_REASON
        };
        return Some(Found::Skipped(SkippedFile {
            path: rel,
            reason: reason.to_string(),
        }));
    }
    Some(Found::File(SourceFile {
        abs: path.to_path_buf(),
        rel,
    }))
}

/// The path an error of the walk is about.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errors) => errors.iter().find_map(error_path),
        _ => None,
    }
}

/// Reads an ignore file by repo-relative path; `None` when there is none.
pub type Reader<'r> = Box<dyn Fn(&str) -> Option<Vec<u8>> + Send + Sync + 'r>;

/// Whether a repo-relative path is a Go file that is checked: the same rules as [`walk`]
/// (file name, skipped folders, `exclude` globs, ignore files), for paths that come from git.
/// Built once per run; ignore files are read on first use and kept.
pub struct Filter<'s> {
    settings: &'s Settings,
    options: WalkOptions,
    ignores: Option<Ignores<'s>>,
}

/// The ignore files of a repository, as git and the walk apply them.
struct Ignores<'r> {
    root: PathBuf,
    /// `.gitignore` and git's excludes apply in a git repository only, as in the walk.
    in_git: bool,
    read: Reader<'r>,
    /// `.git/info/exclude`.
    info_exclude: Gitignore,
    /// git's `core.excludesFile` (default `$XDG_CONFIG_HOME/git/ignore`).
    global: Gitignore,
    /// Per repo-relative folder (`""`: the root), its `.ignore` and `.gitignore`.
    dirs: Mutex<HashMap<String, Arc<[Gitignore; 2]>>>,
}

impl<'s> Filter<'s> {
    /// The filter of the repository at `root`, reading ignore files from the disk.
    pub fn new(root: &Path, settings: &'s Settings, options: WalkOptions) -> Filter<'s> {
        let disk = root.to_path_buf();
        Filter::with_reader(
            root,
            settings,
            options,
            Box::new(move |rel| std::fs::read(disk.join(rel)).ok()),
        )
    }

    /// Like [`Filter::new`], with `.gitignore` and `.ignore` files read by `read` (given a
    /// repo-relative path), e.g. from the commit a change ends at. `.git/info/exclude` and
    /// git's global excludes file are read from the disk: they are not part of a commit.
    pub fn with_reader(
        root: &Path,
        settings: &'s Settings,
        options: WalkOptions,
        read: Reader<'s>,
    ) -> Filter<'s> {
        let ignores = (!options.no_ignore).then(|| {
            let in_git = root.join(".git").exists();
            let info_exclude = git_common_dir(root)
                .filter(|_| in_git)
                .and_then(|dir| std::fs::read(dir.join("info/exclude")).ok())
                .map_or_else(Gitignore::empty, |text| gitignore_from(root, &text));
            let global = if in_git {
                GitignoreBuilder::new(root).build_global().0
            } else {
                Gitignore::empty()
            };
            Ignores {
                root: root.to_path_buf(),
                in_git,
                read,
                info_exclude,
                global,
                dirs: Mutex::new(HashMap::new()),
            }
        });
        Filter {
            settings,
            options,
            ignores,
        }
    }

    /// Whether repo-relative `rel` is a Go file the run checks.
    pub fn is_checked(&self, rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        wanted_go_file(name, self.settings)
            && !excluded(rel, self.settings, self.options)
            && !self.is_ignored(rel)
    }

    /// Whether the walk enters repo-relative folder `dir` (`""`: the root): a folder it
    /// skips (`vendor`, `testdata`, hidden ones) or that an ignore file leaves out holds no
    /// file it checks, so a search of the repository need not list it.
    pub fn enters(&self, dir: &str) -> bool {
        let parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        !parts.iter().any(|part| skipped_dir(part, self.options))
            && !self.ignores.as_ref().is_some_and(|ignores| {
                (1..=parts.len()).any(|end| ignores.ignored(&parts[..end], true))
            })
    }

    /// Whether an ignore file leaves out repo-relative `rel` or one of its folders (always
    /// false with `--no-ignore`).
    pub fn is_ignored(&self, rel: &str) -> bool {
        let Some(ignores) = &self.ignores else {
            return false;
        };
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        // As git does: a folder that is ignored is not entered, so nothing below it can be
        // re-included; each folder on the way is matched before the file.
        (1..=parts.len()).any(|end| ignores.ignored(&parts[..end], end < parts.len()))
    }
}

impl Ignores<'_> {
    /// Whether the path `parts` (a folder when `is_dir`) is ignored by the ignore files of
    /// its folders, the deepest first: `.ignore` wins over `.gitignore`, which wins over
    /// `.git/info/exclude`, which wins over the global excludes (the walk's precedence).
    fn ignored(&self, parts: &[&str], is_dir: bool) -> bool {
        let path = self.root.join(parts.join("/"));
        let mut by_ignore = Match::None;
        let mut by_gitignore = Match::None;
        for depth in (0..parts.len()).rev() {
            let rules = self.rules(&parts[..depth].join("/"));
            if by_ignore.is_none() {
                by_ignore = rules[0].matched(&path, is_dir).map(|_| ());
            }
            if self.in_git && by_gitignore.is_none() {
                by_gitignore = rules[1].matched(&path, is_dir).map(|_| ());
            }
        }
        by_ignore
            .or(by_gitignore)
            .or(self.info_exclude.matched(&path, is_dir).map(|_| ()))
            .or(self.global.matched(&path, is_dir).map(|_| ()))
            .is_ignore()
    }

    /// The `.ignore` and `.gitignore` of folder `dir`, read once.
    fn rules(&self, dir: &str) -> Arc<[Gitignore; 2]> {
        if let Some(rules) = lock(&self.dirs).get(dir) {
            return Arc::clone(rules);
        }
        let abs = self.root.join(dir);
        let file = |name: &str| {
            let rel = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            (self.read)(&rel).map_or_else(Gitignore::empty, |bytes| gitignore_from(&abs, &bytes))
        };
        let rules = Arc::new([file(".ignore"), file(".gitignore")]);
        lock(&self.dirs).insert(dir.to_string(), Arc::clone(&rules));
        rules
    }
}

/// A matcher of gitignore `text` for folder `dir`. Lines that do not parse are dropped, as
/// git drops them.
fn gitignore_from(dir: &Path, text: &[u8]) -> Gitignore {
    let mut builder = GitignoreBuilder::new(dir);
    for line in String::from_utf8_lossy(text).lines() {
        let _ = builder.add_line(None, line);
    }
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

/// The folder that holds `info/exclude`: `.git`, or for a linked worktree (whose `.git` is a
/// file naming its git folder) the main repository's git folder.
fn git_common_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let git_dir = root.join(text.strip_prefix("gitdir:")?.trim());
    match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(common) => Some(git_dir.join(common.trim())),
        Err(_) => Some(git_dir),
    }
}

/// `// Code generated ... DO NOT EDIT.` on a line of its own before the package clause
/// (go/ast.IsGenerated's rule).
pub fn is_generated(src: &[u8]) -> bool {
    const PREFIX: &[u8] = b"// Code generated ";
    const SUFFIX: &[u8] = b" DO NOT EDIT.";
    for raw in src.split(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.starts_with(b"package ") || line.starts_with(b"package\t") {
            return false;
        }
        if line.starts_with(PREFIX)
            && line.ends_with(SUFFIX)
            && line.len() >= PREFIX.len() + SUFFIX.len()
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_header_before_package_only() {
        assert!(is_generated(
            b"// Code generated by protoc. DO NOT EDIT.\n\npackage x\n"
        ));
        assert!(is_generated(
            b"// Copyright\n// Code generated by x. DO NOT EDIT.\r\npackage x\n"
        ));
        assert!(!is_generated(
            b"package x\n// Code generated by x. DO NOT EDIT.\n"
        ));
        assert!(!is_generated(
            b"// Code generated by x. DO NOT EDIT. really\npackage x\n"
        ));
    }

    /// A repository with nested ignore files, negations, anchored patterns and an ignored
    /// folder: every Go file's (path, checked by the walk).
    fn ignore_tree(git: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files = [
            (".gitignore", "gen/\n*.pb.go\n!keep.pb.go\nbuild\n"),
            (".ignore", "scratch.go\n"),
            ("a/.gitignore", "local.go\n/anchored.go\n"),
            ("a/b/.gitignore", "!local.go\n"),
            ("a/.ignore", "!scratch.go\n"),
            ("main.go", ""),
            ("keep.pb.go", ""),
            ("x.pb.go", ""),
            ("scratch.go", ""),
            ("info.go", ""),
            ("sub/info.go", ""),
            ("gen/x.go", ""),
            ("gen/keep.pb.go", ""),
            ("build/y.go", ""),
            ("a/local.go", ""),
            ("a/b/local.go", ""),
            ("a/anchored.go", ""),
            ("a/b/anchored.go", ""),
            ("a/scratch.go", ""),
            ("vendor/v.go", ""),
            ("_tmp/t.go", ""),
        ];
        for (rel, text) in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        if git {
            std::fs::create_dir_all(root.join(".git/info")).unwrap();
            std::fs::write(root.join(".git/info/exclude"), "info.go\n").unwrap();
        }
        dir
    }

    fn all_go_files(root: &Path) -> Vec<String> {
        let mut all: Vec<String> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| relative(e.path(), root))
            .filter(|rel| rel.ends_with(".go"))
            .collect();
        all.sort();
        all
    }

    fn walked(root: &Path, options: WalkOptions) -> Vec<String> {
        let result = walk(root, root, &Settings::builtin(&[]), options);
        assert!(result.skipped.is_empty(), "{:?}", result.skipped);
        result.files.into_iter().map(|f| f.rel).collect()
    }

    #[test]
    fn the_walk_honours_ignore_files_as_git_does() {
        let dir = ignore_tree(true);
        let checked = walked(dir.path(), WalkOptions::default());
        assert_eq!(
            checked,
            [
                "a/b/anchored.go",
                "a/b/local.go",
                "a/scratch.go",
                "keep.pb.go",
                "main.go"
            ]
        );
        let everything = walked(
            dir.path(),
            WalkOptions {
                no_ignore: true,
                ..WalkOptions::default()
            },
        );
        assert_eq!(
            everything.len(),
            14,
            "all but vendor/ and _tmp/: {everything:?}"
        );
    }

    #[test]
    fn the_filter_agrees_with_the_walk_on_every_file() {
        for git in [true, false] {
            let dir = ignore_tree(git);
            let settings = Settings::builtin(&[]);
            for no_ignore in [false, true] {
                let options = WalkOptions {
                    no_ignore,
                    ..WalkOptions::default()
                };
                let filter = Filter::new(dir.path(), &settings, options);
                let by_filter: Vec<String> = all_go_files(dir.path())
                    .into_iter()
                    .filter(|rel| filter.is_checked(rel))
                    .collect();
                assert_eq!(
                    by_filter,
                    walked(dir.path(), options),
                    "git: {git}, no_ignore: {no_ignore}"
                );
            }
        }
    }

    #[test]
    fn a_folder_the_filter_does_not_enter_holds_no_checked_file() {
        let dir = ignore_tree(true);
        let settings = Settings::builtin(&[]);
        for include_vendor in [false, true] {
            let options = WalkOptions {
                include_vendor,
                ..WalkOptions::default()
            };
            let filter = Filter::new(dir.path(), &settings, options);
            for rel in all_go_files(dir.path()) {
                let mut folder = parent_dir(&rel);
                loop {
                    assert!(
                        filter.enters(folder) || !filter.is_checked(&rel),
                        "{rel} is checked, but {folder:?} is not entered"
                    );
                    if folder.is_empty() {
                        break;
                    }
                    folder = parent_dir(folder);
                }
            }
            let entered: Vec<&str> = ["", "a", "a/b", "gen", "build", "vendor", "_tmp", ".git"]
                .into_iter()
                .filter(|folder| filter.enters(folder))
                .collect();
            let expected: &[&str] = if include_vendor {
                &["", "a", "a/b", "vendor"]
            } else {
                &["", "a", "a/b"]
            };
            assert_eq!(entered, expected);
        }
    }

    #[test]
    fn a_subfolder_gets_the_repositorys_ignore_files_and_none_from_above_it() {
        let outer = tempfile::tempdir().unwrap();
        std::fs::write(outer.path().join(".ignore"), "*.go\n").unwrap();
        let repo = outer.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        let dir = ignore_tree(true);
        std::fs::rename(dir.path(), &repo).unwrap();
        let settings = Settings::builtin(&[]);
        let walked_from = |start: &Path| -> Vec<String> {
            let result = walk(start, &repo, &settings, WalkOptions::default());
            result.files.into_iter().map(|f| f.rel).collect()
        };
        assert_eq!(
            walked_from(&repo).len(),
            5,
            "no .ignore above the root applies"
        );
        assert_eq!(
            walked_from(&repo.join("a")),
            ["a/b/anchored.go", "a/b/local.go", "a/scratch.go"]
        );
        // Named on the command line, an ignored file is checked.
        assert_eq!(walked_from(&repo.join("x.pb.go")), ["x.pb.go"]);
    }

    #[test]
    fn without_git_only_dot_ignore_files_apply() {
        let dir = ignore_tree(false);
        let settings = Settings::builtin(&[]);
        let filter = Filter::new(dir.path(), &settings, WalkOptions::default());
        assert!(filter.is_checked("x.pb.go"));
        assert!(filter.is_checked("gen/x.go"));
        assert!(filter.is_ignored("scratch.go"));
        assert!(!filter.is_ignored("a/scratch.go"));
    }

    #[test]
    fn the_filter_reads_ignore_files_through_its_reader() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let settings = Settings::builtin(&[]);
        let filter = Filter::with_reader(
            dir.path(),
            &settings,
            WalkOptions::default(),
            Box::new(|rel| (rel == "api/.gitignore").then(|| b"*_gen.go\n".to_vec())),
        );
        assert!(filter.is_ignored("api/x_gen.go"));
        assert!(filter.is_ignored("api/v1/x_gen.go"));
        assert!(!filter.is_ignored("x_gen.go"));
        assert!(filter.is_checked("api/x.go"));
        assert!(!filter.is_checked("api/x_test.go"), "tests stay out");
        assert!(!filter.is_checked("vendor/x.go"), "vendor stays out");
    }

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(relative(Path::new("/r/a/b.go"), Path::new("/r")), "a/b.go");
    }
}
