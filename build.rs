//! Embeds the git commit the binary was built from, for `sre-policy --version`.
//!
//! Outside a git checkout of this crate (a source archive, a wheel's sdist, a crates.io
//! download unpacked inside some other repository) the version is the package version alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let long = match commit(&manifest_dir) {
        Some((hash, date)) => format!("{version} ({hash} {date})"),
        None => version.clone(),
    };
    println!("cargo:rustc-env=SRE_POLICY_LONG_VERSION={long}");
    // `init` pins the GitHub Action to this commit when it is the release's tagged commit.
    let release_commit = release_commit(&manifest_dir, &version).unwrap_or_default();
    println!("cargo:rustc-env=SRE_POLICY_RELEASE_COMMIT={release_commit}");
    let sources = sources_hash(&manifest_dir);
    println!("cargo:rustc-env=SRE_POLICY_SOURCES_HASH={sources:016x}");
}

/// What the facts a parse yields depend on: the code, the rule data and the grammar (and the
/// locked dependencies). The cache of parses is keyed on their hash, so that a binary built
/// from other sources never reads another's entries, while reinstalling the same release
/// (a fresh download, a new modification time) keeps them.
const SOURCES: &[&str] = &["src", "rules", "grammar/tree-sitter-go/src", "Cargo.lock"];

/// A hash of the paths and bytes of every file of [`SOURCES`], in path order.
fn sources_hash(manifest_dir: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut files = Vec::new();
    for source in SOURCES {
        let path = manifest_dir.join(source);
        println!("cargo:rerun-if-changed={}", path.display());
        collect_files(&path, &mut files);
    }
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        file.strip_prefix(manifest_dir)
            .unwrap_or(&file)
            .hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    hasher.finish()
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            for entry in entries.flatten() {
                collect_files(&entry.path(), files);
            }
        }
        Err(_) if path.is_file() => files.push(path.to_path_buf()),
        Err(_) => {}
    }
}

/// HEAD's full SHA when HEAD carries the tag `v<version>`.
fn release_commit(manifest_dir: &Path, version: &str) -> Option<String> {
    if !is_work_tree_top(manifest_dir) {
        return None;
    }
    let tags = git(manifest_dir, &["tag", "--points-at", "HEAD"])?;
    let tag = format!("v{version}");
    if !tags.lines().any(|t| t.trim() == tag) {
        return None;
    }
    git(manifest_dir, &["rev-parse", "HEAD"])
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string())
}

/// Whether the crate's folder is the top of a git work tree (a folder inside another
/// repository must not take that repository's commit).
fn is_work_tree_top(manifest_dir: &Path) -> bool {
    let Some(top) = git(manifest_dir, &["rev-parse", "--show-toplevel"]) else {
        return false;
    };
    match (
        PathBuf::from(top).canonicalize(),
        manifest_dir.canonicalize(),
    ) {
        (Ok(top), Ok(dir)) => top == dir,
        _ => false,
    }
}

/// The short hash and commit date of HEAD, when the crate's folder is the top of a work tree.
fn commit(manifest_dir: &Path) -> Option<(String, String)> {
    if !is_work_tree_top(manifest_dir) {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself (checkout) and its reflog (commit, reset).
    for file in ["HEAD", "logs/HEAD"] {
        if let Some(path) = git(manifest_dir, &["rev-parse", "--git-path", file]) {
            let path = manifest_dir.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    let line = git(
        manifest_dir,
        &["log", "-1", "--format=%h %cs", "--abbrev=12"],
    )?;
    let (hash, date) = line.split_once(' ')?;
    Some((hash.to_string(), date.to_string()))
}
