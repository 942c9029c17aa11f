//! Recognising Prometheus metric constructor calls in a file's facts.

use super::facts::{Call, Composite, Expr, Facts, Span};
use crate::data::MetricTable;

/// The bytes every file that declares a Prometheus metric contains (its import path).
pub const IMPORT_NEEDLE: &str = "client_golang/prometheus";

/// Whether `src` holds [`IMPORT_NEEDLE`]: the cheap test that it may use the client.
pub fn mentions_client(src: &[u8]) -> bool {
    memchr::memmem::find(src, IMPORT_NEEDLE.as_bytes()).is_some()
}

/// How a metric is constructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `prometheus.NewX`: not registered until someone calls MustRegister.
    Prometheus,
    /// `promauto.NewX`.
    Promauto,
    /// `promauto.With(reg).NewX` or a factory variable bound to `promauto.With(reg)`.
    PromautoWith,
    /// go-kit's adapter, `kitprometheus.NewCounterFrom(opts, labelNames)`: a client_golang
    /// `*Vec` registered with the default registry at construction.
    GoKit,
}

/// What the opts argument of a constructor is, as far as this file tells.
#[derive(Debug, Clone, Copy)]
pub enum Opts<'f> {
    Literal(&'f Composite),
    Unknown,
}

/// A call of a Prometheus metric constructor.
#[derive(Debug, Clone)]
pub struct MetricCall<'f> {
    pub call: &'f Call,
    /// `NewCounterVec`.
    pub constructor: &'f str,
    pub via: Via,
    pub opts: Opts<'f>,
    /// Built through `promauto.With(nil)`, in place or through a factory variable.
    nowhere: bool,
}

impl MetricCall<'_> {
    /// The constructor as a reader would name it: `prometheus.NewCounter`.
    pub fn written(&self) -> String {
        written(self.call, self.via, self.constructor)
    }

    /// `prometheus.NewCounter(prometheus.CounterOpts{})`: opts without a name on a constructor
    /// that does not register, the mark of a deliberate no-op metric.
    pub fn is_noop(&self) -> bool {
        if self.via != Via::Prometheus {
            return false;
        }
        match self.opts {
            Opts::Literal(opts) => {
                opts.elements.is_empty()
                    && ["Name", "Namespace", "Subsystem"]
                        .iter()
                        .all(|k| opts.field(k).is_none())
            }
            Opts::Unknown => false,
        }
    }
}

/// A constructor as a reader would name it: `prometheus.NewCounter`, `promauto.With(…).NewGauge`,
/// and go-kit's under the file's own name for the package (`kitprometheus.NewCounterFrom`).
pub fn written(call: &Call, via: Via, constructor: &str) -> String {
    let package = match via {
        Via::Prometheus => "prometheus",
        Via::Promauto => "promauto",
        Via::PromautoWith => "promauto.With(…)",
        Via::GoKit => match &call.callee {
            Expr::Selector(operand, _) => operand.as_ident().unwrap_or("prometheus"),
            _ => return constructor.to_string(),
        },
    };
    format!("{package}.{constructor}")
}

/// Whether the constructor's second argument is the variable label names: the `*Vec`
/// constructors, and go-kit's, which always build a `*Vec`.
pub fn takes_label_names(constructor: &str) -> bool {
    constructor.ends_with("Vec") || constructor.ends_with("From")
}

/// Whether the file imports a package whose constructors declare metrics.
pub fn imports_metric_package(facts: &Facts, table: &MetricTable) -> bool {
    facts.imports.iter().any(|i| {
        i.path == table.prometheus_import
            || i.path == table.promauto_import
            || i.path == table.gokit_import
    })
}

