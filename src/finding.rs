//! What rules produce and reporters consume.

use serde::Serialize;

/// How serious a finding is. `off` exists only in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A replacement of the bytes `start..end` of a file by `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// One reported problem. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte range of the primary span in the file, for snippets.
    pub start_byte: usize,
    pub end_byte: usize,
    pub message: String,
    pub help: Option<String>,
    pub fix: Option<TextEdit>,
    /// In diff mode: the primary line was added or modified by the change.
    pub on_changed_line: bool,
    /// Other places the finding is about (e.g. every file of one troubleshooting-doc finding).
    pub related: Vec<Related>,
    /// Lines (1-based, inclusive) whose change also makes the finding part of a change, e.g. a
    /// handler's doc comment: removing its annotation changes the handler's finding.
    pub context_lines: Option<(usize, usize)>,
}

/// Another place a finding is about, with what it says of that place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub path: String,
    /// 1-based; 0 when the place is a whole file (a deleted one).
    pub line: usize,
    pub message: String,
}

impl Finding {
    /// The order every output uses: path, line, column, rule id.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.path, self.line, self.column, self.rule)
    }
}

/// A file that could not be checked, and why. Never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

/// Wall time of each phase, in milliseconds, summed over threads where they overlap.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PhaseTimes {
    pub walk_ms: f64,
    pub read_ms: f64,
    pub prefilter_ms: f64,
    pub parse_ms: f64,
    pub rules_ms: f64,
    pub git_ms: f64,
    pub report_ms: f64,
}

/// Counters reported beside the findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub files_checked: usize,
    pub files_skipped: usize,
    pub parse_errors: usize,
    pub elapsed_ms: u64,
    /// Files that could not be checked (unreadable, too large, internal error).
    #[serde(skip)]
    pub skipped: Vec<SkippedFile>,
    /// Rules that did not run and why (e.g. troubleshooting-doc without a diff).
    #[serde(skip)]
    pub notes: Vec<String>,
    #[serde(skip)]
    pub phases: PhaseTimes,
}

/// Opens the note a rule adds to a finding's help when `--fix` cannot fix it; what follows,
/// up to the closing parenthesis, is the reason `check --fix` prints.
pub const NO_FIX: &str = "--fix cannot add it: ";

/// The reason in `help` why `--fix` could not fix its finding, if the rule gave one.
pub fn no_fix_reason(help: &str) -> Option<&str> {
    let (_, rest) = help.rsplit_once(NO_FIX)?;
    Some(rest.strip_suffix(')').unwrap_or(rest))
}
