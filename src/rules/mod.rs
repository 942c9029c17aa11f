//! The rule registry: one line per rule. Each rule's manual is `rules/<id>.md`.

use crate::finding::Severity;

/// What every output knows about a rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub id: &'static str,
    pub default_severity: Severity,
    pub summary: &'static str,
    /// The rule's Markdown manual, embedded from `rules/<id>.md`.
    pub doc: &'static str,
}

macro_rules! rule {
    ($id:literal, $severity:ident, $summary:literal) => {
        RuleInfo {
            id: $id,
            default_severity: Severity::$severity,
            summary: $summary,
            doc: include_str!(concat!("../../rules/", $id, ".md")),
        }
    };
}

pub const RULES: &[RuleInfo] = &[
    rule!(
        "handler-oncall",
        Error,
        "HTTP handlers name the team paged for them with `// @oncall-team <team>`"
    ),
    rule!(
        "metric-help",
        Error,
        "Prometheus metrics have a non-empty Help string"
    ),
    rule!(
        "metric-promauto",
        Error,
        "Prometheus metrics are constructed with promauto, not prometheus.NewX"
    ),
    rule!(
        "metric-location",
        Error,
        "Prometheus metrics are declared in metrics.go (or the configured files)"
    ),
    rule!(
        "metric-naming",
        Warning,
        "Prometheus metric names follow the naming conventions (promlint's checks)"
    ),
    rule!(
        "metric-labels",
        Warning,
        "Prometheus label names are snake_case, not reserved and not unbounded"
    ),
    rule!(
        "metric-duplicate",
        Error,
        "Two constructors declare the same metric name (registration panics)"
    ),
    rule!(
        "metric-breaking",
        Warning,
        "A change removes or renames a metric or changes its type or labels (diff mode)"
    ),
    rule!(
        "troubleshooting-doc",
        Error,
        "A change to network or storage code updates the troubleshooting doc"
    ),
    rule!(
        "unused-suppression",
        Warning,
        "A `//sre-policy:ignore` comment that suppresses nothing"
    ),
    rule!(
        "invalid-suppression",
        Warning,
        "A `//sre-policy:ignore` comment without a reason or with an unknown rule id"
    ),
    rule!(
        "parse-error",
        Warning,
        "A Go file has syntax errors; parts of it may not be checked"
    ),
];

/// The registry entry for `id`, if it names a rule.
pub fn info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

pub mod handler_oncall;
pub mod metric_breaking;
pub mod metric_duplicate;
pub mod metric_help;
pub mod metric_labels;
pub mod metric_location;
pub mod metric_naming;
pub mod metric_promauto;
pub mod troubleshooting_doc;

use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::Finding;
use crate::go::metric_decl::Position;
use crate::go::prometheus::MetricCall;
use crate::go::{Facts, Span};
use crate::source::LineIndex;

/// What a per-file rule reads. Rules are pure: no I/O.
pub struct FileContext<'a> {
    /// Repository-relative path.
    pub path: &'a str,
    pub facts: &'a Facts,
    pub metric_calls: &'a [MetricCall<'a>],
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
    severity: crate::finding::Severity,
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
    }
}

/// What per-file rules produce.
#[derive(Debug, Default)]
pub struct FileOutput {
    pub findings: Vec<Finding>,
    /// Handlers whose annotation may be on a receiver type declared in another file.
    pub receiver_lookups: Vec<handler_oncall::ReceiverLookup>,
}

/// A per-file rule.
pub type FileCheck = fn(&FileContext, &mut FileOutput);

/// The per-file rules, one line each.
pub const FILE_RULES: &[(&str, FileCheck)] = &[
    (handler_oncall::ID, handler_oncall::check),
    (metric_help::ID, metric_help::check),
    (metric_promauto::ID, metric_promauto::check),
    (metric_location::ID, metric_location::check),
    (metric_naming::ID, metric_naming::check),
    (metric_labels::ID, metric_labels::check),
];
