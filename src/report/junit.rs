//! JUnit XML, as Jenkins, GitLab (`artifacts:reports:junit`), Azure Pipelines and most CI
//! test publishers read it.
//!
//! One `<testsuite>` per rule of the registry (so a clean run shows every rule passing), one
//! `<testcase>` per rule and file (`classname` the rule, `name` the file) with one
//! `<failure>` per finding; a rule without findings has one passing test case. Files that
//! could not be checked form a last suite, `unchecked`, with an `<error>` each.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{xml_escape, Report};
use crate::finding::Finding;

/// The test case name of a rule that found nothing.
pub const PASSING_CASE: &str = "all files";

/// The XML document, ending with a newline.
pub fn render(report: &Report) -> String {
    // rule id → path → findings, in the registry's order of rules and sorted paths; a rule
    // missing from the registry still gets its suite.
    let mut by_rule: Vec<(&str, BTreeMap<&str, Vec<&Finding>>)> = report
        .rules
        .iter()
        .map(|rule| (rule.id, BTreeMap::new()))
        .collect();
    for finding in report.findings {
        let index = match by_rule.iter().position(|(id, _)| *id == finding.rule) {
            Some(index) => index,
            None => {
                by_rule.push((finding.rule, BTreeMap::new()));
                by_rule.len() - 1
            }
        };
        by_rule[index]
            .1
            .entry(finding.path.as_str())
            .or_default()
            .push(finding);
    }

    let mut suites = String::new();
    let (mut total_tests, mut total_failures) = (0usize, 0usize);
    for (rule, files) in &by_rule {
        let tests = files.len().max(1);
        let failures: usize = files.values().map(Vec::len).sum();
        total_tests += tests;
        total_failures += failures;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            xml_escape(rule)
        );
        if files.is_empty() {
            let _ = writeln!(
                suites,
                "    <testcase name=\"{PASSING_CASE}\" classname=\"{}\"/>",
                xml_escape(rule)
            );
        }
        for (path, findings) in files {
            let _ = writeln!(
                suites,
                "    <testcase name=\"{}\" classname=\"{}\">",
                xml_escape(path),
                xml_escape(rule)
            );
            for finding in findings {
                let mut body = format!(
                    "{}:{}:{}: {}",
                    finding.path, finding.line, finding.column, finding.message
                );
                if let Some(help) = &finding.help {
                    let _ = write!(body, "\nHelp: {help}");
                }
                let _ = writeln!(
                    suites,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    xml_escape(&format!(
                        "line {}: {}",
                        finding.line,
                        finding.message.trim()
                    )),
                    finding.severity.as_str(),
                    xml_escape(&body)
                );
            }
            suites.push_str("    </testcase>\n");
        }
        suites.push_str("  </testsuite>\n");
    }

    let skipped = &report.stats.skipped;
    if !skipped.is_empty() {
        total_tests += skipped.len();
        let _ = writeln!(
            suites,
            "  <testsuite name=\"unchecked\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\">",
            n = skipped.len()
        );
        for file in skipped {
            let _ = writeln!(
                suites,
                "    <testcase name=\"{}\" classname=\"unchecked\">\n      <error message=\"{}\" type=\"unchecked\"/>\n    </testcase>",
                xml_escape(&file.path),
                xml_escape(&format!("not checked: {}", file.reason))
            );
        }
        suites.push_str("  </testsuite>\n");
    }

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sre-policy\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"{}\" time=\"{}.{:03}\">",
        skipped.len(),
        report.stats.elapsed_ms / 1000,
        report.stats.elapsed_ms % 1000
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::finding::Severity;
    use crate::report::test_support::{finding, report, stats};
    use crate::rules::RuleInfo;

    fn rules_named(ids: &[&str], all: &[RuleInfo]) -> Vec<RuleInfo> {
        all.iter()
            .filter(|r| ids.contains(&r.id))
            .cloned()
            .collect()
    }

    #[test]
    fn one_case_per_rule_and_file_with_a_failure_per_finding() {
        let mut first = finding("handler-oncall", Severity::Error, "api/a.go", 5);
        first.message = "handler `A` has no <team>".into();
        let second = finding("handler-oncall", Severity::Error, "api/a.go", 9);
        let third = finding("metric-help", Severity::Warning, "m.go", 2);
        let findings = vec![first, second, third];
        let mut stats = stats(3, &[]);
        stats.elapsed_ms = 1234;
        let sources = HashMap::new();
        let rules = rules_named(
            &["handler-oncall", "metric-help", "metric-promauto"],
            crate::rules::RULES,
        );
        let mut r = report(&findings, &stats, &sources);
        r.rules = &rules;
        let out = render(&r);
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="sre-policy" tests="3" failures="3" errors="0" time="1.234">
  <testsuite name="handler-oncall" tests="1" failures="2" errors="0" skipped="0">
    <testcase name="api/a.go" classname="handler-oncall">
      <failure message="line 5: handler `A` has no &lt;team&gt;" type="error">api/a.go:5:1: handler `A` has no &lt;team&gt;&#10;Help: fix it</failure>
      <failure message="line 9: handler-oncall problem" type="error">api/a.go:9:1: handler-oncall problem&#10;Help: fix it</failure>
    </testcase>
  </testsuite>
  <testsuite name="metric-help" tests="1" failures="1" errors="0" skipped="0">
    <testcase name="m.go" classname="metric-help">
      <failure message="line 2: metric-help problem" type="warning">m.go:2:1: metric-help problem&#10;Help: fix it</failure>
    </testcase>
  </testsuite>
  <testsuite name="metric-promauto" tests="1" failures="0" errors="0" skipped="0">
    <testcase name="all files" classname="metric-promauto"/>
  </testsuite>
</testsuites>
"#;
        assert_eq!(out, expected);
    }

    #[test]
    fn clean_run_passes_every_rule_and_lists_unchecked_files_as_errors() {
        let stats = stats(3, &[("big.go", "larger than 8 MiB")]);
        let sources = HashMap::new();
        let out = render(&report(&[], &stats, &sources));
        let rules = crate::rules::RULES.len();
        assert!(out.contains(&format!(
            "<testsuites name=\"sre-policy\" tests=\"{}\" failures=\"0\" errors=\"1\"",
            rules + 1
        )));
        assert_eq!(out.matches("name=\"all files\"").count(), rules);
        assert!(out.contains(
            "<testcase name=\"big.go\" classname=\"unchecked\">\n      <error message=\"not checked: larger than 8 MiB\" type=\"unchecked\"/>"
        ));
    }

    #[test]
    fn a_rule_missing_from_the_registry_gets_a_suite() {
        let findings = vec![finding("future-rule", Severity::Warning, "a.go", 1)];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert!(out.contains("<testsuite name=\"future-rule\" tests=\"1\" failures=\"1\""));
    }
}
