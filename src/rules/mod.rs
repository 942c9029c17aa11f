//! The rule registry: one line per rule, and what rules read.
//!
//! Each rule file exports one [`RuleInfo`] named `RULE`: its id, default severity, summary,
//! manual (`rules/<id>.md`), kind (per file, per project, per change) and the words that must
//! occur in a file for the rule to report on it. The pipeline, the prefilter, `rules`,
//! `explain`, config validation and SARIF read this registry; no other module names a rule.
//! Rules are pure: (contexts, config) → findings.

pub mod handler_oncall;
pub mod invalid_suppression;
pub mod metric_breaking;
pub mod metric_duplicate;
pub mod metric_help;
pub mod metric_labels;
pub mod metric_location;
pub mod metric_naming;
pub mod metric_promauto;
pub mod parse_error;
pub mod troubleshooting_doc;
pub mod unused_suppression;

use std::collections::{HashMap, HashSet};

use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::{Finding, Severity};
use crate::git::{ChangedFile, FileStatus};
use crate::go::metric_decl::Position;
use crate::go::prometheus::MetricCall;
use crate::go::{Facts, Span};
use crate::index::{ParsedFile, ProjectIndex};
use crate::source::LineIndex;
use crate::suppress::Suppression;

/// The registry. Adding a rule: its file, its doc, its fixtures, one line here, the README row.
pub const RULES: &[RuleInfo] = &[
    handler_oncall::RULE,
    metric_help::RULE,
    metric_promauto::RULE,
    metric_location::RULE,
    metric_naming::RULE,
    metric_labels::RULE,
    metric_duplicate::RULE,
    metric_breaking::RULE,
    troubleshooting_doc::RULE,
    unused_suppression::RULE,
    invalid_suppression::RULE,
    parse_error::RULE,
];

/// Everything the rest of the program knows about a rule.
#[derive(Clone, Copy)]
pub struct RuleInfo {
    pub id: &'static str,
    pub default_severity: Severity,
    pub summary: &'static str,
    /// The rule's Markdown manual, embedded from `rules/<id>.md`.
    pub doc: &'static str,
    pub kind: Kind,
    /// The word sets a file must contain for this rule to report on it (see [`Trigger`]);
    /// none: the rule reads files that other rules have parsed, and never causes a parse.
    pub triggers: fn(&RuleData, &Settings) -> Vec<Trigger>,
    /// Words that make an unchanged file of a changed package worth reading in diff mode
    /// (it may hold what a changed file's check needs, e.g. a receiver type's doc).
    pub context_words: fn(&RuleData, &Settings) -> Vec<String>,
    /// What the pipeline prepares for this rule in diff mode.
    pub needs: Needs,
    /// Reported as a warning in `--staged` mode (pre-commit), where the rule cannot yet see
    /// the whole change.
    pub warning_when_staged: bool,
}

impl std::fmt::Debug for RuleInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleInfo").field("id", &self.id).finish()
    }
}

/// All of these groups must occur in a file; each group is satisfied by any one of its words.
pub type Trigger = Vec<Vec<String>>;

/// A trigger of single words, all required.
pub fn all_of(words: &[&str]) -> Trigger {
    words.iter().map(|w| vec![w.to_string()]).collect()
}

/// A rule with no trigger words.
pub fn no_triggers(_: &RuleData, _: &Settings) -> Vec<Trigger> {
    Vec::new()
}

/// A metric needs the Prometheus import path and what declares one: a constructor call, a
/// custom collector's `NewDesc`, a call of the library that registers metrics of its own, or
/// the opts or const labels handed to a metric builder (a file that only holds metrics in
/// struct fields declares none). Calls of builders whose arguments are plain values are found
/// once the builders are known (the pipeline parses those files in a second step).
pub fn metric_triggers(data: &RuleData, _: &Settings) -> Vec<Trigger> {
    let mut declares = data.metrics.constructors.clone();
    declares.extend(["Opts{", "NewDesc", "Labels{"].map(String::from));
    declares.extend(
        data.metrics
            .library_functions
            .iter()
            .map(|f| format!(".{f}(")),
    );
    vec![vec![
        vec![crate::go::prometheus::IMPORT_NEEDLE.to_string()],
        declares,
    ]]
}

/// A rule that needs no unchanged neighbours.
pub fn no_context_words(_: &RuleData, _: &Settings) -> Vec<String> {
    Vec::new()
}

/// What a rule needs the pipeline to prepare in diff mode, beyond the changed files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// The previous versions of the changed files, parsed.
    pub old_versions: bool,
    /// The metric declarations of every file of the repository that could share a metric
    /// name with one the change adds or drops.
    pub repository_metrics: bool,
    /// The files of the repository's own packages that the changed files import, when they
    /// define a function or method the changed files call and their bytes hold one of the
    /// rule's context words.
    pub imported_packages: bool,
}

/// How a rule runs.
#[derive(Clone, Copy)]
pub enum Kind {
    /// On each checked file, with the project index at hand.
    File(fn(&FileContext, &mut FileOutput)),
    /// Once, over the project index.
    Project(fn(&ProjectContext) -> Vec<Finding>),
    /// Once per change (diff mode only).
    Change(fn(&ChangeContext) -> RuleOutput),
    /// On the suppressions that suppressed nothing, after every other rule ran.
    UnusedSuppressions(fn(&UnusedContext) -> Vec<Finding>),
}

impl RuleInfo {
    /// Whether the rule runs in this mode.
    pub fn runs(&self, diff_mode: bool) -> bool {
        diff_mode || !matches!(self.kind, Kind::Change(_))
    }
}

/// The registry entry for `id`, if it names a rule.
pub fn info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// The ids of every rule.
pub fn ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

