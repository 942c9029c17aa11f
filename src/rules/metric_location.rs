//! metric-location: metrics are declared in the files `metrics.files` names (metrics.go).

use super::{FileContext, FileOutput};

pub const ID: &str = "metric-location";

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
    for metric in ctx.metric_calls {
        let message = format!(
            "{} is declared in `{name}`, outside the metrics files ({allowed})",
            metric.describe()
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
