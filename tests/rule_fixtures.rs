//! The analysistest convention: every `fixtures/<rule-id>/` folder is checked as a whole, and
//! each finding must match a `// want "regexp"` comment at the end of its line; a missing or
//! an extra finding fails. The same run without the byte prefilter must find the same.

use std::path::{Path, PathBuf};

use regex::Regex;
use sre_policy::finding::Finding;
use sre_policy::{check, CheckOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Expectations of one file: (line, regexps).
fn wants(path: &Path) -> Vec<(usize, Vec<Regex>)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let quoted = Regex::new(r#""((?:[^"\\]|\\.)*)"|`([^`]*)`"#).unwrap();
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find("// want ") else {
            continue;
        };
        let patterns = quoted
            .captures_iter(&line[at + 8..])
            .map(|c| {
                let pattern = match c.get(1) {
                    Some(q) => q.as_str().replace("\\\"", "\"").replace("\\\\", "\\"),
                    None => c[2].to_string(),
                };
                Regex::new(&pattern)
                    .unwrap_or_else(|e| panic!("{}:{}: bad regexp: {e}", path.display(), index + 1))
            })
            .collect();
        found.push((index + 1, patterns));
    }
    found
}

fn run(dir: &Path, prefilter: bool) -> Vec<Finding> {
    let config = dir.join(".sre-policy.toml");
    let options = CheckOptions {
        path: dir.to_path_buf(),
        config: config.exists().then_some(config),
        no_prefilter: !prefilter,
        ..CheckOptions::default()
    };
    check(&options)
        .unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()))
        .findings
}

/// Compares findings with the `// want` comments of the folder; returns the mismatches.
fn compare(dir: &Path, findings: &[Finding]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "go"))
        .collect();
    files.sort();
    let mut unmatched: Vec<&Finding> = findings.iter().collect();
    for file in files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (line, patterns) in wants(&file) {
            for pattern in patterns {
                let hit = unmatched
                    .iter()
                    .position(|f| f.path == rel && f.line == line && pattern.is_match(&f.message));
                match hit {
                    Some(i) => {
                        unmatched.remove(i);
                    }
                    None => {
                        problems.push(format!("{rel}:{line}: no finding matched want {pattern:?}"))
                    }
                }
            }
        }
    }
    for finding in unmatched {
        problems.push(format!(
            "{}:{}:{}: unexpected finding [{}] {}",
            finding.path, finding.line, finding.column, finding.rule, finding.message
        ));
    }
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
                Some("diff" | "demo")
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
        problems.extend(compare(&dir, &run(&dir, true)));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn prefilter_changes_no_finding() {
    for dir in rule_dirs().into_iter().chain([fixtures().join("demo")]) {
        if !dir.exists() {
            continue;
        }
        assert_eq!(run(&dir, true), run(&dir, false), "{}", dir.display());
    }
}
