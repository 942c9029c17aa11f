//! Reporters: pure functions from findings and stats to bytes, one file per format.

use std::collections::HashMap;

use crate::finding::{Finding, Stats};
use crate::rules::RuleInfo;

pub mod checkstyle;
pub mod compact;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod rdjson;
pub mod sarif;
pub mod statistics;

pub use github::step_summary_markdown;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality (`artifacts:reports:codequality`).
    Gitlab,
    /// JUnit XML: a test suite per rule, a test case per rule and file, a failure per finding.
    Junit,
    /// Checkstyle XML (Jenkins warnings-ng, reviewdog `-f=checkstyle`, many IDEs).
    Checkstyle,
    /// reviewdog's diagnostic format, with suggested edits where a fix is known.
    Rdjson,
}

/// Everything a reporter may read.
pub struct Report<'a> {
    /// Sorted by path, line, column, rule id.
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    /// Every rule of the registry (SARIF lists them all).
    pub rules: &'a [RuleInfo],
    /// Source text of the files that have findings, by repo-relative path (for snippets).
    pub sources: &'a HashMap<String, String>,
    /// True when the run checked a change (diff mode).
    pub diff_mode: bool,
    /// Whether to colour the human output.
    pub color: bool,
    /// What the baseline did, when one was read.
    pub baseline: Option<BaselineSummary>,
    /// Compact output adds each finding's help on an indented line (the default format when
    /// standard output is not a terminal, e.g. under pre-commit, where the help is the remedy).
    pub compact_help: bool,
}

/// What applying a baseline did, for the reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BaselineSummary {
    /// The baseline file, repo-relative when inside the repository.
    pub file: String,
    /// Findings it hid.
    pub hidden: usize,
    /// Entries that matched no finding this run could have made.
    pub stale: usize,
}

/// Renders `report` in `format`. Pure: no I/O, no environment reads.
pub fn render(format: Format, report: &Report) -> Vec<u8> {
    match format {
        Format::Human => human::render(report).into_bytes(),
        Format::Compact => compact::render(report).into_bytes(),
        Format::Json => json::render(report).into_bytes(),
        Format::Sarif => sarif::render(report).into_bytes(),
        Format::Github => github::render(report).into_bytes(),
        Format::Gitlab => gitlab::render(report).into_bytes(),
        Format::Junit => junit::render(report).into_bytes(),
        Format::Checkstyle => checkstyle::render(report).into_bytes(),
        Format::Rdjson => rdjson::render(report).into_bytes(),
    }
}

/// Escapes text for an XML attribute value or element content. Characters XML 1.0 cannot
/// carry at all (most control characters) become U+FFFD, so a hostile path or message can
/// neither break the document nor make it invalid.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Escaped so that attribute values keep their line breaks and tabs.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// "1 error", "2 errors": English plural by appending `s`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Replaces control characters (other than newline and tab) so that a message quoting
/// hostile source text cannot send escape sequences to the terminal.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '?'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders shared by the reporters' unit tests.

    use super::*;

    /// Parses a reporter's JSON output, failing the test with the text when it is invalid.
    pub fn parse_json(out: &str) -> serde_json::Value {
        match serde_json::from_str(out) {
            Ok(value) => value,
            Err(e) => panic!("invalid JSON ({e}): {out}"),
        }
    }
    use crate::finding::{Severity, SkippedFile};

    pub fn finding(rule: &'static str, severity: Severity, path: &str, line: usize) -> Finding {
        Finding {
            rule,
            severity,
            path: path.to_string(),
            line,
            column: 1,
            end_line: line,
            end_column: 5,
            start_byte: 0,
            end_byte: 0,
            message: format!("{rule} problem"),
            help: Some("fix it".to_string()),
            fix: None,
            on_changed_line: false,
            related: Vec::new(),
            context_lines: None,
        }
    }

    pub fn stats(files_checked: usize, skipped: &[(&str, &str)]) -> Stats {
        Stats {
            files_checked,
            files_skipped: skipped.len(),
            parse_errors: 0,
            elapsed_ms: 12,
            skipped: skipped
                .iter()
                .map(|(path, reason)| SkippedFile {
                    path: path.to_string(),
                    reason: reason.to_string(),
                })
                .collect(),
            notes: Vec::new(),
            phases: Default::default(),
        }
    }

    /// A report over borrowed parts, with the registry's rules and no colour.
    pub fn report<'a>(
        findings: &'a [Finding],
        stats: &'a Stats,
        sources: &'a HashMap<String, String>,
    ) -> Report<'a> {
        Report {
            findings,
            stats,
            rules: crate::rules::RULES,
            sources,
            diff_mode: false,
            color: false,
            baseline: None,
            compact_help: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_keeps_documents_well_formed() {
        assert_eq!(
            xml_escape("a<b>&\"c\"'d'"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(xml_escape("x\ny\tz\r"), "x&#10;y&#9;z&#13;");
        assert_eq!(xml_escape("bell\u{7}nul\u{0}"), "bell\u{FFFD}nul\u{FFFD}");
        assert_eq!(xml_escape("café ü"), "café ü");
    }

    #[test]
    fn plural_appends_s_except_for_one() {
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(0, "error"), "0 errors");
        assert_eq!(plural(2, "warning"), "2 warnings");
    }
}
