//! reviewdog's Diagnostic Format (rdjson): `reviewdog -f=rdjson` turns it into pull request
//! review comments (GitHub, GitLab, Gitea, Bitbucket), with a suggested change where the
//! finding has a fix.
//!
//! Positions are 1-based lines and UTF-8 byte columns, and `end` is exclusive, as the format
//! defines them; they are computed from the finding's byte range in the file's text (the
//! character columns of the other formats would be wrong on a line with non-ASCII text).

use serde::Serialize;

use super::Report;
use crate::finding::{Finding, Severity, TextEdit};

#[derive(Serialize)]
struct Document<'a> {
    source: Source,
    diagnostics: Vec<Diagnostic<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    message: String,
    location: Location<'a>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Code<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Range>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq, Debug)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq, Debug)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Code<'a> {
    value: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Suggestion<'a> {
    range: Range,
    text: &'a str,
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
    }
}

/// 1-based line and byte column of `offset` in `text`.
fn byte_position(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Position {
        line: before.iter().filter(|&&b| b == b'\n').count() + 1,
        column: offset - line_start + 1,
    }
}

/// The finding's range in byte columns when its byte offsets agree with its line (the text
/// is known and the rule set the offsets), else its character columns.
fn finding_range(finding: &Finding, text: Option<&str>) -> Range {
    if let Some(text) = text {
        if finding.start_byte <= finding.end_byte && finding.end_byte <= text.len() {
            let start = byte_position(text, finding.start_byte);
            if start.line == finding.line {
                let end = byte_position(text, finding.end_byte);
                return Range { start, end };
            }
        }
    }
    let start = Position {
        line: finding.line.max(1),
        column: finding.column.max(1),
    };
    let end = Position {
        line: finding.end_line,
        column: finding.end_column,
    };
    Range {
        start,
        end: if (end.line, end.column) < (start.line, start.column) {
            start
        } else {
            end
        },
    }
}

fn suggestion<'a>(edit: &'a TextEdit, text: &str) -> Option<Suggestion<'a>> {
    if edit.start > edit.end || edit.end > text.len() {
        return None;
    }
    Some(Suggestion {
        range: Range {
            start: byte_position(text, edit.start),
            end: byte_position(text, edit.end),
        },
        text: &edit.replacement,
    })
}

/// The rdjson document, ending with a newline.
pub fn render(report: &Report) -> String {
    let repo = crate::init::REPO_URL;
    let mut diagnostics: Vec<Diagnostic> = report
        .findings
        .iter()
        .map(|finding| {
            let text = report.sources.get(&finding.path).map(String::as_str);
            let message = match &finding.help {
                Some(help) => format!("{}\nHelp: {help}", finding.message),
                None => finding.message.clone(),
            };
            let suggestions = match (&finding.fix, text) {
                (Some(edit), Some(text)) => suggestion(edit, text).into_iter().collect(),
                _ => Vec::new(),
            };
            Diagnostic {
                message,
                location: Location {
                    path: &finding.path,
                    range: Some(finding_range(finding, text)),
                },
                severity: severity(finding.severity),
                code: Some(Code {
                    value: finding.rule,
                    url: format!("{repo}/blob/main/rules/{}.md", finding.rule),
                }),
                suggestions,
            }
        })
        .collect();
    diagnostics.extend(report.stats.skipped.iter().map(|skipped| Diagnostic {
        message: format!("{} was not checked: {}", skipped.path, skipped.reason),
        location: Location {
            path: &skipped.path,
            range: None,
        },
        severity: "INFO",
        code: None,
        suggestions: Vec::new(),
    }));
    let document = Document {
        source: Source {
            name: "sre-policy",
            url: repo,
        },
        diagnostics,
    };
    // Plain structs of strings and integers always serialise.
    let mut out = serde_json::to_string(&document).unwrap_or_default();
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
    fn byte_positions_count_utf8_bytes_from_one() {
        let text = "ab\nhé𐐀x\n";
        assert_eq!(byte_position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(byte_position(text, 3), Position { line: 2, column: 1 });
        // 'x' follows h (1 byte), é (2 bytes) and 𐐀 (4 bytes).
        assert_eq!(byte_position(text, 10), Position { line: 2, column: 8 });
        assert_eq!(byte_position(text, 999), Position { line: 3, column: 1 });
    }

    #[test]
    fn diagnostic_uses_byte_columns_and_links_the_rule() {
        let source =
            "package a\n\nvar s = \"é\"; func H(w http.ResponseWriter, r *http.Request) {}\n";
        let start = source.find("func").unwrap_or(0);
        let mut f = finding("handler-oncall", Severity::Error, "a.go", 3);
        f.column = 14; // characters
        f.end_column = 18;
        f.start_byte = start;
        f.end_byte = start + 4;
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::from([("a.go".to_string(), source.to_string())]);
        let value = parse(&render(&report(&findings, &stats, &sources)));
        assert_eq!(value["source"]["name"], "sre-policy");
        let diagnostic = &value["diagnostics"][0];
        assert_eq!(diagnostic["severity"], "ERROR");
        assert_eq!(
            diagnostic["message"],
            "handler-oncall problem\nHelp: fix it"
        );
        assert_eq!(
            diagnostic["location"],
            json!({"path": "a.go", "range": {"start": {"line": 3, "column": 15}, "end": {"line": 3, "column": 19}}})
        );
        assert_eq!(diagnostic["code"]["value"], "handler-oncall");
        assert!(diagnostic["code"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/rules/handler-oncall.md")));
        assert!(diagnostic.get("suggestions").is_none());
    }

    #[test]
    fn a_fix_becomes_an_insertion_suggestion() {
        let source = "package a\n\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";
        let at = source.find("func").unwrap_or(0);
        let mut f = finding("handler-oncall", Severity::Error, "a.go", 3);
        f.start_byte = at;
        f.end_byte = at + 4;
        f.fix = Some(TextEdit {
            start: at,
            end: at,
            replacement: "// @oncall-team payments\n".into(),
        });
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::from([("a.go".to_string(), source.to_string())]);
        let value = parse(&render(&report(&findings, &stats, &sources)));
        assert_eq!(
            value["diagnostics"][0]["suggestions"],
            json!([{"range": {"start": {"line": 3, "column": 1}, "end": {"line": 3, "column": 1}},
                    "text": "// @oncall-team payments\n"}])
        );
    }

    #[test]
    fn without_the_text_character_columns_are_kept_and_unchecked_files_are_listed() {
        let mut f = finding("metric-help", Severity::Warning, "m.go", 4);
        f.column = 2;
        f.end_column = 9;
        let findings = vec![f];
        let stats = stats(1, &[("big.go", "larger than 8 MiB")]);
        let sources = HashMap::new();
        let value = parse(&render(&report(&findings, &stats, &sources)));
        assert_eq!(
            value["diagnostics"][0]["location"]["range"],
            json!({"start": {"line": 4, "column": 2}, "end": {"line": 4, "column": 9}})
        );
        assert_eq!(value["diagnostics"][0]["severity"], "WARNING");
        let unchecked = &value["diagnostics"][1];
        assert_eq!(unchecked["severity"], "INFO");
        assert_eq!(unchecked["location"], json!({"path": "big.go"}));
    }

    #[test]
    fn clean_run_has_no_diagnostics() {
        let stats = stats(2, &[]);
        let sources = HashMap::new();
        let value = parse(&render(&report(&[], &stats, &sources)));
        assert_eq!(value["diagnostics"], json!([]));
    }
}
