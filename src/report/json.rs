//! The versioned JSON schema of DESIGN.md ("Outputs"), plus the list of skipped files.
//!
//! ```json
//! {"version":1,
//!  "findings":[{"rule":"metric-help","severity":"error","path":"pkg/x/metrics.go",
//!               "line":12,"column":5,"end_line":12,"end_column":40,
//!               "message":"...","help":"..."}],
//!  "stats":{"files_checked":0,"files_skipped":0,"parse_errors":0,"elapsed_ms":0},
//!  "skipped":[{"path":"big.go","reason":"..."}]}
//! ```
//! With a baseline, `"baseline":{"file":".sre-policy-baseline.json","hidden":3,"stale":1}`
//! follows `skipped`: the findings it hid and its entries that matched nothing.
//! `help` is `null` when a finding has none; `related` (a list of `{"path","line","message"}`,
//! line 0 for a whole file) is present only when a finding has other places it is about.
//! Field names are the contract: change them only with a new `version`.

use serde::Serialize;

use super::Report;
use crate::finding::Severity;

/// The schema version; bump it on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    stats: JsonStats,
    skipped: Vec<JsonSkipped<'a>>,
    /// Present only when a baseline was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a super::BaselineSummary>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    /// Other places the finding is about; left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: usize,
    message: &'a str,
}

// Its own struct rather than `Stats` so that a field added to `Stats` cannot leak into
// the versioned schema.
#[derive(Serialize)]
struct JsonStats {
    files_checked: usize,
    files_skipped: usize,
    parse_errors: usize,
    elapsed_ms: u64,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

/// The JSON document, ending with a newline.
pub fn render(report: &Report) -> String {
    let stats = report.stats;
    let document = Document {
        version: SCHEMA_VERSION,
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                rule: f.rule,
                severity: f.severity,
                path: &f.path,
                line: f.line,
                column: f.column,
                end_line: f.end_line,
                end_column: f.end_column,
                message: &f.message,
                help: f.help.as_deref(),
                related: f
                    .related
                    .iter()
                    .map(|r| JsonRelated {
                        path: &r.path,
                        line: r.line,
                        message: &r.message,
                    })
                    .collect(),
            })
            .collect(),
        stats: JsonStats {
            files_checked: stats.files_checked,
            files_skipped: stats.files_skipped,
            parse_errors: stats.parse_errors,
            elapsed_ms: stats.elapsed_ms,
        },
        skipped: stats
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                path: &s.path,
                reason: &s.reason,
            })
            .collect(),
        baseline: report.baseline.as_ref(),
    };
    // Serialising plain structs of strings and integers cannot fail; keep a valid
    // document even if it somehow did.
    let mut out = serde_json::to_string(&document).unwrap_or_else(|e| {
        format!(
            "{{\"version\":{SCHEMA_VERSION},\"error\":{:?}}}",
            e.to_string()
        )
    });
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
    fn document_has_exactly_the_documented_fields() {
        let mut first = finding("metric-help", Severity::Error, "pkg/x/metrics.go", 12);
        first.column = 5;
        first.end_column = 40;
        first.message = "metric \"x\" has no Help".into();
        first.help = Some("add Help".into());
        let mut second = finding("unused-suppression", Severity::Warning, "main.go", 3);
        second.help = None;
        let findings = vec![first, second];
        let mut stats = stats(14, &[("big.go", "larger than 10 MiB")]);
        stats.parse_errors = 2;
        stats.elapsed_ms = 7;
        stats.notes.push("not in the schema".into());
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert!(out.ends_with("}\n"));
        assert_eq!(out.lines().count(), 1);
        assert_eq!(
            parse(&out),
            json!({
                "version": 1,
                "findings": [
                    {"rule": "metric-help", "severity": "error", "path": "pkg/x/metrics.go",
                     "line": 12, "column": 5, "end_line": 12, "end_column": 40,
                     "message": "metric \"x\" has no Help", "help": "add Help"},
                    {"rule": "unused-suppression", "severity": "warning", "path": "main.go",
                     "line": 3, "column": 1, "end_line": 3, "end_column": 5,
                     "message": "unused-suppression problem", "help": null}
                ],
                "stats": {"files_checked": 14, "files_skipped": 1, "parse_errors": 2, "elapsed_ms": 7},
                "skipped": [{"path": "big.go", "reason": "larger than 10 MiB"}]
            })
        );
    }

    #[test]
    fn clean_report_has_empty_lists() {
        let stats = stats(3, &[]);
        let sources = HashMap::new();
        let value = parse(&render(&report(&[], &stats, &sources)));
        assert_eq!(value["findings"], json!([]));
        assert_eq!(value["skipped"], json!([]));
        assert_eq!(value["stats"]["files_checked"], json!(3));
        assert!(value.get("baseline").is_none(), "only with a baseline");
    }

    #[test]
    fn baseline_counts_when_one_was_read() {
        let stats = stats(3, &[]);
        let sources = HashMap::new();
        let mut report = report(&[], &stats, &sources);
        report.baseline = Some(crate::report::BaselineSummary {
            file: ".sre-policy-baseline.json".into(),
            hidden: 4,
            stale: 1,
        });
        assert_eq!(
            parse(&render(&report))["baseline"],
            json!({"file": ".sre-policy-baseline.json", "hidden": 4, "stale": 1})
        );
    }
}
