//! Every file the tool writes (`check --fix`, `--output`, `--sarif`, `init --force`) goes
//! through a fresh temporary file and a rename: a symbolic link planted at the target or at
//! an old fixed temporary name is never written through.
#![cfg(unix)]

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("binary runs")
}

const HANDLER: &str = "package billing

import \"net/http\"

// Pay takes a payment.
func Pay(w http.ResponseWriter, r *http.Request) {}
";

/// A repository with one unannotated handler CODEOWNERS can fix, and a victim file outside.
fn fixable_repo() -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join(".sre-policy.toml"), "teams = [\"payments\"]\n").unwrap();
    std::fs::write(root.join("CODEOWNERS"), "* @acme/payments\n").unwrap();
    std::fs::write(root.join("pay.go"), HANDLER).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("victim"), "precious\n").unwrap();
    (dir, outside)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn fix_never_writes_through_a_planted_temporary_link() {
    let (dir, outside) = fixable_repo();
    let root = dir.path();
    let victim = outside.path().join("victim");
    std::os::unix::fs::symlink(&victim, root.join("pay.go.sre-policy-fix")).unwrap();
    std::os::unix::fs::symlink(&victim, root.join("pay.sre-policy-fix")).unwrap();

    let output = run(root, &["check", "--fix", "--format", "compact", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let fixed = std::fs::symlink_metadata(root.join("pay.go")).unwrap();
    assert!(fixed.is_file(), "pay.go stays a regular file");
    let text = std::fs::read_to_string(root.join("pay.go")).unwrap();
    assert!(text.contains("// @oncall-team payments"), "{text}");
    // The planted links are left alone, and no temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn reports_refuse_a_link_at_the_output_path() {
    for flag in ["--output", "--sarif"] {
        let (dir, outside) = fixable_repo();
        let root = dir.path();
        let victim = outside.path().join("victim");
        std::os::unix::fs::symlink(&victim, root.join("report.out")).unwrap();
        let output = run(root, &["check", ".", flag, "report.out"]);
        assert_eq!(output.status.code(), Some(2), "{flag}: {}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains("report.out"), "{flag}: {message}");
        assert!(message.contains("symbolic"), "{flag}: {message}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    }
}

#[test]
fn reports_replace_a_regular_file_whole() {
    let (dir, _outside) = fixable_repo();
    let root = dir.path();
    std::fs::write(root.join("report.sarif"), "x".repeat(1_000_000)).unwrap();
    let output = run(
        root,
        &[
            "check",
            ".",
            "--format",
            "json",
            "--output",
            "report.json",
            "--sarif",
            "report.sarif",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["findings"][0]["rule"], "handler-oncall");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("report.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // A device is written in place, never replaced.
    let output = run(root, &["check", ".", "--sarif", "/dev/null"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn init_force_refuses_a_linked_config() {
    let (dir, outside) = fixable_repo();
    let root = dir.path();
    let victim = outside.path().join("victim");
    std::fs::remove_file(root.join(".sre-policy.toml")).unwrap();
    std::os::unix::fs::symlink(&victim, root.join(".sre-policy.toml")).unwrap();
    let output = run(root, &["init", "--force", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("symbolic"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

    // A regular file is replaced, keeping its permission bits.
    use std::os::unix::fs::PermissionsExt;
    std::fs::remove_file(root.join(".sre-policy.toml")).unwrap();
    std::fs::write(root.join(".sre-policy.toml"), "teams = []\n").unwrap();
    std::fs::set_permissions(
        root.join(".sre-policy.toml"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let output = run(root, &["init", "--force", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let metadata = std::fs::metadata(root.join(".sre-policy.toml")).unwrap();
    assert_eq!(metadata.permissions().mode() & 0o777, 0o640);
    let text = std::fs::read_to_string(root.join(".sre-policy.toml")).unwrap();
    assert!(text.contains("[troubleshooting]"), "{text}");
}