/// Every metric constructor call in `facts`.
pub fn metric_calls<'f>(facts: &'f Facts, table: &MetricTable) -> Vec<MetricCall<'f>> {
    if !imports_metric_package(facts, table) {
        return Vec::new();
    }
    let prometheus_dot = facts.dot_imports(&table.prometheus_import);
    let promauto_dot = facts.dot_imports(&table.promauto_import);
    let gokit_dot = facts.dot_imports(&table.gokit_import);
    let is_package = |name: &str, path: &str| facts.local_names(path).any(|local| local == name);
    let is_promauto_with = |expr: &Expr| match expr {
        Expr::Call { callee, .. } => match callee.as_ref() {
            Expr::Selector(operand, field) if field == "With" => operand
                .as_ident()
                .is_some_and(|p| is_package(p, &table.promauto_import)),
            Expr::Ident(name) => name == "With" && promauto_dot,
            _ => false,
        },
        _ => false,
    };
    // The registerer of `promauto.With(reg)`, written in place or bound to a factory variable.
    let with_registerer = |call: &'f Call| -> Option<&'f Expr> {
        let Expr::Selector(operand, _) = &call.callee else {
            return None;
        };
        let with = match operand.as_ref() {
            Expr::Ident(factory) => &facts.unique_binding(factory, call.func)?.value,
            other => other,
        };
        match with {
            Expr::Call { args, .. } if is_promauto_with(with) => args.first(),
            _ => None,
        }
    };
    let mut found = Vec::new();
    for call in &facts.calls {
        let (via, constructor) = match &call.callee {
            Expr::Selector(operand, name) if is_gokit_constructor(table, name) => {
                match operand.as_ident() {
                    Some(p) if is_package(p, &table.gokit_import) => (Via::GoKit, name.as_str()),
                    _ => continue,
                }
            }
            Expr::Ident(name) if gokit_dot && is_gokit_constructor(table, name) => {
                (Via::GoKit, name.as_str())
            }
            Expr::Selector(operand, name) if is_constructor(table, name) => {
                let via = match operand.as_ref() {
                    Expr::Ident(p) if is_package(p, &table.prometheus_import) => Via::Prometheus,
                    Expr::Ident(p) if is_package(p, &table.promauto_import) => Via::Promauto,
                    Expr::Ident(factory) => match facts.unique_binding(factory, call.func) {
                        Some(binding) if is_promauto_with(&binding.value) => Via::PromautoWith,
                        _ => continue,
                    },
                    other if is_promauto_with(other) => Via::PromautoWith,
                    _ => continue,
                };
                (via, name.as_str())
            }
            Expr::Ident(name) if is_constructor(table, name) => {
                if promauto_dot {
                    (Via::Promauto, name.as_str())
                } else if prometheus_dot {
                    (Via::Prometheus, name.as_str())
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        let nowhere = via == Via::PromautoWith
            && matches!(with_registerer(call), Some(Expr::Ident(reg)) if reg == "nil");
        found.push(MetricCall {
            call,
            constructor,
            via,
            opts: resolve_opts(facts, call),
            nowhere,
        });
    }
    found
}

fn is_constructor(table: &MetricTable, name: &str) -> bool {
    table.constructors.iter().any(|c| c == name)
}

fn is_gokit_constructor(table: &MetricTable, name: &str) -> bool {
    table.gokit_constructors.iter().any(|c| c == name)
}

/// The opts literal of a constructor call: written in place, taken by address, or an
/// identifier bound once in this file to a literal whose fields are not assigned later.
fn resolve_opts<'f>(facts: &'f Facts, call: &'f Call) -> Opts<'f> {
    fn literal(expr: &Expr) -> Option<&Composite> {
        match expr {
            Expr::Composite(c) => Some(c),
            Expr::AddrOf(inner) => match inner.as_ref() {
                Expr::Composite(c) => Some(c),
                _ => None,
            },
            _ => None,
        }
    }
    let Some(first) = call.args.first() else {
        return Opts::Unknown;
    };
    if let Some(c) = literal(first) {
        return Opts::Literal(c);
    }
    if let Expr::Ident(name) = first {
        if facts.field_assigned.iter().any(|n| n == name) {
            return Opts::Unknown;
        }
        if let Some(c) = facts
            .unique_binding(name, call.func)
            .and_then(|b| literal(&b.value))
        {
            return Opts::Literal(c);
        }
    }
    Opts::Unknown
}

/// A metric's type, from its constructor's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

impl MetricType {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
            MetricType::Untyped => "untyped",
        }
    }
}

