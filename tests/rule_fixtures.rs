//! The analysistest convention: every `fixtures/<rule-id>/` folder (not `diff`, `demo` and the
//! inventory's router trees) is checked as a whole, and
//! each finding must match a `// want "regexp"` comment at the end of its line (optionally
//! with its column: `// want 5:"regexp"`; see `tests/want/mod.rs`); a missing or an extra
//! finding, a wrong column and a malformed `// want` fail. The same run without the byte
//! prefilter must find the same.

mod want;

use std::path::{Path, PathBuf};

use sre_policy::{check, CheckOptions, CheckOutcome};
use want::{compare, parse_items, wants_in_source, Got};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn run(dir: &Path, prefilter: bool) -> CheckOutcome {
    let config = dir.join(".sre-policy.toml");
    let options = CheckOptions {
        path: dir.to_path_buf(),
        config: config.exists().then_some(config),
        no_prefilter: !prefilter,
        ..CheckOptions::default()
    };
    check(&options).unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()))
}

/// Checks `dir` and compares its findings with the `// want` comments of its Go files;
/// returns the problems (malformed wants first), one line each.
fn check_folder(dir: &Path) -> Vec<String> {
    let outcome = run(dir, true);
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "go"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut wants = Vec::new();
    for file in files {
        let rel = sre_policy::walk::relative(&file, &outcome.root);
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", file.display()));
        let (found, malformed) = wants_in_source(&rel, &text);
        wants.extend(found);
        problems.extend(malformed);
    }
    let got: Vec<Got> = outcome
        .findings
        .iter()
        .map(|f| Got {
            path: f.path.clone(),
            line: f.line,
            column: f.column,
            rule: f.rule.to_string(),
            message: f.message.clone(),
        })
        .collect();
    problems.extend(compare(&wants, &got));
    problems
}

fn rule_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("diff" | "demo" | "inventory")
            )
        })
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_folder_matches_its_wants() {
    let mut problems = Vec::new();
    let dirs = rule_dirs();
    assert!(!dirs.is_empty(), "no fixture folders");
    for dir in dirs {
        problems.extend(check_folder(&dir));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn prefilter_changes_no_finding() {
    for dir in rule_dirs().into_iter().chain([fixtures().join("demo")]) {
        assert_eq!(
            run(&dir, true).findings,
            run(&dir, false).findings,
            "{}",
            dir.display()
        );
    }
}

#[test]
fn the_harness_rejects_malformed_wants_and_wrong_columns() {
    let dir = tempfile::tempdir().unwrap();
    // Line n holds handler Hn (one handler-oncall finding at column 1) and the given want.
    let handler = |n: usize, want: &str| {
        format!("func H{n}(w http.ResponseWriter, r *http.Request) {{}}{want}")
    };
    let source = [
        "package x".to_string(),
        String::new(),
        "import \"net/http\"".to_string(),
        String::new(),
        handler(5, " // want foo"),
        handler(6, " // want \"unterminated"),
        handler(7, " // want \"(\""),
        handler(8, " // want 9:\"oncall\""),
        handler(9, " // want 1:\"oncall\""),
        handler(10, " // want \"no such message\""),
        handler(11, ""),
    ]
    .join("\n");
    std::fs::write(dir.path().join("bad.go"), source).unwrap();
    let problems = check_folder(dir.path());
    let expected = [
        "bad.go:5: malformed want: expected a regexp",
        "bad.go:6: malformed want: unterminated quote",
        "bad.go:7: malformed want: invalid regexp",
        "bad.go:8: want column 9 for \"oncall\", the finding is at column 1",
        "bad.go:10: no finding matched want \"no such message\"",
    ];
    for needle in expected {
        assert!(
            problems.iter().any(|p| p.starts_with(needle)),
            "`{needle}` not reported:\n{}",
            problems.join("\n")
        );
    }
    // Line 9's want is right; every other handler line has one unexpected finding (the
    // malformed wants expect nothing, line 8's finding was reported as a column mismatch).
    let unexpected: Vec<&String> = problems
        .iter()
        .filter(|p| p.contains("unexpected finding"))
        .collect();
    let lines: Vec<&str> = unexpected
        .iter()
        .map(|p| p.split(':').nth(1).unwrap())
        .collect();
    assert_eq!(lines, ["5", "6", "7", "10", "11"], "{problems:#?}");
    assert_eq!(
        problems.len(),
        expected.len() + lines.len(),
        "{problems:#?}"
    );
}

#[test]
fn want_items_with_and_without_columns() {
    let items = parse_items(r#" 12:"a\"b" `c\d` "e\.f""#).unwrap();
    let shown: Vec<(Option<usize>, &str)> = items.iter().map(|(c, r)| (*c, r.as_str())).collect();
    assert_eq!(shown, [(Some(12), "a\"b"), (None, r"c\d"), (None, r"e\.f")]);
}

#[test]
fn malformed_want_items_are_errors() {
    for bad in [
        "",
        " foo",
        r#" "unterminated"#,
        " `open",
        r#" "(""#,
        r#" 0:"x""#,
        r#" 12 "x""#,
        r#" "a"b"#,
    ] {
        assert!(parse_items(bad).is_err(), "{bad:?} was accepted");
    }
}