/// Each rule's id and default severity, as the configuration needs them.
pub fn defaults() -> Vec<(&'static str, Severity)> {
    RULES.iter().map(|r| (r.id, r.default_severity)).collect()
}

/// What a per-file rule reads. Rules are pure: no I/O.
pub struct FileContext<'a> {
    /// Repository-relative path.
    pub path: &'a str,
    pub file: &'a ParsedFile,
    pub facts: &'a Facts,
    /// The file's registered Prometheus metric constructor calls.
    pub metric_calls: &'a [MetricCall<'a>],
    pub index: &'a ProjectIndex,
    pub settings: &'a Settings,
    pub data: &'a RuleData,
    pub lines: &'a LineIndex<'a>,
    /// With `--fix`: the one team CODEOWNERS assigns this file to.
    pub fix_team: Option<&'a str>,
}

impl FileContext<'_> {
    /// A finding of `rule` over `span`, at the rule's configured severity (`None` when off).
    pub fn finding(
        &self,
        rule: &'static str,
        span: Span,
        message: String,
        help: Option<String>,
    ) -> Option<Finding> {
        let severity = self.settings.severity(rule)?;
        Some(make_finding(
            self.lines, self.path, rule, severity, span, message, help,
        ))
    }
}

/// Builds a finding with positions computed from byte offsets.
pub fn make_finding(
    lines: &LineIndex,
    path: &str,
    rule: &'static str,
    severity: Severity,
    span: Span,
    message: String,
    help: Option<String>,
) -> Finding {
    let at = Position::of(lines, span);
    Finding {
        rule,
        severity,
        path: path.to_string(),
        line: at.line,
        column: at.column,
        end_line: at.end_line,
        end_column: at.end_column,
        start_byte: at.start_byte,
        end_byte: at.end_byte,
        message,
        help,
        fix: None,
        on_changed_line: false,
        related: Vec::new(),
        context_lines: None,
    }
}

/// What per-file rules produce.
#[derive(Debug, Default)]
pub struct FileOutput {
    pub findings: Vec<Finding>,
}

/// What a project rule reads.
pub struct ProjectContext<'a> {
    pub index: &'a ProjectIndex,
    pub settings: &'a Settings,
    pub data: &'a RuleData,
}

/// One version of a changed Go file: its facts and bytes.
#[derive(Clone, Copy)]
pub struct Version<'a> {
    pub facts: &'a Facts,
    pub src: &'a [u8],
}

/// A changed Go file as change rules see it.
pub struct ChangedGoFile<'a> {
    pub path: &'a str,
    pub status: FileStatus,
    pub added_lines: &'a [usize],
    pub removed_lines: &'a [usize],
    /// The previous version, when it existed and parsed (rules that need it say so).
    pub old: Option<Version<'a>>,
    pub new: Option<Version<'a>>,
}

/// Read-only access to the text files at the head of the change, for rules that look for
/// mentions of something in non-Go files (alert rules, dashboards).
pub trait HeadFiles {
    /// The files whose path `want_path` accepts and whose bytes `want_bytes` accepts, up to
    /// `max_bytes` each.
    fn find(
        &self,
        want_path: &dyn Fn(&str) -> bool,
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
    ) -> Result<Vec<(String, Vec<u8>)>, String>;

    /// Like [`HeadFiles::find`], among the Go files the check reads (folders the walk skips,
    /// such as `vendor/`, `testdata/` and ignored ones, are not searched): those directly in
    /// `folders` (repository-relative), or in every folder when `None`. No more files are read
    /// once `done` says the files seen answer the search.
    fn find_go(
        &self,
        folders: Option<&[&str]>,
        want_path: &dyn Fn(&str) -> bool,
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
        done: &(dyn Fn() -> bool + Sync),
    ) -> Result<Vec<(String, Vec<u8>)>, String>;
}

/// The history of the change, for rules whose waivers apply to some of its commits.
pub trait History {
    /// The new-side lines (1-based, by path) that the commits after commit `after` (an index
    /// into [`ChangeContext::commit_ids`]) added or modified.
    fn added_since(&self, after: usize) -> Result<HashMap<String, Vec<usize>>, String>;
}

/// The pull request being checked, as its event describes it (GitHub Actions).
#[derive(Debug, Clone, Default)]
pub struct PullRequest {
    pub labels: Vec<String>,
    pub body: String,
}

/// What a change rule reads.
pub struct ChangeContext<'a> {
    /// The changed Go files that are checked (generated files included; rules decide).
    pub files: &'a [ChangedGoFile<'a>],
    /// Every changed file, of every kind; contents loaded for Go and Markdown files.
    pub all_files: &'a [ChangedFile],
    /// Paths the change adds, modifies or renames to (not deletions), of every kind.
    pub updated_paths: &'a HashSet<String>,
    /// Full messages of the commits of the change, oldest first.
    pub commit_messages: &'a [String],
    /// Their ids, parallel to `commit_messages`.
    pub commit_ids: &'a [String],
    pub history: &'a dyn History,
    pub pull_request: Option<&'a PullRequest>,
    pub index: &'a ProjectIndex,
    pub head: &'a dyn HeadFiles,
    pub settings: &'a Settings,
    pub data: &'a RuleData,
}

/// Findings, and notes for the summary (a waiver used, a search that failed).
#[derive(Debug, Default)]
pub struct RuleOutput {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

/// A suppression that suppressed nothing, for the rule that reports those.
pub struct UnusedSuppression<'a> {
    pub path: &'a str,
    pub lines: &'a LineIndex<'a>,
    pub suppression: &'a Suppression,
    /// The rule id it names.
    pub rule: &'a str,
}

/// What the unused-suppression rule reads.
pub struct UnusedContext<'a> {
    pub unused: &'a [UnusedSuppression<'a>],
    pub settings: &'a Settings,
}
