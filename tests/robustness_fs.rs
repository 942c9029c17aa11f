//! Hostile file systems, through the binary: links, FIFOs, unreadable and vanishing files,
//! deep trees and hostile names, in every output format.

mod robustness_common;

use std::os::unix::fs::symlink;
use std::path::Path;

use robustness_common::*;

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).expect("write");
}

#[test]
fn links_are_never_followed_and_are_listed() {
    let dir = tree_with_good_file();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.go", HANDLER);
    symlink(
        outside.path().join("secret.go"),
        dir.path().join("outside.go"),
    )
    .unwrap();
    symlink(outside.path(), dir.path().join("outdir")).unwrap();
    symlink("loop.go", dir.path().join("loop.go")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    symlink("..", dir.path().join("sub/up")).unwrap();
    symlink("a", dir.path().join("b")).unwrap();
    symlink("b", dir.path().join("a")).unwrap();
    let (_, json) = check_json(dir.path());
    let paths: Vec<String> = findings(&json).into_iter().map(|f| f.0).collect();
    assert_eq!(paths, vec!["good.go".to_string()], "a link was followed");
    let skipped = skipped(&json);
    let listed: Vec<&str> = skipped.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(listed, vec!["loop.go", "outside.go"], "{skipped:?}");
    assert!(skipped.iter().all(|(_, r)| r.contains("symbolic link")));
    assert_eq!(json["stats"]["files_skipped"], 2);
}

#[test]
fn a_fifo_and_a_directory_named_x_go_never_hang() {
    let dir = tree_with_good_file();
    let fifo = dir.path().join("x.go");
    let path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    std::fs::create_dir(dir.path().join("dir.go")).unwrap();
    write(&dir.path().join("dir.go"), "inner.go", HANDLER);
    let (_, json) = check_json(dir.path());
    assert!(findings(&json).contains(&("dir.go/inner.go".into(), 3, "handler-oncall".into())));
    assert_eq!(
        skipped(&json),
        vec![(
            "x.go".to_string(),
            "skipped: not a regular file".to_string()
        )]
    );
    // Named directly on the command line too.
    let direct = sre_policy(dir.path(), &["check", "x.go", "--format", "json"]);
    direct.assert_source_level();
}

#[test]
fn unreadable_files_and_folders_are_listed_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree_with_good_file();
    write(dir.path(), "locked.go", HANDLER);
    std::fs::create_dir(dir.path().join("closed")).unwrap();
    write(&dir.path().join("closed"), "in.go", HANDLER);
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(&dir.path().join("locked.go"), 0o000);
    mode(&dir.path().join("closed"), 0o000);
    // As root, permission bits stop no read: the binary runs as an unprivileged user then.
    let run = sre_policy_unprivileged(dir.path(), &["check", ".", "--format", "json"]);
    mode(&dir.path().join("closed"), 0o755);
    run.assert_source_level();
    let json = run.json();
    assert_good_reported(&json, "");
    let listed = skipped(&json);
    let paths: Vec<&str> = listed.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(paths, ["closed", "locked.go"], "{listed:?}");
    assert!(
        listed.iter().all(|(_, r)| r.contains("Permission denied")),
        "{listed:?}"
    );
}