/// A string written as a literal, or as an identifier bound exactly once in this file (a
/// `const`, or a `var` never reassigned) to a literal, followed through a few identifiers.
pub fn resolve_string(facts: &Facts, expr: &Expr, func: Option<usize>) -> Option<String> {
    let mut expr = expr;
    for _ in 0..8 {
        match expr {
            Expr::Str(value) => return Some(value.clone()),
            Expr::Ident(name) => {
                // A variable assigned anywhere else in the file (an `init` that renames it) is
                // not guessed at: the name must be bound exactly once in the file.
                if facts.bindings.iter().filter(|b| b.name == *name).count() != 1 {
                    return None;
                }
                expr = &facts.unique_binding(name, func)?.value;
            }
            _ => return None,
        }
    }
    None
}

/// A label name and where it is written, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelName {
    pub name: String,
    pub span: Option<Span>,
}

impl MetricCall<'_> {
    /// The metric's type, from the constructor.
    pub fn metric_type(&self) -> MetricType {
        let c = self.constructor;
        if c.starts_with("NewCounter") {
            MetricType::Counter
        } else if c.starts_with("NewGauge") {
            MetricType::Gauge
        } else if c.starts_with("NewHistogram") {
            MetricType::Histogram
        } else if c.starts_with("NewSummary") {
            MetricType::Summary
        } else {
            MetricType::Untyped
        }
    }

    /// True for `promauto.With(nil).NewX(...)`, or `f.NewX(...)` with `f := promauto.With(nil)`:
    /// a metric registered nowhere (a stub passed where a counter is required), never exposed.
    pub fn registered_nowhere(&self) -> bool {
        self.nowhere
    }

    /// The label names this file tells: the `[]string{...}` of a `*Vec` constructor (written
    /// in place or bound once to an identifier) and the keys of `ConstLabels`. Names that are
    /// not literal are left out.
    pub fn label_names(&self, facts: &Facts) -> Vec<LabelName> {
        let func = self.call.func;
        let literal = |expr| bound_literal(facts, expr, func);
        let mut labels = Vec::new();
        if takes_label_names(self.constructor) {
            if let Some(list) = self.call.args.get(1).and_then(literal) {
                for (i, element) in list.elements.iter().enumerate() {
                    if let Some(name) = resolve_string(facts, element, func) {
                        let span = list.element_spans.get(i).copied();
                        labels.push(LabelName { name, span });
                    }
                }
            }
        }
        if let Opts::Literal(opts) = self.opts {
            if let Some(constant) = opts.field("ConstLabels").and_then(literal) {
                for (i, (key, _)) in constant.fields.iter().enumerate() {
                    if let Some(name) = string_key(facts, key, func) {
                        let span = constant.field_spans.get(i).copied();
                        labels.push(LabelName { name, span });
                    }
                }
            }
        }
        labels
    }
}

/// A composite literal written in place, or bound once in this file to an identifier whose
/// fields are not assigned later.
fn bound_literal<'f>(
    facts: &'f Facts,
    expr: &'f Expr,
    func: Option<usize>,
) -> Option<&'f Composite> {
    match expr {
        Expr::Composite(c) => Some(c),
        Expr::Ident(name) if !facts.field_assigned.iter().any(|n| n == name) => {
            match &facts.unique_binding(name, func)?.value {
                Expr::Composite(c) => Some(c),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The value of a map key written as a string literal or a constant identifier.
fn string_key(facts: &Facts, key: &str, func: Option<usize>) -> Option<String> {
    if key.starts_with('"') {
        return Some(super::extract::string_value(
            key,
            "interpreted_string_literal",
        ));
    }
    if key.starts_with('`') {
        return Some(super::extract::string_value(key, "raw_string_literal"));
    }
    if !key.is_empty() && key.chars().all(|c| c == '_' || c.is_alphanumeric()) {
        return resolve_string(facts, &Expr::Ident(key.to_string()), func);
    }
    None
}
