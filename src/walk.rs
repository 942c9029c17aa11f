//! File discovery: which Go files of a tree are checked.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::Settings;
use crate::finding::SkippedFile;

/// A Go file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub abs: PathBuf,
    /// Repository-relative, `/`-separated.
    pub rel: String,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct WalkResult {
    pub files: Vec<SourceFile>,
    /// Entries that could not be read (unreadable folders, broken entries).
    pub skipped: Vec<SkippedFile>,
}

/// Options of the walk that do not come from the config file.
#[derive(Debug, Clone, Copy, Default)]
pub struct WalkOptions {
    pub include_vendor: bool,
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

/// Whether `rel` lies in a folder the walk skips or matches an exclude glob.
pub fn excluded(rel: &str, settings: &Settings, options: WalkOptions) -> bool {
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    parts.iter().any(|dir| skipped_dir(dir, options)) || settings.exclude.is_match(rel)
}

/// Walks `start` (a folder or a single file) below `root`. Symlinks are never followed and
/// only regular files are returned, so FIFOs and devices are never opened.
pub fn walk(start: &Path, root: &Path, settings: &Settings, options: WalkOptions) -> WalkResult {
    let mut result = WalkResult::default();
    let walker = WalkDir::new(start)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_dir()
                || !skipped_dir(&entry.file_name().to_string_lossy(), options)
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error
                    .path()
                    .map(|p| relative(p, root))
                    .unwrap_or_else(|| relative(start, root));
                let reason = match error.io_error() {
                    Some(io) => format!("cannot read: {io}"),
                    None => format!("cannot read: {error}"),
                };
                result.skipped.push(SkippedFile { path, reason });
                continue;
            }
        };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if !wanted_go_file(&name, settings) {
            continue;
        }
        let rel = relative(entry.path(), root);
        if settings.exclude.is_match(&rel) {
            continue;
        }
        if !file_type.is_file() {
            // Never opened: a link may lead out of the repository or into a loop, and a FIFO
            // or a device would block or never end. Listed, so that nothing is lost silently.
            let reason = if file_type.is_symlink() {
                "skipped: symbolic link (links are not followed)"
            } else {
                "skipped: not a regular file"
            };
            result.skipped.push(SkippedFile {
                path: rel,
                reason: reason.to_string(),
            });
            continue;
        }
        result.files.push(SourceFile {
            abs: entry.into_path(),
            rel,
        });
    }
    result
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

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(relative(Path::new("/r/a/b.go"), Path::new("/r")), "a/b.go");
    }
}
