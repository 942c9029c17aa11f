//! parse-error: a Go file has syntax errors, so parts of it may not be checked.

use super::{no_context_words, no_triggers, FileContext, FileOutput, Kind, Needs, RuleInfo};
use crate::finding::Severity;
use crate::go::Span;

pub const ID: &str = "parse-error";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Warning,
    summary: "A Go file has syntax errors; parts of it may not be checked",
    doc: include_str!("../../rules/parse-error.md"),
    kind: Kind::File(check),
    // Reported on the files other rules read: a file no rule could report on is not parsed.
    triggers: no_triggers,
    context_words: no_context_words,
    needs: Needs {
        old_versions: false,
        repository_metrics: false,
        imported_packages: false,
    },
    warning_when_staged: false,
};

/// One warning per file, at its first syntax error.
pub fn check(ctx: &FileContext, out: &mut FileOutput) {
    let facts = ctx.facts;
    if let Some(error) = facts.syntax_errors.first() {
        let what = match &error.missing {
            Some(token) => format!("missing `{token}`"),
            None => format!("unexpected `{}`", token_at(ctx, error.span)),
        };
        let more = facts.syntax_errors.len() - 1;
        let message = if more == 0 {
            format!("syntax error: {what}")
        } else {
            format!("syntax error: {what} (and {more} more)")
        };
        let help = "fix the syntax (`gofmt -l` shows it); code around the error may not be checked";
        out.findings
            .extend(ctx.finding(ID, error.span, message, Some(help.to_string())));
    } else if ctx.file.too_deep {
        out.findings.extend(ctx.finding(
            ID,
            Span::default(),
            format!(
                "nesting deeper than {} levels: the deepest parts of this file are not checked",
                crate::go::extract::MAX_DEPTH
            ),
            None,
        ));
    }
}

/// The first word at `span`, at most 20 characters, control characters escaped.
fn token_at(ctx: &FileContext, span: Span) -> String {
    let line = ctx.lines.line_text(span.start_row + 1);
    let start_of_line = ctx.lines.line_start(span.start_row + 1).unwrap_or(0);
    let from = span.start.saturating_sub(start_of_line).min(line.len());
    // Enough bytes for the 20 characters shown, even on a 5 MB line.
    let text = String::from_utf8_lossy(&line[from..line.len().min(from + 128)]);
    let token: String = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(20)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if token.is_empty() {
        "end of line".to_string()
    } else {
        token
    }
}
