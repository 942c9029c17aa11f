//! metric-labels: a metric's label names follow Prometheus' conventions and do not explode
//! cardinality.
//!
//! Label names come from the `[]string{...}` argument of `*Vec` constructors (written in place
//! or bound once to an identifier in the same file) and from the keys of `ConstLabels`. Names
//! that are not literal are not guessed at.

use super::metric_naming::{is_camel_case, join_problems, snake_case};
use super::{FileContext, FileOutput, Kind, Needs, RuleInfo};
use crate::finding::Severity;
use crate::go::metric_decl::decl_at;
use crate::go::prometheus::MetricType;

pub const ID: &str = "metric-labels";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Warning,
    summary: "Prometheus label names are snake_case, not reserved and not unbounded",
    doc: include_str!("../../rules/metric-labels.md"),
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
    for metric in ctx.metric_calls.iter().filter(|m| !m.is_noop()) {
        let labels = metric.label_names(ctx.facts);
        if labels.is_empty() {
            continue;
        }
        let kind = metric.metric_type();
        let what = match decl_at(&ctx.file.metrics, metric.call.span) {
            Some(decl) if decl.full_name().is_some() => decl.describe(),
            Some(decl) => format!("the {}", decl.describe()),
            None => format!("the metric built with `{}`", metric.written()),
        };
        for (i, label) in labels.iter().enumerate() {
            let mut problems = Vec::new();
            let mut rename = None;
            let mut helps = Vec::new();
            let name = label.name.as_str();
            if !is_valid_label_name(name) {
                problems.push(
                    "is not a valid label name (letters, digits and `_` only, not starting with \
                     a digit)"
                        .to_string(),
                );
                rename = Some(sanitize(name));
            } else if name.starts_with("__") {
                problems.push(
                    "starts with `__`, which is reserved for Prometheus' internal labels"
                        .to_string(),
                );
                rename = Some(name.trim_start_matches('_').to_string());
            }
            if is_camel_case(name) {
                problems.push("is camelCase, not snake_case".to_string());
                rename = Some(snake_case(rename.as_deref().unwrap_or(name)));
            }
            if name == "le" && kind == MetricType::Histogram {
                problems.push(
                    "is the bucket label a histogram adds itself: the constructor panics"
                        .to_string(),
                );
                helps.push("choose another name; `le` holds each bucket's upper bound");
            } else if name == "le" && kind != MetricType::Untyped {
                problems.push(format!(
                    "is reserved for histogram buckets, and this metric is a {}",
                    kind.as_str()
                ));
                helps.push("choose another name; queries treat `le` as a bucket bound");
            }
            if name == "quantile" && kind == MetricType::Summary {
                problems.push(
                    "is the quantile label a summary adds itself: the constructor panics"
                        .to_string(),
                );
                helps.push("choose another name; `quantile` holds each objective's quantile");
            } else if name == "quantile" && kind != MetricType::Untyped {
                problems.push(format!(
                    "is reserved for summary quantiles, and this metric is a {}",
                    kind.as_str()
                ));
                helps.push("choose another name; queries treat `quantile` as a summary quantile");
            }
            if labels[..i].iter().any(|l| l.name == label.name) {
                problems.push("is declared twice: the metric fails to register".to_string());
                helps.push("remove the duplicate label name");
            }
            let normalized = snake_case(name);
            if let Some(reason) = high_cardinality(ctx, &normalized) {
                problems.push(format!("has unbounded values ({reason})"));
                helps.push(
                    "every distinct label value is a new time series held in Prometheus' memory; \
                     drop the label or map its values to a small fixed set, and keep per-request \
                     identifiers in logs, traces or exemplars",
                );
            }
            if problems.is_empty() {
                continue;
            }
            let mut message = format!("label `{name}` of {what} {}", join_problems(&problems));
            if let Some(rename) = rename.filter(|r| !r.is_empty() && r != name) {
                message.push_str(&format!(": rename it to `{rename}`"));
                helps.insert(0, "label names are snake_case: `[a-z_][a-z0-9_]*`");
            }
            let help = (!helps.is_empty()).then(|| helps.join("; "));
            let span = label.span.unwrap_or(metric.call.span);
            out.findings.extend(ctx.finding(ID, span, message, help));
        }
    }
}

/// Why `label` (snake_case) explodes cardinality, when it is on the configured or built-in list.
fn high_cardinality(ctx: &FileContext, label: &str) -> Option<String> {
    let builtin = &ctx.data.units.high_cardinality_labels;
    match &ctx.settings.high_cardinality_labels {
        Some(list) => list.iter().any(|l| l.eq_ignore_ascii_case(label)).then(|| {
            builtin
                .get(label)
                .cloned()
                .unwrap_or_else(|| "configured as high-cardinality".to_string())
        }),
        None => builtin.get(label).cloned(),
    }
}

/// True for `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names() {
        assert!(is_valid_label_name("status_code"));
        assert!(is_valid_label_name("_hidden"));
        assert!(!is_valid_label_name("status-code"));
        assert!(!is_valid_label_name("1st"));
        assert!(!is_valid_label_name("a:b"));
        assert!(!is_valid_label_name(""));
        assert_eq!(sanitize("status-code"), "status_code");
    }
}