#[test]
fn deep_paths_beyond_path_max_are_listed_not_fatal() {
    // 1,000 nested folders with 12-character names: the paths pass PATH_MAX (4096), which
    // makes the deepest folders unreadable by path even for root. Built relative to open
    // directory handles (mkdirat/openat), as a checkout can.
    let dir = tree_with_good_file();
    let c = |s: &str| std::ffi::CString::new(s).unwrap();
    let top = c(dir.path().to_str().unwrap());
    // SAFETY: plain libc calls on valid NUL-terminated strings and descriptors we own.
    unsafe {
        let mut fd = libc::open(top.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
        assert!(fd >= 0);
        for i in 0..1_000 {
            let name = c("level_000000");
            assert_eq!(libc::mkdirat(fd, name.as_ptr(), 0o755), 0);
            let next = libc::openat(fd, name.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
            if i == 99 || i == 999 {
                let file = c(if i == 99 { "mid.go" } else { "bottom.go" });
                let out = libc::openat(fd, file.as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o644);
                assert!(out >= 0);
                let written = libc::write(out, HANDLER.as_ptr().cast(), HANDLER.len());
                assert_eq!(written, HANDLER.len() as isize);
                libc::close(out);
            }
        }
        libc::close(fd);
    }
    let (run, json) = check_json(dir.path());
    assert!(
        findings(&json)
            .iter()
            .any(|(p, line, _)| p.ends_with("/mid.go") && *line == 3),
        "{json}"
    );
    let listed = skipped(&json);
    eprintln!("deep tree: {:?}, skipped {listed:?}", run.elapsed);
    // Past PATH_MAX the walk cannot read on: that folder is listed with the reason.
    assert!(!listed.is_empty(), "{json}");
    assert!(listed
        .iter()
        .all(|(p, r)| p.starts_with("level_000000/") && r.starts_with("cannot read")));
    assert_eq!(
        json["stats"]["files_skipped"].as_u64().unwrap() as usize,
        listed.len()
    );
}

#[test]
fn a_thousand_deep_tree_is_walked() {
    let dir = tree_with_good_file();
    let mut deep = dir.path().to_path_buf();
    for _ in 0..1_000 {
        deep.push("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    write(&deep, "bottom.go", HANDLER);
    let (_, json) = check_json(dir.path());
    let bottom = format!("{}bottom.go", "d/".repeat(1_000));
    assert!(findings(&json).contains(&(bottom, 3, "handler-oncall".into())));
}

#[test]
fn files_that_vanish_during_the_run() {
    let dir = tree_with_good_file();
    for i in 0..2_000 {
        write(dir.path(), &format!("v{i:04}.go"), HANDLER);
    }
    let root = dir.path().to_path_buf();
    let remover = std::thread::spawn(move || {
        for i in (0..2_000).rev() {
            let _ = std::fs::remove_file(root.join(format!("v{i:04}.go")));
        }
    });
    let run = sre_policy(dir.path(), &["check", ".", "--format", "json"]);
    remover.join().unwrap();
    run.assert_source_level();
    let json = run.json();
    assert_good_reported(&json, "");
    // Whatever was walked is either checked or listed, never lost.
    let checked = json["stats"]["files_checked"].as_u64().unwrap() as usize;
    let listed = skipped(&json);
    assert!(
        listed.iter().all(|(_, r)| r.starts_with("cannot read")),
        "{listed:?}"
    );
    assert_eq!(
        json["stats"]["files_skipped"].as_u64().unwrap() as usize,
        listed.len()
    );
    eprintln!("vanishing: {checked} checked, {} listed", listed.len());
}

#[test]
fn hostile_file_names_in_every_format() {
    let dir = tree_with_good_file();
    let names = [
        "a,b.go",
        "c:d.go",
        "e%f.go",
        "new\nline.go",
        "cr\rname.go",
        "ünï cödé.go",
        "::error file=x::forged.go",
        "tab\there.go",
    ];
    for name in names {
        write(dir.path(), name, HANDLER);
    }
    // A name that is not UTF-8.
    let raw = std::ffi::OsStr::from_encoded_bytes_unchecked_safe(b"\xff\xfe.go");
    std::fs::write(dir.path().join(raw), HANDLER).unwrap();
    let expected = names.len() + 2;

    let (_, json) = check_json(dir.path());
    let paths: Vec<String> = findings(&json).into_iter().map(|f| f.0).collect();
    assert_eq!(paths.len(), expected, "{paths:?}");
    for name in names {
        assert!(
            paths.iter().any(|p| p == name),
            "{name:?} missing: {paths:?}"
        );
    }

    let sarif = sre_policy(dir.path(), &["check", ".", "--format", "sarif"]);
    sarif.assert_source_level();
    let sarif = sarif.json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), expected);
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.bytes()
                .all(|b| b.is_ascii_graphic() && !b"\\ ,:".contains(&b)),
            "{uri:?}"
        );
    }

    let compact = sre_policy(dir.path(), &["check", ".", "--format", "compact"]);
    compact.assert_source_level();
    assert_eq!(
        compact.stdout.lines().count(),
        expected,
        "{}",
        compact.stdout
    );
    assert!(compact
        .stdout
        .lines()
        .all(|l| !l.trim_start().starts_with("::")));
    assert!(!compact.stdout.contains('\r'));

    let github = sre_policy(dir.path(), &["check", ".", "--format", "github"]);
    github.assert_source_level();
    let lines: Vec<&str> = github.stdout.lines().collect();
    // At most ten error annotations, then a notice for the rest: each a whole command.
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("::error file=") || l.starts_with("::notice ")),
        "{lines:?}"
    );
    for line in &lines {
        if let Some(props) = line.strip_prefix("::error ") {
            let props = props.split("::").next().unwrap();
            // file, line, endLine, col, endColumn, title: exactly six properties.
            assert_eq!(props.split(',').count(), 6, "{line}");
        }
    }
    assert!(!github.stdout.contains('\r'));

    let human = sre_policy(dir.path(), &["check", ".", "--format", "human"]);
    human.assert_source_level();
    assert!(human.stdout.contains("new\\nline.go"), "{}", human.stdout);
    assert!(!human.stdout.contains('\r'));
    assert!(
        human.stdout.contains(&format!("{expected} errors")),
        "{}",
        human.stdout
    );
}

/// `OsStr::from_encoded_bytes_unchecked` for bytes that came from a Unix file name.
trait FromRawName {
    fn from_encoded_bytes_unchecked_safe(bytes: &[u8]) -> &std::ffi::OsStr;
}

impl FromRawName for std::ffi::OsStr {
    fn from_encoded_bytes_unchecked_safe(bytes: &[u8]) -> &std::ffi::OsStr {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(bytes)
    }
}
