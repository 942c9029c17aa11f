//! Temporary git repositories for integration tests.
//!
//! The diff cases live as data in `fixtures/diff/<case>/`:
//!
//! ```text
//! fixtures/diff/<case>/before/…   the tree committed on `main` (may be absent: empty tree)
//! fixtures/diff/<case>/after/…    the complete tree after the change (files absent here
//!                                 are deleted; may be absent: everything deleted)
//! fixtures/diff/<case>/case.toml  optional: message = "…" (the after-commit's message),
//!                                 base_message = "…", [git_config] "core.autocrlf" = "true"
//! ```
//!
//! [`diff_repo`] builds a real repository from a case: it commits `before` on `main`,
//! creates the branch `feature`, lays `after` over the work tree and then, per [`After`],
//! commits it, stages it (`git add -A`), or leaves it in the work tree. Symbolic links in
//! the fixture trees are recreated as links (not followed). Tests use the `git` CLI here;
//! the product never does.
//!
//! Every helper first calls [`isolate`], which makes this test process independent of the
//! machine's git configuration and of `GIT_*` variables of a calling git hook. Use it (or
//! [`scratch_dir`]) before any `sre_policy::git` call, even in a test that needs no
//! repository.
//!
//! To reuse the harness from another test file: `mod support;` then
//! `let repo = support::diff_repo("case", support::After::Committed);` and open it with
//! `sre_policy::git::Repo::discover(repo.path())`.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use tempfile::TempDir;

/// Where `after` goes in [`diff_repo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Committed on branch `feature` (HEAD is `feature`).
    Committed,
    /// Staged with `git add -A` on branch `feature`, not committed.
    Staged,
    /// Left in the work tree: modified, deleted and new (untracked) files, nothing staged.
    WorkTree,
}

/// The optional `case.toml` of a diff case.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseConfig {
    /// Message of the after-commit (default "change").
    pub message: Option<String>,
    /// Message of the before-commit on main (default "base").
    pub base_message: Option<String>,
    /// `git config` settings applied right after `git init`.
    #[serde(default)]
    pub git_config: std::collections::BTreeMap<String, String>,
}

/// The variables that would make git (and libgit2 opened FROM_ENV) look elsewhere.
const GIT_LOCATION_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_COMMON_DIR",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
];

static ISOLATE: Once = Once::new();

fn empty_global_config() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sre-policy-empty-gitconfig")
}

/// Makes the process independent of the machine's git set-up, once: clears `GIT_*`
/// location variables (set when tests run inside a git hook), and points the global
/// config at an empty file and turns the system config off, for libgit2 (which reads
/// these variables when a repository is opened FROM_ENV) and for the `git` CLI.
///
/// Runs before any test touches libgit2, because every test goes through a helper that
/// calls it; that keeps the variable changes free of races.
pub fn isolate() {
    ISOLATE.call_once(|| {
        let config = empty_global_config();
        fs::create_dir_all(config.parent().expect("target tmp dir has a parent"))
            .expect("create target tmp dir");
        fs::write(&config, "").expect("write empty git config");
        for var in GIT_LOCATION_VARS {
            std::env::remove_var(var);
        }
        std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
        std::env::set_var("GIT_CONFIG_GLOBAL", &config);
    });
}

/// An empty temporary directory that is not in any repository.
pub fn scratch_dir() -> TempDir {
    isolate();
    tempfile::Builder::new()
        .prefix("sre-policy-git-")
        .tempdir()
        .expect("create temp dir")
}

