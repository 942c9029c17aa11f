//! What a file declares about its metrics, as plain data: the facts repo-level rules
//! (metric-duplicate, metric-breaking) and the inventory compare across files and versions.

use super::facts::Span;
use super::prometheus::{MetricCall, MetricType};
use crate::source::LineIndex;

/// Where something is written: 1-based lines, columns in characters, and byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub start_byte: usize,
    pub end_byte: usize,
}

impl Position {
    /// The span of the same text.
    pub fn span(&self) -> Span {
        Span {
            start: self.start_byte,
            end: self.end_byte,
            start_row: self.line.saturating_sub(1),
            end_row: self.end_line.saturating_sub(1),
        }
    }

    /// The start of 1-based `line`, for a finding about a line rather than a piece of code
    /// (its byte offsets are not known).
    pub fn line_start(line: usize) -> Position {
        Position {
            line,
            column: 1,
            end_line: line,
            end_column: 1,
            start_byte: 0,
            end_byte: 0,
        }
    }

    pub fn of(lines: &LineIndex, span: Span) -> Position {
        let (line, column) = lines.position(span.start);
        let (end_line, end_column) = lines.position(span.end);
        Position {
            line,
            column,
            end_line,
            end_column,
            start_byte: span.start,
            end_byte: span.end,
        }
    }
}

/// Which registry a metric is registered with, as far as the code tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Registry {
    /// `promauto.NewX`, `promauto.With(prometheus.DefaultRegisterer)`, or a `prometheus.NewX`
    /// value passed to `prometheus.MustRegister`: the default registry.
    Default,
    /// `promauto.With(reg)` with some other registerer.
    Other,
    /// `promauto.With(reg)` where every call of the function passes a registry that an HTTP
    /// handler creates for each request (`prometheus.NewRegistry()` beside the
    /// `*http.Request`): only that handler's responses serve it.
    PerRequest,
    /// `prometheus.NewX` or `prometheus.NewDesc` whose registration is not seen.
    #[default]
    Unseen,
    /// `promauto.With(nil)`: registered nowhere, never exposed.
    Nowhere,
}

/// How a metric is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A constructor call (`promauto.NewCounter(...)`).
    Constructor,
    /// A call of a repository function that builds the metric with its arguments.
    Builder,
    /// `prometheus.NewDesc(...)` of a custom collector.
    Desc,
    /// A function's metric registered through a registerer its caller wrapped with a prefix
    /// (`prometheus.WrapRegistererWithPrefix`): the name the registry sees at that call.
    Prefixed,
    /// A literal of the repository's own metric description type (`MetricDescription{Name:
    /// ..., Help: ...}`) that a collector turns into a `Desc` at run time.
    Described,
    /// A metric the client library itself registers when the repository calls one of its
    /// functions (client_golang's deprecated `InstrumentHandler`, `prometheus.Handler()`).
    Library,
}

/// One metric declaration, reduced to what can be compared with other files and versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDecl {
    /// The full name when `complete`, the `Name` part alone otherwise; `None` when the name
    /// is not known without running the program.
    pub name: Option<String>,
    pub complete: bool,
    pub kind: MetricType,
    /// How it is written: `promauto.NewCounterVec`, `newHistogram` (a builder), `prometheus.NewDesc`.
    pub constructor: String,
    pub origin: Origin,
    /// The Help string when it is a constant.
    pub help: Option<String>,
    /// The opts literal is known and has no Help, or a blank one.
    pub help_missing: bool,
    /// The variable labels (the `[]string{...}` of a `*Vec` constructor; empty for the
    /// others); `None` when they are not all constants.
    pub labels: Option<Vec<String>>,
    /// The keys of `ConstLabels` that are constants.
    pub const_labels: Vec<String>,
    /// `ConstLabels` as sorted (key, value) pairs, when every key and value is a constant.
    pub const_label_values: Option<Vec<(String, String)>>,
    pub registry: Registry,
    /// The declaration (constructor or builder call) where it is reported.
    pub call: Position,
    /// The `Name: ...` element, or the call when there is none.
    pub name_at: Position,
    /// The top-level declaration the call is in (`Type.method`, `func`), `None` at package level.
    pub scope: Option<String>,
    /// Index of the declaration among those of `scope` in its file (a "constructor position").
    pub ordinal: usize,
    /// The variable or field the metric is stored in, when the code says (`requests` in
    /// `requests = promauto.NewCounter(...)` or `requests: promauto.NewCounter(...)`).
    pub variable: Option<String>,
}

impl MetricDecl {
    /// The name when it is complete and non-empty: the one the registry sees.
    pub fn full_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .filter(|n| self.complete && !n.is_empty())
    }

    /// `metric `name`` when the name is known (the full name, or its `Name` part), else the
    /// constructor as written.
    pub fn describe(&self) -> String {
        match (&self.name, self.complete) {
            (Some(name), true) if !name.is_empty() => format!("metric `{name}`"),
            (Some(name), false) if !name.is_empty() => format!("metric with Name `{name}`"),
            _ => format!("metric built with `{}`", self.constructor),
        }
    }

    /// Whether it is ever exposed: not a `promauto.With(nil)` stub.
    pub fn exposed(&self) -> bool {
        self.registry != Registry::Nowhere
    }
}

/// What to call the metric a constructor call declares: its name when the index knows it,
/// else the constructor as written.
pub fn describe_call(decls: &[MetricDecl], call: &MetricCall) -> String {
    match decl_at(decls, call.call.span) {
        Some(decl) => decl.describe(),
        None => format!("metric built with `{}`", call.written()),
    }
}

/// The declaration a constructor call of the file makes (by the call's start byte).
pub fn decl_at(decls: &[MetricDecl], call: Span) -> Option<&MetricDecl> {
    decls
        .iter()
        .find(|d| d.origin != Origin::Builder && d.call.start_byte == call.start)
}
