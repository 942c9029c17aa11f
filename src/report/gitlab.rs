//! GitLab Code Quality: the JSON array GitLab reads from `artifacts:reports:codequality` and
//! shows in the merge request widget and the diff.
//!
//! Each issue has the fields GitLab documents as required (`description`, `check_name`,
//! `fingerprint`, `severity`, `location.path`, `location.lines.begin`) plus `lines.end`,
//! `type` and `content.body` (the help text). The fingerprint is the one SARIF uses: it
//! survives lines inserted above, so GitLab shows only the issues a merge request adds.
//! Files that could not be checked are listed as `info` issues (`check_name`
//! `unchecked-file`) so that they are never silently dropped.

use serde::Serialize;

use super::Report;
use crate::finding::Severity;

/// The `check_name` of the issue listing a file that could not be checked.
pub const UNCHECKED_CHECK_NAME: &str = "unchecked-file";

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content<'a>>,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Content<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's scale is info, minor, major, critical, blocker. An error fails the check by
/// default, a warning does not.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
    }
}

/// The issues as a JSON array, ending with a newline (an empty array when clean).
pub fn render(report: &Report) -> String {
    let fingerprints = super::sarif::fingerprints(report);
    let mut issues: Vec<Issue> = report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(finding, fingerprint)| {
            let begin = finding.line.max(1);
            Issue {
                kind: "issue",
                check_name: finding.rule,
                description: finding.message.clone(),
                content: finding.help.as_deref().map(|body| Content { body }),
                categories: ["Style"],
                severity: severity(finding.severity),
                // The tool prefix keeps fingerprints of different tools' reports apart when
                // GitLab merges several Code Quality artifacts.
                fingerprint: format!("sre-policy:{fingerprint}"),
                location: Location {
                    path: &finding.path,
                    lines: Lines {
                        begin,
                        end: finding.end_line.max(begin),
                    },
                },
            }
        })
        .collect();
    issues.extend(report.stats.skipped.iter().map(|skipped| Issue {
        kind: "issue",
        check_name: UNCHECKED_CHECK_NAME,
        description: format!("{} was not checked: {}", skipped.path, skipped.reason),
        content: None,
        categories: ["Bug Risk"],
        severity: "info",
        fingerprint: format!("sre-policy:unchecked:{}", skipped.path),
        location: Location {
            path: &skipped.path,
            lines: Lines { begin: 1, end: 1 },
        },
    }));
    // Plain structs of strings and integers always serialise.
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;
    use crate::report::test_support::{finding, parse_json as parse, report, stats};

    #[test]
    fn issues_have_the_documented_fields() {
        let mut first = finding("metric-help", Severity::Error, "pkg/x/metrics.go", 12);
        first.end_line = 14;
        first.message = "metric has no Help".into();
        let mut second = finding("metric-naming", Severity::Warning, "main.go", 3);
        second.help = None;
        let findings = vec![first, second];
        let stats = stats(2, &[]);
        let sources = HashMap::new();
        let value = parse(&render(&report(&findings, &stats, &sources)));
        let issues = value.as_array().cloned().unwrap_or_default();
        assert_eq!(issues.len(), 2);
        let issue = &issues[0];
        assert_eq!(issue["type"], "issue");
        assert_eq!(issue["check_name"], "metric-help");
        assert_eq!(issue["description"], "metric has no Help");
        assert_eq!(issue["content"], json!({"body": "fix it"}));
        assert_eq!(issue["severity"], "major");
        assert_eq!(
            issue["location"],
            json!({"path": "pkg/x/metrics.go", "lines": {"begin": 12, "end": 14}})
        );
        assert!(issue["fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("sre-policy:") && f.len() > 20));
        assert_eq!(issues[1]["severity"], "minor");
        assert!(issues[1].get("content").is_none());
        assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
    }

    #[test]
    fn fingerprints_are_unique_for_identical_findings() {
        let findings = vec![
            finding("handler-oncall", Severity::Error, "a.go", 3),
            finding("handler-oncall", Severity::Error, "a.go", 3),
        ];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let value = parse(&render(&report(&findings, &stats, &sources)));
        assert_ne!(value[0]["fingerprint"], value[1]["fingerprint"]);
    }

    #[test]
    fn clean_run_is_an_empty_array_and_unchecked_files_are_listed() {
        let clean = stats(3, &[]);
        let sources = HashMap::new();
        assert_eq!(render(&report(&[], &clean, &sources)), "[]\n");
        let skipped = stats(3, &[("big.go", "larger than 8 MiB")]);
        let value = parse(&render(&report(&[], &skipped, &sources)));
        assert_eq!(value[0]["check_name"], UNCHECKED_CHECK_NAME);
        assert_eq!(value[0]["severity"], "info");
        assert_eq!(value[0]["location"]["path"], "big.go");
        assert!(value[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("larger than 8 MiB")));
    }

    #[test]
    fn inverted_lines_end_at_the_beginning() {
        let mut f = finding("metric-help", Severity::Error, "a.go", 9);
        f.end_line = 2;
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let value = parse(&render(&report(&findings, &stats, &sources)));
        assert_eq!(value[0]["location"]["lines"], json!({"begin": 9, "end": 9}));
    }
}
