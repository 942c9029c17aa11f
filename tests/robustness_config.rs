//! Broken configurations through the binary: exit 2, naming the file, the line and the remedy.

mod robustness_common;

use robustness_common::*;

fn with_config(text: &[u8]) -> tempfile::TempDir {
    let dir = tree_with_good_file();
    std::fs::write(dir.path().join(".sre-policy.toml"), text).unwrap();
    dir
}

#[test]
fn malformed_toml_names_file_line_and_remedy() {
    let dir = with_config(b"teams = [\"a\"\nexclude = 1\n");
    let run = sre_policy(dir.path(), &["check", "."]);
    run.assert_tool_error(&[".sre-policy.toml", ":2:1", "sre-policy init"]);
}

#[test]
fn ill_typed_and_unknown_keys() {
    for (text, needles) in [
        (
            "teams = \"payments\"\n",
            vec!["expected a sequence", ":1:9"],
        ),
        ("include_tests = 3\n", vec!["expected a boolean", ":1:17"]),
        ("[rules]\nhandler-oncall = \"loud\"\n", vec![":2:"]),
        (
            "[rules]\nhandler-oncal = \"error\"\n",
            vec!["did you mean `handler-oncall`", ":2:"],
        ),
        (
            "teams = [\"two words\"]\n",
            vec!["invalid team name", ":1:"],
        ),
        ("exclude = [\"a[\"]\n", vec!["invalid glob", ":1:"]),
        ("[metrics]\nfiles = 7\n", vec![":2:"]),
        ("tems = []\n", vec!["teams", ":1:1"]),
    ] {
        let dir = with_config(text.as_bytes());
        let run = sre_policy(dir.path(), &["check", "."]);
        let mut all = vec![".sre-policy.toml"];
        all.extend(needles);
        run.assert_tool_error(&all);
    }
}

#[test]
fn config_that_is_not_utf8_names_the_line() {
    let dir = with_config(b"teams = []\n# caf\xe9\n");
    let run = sre_policy(dir.path(), &["check", "."]);
    run.assert_tool_error(&[".sre-policy.toml:2:6", "not UTF", "save it as UTF"]);
}

#[test]
fn config_that_is_a_directory_a_fifo_or_a_broken_link() {
    let dir = tree_with_good_file();
    let config = dir.path().join(".sre-policy.toml");
    std::fs::create_dir(&config).unwrap();
    sre_policy(dir.path(), &["check", "."])
        .assert_tool_error(&[".sre-policy.toml is a directory", "remove the directory"]);
    sre_policy(dir.path(), &["check", ".", "--config", ".sre-policy.toml"])
        .assert_tool_error(&["is a directory", "--config"]);
    std::fs::remove_dir(&config).unwrap();

    let path = std::ffi::CString::new(config.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    // Found by the search, a FIFO is refused, never opened (it would block).
    sre_policy(dir.path(), &["check", "."]).assert_tool_error(&["is not a regular file"]);
    std::fs::remove_file(&config).unwrap();

    std::os::unix::fs::symlink("missing.toml", &config).unwrap();
    sre_policy(dir.path(), &["check", "."]).assert_tool_error(&[
        "cannot read config",
        "No such file",
        "sre-policy init",
    ]);
}

#[test]
fn unreadable_config() {
    let dir = with_config(b"teams = []\n");
    let missing = sre_policy(dir.path(), &["check", ".", "--config", "nope.toml"]);
    missing.assert_tool_error(&["cannot read config nope.toml", "permissions"]);
    use std::os::unix::fs::PermissionsExt;
    let config = dir.path().join(".sre-policy.toml");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root, permission bits stop no read: the binary runs as an unprivileged user then.
    sre_policy_unprivileged(dir.path(), &["check", "."])
        .assert_tool_error(&["cannot read config", "Permission denied"]);
}

#[test]
fn a_good_config_still_finds_the_good_file() {
    // The control case: the tests above fail because of the config, not the tree.
    let dir = with_config(b"teams = [\"payments\"]\n");
    check_json(dir.path());
}
