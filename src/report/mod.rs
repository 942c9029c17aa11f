//! Reporters: pure functions from findings and stats to bytes, one file per format.

use std::collections::HashMap;

use crate::finding::{Finding, Stats};
use crate::rules::RuleInfo;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
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
}

/// Renders `report` in `format`.
pub fn render(_format: Format, report: &Report) -> Vec<u8> {
    let mut out = String::new();
    for f in report.findings {
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            f.path,
            f.line,
            f.column,
            f.severity.as_str(),
            f.rule,
            f.message
        ));
    }
    out.into_bytes()
}
