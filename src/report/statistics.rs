//! Counts that make a large run readable: findings per rule (with their severity and how many
//! `--fix` can fix) and the files with the most findings. The human format ends with them,
//! `check --statistics` prints only them, the GitHub step summary opens with them.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Report;
use crate::finding::{Finding, Severity};

/// How many files the "most findings" list names.
pub const TOP_FILES: usize = 10;

/// One rule's line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRow<'a> {
    pub rule: &'a str,
    pub errors: usize,
    pub warnings: usize,
    /// Findings that carry a fix (`check --fix` applies them).
    pub fixable: usize,
}

impl RuleRow<'_> {
    pub fn count(&self) -> usize {
        self.errors + self.warnings
    }

    /// `error`, `warning`, or both when per-path settings or `--staged` mixed them.
    pub fn severity(&self) -> &'static str {
        match (self.errors > 0, self.warnings > 0) {
            (true, true) => "error+warning",
            (true, false) => "error",
            _ => "warning",
        }
    }

    /// The most severe level among the rule's findings.
    pub fn top_severity(&self) -> Severity {
        if self.errors > 0 {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

/// The rules with findings, most findings first (ties by id).
pub fn rule_rows(findings: &[Finding]) -> Vec<RuleRow<'_>> {
    let mut by_rule: BTreeMap<&str, RuleRow> = BTreeMap::new();
    for finding in findings {
        let row = by_rule.entry(finding.rule).or_insert(RuleRow {
            rule: finding.rule,
            errors: 0,
            warnings: 0,
            fixable: 0,
        });
        match finding.severity {
            Severity::Error => row.errors += 1,
            Severity::Warning => row.warnings += 1,
        }
        row.fixable += usize::from(finding.fix.is_some());
    }
    let mut rows: Vec<RuleRow> = by_rule.into_values().collect();
    rows.sort_by(|a, b| b.count().cmp(&a.count()).then(a.rule.cmp(b.rule)));
    rows
}

/// The files with the most findings, at most `limit`, most first (ties by path).
pub fn top_files(findings: &[Finding], limit: usize) -> Vec<(&str, usize)> {
    let mut by_file: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in findings {
        *by_file.entry(finding.path.as_str()).or_default() += 1;
    }
    let mut files: Vec<(&str, usize)> = by_file.into_iter().collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    files.truncate(limit);
    files
}

/// The plain-text table and file list; `paint` colours a severity word (or leaves it).
pub fn text(report: &Report, paint: &dyn Fn(Severity, &str) -> String) -> String {
    let rows = rule_rows(report.findings);
    let mut out = String::new();
    if rows.is_empty() {
        return out;
    }
    let width = rows
        .iter()
        .map(|r| r.rule.len())
        .chain(["Rule".len()])
        .max()
        .unwrap_or(4);
    let _ = writeln!(
        out,
        "{:<width$}  {:<13}  {:>6}  Fixable",
        "Rule", "Severity", "Count"
    );
    for row in &rows {
        let severity = format!("{:<13}", row.severity());
        let fixable = if row.fixable == 0 {
            "-".to_string()
        } else {
            format!("{} (--fix)", row.fixable)
        };
        let _ = writeln!(
            out,
            "{:<width$}  {}  {:>6}  {fixable}",
            row.rule,
            paint(row.top_severity(), &severity),
            row.count(),
        );
    }
    let files = top_files(report.findings, TOP_FILES);
    let total_files = report
        .findings
        .iter()
        .map(|f| f.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if total_files > 1 {
        let heading = if total_files > files.len() {
            format!(
                "Files with most findings ({} of {total_files}):",
                files.len()
            )
        } else {
            "Files with most findings:".to_string()
        };
        let _ = writeln!(out, "\n{heading}");
        let count_width = files.first().map_or(1, |(_, n)| n.to_string().len());
        for (path, count) in files {
            let _ = writeln!(
                out,
                "  {count:>count_width$}  {}",
                super::printable(&super::compact::one_line(path))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::finding::TextEdit;
    use crate::report::test_support::{finding, report, stats};

    #[test]
    fn rows_by_count_with_mixed_severities_and_fixes() {
        let mut fixed = finding("handler-oncall", Severity::Error, "a.go", 1);
        fixed.fix = Some(TextEdit {
            start: 0,
            end: 0,
            replacement: "x".into(),
        });
        let findings = vec![
            fixed,
            finding("handler-oncall", Severity::Warning, "b.go", 1),
            finding("metric-help", Severity::Error, "a.go", 2),
            finding("metric-promauto", Severity::Error, "c.go", 1),
            finding("metric-promauto", Severity::Error, "c.go", 2),
            finding("metric-promauto", Severity::Error, "c.go", 3),
        ];
        let rows = rule_rows(&findings);
        let summary: Vec<(&str, usize, &str, usize)> = rows
            .iter()
            .map(|r| (r.rule, r.count(), r.severity(), r.fixable))
            .collect();
        assert_eq!(
            summary,
            [
                ("metric-promauto", 3, "error", 0),
                ("handler-oncall", 2, "error+warning", 1),
                ("metric-help", 1, "error", 0),
            ]
        );
        assert_eq!(top_files(&findings, 2), [("c.go", 3), ("a.go", 2)]);
        let stats = stats(3, &[]);
        let sources = HashMap::new();
        let out = text(&report(&findings, &stats, &sources), &|_, s| s.to_string());
        assert_eq!(
            out,
            "Rule             Severity        Count  Fixable\n\
             metric-promauto  error               3  -\n\
             handler-oncall   error+warning       2  1 (--fix)\n\
             metric-help      error               1  -\n\
             \n\
             Files with most findings:\n\
             \x20 3  c.go\n\
             \x20 2  a.go\n\
             \x20 1  b.go\n"
        );
    }

    #[test]
    fn no_findings_no_table() {
        let stats = stats(3, &[]);
        let sources = HashMap::new();
        assert_eq!(
            text(&report(&[], &stats, &sources), &|_, s| s.to_string()),
            ""
        );
    }
}
