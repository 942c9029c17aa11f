//! metric-help: a Prometheus metric's opts literal has a non-empty Help.
//!
//! Reads the declarations of the project index: an opts literal written in place, bound to an
//! identifier, or passed to a metric builder at its call; opts that come from elsewhere are
//! not guessed at.

use super::{FileContext, FileOutput, Kind, Needs, RuleInfo};
use crate::finding::Severity;

pub const ID: &str = "metric-help";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Error,
    summary: "Prometheus metrics have a non-empty Help string",
    doc: include_str!("../../rules/metric-help.md"),
    kind: Kind::File(check),
    triggers: super::metric_triggers,
    context_words: super::no_context_words,
    needs: Needs {
        old_versions: false,
        repository_metrics: false,
        imported_packages: false,
    },
    warning_when_staged: false,
};

pub fn check(ctx: &FileContext, out: &mut FileOutput) {
    for decl in ctx
        .file
        .metrics
        .iter()
        .filter(|d| d.help_missing && d.exposed())
    {
        let problem = match decl.help {
            None => "has no Help",
            Some(_) => "has an empty Help",
        };
        let message = format!("{} {problem}", decl.describe());
        let help = "write what the metric measures in `Help: \"...\"`; it is shown beside the \
                    metric in every dashboard and alert"
            .to_string();
        out.findings
            .extend(ctx.finding(ID, decl.call.span(), message, Some(help)));
    }
}
