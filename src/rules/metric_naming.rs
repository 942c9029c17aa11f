//! metric-naming: a metric's full name follows Prometheus' conventions, as promlint checks
//! them (`github.com/prometheus/client_golang/prometheus/testutil/promlint`).
//!
//! The full name comes from the project index (`Namespace_Subsystem_Name` through the constants
//! of every package, `BuildFQName`, builder calls, `NewDesc`); a name computed at run time is
//! not guessed at. One finding per
//! metric lists every problem and the name to rename it to.

use super::{FileContext, FileOutput, Kind, Needs, RuleInfo};
use crate::data::UnitTable;
use crate::finding::Severity;
use crate::go::metric_decl::Origin;
use crate::go::prometheus::MetricType;

pub const ID: &str = "metric-naming";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Warning,
    summary: "Prometheus metric names follow the naming conventions (promlint's checks)",
    doc: include_str!("../../rules/metric-naming.md"),
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

/// What is wrong with a name, and the name that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub problems: Vec<String>,
    pub suggestion: String,
    /// A unit changes: values must be converted, not only renamed.
    pub unit_change: bool,
}

pub fn check(ctx: &FileContext, out: &mut FileOutput) {
    let units = &ctx.data.units;
    // A repository's own description literals are recognised by their shape only: they feed
    // metric-breaking and the inventory, not naming advice. A prefixed registration is advised
    // on where its name is written, and the client library names its own metrics.
    let decls: Vec<_> = ctx
        .file
        .metrics
        .iter()
        .filter(|d| {
            d.exposed()
                && !matches!(
                    d.origin,
                    Origin::Described | Origin::Prefixed | Origin::Library
                )
        })
        .collect();
    for decl in &decls {
        let Some(name) = &decl.name else {
            continue;
        };
        let kind = decl.kind;
        let span = decl.name_at.span();
        if name.is_empty() {
            let message = format!(
                "{} built with `{}` has an empty name: it fails to register",
                kind.as_str(),
                decl.constructor
            );
            let help = "set `Name` to a snake_case name; Namespace and Subsystem are only \
                        prefixes and are dropped when Name is empty"
                .to_string();
            out.findings
                .extend(ctx.finding(ID, span, message, Some(help)));
            continue;
        }
        let (verdict, subject) = if decl.complete {
            (analyze(name, kind, units), format!("`{name}`"))
        } else {
            // Only Name is known: check it as the tail of a name with a prefix.
            let verdict = analyze(&format!("{UNKNOWN_PREFIX}_{name}"), kind, units);
            let verdict = verdict.map(|mut v| {
                v.suggestion = v
                    .suggestion
                    .strip_prefix(UNKNOWN_PREFIX)
                    .map(|s| s.trim_start_matches('_').to_string())
                    .unwrap_or(v.suggestion);
                v
            });
            (verdict, format!("with Name `{name}`"))
        };
        let Some(verdict) = verdict else {
            continue;
        };
        let mut message = format!(
            "{} {subject} {}: rename it to `{}`",
            kind.as_str(),
            join_problems(&verdict.problems),
            verdict.suggestion
        );
        let taken = decls.iter().any(|other| {
            other.complete == decl.complete && other.name.as_deref() == Some(&verdict.suggestion)
        });
        if taken {
            message.push_str(" once the metric of that name in this file is retired");
        }
        let mut help = "Prometheus naming conventions: snake_case, base units spelled out, \
                        `_total` only and always on counters \
                        (https://prometheus.io/docs/practices/naming/)"
            .to_string();
        if verdict.unit_change {
            help.push_str(
                "; record values in the base unit too (e.g. observe seconds, not milliseconds)",
            );
        }
        help.push_str("; update dashboards and alerts that use the old name in the same change");
        out.findings
            .extend(ctx.finding(ID, span, message, Some(help)));
    }
}

/// Stands for a Namespace or Subsystem this file does not tell.
const UNKNOWN_PREFIX: &str = "namespace";

