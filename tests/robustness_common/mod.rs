//! Shared by the `robustness_*` tests: run the binary on a hostile tree with a time cap, and
//! check what every run must satisfy (no panic text, the good file still reported).

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A generous cap: a hung run fails the test instead of blocking the suite.
pub const TIME_CAP: Duration = Duration::from_secs(60);

/// The one good file placed beside the bad ones; its finding must always be reported.
pub const GOOD: &str =
    "package x\n\nimport \"net/http\"\n\nfunc Good(w http.ResponseWriter, r *http.Request) {}\n";
pub const GOOD_NAME: &str = "good.go";

/// A handler without an annotation (one `handler-oncall` finding on line 3).
pub const HANDLER: &str =
    "package x\nimport \"net/http\"\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs `sre-policy <args>` in `cwd`, killing it after [`TIME_CAP`].
pub fn sre_policy(cwd: &Path, args: &[&str]) -> Run {
    sre_policy_env(cwd, args, &[])
}

pub fn sre_policy_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    run(
        Command::new(env!("CARGO_BIN_EXE_sre-policy")),
        cwd,
        args,
        env,
    )
}

/// The user the permission cases run as when the suite runs as root (`nobody`): root reads
/// files whatever their permission bits say.
pub const UNPRIVILEGED: u32 = 65534;

/// Runs `sre-policy <args>` as a user that permission bits apply to: this process's user,
/// or [`UNPRIVILEGED`] when that is root. `dir` (a test's temp folder) is made traversable
/// for that user; everything else it needs (the binary, the files of `dir`) is world-readable.
pub fn sre_policy_unprivileged(dir: &Path, args: &[&str]) -> Run {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    if !running_as_root() {
        return run(
            Command::new(env!("CARGO_BIN_EXE_sre-policy")),
            dir,
            args,
            &[],
        );
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
        .expect("open the temp folder to the unprivileged user");
    let mut command = Command::new(unprivileged_binary());
    command.uid(UNPRIVILEGED).gid(UNPRIVILEGED);
    run(command, dir, args, &[])
}

/// A copy of the binary the unprivileged user can reach: the build folder may sit below a
/// folder only root may enter (a clone in a `mktemp -d` folder).
fn unprivileged_binary() -> &'static Path {
    use std::os::unix::fs::PermissionsExt;
    static COPY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    COPY.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("sre-policy-bin")
            .tempdir()
            .expect("a folder for the binary")
            .keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
            .expect("open the binary's folder");
        let copy = dir.join("sre-policy");
        std::fs::copy(env!("CARGO_BIN_EXE_sre-policy"), &copy).expect("copy the binary");
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
            .expect("make the copy executable");
        copy
    })
}

fn run(mut command: Command, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let started = Instant::now();
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("SRE_POLICY_TEST_PANIC_ON")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("the binary does not start: {e}"));
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > TIME_CAP {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "sre-policy {args:?} in {} ran longer than {TIME_CAP:?}",
                cwd.display()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out_reader.join().expect("reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("reader")).into_owned();
    eprintln!(
        "sre-policy {args:?}: exit {:?} in {elapsed:?}",
        status.code()
    );
    Run {
        code: status.code(),
        stdout,
        stderr,
        elapsed,
    }
}

impl Run {
    /// Exit 0 or 1 (source trouble is never a tool failure), no panic text, no signal.
    pub fn assert_source_level(&self) -> &Self {
        assert!(
            matches!(self.code, Some(0) | Some(1)),
            "exit {:?}\nstdout: {}\nstderr: {}",
            self.code,
            self.stdout,
            self.stderr
        );
        self.assert_no_panic_text()
    }

    pub fn assert_no_panic_text(&self) -> &Self {
        for bad in [
            "panicked",
            "RUST_BACKTRACE",
            "stack backtrace",
            "overflowed its stack",
        ] {
            assert!(
                !self.stderr.contains(bad),
                "`{bad}` in stderr: {}",
                self.stderr
            );
            assert!(!self.stdout.contains(bad), "`{bad}` in stdout");
        }
        self
    }

    /// Exit 2 with an error message on stderr (usage, config or git trouble).
    pub fn assert_tool_error(&self, needles: &[&str]) -> &Self {
        assert_eq!(
            self.code,
            Some(2),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self.assert_no_panic_text();
        // miette wraps long messages into a box: compare with the box and wrapping removed.
        let flat = flatten(&self.stderr);
        for needle in needles {
            assert!(
                flat.contains(&flatten(needle)),
                "`{needle}` not in stderr: {}",
                self.stderr
            );
        }
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", self.stdout))
    }
}

/// `(path, line, rule)` of every finding of a JSON report.
pub fn findings(json: &serde_json::Value) -> Vec<(String, u64, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["line"].as_u64().expect("line"),
                f["rule"].as_str().expect("rule").to_string(),
            )
        })
        .collect()
}

/// The good file's finding is in the JSON report (prefix: the folder the good file is in).
pub fn assert_good_reported(json: &serde_json::Value, prefix: &str) {
    let path = format!("{prefix}{GOOD_NAME}");
    let found = findings(json);
    assert!(
        found
            .iter()
            .any(|(p, line, rule)| *p == path && *line == 5 && rule == "handler-oncall"),
        "the good file's finding is missing: {found:?}"
    );
}

/// `(path, reason)` of the files a JSON report lists as not checked.
pub fn skipped(json: &serde_json::Value) -> Vec<(String, String)> {
    json["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["path"].as_str().expect("path").to_string(),
                s["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect()
}

/// A temp folder (not a git repository: the walk takes it as the root) with the good file.
pub fn tree_with_good_file() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("sre-policy-robust")
        .tempdir()
        .expect("temp dir");
    std::fs::write(dir.path().join(GOOD_NAME), GOOD).expect("write good file");
    dir
}

/// Checks `dir` as JSON: source-level exit, no panic text, the good file reported.
pub fn check_json(dir: &Path) -> (Run, serde_json::Value) {
    let run = sre_policy(dir, &["check", ".", "--format", "json"]);
    run.assert_source_level();
    let json = run.json();
    assert_good_reported(&json, "");
    (run, json)
}

/// Whether this process runs as root (where permission bits do not stop reads).
pub fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Text with miette's box drawing removed and every run of white space made one space.
pub fn flatten(text: &str) -> String {
    text.replace(['│', '×', '╭', '╰', '─', '┬', '·'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
