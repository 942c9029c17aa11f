//! metric-location: metrics are declared in the files `metrics.files` names (metrics.go).

use super::{FileContext, FileOutput, Kind, Needs, RuleInfo};
use crate::finding::Severity;
use crate::go::metric_decl::describe_call;

pub const ID: &str = "metric-location";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Error,
    summary: "Prometheus metrics are declared in metrics.go (or the configured files)",
    doc: include_str!("../../rules/metric-location.md"),
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
    if ctx.metric_calls.is_empty() {
        return;
    }
    let name = ctx.path.rsplit('/').next().unwrap_or(ctx.path);
    // A pattern without `/` already matches the file name at any depth (config::path_glob).
    if ctx.settings.metric_files.is_match(ctx.path) {
        return;
    }
    let allowed = ctx.settings.metric_file_patterns.join(", ");
    for metric in ctx.metric_calls.iter().filter(|m| !m.is_noop()) {
        let message = format!(
            "{} is declared in `{name}`, outside the metrics files ({allowed})",
            describe_call(&ctx.file.metrics, metric)
        );
        let help = format!(
            "move the declaration to the package's {}, so every metric of the package is in one place",
            ctx.settings
                .metric_file_patterns
                .first()
                .map(String::as_str)
                .unwrap_or("metrics.go")
        );
        out.findings
            .extend(ctx.finding(ID, metric.call.span, message, Some(help)));
    }
}
