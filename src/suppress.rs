//! `//sre-policy:ignore <rule-id>[,<rule-id>] -- <reason>` comments.
//!
//! A suppression covers findings that start on its own line or on the line below. It needs a
//! reason; without one it has no effect and is reported (invalid-suppression). One that covers
//! nothing is reported too (unused-suppression).

use crate::config::suggestion;
use crate::finding::Finding;
use crate::go::{Comment, Span};

/// The word that opens a suppression comment.
pub const DIRECTIVE: &str = "sre-policy:ignore";

/// A well-formed suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// 1-based line of the comment.
    pub line: usize,
    pub span: Span,
    pub rules: Vec<String>,
    pub used: Vec<bool>,
}

/// A malformed suppression: (comment span, message, help).
pub type Problem = (Span, String, String);

/// The suppressions among `comments`, and the problems of malformed ones; `known` lists the
/// rule ids a suppression may name.
pub fn parse(comments: &[Comment], known_ids: &[&str]) -> (Vec<Suppression>, Vec<Problem>) {
    let mut suppressions = Vec::new();
    let mut problems = Vec::new();
    for comment in comments {
        let Some(body) = comment.text.strip_prefix("//") else {
            continue;
        };
        let Some(rest) = body.trim_start().strip_prefix(DIRECTIVE) else {
            continue;
        };
        // The reason ends where a further `//` comment starts (e.g. a test's `// want`).
        let rest = rest.split(" //").next().unwrap_or(rest);
        let (ids, reason) = match rest.split_once("--") {
            Some((ids, reason)) => (ids, reason.trim()),
            None => (rest, ""),
        };
        let ids: Vec<&str> = ids
            .split([',', ' ', '\t'])
            .filter(|id| !id.is_empty())
            .collect();
        if ids.is_empty() {
            problems.push((
                comment.span,
                "suppression names no rule".to_string(),
                "write `//sre-policy:ignore <rule-id> -- <reason>`".to_string(),
            ));
            continue;
        }
        if reason.is_empty() {
            problems.push((
                comment.span,
                format!("suppression of {} has no reason", ids.join(",")),
                format!(
                    "say why after ` -- `: `//sre-policy:ignore {} -- <reason>`; without one it has no effect",
                    ids.join(",")
                ),
            ));
            continue;
        }
        let mut known = Vec::new();
        for id in ids {
            if known_ids.contains(&id) {
                known.push(id.to_string());
                continue;
            }
            let hint = suggestion(id, known_ids)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "`sre-policy rules` lists the rule ids".to_string());
            problems.push((
                comment.span,
                format!("suppression names unknown rule `{id}`"),
                hint,
            ));
        }
        if !known.is_empty() {
            suppressions.push(Suppression {
                line: comment.span.start_row + 1,
                span: comment.span,
                used: vec![false; known.len()],
                rules: known,
            });
        }
    }
    (suppressions, problems)
}

/// Removes the findings a suppression covers and marks those suppressions used.
pub fn apply(findings: &mut Vec<Finding>, suppressions: &mut [Suppression]) {
    findings.retain(|finding| {
        for suppression in suppressions.iter_mut() {
            let covers_line =
                finding.line == suppression.line || finding.line == suppression.line + 1;
            if !covers_line {
                continue;
            }
            if let Some(i) = suppression.rules.iter().position(|r| r == finding.rule) {
                suppression.used[i] = true;
                return false;
            }
        }
        true
    });
}
