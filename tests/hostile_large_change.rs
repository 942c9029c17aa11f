//! troubleshooting-doc on changes of many lines: each changed line is classified against
//! the comments and declarations in one pass, so the run stays linear in the file's size.
//! (A hang guard bounds each run; the timing itself is measured outside the test suite.)

mod robustness_common;
mod support;

use robustness_common::*;
use support::TempRepo;

fn repo_with(before: &str, after: &str) -> TempRepo {
    let repo = TempRepo::init();
    repo.write("docs/troubleshooting.md", "# Troubleshooting\n");
    repo.write("svc/svc.go", before);
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("svc/svc.go", after);
    repo.commit_all("change");
    repo
}

fn doc_findings(repo: &TempRepo) -> Vec<(u64, String)> {
    let run = sre_policy(
        repo.path(),
        &["check", ".", "--base", "main", "--format", "json"],
    );
    run.assert_source_level();
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "troubleshooting-doc")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const BEFORE: &str = "package svc\n\nimport (\n\t\"fmt\"\n\t\"net\"\n)\n\nfunc dial() {\n\tnet.Dial(\"tcp\", \"x\")\n}\n\nfunc show() { fmt.Println() }\n";

#[test]
fn eighty_thousand_added_comment_lines_then_one_dial() {
    let comments: String = (0..80_000).map(|i| format!("\t// note {i}\n")).collect();
    let after = BEFORE.replace(
        "\tnet.Dial(\"tcp\", \"x\")\n",
        &format!("\tnet.Dial(\"tcp\", \"x\")\n{comments}\t/* a */ net.Dial(\"udp\", \"y\") // b\n"),
    );
    let repo = repo_with(BEFORE, &after);
    let found = doc_findings(&repo);
    assert_eq!(found.len(), 1, "{found:?}");
    // The comment lines do not count; the dial after them does, on its own line.
    assert_eq!(found[0].0, 80_010, "{found:?}");
    assert!(found[0].1.contains("calls `net.Dial`"), "{found:?}");

    // Comments alone never count, however many.
    let only_comments = BEFORE.replace(
        "\tnet.Dial(\"tcp\", \"x\")\n",
        &format!("\tnet.Dial(\"tcp\", \"x\")\n{comments}"),
    );
    let repo = repo_with(BEFORE, &only_comments);
    assert_eq!(doc_findings(&repo), vec![]);
}

/// `show` (no network use) comes before `dial`.
const SHOW_FIRST: &str = "package svc\n\nimport (\n\t\"fmt\"\n\t\"net\"\n)\n\nfunc show() {\n\tfmt.Println()\n}\n\nfunc dial() {\n\tnet.Dial(\"tcp\", \"x\")\n}\n";

#[test]
fn a_long_declaration_is_classified_once() {
    // 40,000 changed lines in a function that only uses fmt, then a changed dial: each line
    // of `show` is looked at, its 40,000 uses of fmt only once.
    let prints: String = (0..40_000)
        .map(|i| format!("\tfmt.Println({i})\n"))
        .collect();
    let after = SHOW_FIRST
        .replace("\tfmt.Println()\n", &prints)
        .replace("\"x\"", "\"z\"");
    let repo = repo_with(SHOW_FIRST, &after);
    let found = doc_findings(&repo);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 40_012, "{found:?}");
    assert!(found[0].1.contains("calls `net.Dial`"), "{found:?}");
    // Without the dial, the prints alone do not count.
    let quiet = SHOW_FIRST.replace("\tfmt.Println()\n", &prints);
    let repo = repo_with(SHOW_FIRST, &quiet);
    assert_eq!(doc_findings(&repo), vec![]);
}