/// The `git` CLI with a clean, deterministic environment.
pub fn git_command(cwd: &Path) -> Command {
    isolate();
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", empty_global_config())
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_TERMINAL_PROMPT", "0");
    for var in GIT_LOCATION_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `git args…` in `cwd` with extra environment; panics with git's stderr on failure.
/// Returns stdout, trimmed.
pub fn git_in(cwd: &Path, args: &[&str], envs: &[(&str, &Path)]) -> String {
    let mut cmd = git_command(cwd);
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed in {}:\n{}",
        cwd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A git repository in a temporary directory, deleted on drop.
pub struct TempRepo {
    dir: TempDir,
}

impl TempRepo {
    /// `git init -b main` in a fresh temporary directory.
    pub fn init() -> TempRepo {
        let dir = scratch_dir();
        git_in(dir.path(), &["init", "-q", "-b", "main"], &[]);
        TempRepo { dir }
    }

    /// The work-tree root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `git args…` in the work tree; stdout, trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args, &[])
    }

    /// The full oid of a revision.
    pub fn rev(&self, spec: &str) -> String {
        self.git(&["rev-parse", "--verify", spec])
    }

    /// Writes a file (creating its directories), relative to the root.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create dirs");
        }
        fs::write(path, contents).expect("write file");
    }

    pub fn remove(&self, rel: &str) {
        fs::remove_file(self.path().join(rel)).expect("remove file");
    }

    /// `git add -A` then a commit with `message`; returns the new commit's oid.
    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
        self.rev("HEAD")
    }

    /// Replaces everything in the work tree except `.git` with a copy of `src` (an
    /// absent `src` leaves the work tree empty).
    pub fn replace_work_tree(&self, src: &Path) {
        for entry in fs::read_dir(self.path()).expect("read work tree") {
            let entry = entry.expect("dir entry");
            if entry.file_name() == ".git" {
                continue;
            }
            let path = entry.path();
            let ty = entry.file_type().expect("file type");
            if ty.is_dir() {
                fs::remove_dir_all(&path).expect("remove dir");
            } else {
                fs::remove_file(&path).expect("remove file");
            }
        }
        if src.exists() {
            copy_tree(src, self.path());
        }
    }
}

/// `fixtures/diff/<case>`.
pub fn case_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/diff")
        .join(case)
}

/// The parsed `case.toml` of a case (defaults when absent).
pub fn case_config(case: &str) -> CaseConfig {
    let path = case_dir(case).join("case.toml");
    match fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).unwrap_or_else(|e| panic!("invalid {}: {e}", path.display()))
        }
        Err(_) => CaseConfig::default(),
    }
}

/// Builds a repository from `fixtures/diff/<case>`: `before` committed on `main`, branch
/// `feature` checked out, `after` laid over the work tree and then committed, staged or
/// left as it is (see [`After`]).
pub fn diff_repo(case: &str, after: After) -> TempRepo {
    let dir = case_dir(case);
    assert!(dir.is_dir(), "no fixture case {}", dir.display());
    let config = case_config(case);
    let repo = TempRepo::init();
    for (key, value) in &config.git_config {
        repo.git(&["config", key, value]);
    }
    repo.replace_work_tree(&dir.join("before"));
    repo.commit_all(config.base_message.as_deref().unwrap_or("base"));
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.replace_work_tree(&dir.join("after"));
    match after {
        After::Committed => {
            repo.commit_all(config.message.as_deref().unwrap_or("change"));
        }
        After::Staged => {
            repo.git(&["add", "-A"]);
        }
        After::WorkTree => {}
    }
    repo
}

/// Copies `src` into `dst` recursively; symbolic links are recreated, not followed.
pub fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).expect("create dir");
    for entry in fs::read_dir(src).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let ty = entry.file_type().expect("file type");
        if ty.is_symlink() {
            let target = fs::read_link(&from).expect("read link");
            std::os::unix::fs::symlink(target, &to).expect("create link");
        } else if ty.is_dir() {
            copy_tree(&from, &to);
        } else {
            fs::copy(&from, &to).expect("copy file");
        }
    }
}

/// Opens `repo` with the product's discovery (from its work-tree root).
pub fn open(repo: &TempRepo) -> sre_policy::git::Repo {
    open_at(repo.path())
}

/// Opens the repository containing `path`; panics when there is none.
pub fn open_at(path: &Path) -> sre_policy::git::Repo {
    match sre_policy::git::Repo::discover(path) {
        Ok(Some(repo)) => repo,
        Ok(None) => panic!("no repository at {}", path.display()),
        Err(e) => panic!("opening {}: {e:?}", path.display()),
    }
}

/// A `want_content` that loads every changed file.
pub fn all_contents(_path: &str) -> bool {
    true
}

/// A `want_content` that loads nothing.
pub fn no_contents(_path: &str) -> bool {
    false
}

/// A depth-1 clone of `origin`'s `feature` branch (plus `extra` clone flags) in a scratch
/// folder: the scratch folder (keep it alive) and the clone's path.
pub fn shallow_clone(origin: &TempRepo, extra: &[&str]) -> (TempDir, PathBuf) {
    let scratch = scratch_dir();
    let url = format!("file://{}", origin.path().display());
    let mut args = vec!["clone", "-q", "--depth", "1"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--branch", "feature", &url, "shallow"]);
    git_in(scratch.path(), &args, &[]);
    let path = scratch.path().join("shallow");
    (scratch, path)
}
