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
    rule!("handler-oncall", Error, "HTTP handlers name the team paged for them with `// @oncall-team <team>`"),
    rule!("metric-help", Error, "Prometheus metrics have a non-empty Help string"),
    rule!("metric-promauto", Error, "Prometheus metrics are constructed with promauto, not prometheus.NewX"),
    rule!("metric-location", Error, "Prometheus metrics are declared in metrics.go (or the configured files)"),
    rule!("troubleshooting-doc", Error, "A change to network or storage code updates the troubleshooting doc"),
    rule!("unused-suppression", Warning, "A `//sre-policy:ignore` comment that suppresses nothing"),
    rule!("invalid-suppression", Warning, "A `//sre-policy:ignore` comment without a reason or with an unknown rule id"),
    rule!("parse-error", Warning, "A Go file has syntax errors; parts of it may not be checked"),
];

/// The registry entry for `id`, if it names a rule.
pub fn info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}
