//! metric-promauto: metrics are constructed with promauto, which registers them.

use super::{FileContext, FileOutput, Kind, Needs, RuleInfo};
use crate::finding::Severity;
use crate::go::metric_decl::describe_call;
use crate::go::prometheus::Via;

pub const ID: &str = "metric-promauto";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Error,
    summary: "Prometheus metrics are constructed with promauto, not prometheus.NewX",
    doc: include_str!("../../rules/metric-promauto.md"),
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
        if metric.via != Via::Prometheus || metric.is_noop() {
            continue;
        }
        let message = format!(
            "{} is not registered with promauto: `prometheus.{}` needs a separate Register call",
            describe_call(&ctx.file.metrics, metric),
            metric.constructor
        );
        let help = format!(
            "use `promauto.{0}(...)`, or `promauto.With(reg).{0}(...)` for a custom registry",
            metric.constructor
        );
        out.findings
            .extend(ctx.finding(ID, metric.call.span, message, Some(help)));
    }
}
