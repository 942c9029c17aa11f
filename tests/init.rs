//! `sre-policy init` through the binary: the written config, refusal to overwrite, snippets.

use std::path::Path;
use std::process::{Command, Output};

use sre_policy::config::{Config, DocSetting, Settings};
use sre_policy::rules::RULES;

fn init(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .arg("init")
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run sre-policy")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The keys serde knows at one level of the schema, from its "unknown field `__probe`, expected
/// one of `a`, `b`" (or "expected `a`") message.
fn schema_keys(probe: &str) -> Vec<String> {
    let error = toml::from_str::<Config>(probe).unwrap_err().to_string();
    let expected = error
        .split_once("`__probe`, expected")
        .unwrap_or_else(|| panic!("no key list in: {error}"))
        .1;
    let keys: Vec<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert!(!keys.is_empty(), "{error}");
    keys
}

#[test]
fn writes_a_config_that_parses_to_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = init(&[], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = dir.path().join(".sre-policy.toml");
    let written = std::fs::read_to_string(&path).unwrap();

    let settings = Settings::parse(&written, &path, &sre_policy::rules::defaults())
        .unwrap_or_else(|e| panic!("the written config does not load: {e:?}"));
    let defaults = Settings::builtin(&sre_policy::rules::defaults());
    assert_eq!(settings.teams, defaults.teams);
    assert_eq!(settings.include_tests, defaults.include_tests);
    assert_eq!(settings.exclude.len(), defaults.exclude.len());
    assert_eq!(settings.extra_handlers, defaults.extra_handlers);
    assert_eq!(settings.middleware, defaults.middleware);
    assert_eq!(settings.metric_file_patterns, defaults.metric_file_patterns);
    assert!(settings.metric_files.is_match("metrics.go"));
    for rule in RULES {
        assert_eq!(
            settings.severity(rule.id),
            defaults.severity(rule.id),
            "{}",
            rule.id
        );
    }
    let (got, want) = (&settings.troubleshooting, &defaults.troubleshooting);
    match (&got.doc, &want.doc) {
        (DocSetting::One(a), DocSetting::One(b)) => assert_eq!(a, b),
        other => panic!("doc differs from the default: {other:?}"),
    }
    assert_eq!(got.network_imports, want.network_imports);
    assert_eq!(got.storage_imports, want.storage_imports);
    assert_eq!(got.network_paths.len(), want.network_paths.len());
    assert_eq!(got.storage_paths.len(), want.storage_paths.len());
    assert_eq!(settings.network_paths.len(), 0);
    assert_eq!(settings.storage_paths.len(), 0);
}

#[test]
fn writes_every_key_of_the_schema_with_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(init(&[], dir.path()).status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join(".sre-policy.toml")).unwrap();
    let table: toml::Table = toml::from_str(&written).unwrap();

    // Every key the loader accepts, at each level, is written (so a key added to the schema
    // without adding it to `init` fails here).
    let levels = [
        ("", "__probe = 1\n"),
        ("handlers", "[handlers]\n__probe = 1\n"),
        ("metrics", "[metrics]\n__probe = 1\n"),
        ("troubleshooting", "[troubleshooting]\n__probe = 1\n"),
    ];
    for (section, probe) in levels {
        let present = if section.is_empty() {
            &table
        } else {
            table[section].as_table().unwrap()
        };
        for key in schema_keys(probe) {
            assert!(
                present.contains_key(&key),
                "`{key}` missing in [{section}]:\n{written}"
            );
        }
    }
    // [rules]: every rule id with its default severity.
    let rules = table["rules"].as_table().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for rule in RULES {
        assert_eq!(
            rules.get(rule.id).and_then(|v| v.as_str()),
            Some(rule.default_severity.as_str()),
            "{}",
            rule.id
        );
    }
    // Each key line is explained by a comment: on the same line or in the lines above it.
    let lines: Vec<&str> = written.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let is_key = !line.starts_with('#') && !line.starts_with('[') && line.contains(" = ");
        if is_key {
            let commented = line.contains(" # ")
                || lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| !l.is_empty())
                    .any(|l| l.starts_with('#'));
            assert!(commented, "no comment explains line {}: {line}", i + 1);
        }
    }
}

#[test]
fn goes_to_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("services/api")).unwrap();
    let out = init(&["services/api"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(dir.path().join(".sre-policy.toml").is_file());
    assert!(!dir.path().join("services/api/.sre-policy.toml").exists());
}

#[test]
fn refuses_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".sre-policy.toml");
    std::fs::write(&path, "teams = [\"mine\"]\n").unwrap();

    let out = init(&[], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "teams = [\"mine\"]\n"
    );

    let out = init(&["--force"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("[troubleshooting]"));
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = init(&["no/such/dir"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("not a directory"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn prints_the_makefile_workflow_and_precommit_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let out = init(&[], dir.path());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("check-sre-policy: ; sre-policy check --base origin/main"),
        "{stdout}"
    );
    for needle in [
        "on: pull_request",
        "contents: read",
        "fetch-depth: 0",
        "security-events: write",
        "github/codeql-action/upload-sarif@",
        "- id: sre-policy",
        "rev: v",
        "repos:",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
}