/// `a`, `a and b`, `a, b and c`.
pub fn join_problems(problems: &[String]) -> String {
    match problems {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// True for `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// True when a lowercase letter is directly followed by an uppercase one (promlint's test).
pub fn is_camel_case(name: &str) -> bool {
    name.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

/// `requestLatencyMs` → `request_latency_ms`, `HTTPRequests` → `http_requests`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower);
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The base unit for a name segment that is a known unit, possibly with an SI prefix, when it
/// is not already the base unit: `milliseconds` → `seconds`, `minutes` → `seconds`.
fn non_base_unit<'u>(segment: &str, units: &'u UnitTable) -> Option<&'u str> {
    let prefixes = std::iter::once("").chain(units.prefixes.iter().map(String::as_str));
    for prefix in prefixes {
        let Some(unit) = segment.strip_prefix(prefix) else {
            continue;
        };
        if let Some(base) = units.base_units.iter().find(|b| *b == unit) {
            if prefix.is_empty() {
                return None;
            }
            return Some(base);
        }
        if let Some(base) = units.non_base_units.get(unit) {
            return Some(base);
        }
    }
    None
}

const TYPE_WORDS: &[&str] = &["counter", "gauge", "histogram", "summary"];

/// Checks a full metric name of type `kind`; `None` when it follows the conventions.
pub fn analyze(name: &str, kind: MetricType, units: &UnitTable) -> Option<Verdict> {
    let mut problems = Vec::new();
    let mut unit_change = false;
    let mut working = name.to_string();
    if !is_valid_metric_name(name) {
        problems.push(
            "is not a valid metric name (letters, digits and `_` only, not starting with a digit)"
                .to_string(),
        );
        working = working
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if working.starts_with(|c: char| c.is_ascii_digit()) {
            working.insert(0, '_');
        }
    }
    if working.contains(':') {
        problems.push("contains `:`, which is reserved for recording rules".to_string());
        working = working.replace(':', "_");
    }
    if is_camel_case(&working) {
        problems.push("is camelCase, not snake_case".to_string());
        working = snake_case(&working);
    }

    let mut segments: Vec<String> = working
        .split('_')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    // Suffix checks look at the name as written (promlint's order).
    let last = segments.last().map(|s| s.to_ascii_lowercase());
    let last = last.as_deref().unwrap_or("");

    let is_unit = |segment: &str| {
        segment == "total"
            || units.base_units.iter().any(|b| b == segment)
            || non_base_unit(segment, units).is_some()
            || units.abbreviations.contains_key(segment)
    };
    let lowered: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let mut kept = Vec::with_capacity(segments.len() + 1);
    for (i, segment) in segments.drain(..).enumerate() {
        let lower = &lowered[i];
        // The metric's own type anywhere, or any type as the last word before the unit and
        // `_total` (`errors_counter_total`). A type that names what is counted is not the
        // metric's type: `native_histogram_series` counts native histograms.
        let names_a_type = i > 0
            && TYPE_WORDS.contains(&lower.as_str())
            && !(lower == "histogram" && lowered[i - 1] == "native")
            && (lower == kind.as_str() || lowered[i + 1..].iter().all(|s| is_unit(s)));
        if names_a_type {
            problems.push(format!("includes the metric type `{lower}`"));
            continue;
        }
        if let Some(base) = non_base_unit(lower, units) {
            problems.push(format!("uses `{lower}` instead of the base unit `{base}`"));
            unit_change = true;
            kept.push(base.to_string());
            continue;
        }
        if i > 0 {
            if let Some(base) = units.abbreviations.get(lower) {
                problems.push(format!(
                    "uses the abbreviated unit `{lower}` instead of `{base}`"
                ));
                unit_change = true;
                kept.push(base.clone());
                continue;
            }
        }
        kept.push(segment);
    }
    let mut segments = kept;

    let pop_last = |segments: &mut Vec<String>, word: &str| {
        if segments.len() > 1
            && segments
                .last()
                .is_some_and(|s| s.eq_ignore_ascii_case(word))
        {
            segments.pop();
        }
    };
    match kind {
        MetricType::Counter => {
            if matches!(last, "count" | "sum" | "bucket") {
                problems.push(reserved_suffix(last));
                pop_last(&mut segments, last);
            }
            if last != "total" {
                problems.push("does not end in `_total`".to_string());
                // A `total` elsewhere in the name moves to the end.
                if segments.len() > 1 {
                    if let Some(i) = segments
                        .iter()
                        .skip(1)
                        .position(|s| s.eq_ignore_ascii_case("total"))
                    {
                        segments.remove(i + 1);
                    }
                }
                segments.push("total".to_string());
            }
        }
        MetricType::Gauge | MetricType::Histogram | MetricType::Summary => {
            if last == "total" {
                problems.push("ends in `_total`, which is reserved for counters".to_string());
                pop_last(&mut segments, "total");
            }
            let reserved = match kind {
                MetricType::Gauge => matches!(last, "count" | "sum" | "bucket"),
                MetricType::Summary => last == "bucket",
                _ => false,
            };
            if reserved {
                problems.push(reserved_suffix(last));
                pop_last(&mut segments, last);
            }
        }
        MetricType::Untyped => {}
    }

    if problems.is_empty() {
        return None;
    }
    let mut suggestion = segments.join("_");
    if suggestion.starts_with(|c: char| c.is_ascii_digit()) {
        suggestion.insert(0, '_');
    }
    Some(Verdict {
        problems,
        suggestion,
        unit_change,
    })
}

fn reserved_suffix(suffix: &str) -> String {
    match suffix {
        "bucket" => "ends in `_bucket`, which is reserved for histograms".to_string(),
        other => format!("ends in `_{other}`, which is reserved for histograms and summaries"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::RuleData;

    fn verdict(name: &str, kind: MetricType) -> Option<Verdict> {
        analyze(name, kind, &RuleData::builtin().units)
    }

    fn rename(name: &str, kind: MetricType) -> String {
        verdict(name, kind)
            .map(|v| v.suggestion)
            .unwrap_or_else(|| "<ok>".to_string())
    }

    #[test]
    fn good_names_pass() {
        use MetricType::*;
        for (name, kind) in [
            ("http_requests_total", Counter),
            ("process_cpu_seconds_total", Counter),
            ("http_request_duration_seconds", Histogram),
            ("go_memstats_heap_bytes", Gauge),
            ("rpc_latency_seconds", Summary),
            ("thermometers_reading_celsius", Gauge),
            ("shop_queue_depth", Gauge),
            ("legacy_thing_count", Untyped),
            ("http_request_size_bytes_count", Histogram),
            ("HTTP_requests_total", Counter),
        ] {
            assert_eq!(verdict(name, kind), None, "{name}");
        }
    }

    #[test]
    fn renames() {
        use MetricType::*;
        assert_eq!(rename("shop_orders", Counter), "shop_orders_total");
        assert_eq!(rename("queue_items_total", Gauge), "queue_items");
        assert_eq!(
            rename("request_latency_milliseconds", Histogram),
            "request_latency_seconds"
        );
        assert_eq!(
            rename("request_latency_ms", Histogram),
            "request_latency_seconds"
        );
        assert_eq!(rename("upload_kb_total", Counter), "upload_bytes_total");
        assert_eq!(rename("cache_size_kilobytes", Gauge), "cache_size_bytes");
        assert_eq!(rename("uptime_minutes", Gauge), "uptime_seconds");
        assert_eq!(rename("requests_count", Counter), "requests_total");
        assert_eq!(rename("connections_count", Gauge), "connections");
        assert_eq!(rename("errors_counter", Counter), "errors_total");
        assert_eq!(rename("temperature_gauge", Gauge), "temperature");
        assert_eq!(rename("job:requests:rate5m", Gauge), "job_requests_rate5m");
        assert_eq!(
            rename("requestLatencyMs", Histogram),
            "request_latency_seconds"
        );
        assert_eq!(
            rename("http-requests-total", Counter),
            "http_requests_total"
        );
        assert_eq!(rename("5xx_errors_total", Counter), "_5xx_errors_total");
        assert_eq!(rename("sent_total_bytes", Counter), "sent_bytes_total");
        assert_eq!(rename("objects_bucket", Summary), "objects");
        assert_eq!(rename("latency_seconds_sum", Gauge), "latency_seconds");
    }

    #[test]
    fn messages_name_each_problem() {
        let v = verdict("api_latency_ms", MetricType::Counter).unwrap();
        assert_eq!(
            join_problems(&v.problems),
            "uses the abbreviated unit `ms` instead of `seconds` and does not end in `_total`"
        );
        assert!(v.unit_change);
        assert!(is_camel_case("fooBar"));
        assert!(!is_camel_case("FOO_bar"));
        assert_eq!(snake_case("HTTPRequestsTotal"), "http_requests_total");
        assert_eq!(snake_case("userID"), "user_id");
    }

    #[test]
    fn a_type_that_names_what_is_counted_is_not_the_metric_type() {
        use MetricType::*;
        assert_eq!(verdict("tsdb_head_native_histogram_series", Gauge), None);
        assert_eq!(
            verdict(
                "scrapes_exceeded_native_histogram_bucket_limit_total",
                Counter
            ),
            None
        );
        assert_eq!(verdict("summary_objects_written_total", Counter), None);
        assert_eq!(verdict("ingest_histogram_samples_total", Counter), None);
        assert_eq!(
            rename("query_duration_histogram_seconds", Histogram),
            "query_duration_seconds"
        );
        assert_eq!(rename("errors_counter_total", Counter), "errors_total");
        assert_eq!(rename("queue_length_gauge", Gauge), "queue_length");
    }

    #[test]
    fn first_segment_is_not_an_abbreviation_or_type() {
        assert_eq!(verdict("s3_requests_total", MetricType::Counter), None);
        assert_eq!(verdict("counter_resets_total", MetricType::Counter), None);
        assert_eq!(verdict("ms_queue_depth", MetricType::Gauge), None);
    }
}
