//! metric-help: a Prometheus metric's opts literal has a non-empty Help.
//!
//! Only a literal written in place, or bound once in the same file, is looked into; opts that
//! come from elsewhere are not guessed at.

use super::{FileContext, FileOutput, Kind, Needs, RuleInfo};
use crate::finding::Severity;
use crate::go::prometheus::Opts;
use crate::go::Expr;

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
    for metric in ctx.metric_calls {
        let Opts::Literal(opts) = metric.opts else {
            continue;
        };
        let problem = match opts.field("Help") {
            None if opts.elements.is_empty() => "has no Help",
            Some(Expr::Str(help)) if help.trim().is_empty() => "has an empty Help",
            _ => continue,
        };
        let message = format!("{} {problem}", metric.describe());
        let help = "write what the metric measures in `Help: \"...\"`; it is shown beside the \
                    metric in every dashboard and alert"
            .to_string();
        out.findings
            .extend(ctx.finding(ID, metric.call.span, message, Some(help)));
    }
}
