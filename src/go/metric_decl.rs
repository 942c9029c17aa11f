//! What a file declares about its metrics, as plain data: the facts repo-level rules
//! (metric-duplicate, metric-breaking) and the inventory compare across files and versions.

use super::facts::{Expr, Facts, FuncKind, Span};
use super::prometheus::{metric_calls, resolve_string, MetricCall, MetricType, Opts};
use crate::data::MetricTable;
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

/// One metric constructor call, reduced to what can be compared with other files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDecl {
    /// The full name when `complete`, the `Name` part alone otherwise; `None` when the name
    /// is not written as constants in this file.
    pub name: Option<String>,
    pub complete: bool,
    pub kind: MetricType,
    /// The constructor as written: `promauto.NewCounterVec`.
    pub constructor: String,
    /// The Help string when it is a constant.
    pub help: Option<String>,
    /// The variable labels (the `[]string{...}` of a `*Vec` constructor; empty for the
    /// others); `None` when they are not all constants.
    pub labels: Option<Vec<String>>,
    /// The keys of `ConstLabels` that are constants.
    pub const_labels: Vec<String>,
    /// `promauto.With(nil).NewX`: registered nowhere.
    pub registered_nowhere: bool,
    /// The constructor call (the position other tools report).
    pub call: Position,
    /// The `Name: ...` element, or the call when there is none.
    pub name_at: Position,
    /// The top-level declaration the call is in (`Type.method`, `func`), `None` at package level.
    pub scope: Option<String>,
    /// Index of the call among the metric calls of `scope` (a "constructor position").
    pub ordinal: usize,
}

impl MetricDecl {
    /// The name when it is complete and non-empty: the one the registry sees.
    pub fn full_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .filter(|n| self.complete && !n.is_empty())
    }
}

/// Every metric constructor call of a file, in source order.
pub fn metric_decls(facts: &Facts, table: &MetricTable, src: &[u8]) -> Vec<MetricDecl> {
    let calls = metric_calls(facts, table);
    if calls.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(src);
    let mut decls: Vec<MetricDecl> = Vec::with_capacity(calls.len());
    for metric in &calls {
        let full = metric.full_name(facts);
        let call = Position::of(&lines, metric.call.span);
        let name_at = full
            .as_ref()
            .and_then(|f| f.span)
            .map(|span| Position::of(&lines, span))
            .unwrap_or(call);
        let scope = top_level_scope(facts, metric.call.func);
        let ordinal = decls.iter().filter(|d| d.scope == scope).count();
        decls.push(MetricDecl {
            complete: full.as_ref().is_some_and(|f| f.complete),
            name: full.map(|f| f.name),
            kind: metric.metric_type(),
            constructor: metric.written(),
            help: help(metric, facts),
            labels: variable_labels(metric, facts),
            const_labels: const_labels(metric, facts),
            registered_nowhere: metric.registered_nowhere(),
            call,
            name_at,
            scope,
            ordinal,
        });
    }
    decls
}

fn top_level_scope(facts: &Facts, func: Option<usize>) -> Option<String> {
    let mut index = func?;
    for _ in 0..64 {
        let f = facts.funcs.get(index)?;
        match f.enclosing {
            Some(outer) => index = outer,
            None => {
                return match f.kind {
                    FuncKind::Literal => None,
                    _ => Some(f.display_name()),
                }
            }
        }
    }
    None
}

fn help(metric: &MetricCall, facts: &Facts) -> Option<String> {
    let Opts::Literal(opts) = metric.opts else {
        return None;
    };
    resolve_string(facts, opts.field("Help")?, metric.call.func)
}

/// The `[]string{...}` of a `*Vec` constructor when every element is a constant.
fn variable_labels(metric: &MetricCall, facts: &Facts) -> Option<Vec<String>> {
    if !metric.constructor.ends_with("Vec") {
        return Some(Vec::new());
    }
    let func = metric.call.func;
    let list = match metric.call.args.get(1)? {
        Expr::Composite(c) => c,
        Expr::Ident(name) if !facts.field_assigned.iter().any(|n| n == name) => {
            match &facts.unique_binding(name, func)?.value {
                Expr::Composite(c) => c,
                _ => return None,
            }
        }
        _ => return None,
    };
    if !list.fields.is_empty() {
        return None;
    }
    list.elements
        .iter()
        .map(|e| resolve_string(facts, e, func))
        .collect()
}

fn const_labels(metric: &MetricCall, facts: &Facts) -> Vec<String> {
    let Opts::Literal(opts) = metric.opts else {
        return Vec::new();
    };
    let func = metric.call.func;
    let constant = match opts.field("ConstLabels") {
        Some(Expr::Composite(c)) => c,
        Some(Expr::Ident(name)) => match facts.unique_binding(name, func).map(|b| &b.value) {
            Some(Expr::Composite(c)) => c,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    constant
        .fields
        .iter()
        .filter_map(|(key, _)| {
            let quoted = key
                .strip_prefix('"')
                .and_then(|k| k.strip_suffix('"'))
                .or_else(|| key.strip_prefix('`').and_then(|k| k.strip_suffix('`')));
            match quoted {
                Some(name) => Some(name.to_string()),
                None => resolve_string(facts, &Expr::Ident(key.clone()), func),
            }
        })
        .collect()
}
