//! Diff rules against `// want` expectations: every `fixtures/diff/<case>/` becomes a real
//! temporary git repository (`before` committed on `main`, `after` committed on `feature`),
//! the binary checks the change (`check --base HEAD~1 --head HEAD --format json`, plus the
//! case's `args`), and its findings must be exactly those the case expects: `// want`
//! comments in the after tree's Go files, and the lines of the case's `expect` file (see
//! fixtures/diff/README.md). A missing or an extra finding, a wrong column and a malformed
//! expectation fail.

mod support;
mod want;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::After;
use want::{compare, parse_items, wants_in_source, Got, Want};

fn cases() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff");
    let mut cases: Vec<String> = std::fs::read_dir(&root)
        .expect("fixtures/diff")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

/// The non-empty lines of a case file that are not `#` comments, with their line numbers.
fn meaningful_lines(path: &Path) -> Vec<(usize, String)> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim().to_string()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The case's extra command-line arguments: whitespace-separated, `#` comments allowed.
fn case_args(case: &Path) -> Vec<String> {
    meaningful_lines(&case.join("args"))
        .into_iter()
        .flat_map(|(_, l)| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// `PATH:LINE: EXPECTATIONS` lines of an `expect` file (EXPECTATIONS as after `// want`).
fn parse_expect(label: &str, lines: &[(usize, String)]) -> (Vec<Want>, Vec<String>) {
    let mut wants = Vec::new();
    let mut problems = Vec::new();
    for (number, line) in lines {
        let parsed = line
            .split_once(':')
            .and_then(|(path, rest)| {
                let (line, items) = rest.split_once(':')?;
                Some((path, line.trim().parse::<usize>().ok()?, items))
            })
            .ok_or_else(|| "expected `PATH:LINE: \"regexp\"`".to_string())
            .and_then(|(path, line, items)| Ok((path, line, parse_items(items)?)));
        match parsed {
            Ok((path, line, items)) => {
                wants.extend(items.into_iter().map(|(column, pattern)| Want {
                    path: path.to_string(),
                    line,
                    column,
                    pattern,
                }))
            }
            Err(e) => problems.push(format!("{label}:{number}: malformed expectation: {e}")),
        }
    }
    (wants, problems)
}

/// Every `// want` of the Go files of `after` (paths relative to it).
fn wants_of_tree(after: &Path) -> (Vec<Want>, Vec<String>) {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(after)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "go"))
        .collect();
    files.sort();
    let mut wants = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let rel = sre_policy::walk::relative(&file, after);
        let bytes = std::fs::read(&file).expect("read fixture");
        let (found, malformed) = wants_in_source(&rel, &String::from_utf8_lossy(&bytes));
        wants.extend(found);
        problems.extend(malformed);
    }
    (wants, problems)
}

/// Runs the case; its problems, each prefixed with the case name.
fn run_case(case: &str) -> Vec<String> {
    let dir = support::case_dir(case);
    let repo = support::diff_repo(case, After::Committed);
    let mut args: Vec<String> = [
        "check",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]
    .map(String::from)
    .to_vec();
    args.extend(case_args(&dir));
    let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(&args)
        .current_dir(repo.path())
        .env_remove("GITHUB_ACTIONS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() != Some(0) {
        return vec![format!(
            "{case}: `sre-policy {}` exited {:?}: {stderr}",
            args.join(" "),
            output.status.code()
        )];
    }
    let json: serde_json::Value = match serde_json::from_slice(&output.stdout) {
        Ok(json) => json,
        Err(e) => return vec![format!("{case}: the report is not JSON ({e})")],
    };
    let got: Vec<Got> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| Got {
            path: f["path"].as_str().expect("path").to_string(),
            line: f["line"].as_u64().expect("line") as usize,
            column: f["column"].as_u64().expect("column") as usize,
            rule: f["rule"].as_str().expect("rule").to_string(),
            message: f["message"].as_str().expect("message").to_string(),
        })
        .collect();
    let (mut wants, mut problems) = wants_of_tree(&dir.join("after"));
    let label = format!("fixtures/diff/{case}/expect");
    let (expected, malformed) = parse_expect(&label, &meaningful_lines(&dir.join("expect")));
    wants.extend(expected);
    problems.extend(malformed);
    problems.extend(compare(&wants, &got));
    problems
        .into_iter()
        .map(|p| format!("{case}: {p}"))
        .collect()
}

#[test]
fn every_diff_case_reports_exactly_what_it_expects() {
    let cases = cases();
    assert!(cases.len() >= 4, "{cases:?}");
    let problems: Vec<String> = cases.iter().flat_map(|case| run_case(case)).collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn malformed_expect_lines_are_reported_with_their_line() {
    let lines = [
        (1, "cmd/a.go:3: \"ok\"".to_string()),
        (2, "cmd/a.go: \"no line\"".to_string()),
        (3, "cmd/a.go:x: \"bad line\"".to_string()),
        (4, "cmd/a.go:4: unquoted".to_string()),
        (5, "cmd/a.go:5: 2:\"(\"".to_string()),
    ];
    let (wants, problems) = parse_expect("expect", &lines);
    assert_eq!(wants.len(), 1);
    assert_eq!((wants[0].line, wants[0].column), (3, None));
    let numbers: Vec<&str> = problems
        .iter()
        .map(|p| p.split(':').nth(1).unwrap())
        .collect();
    assert_eq!(numbers, ["2", "3", "4", "5"], "{problems:#?}");
    assert!(problems.iter().all(|p| p.contains("malformed expectation")));
}
