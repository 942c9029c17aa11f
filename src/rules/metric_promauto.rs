//! metric-promauto: metrics are constructed with promauto, which registers them.

use super::{FileContext, FileOutput};
use crate::go::prometheus::Via;

pub const ID: &str = "metric-promauto";

pub fn check(ctx: &FileContext, out: &mut FileOutput) {
    for metric in ctx.metric_calls {
        if metric.via != Via::Prometheus {
            continue;
        }
        let message = format!(
            "{} is not registered with promauto: `prometheus.{}` needs a separate Register call",
            metric.describe(),
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
