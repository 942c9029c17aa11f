//! A config committed by a pull request is untrusted: a link is refused (never followed, so
//! nothing outside the repository reaches the log), a FIFO never blocks, size is capped.
#![cfg(unix)]

mod robustness_common;

use robustness_common::*;

const SECRET: &str = "AWS_SECRET=do-not-print-me";

/// A file outside the repository whose content must never appear in the output.
fn secret_file() -> tempfile::TempDir {
    let outside = tempfile::tempdir().unwrap();
    // Invalid TOML, so a read of it would be echoed by the parse error.
    std::fs::write(
        outside.path().join("secret"),
        format!("{SECRET}\nnot toml [\n"),
    )
    .unwrap();
    outside
}

fn assert_secret_not_shown(run: &Run) {
    assert!(!run.stdout.contains("do-not-print-me"), "{}", run.stdout);
    assert!(!run.stderr.contains("do-not-print-me"), "{}", run.stderr);
}

#[test]
fn a_linked_config_is_refused_and_never_echoed() {
    let dir = tree_with_good_file();
    let outside = secret_file();
    std::os::unix::fs::symlink(
        outside.path().join("secret"),
        dir.path().join(".sre-policy.toml"),
    )
    .unwrap();
    let run = sre_policy(dir.path(), &["check", "."]);
    run.assert_tool_error(&[".sre-policy.toml is a symbolic link", "replace the link"]);
    assert_secret_not_shown(&run);
    let run = sre_policy(dir.path(), &["check", ".", "--config", ".sre-policy.toml"]);
    run.assert_tool_error(&[".sre-policy.toml is a symbolic link"]);
    assert_secret_not_shown(&run);
    // A dangling link is refused the same way.
    std::fs::remove_file(dir.path().join(".sre-policy.toml")).unwrap();
    std::os::unix::fs::symlink("missing.toml", dir.path().join(".sre-policy.toml")).unwrap();
    sre_policy(dir.path(), &["check", "."])
        .assert_tool_error(&[".sre-policy.toml is a symbolic link"]);
}

#[test]
fn a_fifo_named_with_config_never_blocks() {
    let dir = tree_with_good_file();
    let fifo = dir.path().join("config.fifo");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    // No writer ever opens it: a blocking open would hang until the test's time cap.
    let run = sre_policy(dir.path(), &["check", ".", "--config", "config.fifo"]);
    run.assert_tool_error(&["config.fifo is not a regular file"]);
}

#[test]
fn an_oversized_config_is_refused() {
    let dir = tree_with_good_file();
    let mut text = String::from("teams = [\"payments\"]\n");
    while text.len() <= 2 * 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(dir.path().join(".sre-policy.toml"), text).unwrap();
    sre_policy(dir.path(), &["check", "."])
        .assert_tool_error(&[".sre-policy.toml is larger than 1024 KiB"]);
    // A normal config still works beside it.
    std::fs::write(
        dir.path().join(".sre-policy.toml"),
        "teams = [\"payments\"]\n",
    )
    .unwrap();
    let run = sre_policy(dir.path(), &["check", ".", "--format", "json"]);
    run.assert_source_level();
    assert_good_reported(&run.json(), "");
}
