//! The metric declarations of a set of files, with names resolved through the whole set
//! ([`View`]): constructor calls, `prometheus.NewDesc` of custom collectors, and the calls of
//! metric builders, the repository's functions that pass their parameters into a constructor
//! (followed up to five levels deep). A builder's own constructor call is a declaration only while
//! some call of the builder cannot be resolved.

use std::collections::BTreeSet;

use rayon::prelude::*;

// The index hashes call and identifier names by the hundred thousand: a fast hasher.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::constants::{At, Frame, View, ViewFile};
use super::Modules;
use crate::data::MetricTable;
use crate::go::metric_decl::{MetricDecl, Origin, Position, Registry};
use crate::go::prometheus::{
    imports_metric_package, metric_calls, takes_label_names, MetricType, Via,
};
use crate::go::{Binding, Call, Composite, Expr, Facts, FuncKind, Span, TypeRef};
use crate::source::LineIndex;
use crate::walk::parent_dir;

/// How many builder calls deep a declaration is followed: a collector's constructor called
/// through a dispatcher and the exporter's method that registers it is four.
pub const MAX_BUILDER_DEPTH: usize = 5;

/// A call that declares a metric from what is written at it.
#[derive(Debug)]
struct Template<'f> {
    file: usize,
    call: &'f Call,
    shape: Shape<'f>,
}

#[derive(Debug)]
enum Shape<'f> {
    /// A constructor with an opts argument.
    Opts {
        constructor: &'f str,
        via: Via,
        /// The `reg` of `promauto.With(reg)`.
        registerer: Option<&'f Expr>,
    },
    /// `prometheus.NewDesc(fqName, help, variableLabels, constLabels)`.
    Desc,
    /// One entry of a table that a `range` loop turns into `NewDesc` calls (`for _, m := range
    /// metrics { prometheus.NewDesc(m.name, m.help, m.labels, nil) }`): in the call's
    /// arguments, `var.field` stands for the entry's element of that key.
    Row {
        var: &'f str,
        row: &'f Composite,
        span: Span,
    },
}

impl Template<'_> {
    /// Where the declaration is written: the call, or a table's entry.
    fn span(&self) -> Span {
        match &self.shape {
            Shape::Row { span, .. } => *span,
            _ => self.call.span,
        }
    }
}

/// What a builder does: constructor calls, and calls of other builders.
#[derive(Debug)]
enum Inner<'f> {
    Template(usize),
    Call { builder: usize, call: &'f Call },
}

#[derive(Debug)]
struct Builder<'f> {
    file: usize,
    func: usize,
    name: &'f str,
    method: bool,
    inner: Vec<Inner<'f>>,
}

/// The metric builders of `view` (functions and methods): a call of one declares a metric
/// where it is written. With `involved`, only the builders that are, or call, a builder
/// declared in a file it accepts (the files a change touches: the metrics declared through
/// the others do not change).
pub fn builder_names(
    view: &View,
    table: &MetricTable,
    involved: Option<&dyn Fn(&str) -> bool>,
) -> BTreeSet<BuilderName> {
    let templates = templates(view, table);
    let builders = builders(view, &templates);
    // The builders of the accepted files, then those that call one, level by level.
    let mut kept: Vec<bool> = builders
        .iter()
        .map(|b| involved.is_none_or(|f| f(view.files[b.file].rel)))
        .collect();
    for _ in 1..MAX_BUILDER_DEPTH {
        let mut grew = false;
        for (b, builder) in builders.iter().enumerate() {
            let calls_kept = builder
                .inner
                .iter()
                .any(|inner| matches!(inner, Inner::Call { builder, .. } if kept[*builder]));
            if !kept[b] && calls_kept {
                kept[b] = true;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    builders
        .iter()
        .zip(kept)
        .filter(|(_, kept)| *kept)
        .map(|(b, _)| BuilderName {
            dir: crate::walk::parent_dir(view.files[b.file].rel).to_string(),
            name: b.name.to_string(),
            method: b.method,
        })
        .collect()
}

/// A metric builder: its name and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BuilderName {
    /// The folder of its package.
    pub dir: String,
    pub name: String,
    pub method: bool,
}

/// The declarations of every file of `view`, parallel to its files; `sources` are the files'
/// bytes (for positions).
pub fn declarations(view: &View, sources: &[&[u8]], table: &MetricTable) -> Vec<Vec<MetricDecl>> {
    let mut out: Vec<Vec<MetricDecl>> = vec![Vec::new(); view.files.len()];
    let templates = templates(view, table);
    let library_calls = library_calls(view, table);
    if templates.is_empty() && library_calls.is_empty() {
        return out;
    }
    let mut lines: Vec<Option<LineIndex>> = (0..view.files.len()).map(|_| None).collect();
    let mut position = |file: usize, span: Span| -> Position {
        let index = lines[file].get_or_insert_with(|| LineIndex::new(sources[file]));
        Position::of(index, span)
    };
    let builders = builders(view, &templates);
    let by_callee = builder_calls(view, &builders);
    // Calls of a builder inside another builder are followed from the outer one's calls.
    let inner_calls: HashSet<(usize, usize)> = builders
        .iter()
        .flat_map(|b| b.inner.iter().map(move |inner| (b.file, inner)))
        .filter_map(|(file, inner)| match inner {
            Inner::Call { call, .. } => Some((file, call.span.start)),
            Inner::Template(_) => None,
        })
        .collect();
    // A call of a builder from a builder it reaches is a recursion (a retry that re-creates a
    // collector): the outer calls declare its metrics.
    let builder_at: HashMap<(usize, usize), usize> = builders
        .iter()
        .enumerate()
        .map(|(b, builder)| ((builder.file, builder.func), b))
        .collect();
    let recursive = |b: usize, file: usize, call: &Call| {
        call.func
            .and_then(|f| view.top_level(file, f))
            .and_then(|top| builder_at.get(&(file, top)))
            .is_some_and(|&caller| reaches(&builders, b, caller))
    };
    let const_types = const_metric_types(view);
    let mut sites: Vec<(usize, MetricDecl, Span)> = Vec::new();
    // Templates some call of their builder could not resolve, and builders that are called.
    let mut unresolved: HashSet<usize> = HashSet::default();
    let mut called: HashSet<usize> = HashSet::default();
    for (b, builder) in builders.iter().enumerate() {
        for (file, call) in calls_of(view, &by_callee, builder) {
            if inner_calls.contains(&(file, call.span.start))
                || view.files[file].rel.ends_with("_test.go")
                || recursive(b, file, call)
            {
                continue;
            }
            called.insert(b);
            let frame = Frame {
                file: builder.file,
                func: builder.func,
                args: &call.args,
                caller: At::top(file, call.func),
            };
            let mut found = Vec::new();
            let complete = expand(view, &templates, &builders, b, &frame, 1, &mut found);
            if !complete {
                unresolved.extend(template_indices(&builders, b));
            }
            for (t, evaluated) in found {
                let template = &templates[t];
                let call_at = position(file, call.span);
                // The `Name:` element when it is written in the call's arguments.
                let name_at = evaluated
                    .name_span
                    .filter(|(f, span)| {
                        *f == file && span.start >= call.span.start && span.end <= call.span.end
                    })
                    .map_or(call_at, |(_, span)| position(file, span));
                let mut declared = decl(
                    view,
                    template,
                    evaluated,
                    Some(builder.name),
                    call_at,
                    name_at,
                );
                // A Desc's type is told where the builder's `NewDesc` is written.
                if let Shape::Desc = template.shape {
                    if let Some(kind) = desc_kind(
                        &const_types,
                        view.files[template.file].rel,
                        sources[template.file],
                        template.call.span,
                    ) {
                        declared.kind = kind;
                    }
                }
                sites.push((file, declared, call.span));
            }
        }
    }
    // A builder's own constructor call is replaced by its calls when they all resolve.
    let mut replaced: HashSet<usize> = HashSet::default();
    for b in called {
        replaced.extend(
            template_indices(&builders, b)
                .into_iter()
                .filter(|t| !unresolved.contains(t)),
        );
    }
    for (t, template) in templates.iter().enumerate() {
        if replaced.contains(&t) {
            continue;
        }
        let at = At::top(template.file, template.call.func);
        let evaluated = evaluate(view, template, at);
        let call_at = position(template.file, template.span());
        let name_at = evaluated
            .name_span
            .filter(|(f, _)| *f == template.file)
            .map_or(call_at, |(_, span)| position(template.file, span));
        sites.push((
            template.file,
            decl(view, template, evaluated, None, call_at, name_at),
            template.span(),
        ));
    }
    prefixed(view, &templates, &mut position, &mut sites);
    let per_request = per_request(view, &templates);
    for (file, decl, span) in &mut sites {
        if decl.registry == Registry::Other && per_request.contains(&(*file, span.start)) {
            decl.registry = Registry::PerRequest;
        }
    }
    described(view, table, &mut position, &mut sites);
    for (file, call, function) in library_calls {
        let at = position(file, call.span);
        for metric in &table.library_metrics {
            let decl = MetricDecl {
                name: Some(metric.name.clone()),
                complete: true,
                kind: metric_type(&metric.constructor),
                constructor: format!("prometheus.{function}"),
                origin: Origin::Library,
                help: None,
                help_missing: false,
                labels: Some(metric.labels.clone()),
                const_labels: metric.const_labels.clone(),
                const_label_values: None,
                registry: Registry::Default,
                call: at,
                name_at: at,
                scope: None,
                ordinal: 0,
                variable: None,
            };
            sites.push((file, decl, call.span));
        }
    }
    sites.sort_by_key(|(file, _, span)| (*file, span.start));
    let registered = default_registered(view);
    for (file, mut decl, span) in sites {
        let desc = decl.origin == Origin::Desc
            || (decl.origin == Origin::Builder && decl.kind == MetricType::Untyped);
        if desc {
            if let Some(kind) = desc_kind(&const_types, view.files[file].rel, sources[file], span) {
                decl.kind = kind;
            }
        }
        if decl.registry == Registry::Unseen && decl.origin == Origin::Constructor {
            let dir = parent_dir(view.files[file].rel);
            if decl
                .variable
                .as_ref()
                .is_some_and(|v| registered.contains(&(dir, v.as_str())))
            {
                decl.registry = Registry::Default;
            }
        }
        decl.scope = top_scope(view.facts(file), enclosing(view.facts(file), span));
        let list = &mut out[file];
        // The library's metrics take no place among the repository's own declarations.
        decl.ordinal = list
            .iter()
            .filter(|d| d.scope == decl.scope && d.origin != Origin::Library)
            .count();
        list.push(decl);
    }
    out
}

/// A Desc's type, from the const metrics built with it: by the package folder and the name of
/// the variable or field that holds the Desc (`prometheus.MustNewConstMetric(fooDesc,
/// prometheus.CounterValue, ...)` makes `fooDesc` a counter, `MustNewConstHistogram(c.desc,
/// ...)` makes field `desc` a histogram). `None` when the calls disagree or a value type is
/// not a constant.
fn const_metric_types<'v>(view: &View<'v>) -> HashMap<(&'v str, &'v str), Option<MetricType>> {
    let mut out: HashMap<(&str, &str), Option<MetricType>> = HashMap::default();
    for vf in &view.files {
        let facts = vf.facts;
        let is_prometheus = |e: &Expr| {
            e.as_ident()
                .is_some_and(|p| facts.import_path_of(p) == Some(view.prometheus_import))
        };
        for call in &facts.calls {
            let Expr::Selector(operand, name) = &call.callee else {
                continue;
            };
            if !is_prometheus(operand) {
                continue;
            }
            let base = name
                .trim_start_matches("Must")
                .trim_end_matches("WithCreatedTimestamp");
            let kind = match base {
                "NewConstMetric" => match call.args.get(1) {
                    Some(Expr::Selector(p, value)) if is_prometheus(p) => match value.as_str() {
                        "CounterValue" => Some(MetricType::Counter),
                        "GaugeValue" => Some(MetricType::Gauge),
                        "UntypedValue" => Some(MetricType::Untyped),
                        _ => None,
                    },
                    _ => None,
                },
                "NewConstHistogram" | "NewConstNativeHistogram" => Some(MetricType::Histogram),
                "NewConstSummary" => Some(MetricType::Summary),
                _ => continue,
            };
            let holder = match call.args.first() {
                Some(Expr::Ident(v) | Expr::Selector(_, v)) => v.as_str(),
                _ => continue,
            };
            out.entry((parent_dir(vf.rel), holder))
                .and_modify(|known| {
                    if *known != kind {
                        *known = None;
                    }
                })
                .or_insert(kind);
        }
    }
    out
}

/// The type of the Desc made at `span` of the file at `rel` (`src`): from the const metrics
/// built with the variable or field that holds it, else from the value type written beside it.
fn desc_kind(
    const_types: &HashMap<(&str, &str), Option<MetricType>>,
    rel: &str,
    src: &[u8],
    span: Span,
) -> Option<MetricType> {
    let (holder, sibling) = desc_holder(src, span);
    let used = holder.and_then(|h| const_types.get(&(parent_dir(rel), h)).copied().flatten());
    used.or(sibling)
}

/// What the source around a `NewDesc` call (or a Desc builder's call) says: the variable or
/// field it is assigned to (`fooDesc = `, `c.desc = `, `desc: `), and the value type written
/// beside it in a literal (`typedDesc{prometheus.NewDesc(...), prometheus.GaugeValue}`).
fn desc_holder(src: &[u8], span: Span) -> (Option<&str>, Option<MetricType>) {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let before = &src[..span.start.min(src.len())];
    let trimmed = before.trim_ascii_end();
    let holder = trimmed
        .strip_suffix(b":=")
        .or_else(|| {
            trimmed
                .strip_suffix(b"=")
                .filter(|t| !t.ends_with(b"=") && !t.ends_with(b"!"))
        })
        .or_else(|| trimmed.strip_suffix(b":"))
        .and_then(|rest| {
            let rest = rest.trim_ascii_end();
            let start = rest.iter().rposition(|&b| !is_word(b)).map_or(0, |i| i + 1);
            std::str::from_utf8(&rest[start..])
                .ok()
                .filter(|w| !w.is_empty())
        });
    // `, prometheus.GaugeValue` or `, valueType: prometheus.GaugeValue` after the call.
    let after = src.get(span.end..).unwrap_or_default().trim_ascii_start();
    let sibling = after.strip_prefix(b",").and_then(|rest| {
        let rest = rest.trim_ascii_start();
        let end = rest
            .iter()
            .position(|&b| !(is_word(b) || b == b'.' || b == b':' || b == b' '))
            .unwrap_or(rest.len());
        let text = std::str::from_utf8(&rest[..end]).ok()?;
        let value = text.rsplit(['.', ':', ' ']).next()?;
        match value {
            "CounterValue" => Some(MetricType::Counter),
            "GaugeValue" => Some(MetricType::Gauge),
            _ => None,
        }
    });
    (holder, sibling)
}

/// Metrics a function registers through a registerer it receives (`promauto.With(reg)`), at
/// each call that passes a registerer wrapped with a constant prefix
/// (`prometheus.WrapRegistererWithPrefix("thanos_query_", reg)`): the registry sees the
/// prefixed name there.
fn prefixed(
    view: &View,
    templates: &[Template],
    position: &mut impl FnMut(usize, Span) -> Position,
    sites: &mut Vec<(usize, MetricDecl, Span)>,
) {
    // (file, function, parameter index) -> the templates registered through that parameter.
    let mut through: HashMap<(usize, usize, usize), Vec<usize>> = HashMap::default();
    for (t, template) in templates.iter().enumerate() {
        let Shape::Opts {
            registerer: Some(Expr::Ident(reg)),
            ..
        } = &template.shape
        else {
            continue;
        };
        let Some(top) = template
            .call
            .func
            .and_then(|f| view.top_level(template.file, f))
        else {
            continue;
        };
        let at = At::top(template.file, template.call.func);
        let param = view.facts(template.file).funcs[top]
            .param_names
            .iter()
            .position(|p| p == reg);
        if let Some(param) =
            param.filter(|_| view.denotes(at, &Expr::Ident(reg.clone()), 0).is_none())
        {
            through
                .entry((template.file, top, param))
                .or_default()
                .push(t);
        }
    }
    if through.is_empty() {
        return;
    }
    let functions: Vec<(usize, usize, &str, bool)> = through
        .keys()
        .filter_map(
            |&(file, func, _)| match &view.facts(file).funcs[func].kind {
                FuncKind::Function { name } => Some((file, func, name.as_str(), false)),
                FuncKind::Method { name, .. } => Some((file, func, name.as_str(), true)),
                FuncKind::Literal => None,
            },
        )
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let by_callee = calls_by_callee(view, functions.iter().map(|f| f.2).collect());
    for (file, func, name, method) in functions {
        let builder = Builder {
            file,
            func,
            name,
            method,
            inner: Vec::new(),
        };
        for (call_file, call) in calls_of(view, &by_callee, &builder) {
            if view.files[call_file].rel.ends_with("_test.go") {
                continue;
            }
            let caller = At::top(call_file, call.func);
            for (&(_, _, param), list) in through
                .iter()
                .filter(|((f, g, _), _)| *f == file && *g == func)
            {
                let Some(prefix) = call
                    .args
                    .get(param)
                    .and_then(|arg| wrapped_prefix(view, caller, arg))
                else {
                    continue;
                };
                for &t in list {
                    let template = &templates[t];
                    let mut evaluated =
                        evaluate(view, template, At::top(template.file, template.call.func));
                    let Some(name) = evaluated
                        .name
                        .as_ref()
                        .filter(|n| evaluated.complete && !n.is_empty())
                    else {
                        continue;
                    };
                    match &prefix {
                        Prefix::Constant(prefix) => {
                            evaluated.name = Some(format!("{prefix}{name}"))
                        }
                        // Only the end of the name is known: it still matches the full names
                        // that end with it.
                        Prefix::Tail(tail) => {
                            evaluated.name =
                                Some(format!("{tail}{name}").trim_start_matches('_').to_string());
                            evaluated.complete = false;
                        }
                    }
                    evaluated.registry = Registry::Other;
                    evaluated.name_span = None;
                    // Help is judged where it is written.
                    evaluated.help_missing = false;
                    let call_at = position(call_file, call.span);
                    let mut prefixed = decl(
                        view,
                        template,
                        evaluated,
                        Some(name_of(view, file, func)),
                        call_at,
                        call_at,
                    );
                    prefixed.origin = Origin::Prefixed;
                    sites.push((call_file, prefixed, call.span));
                }
            }
        }
    }
}

/// How many callers up a registerer parameter is followed to the registry it receives.
const MAX_REGISTERER_DEPTH: usize = 3;

/// The constructor calls (file, start byte) registered through a registerer parameter that
/// every call of the function, followed up to three callers, fills with a registry an HTTP
/// handler creates for each request (snmp_exporter's probe handler: `registry :=
/// prometheus.NewRegistry()` beside `r *http.Request`, then `collector.New(..., registry)`).
fn per_request(view: &View, templates: &[Template]) -> HashSet<(usize, usize)> {
    let mut out = HashSet::default();
    let creates_per_request = view.files.iter().enumerate().any(|(file, vf)| {
        vf.facts
            .calls
            .iter()
            .any(|c| new_registry(view, file, &c.callee) && in_handler(view, file, c.func))
    });
    if !creates_per_request {
        return out;
    }
    let mut by_callee: ByCallee = HashMap::default();
    for (file, vf) in view.files.iter().enumerate() {
        for call in &vf.facts.calls {
            if let Expr::Ident(name) | Expr::Selector(_, name) = &call.callee {
                by_callee
                    .entry(name.as_str())
                    .or_default()
                    .push((file, call));
            }
        }
    }
    for template in templates {
        let Shape::Opts {
            registerer: Some(reg @ Expr::Ident(_)),
            ..
        } = &template.shape
        else {
            continue;
        };
        if receives_per_request(view, &by_callee, template.file, template.call.func, reg, 0) {
            out.insert((template.file, template.call.span.start));
        }
    }
    out
}

/// Whether `expr`, written in function `func` of `file`, is a registry created for each
/// request: bound to `prometheus.NewRegistry()` in a handler, or a parameter that every call
/// of its function fills with one.
fn receives_per_request(
    view: &View,
    by_callee: &ByCallee,
    file: usize,
    func: Option<usize>,
    expr: &Expr,
    depth: usize,
) -> bool {
    if let Some((at, value)) = view.denotes(At::top(file, func), expr, 0) {
        return match value {
            Expr::Call { callee, .. } => {
                new_registry(view, at.file, callee) && in_handler(view, at.file, at.func)
            }
            Expr::Ident(_) if depth < MAX_REGISTERER_DEPTH => {
                receives_per_request(view, by_callee, at.file, at.func, value, depth + 1)
            }
            _ => false,
        };
    }
    let Expr::Ident(name) = expr else {
        return false;
    };
    let Some(top) = func.and_then(|f| view.top_level(file, f)) else {
        return false;
    };
    let facts = view.facts(file);
    let Some(param) = facts.funcs[top].param_names.iter().position(|p| p == name) else {
        return false;
    };
    if depth >= MAX_REGISTERER_DEPTH {
        return false;
    }
    let (fn_name, method) = match &facts.funcs[top].kind {
        FuncKind::Function { name } => (name.as_str(), false),
        FuncKind::Method { name, .. } => (name.as_str(), true),
        FuncKind::Literal => return false,
    };
    let function = Builder {
        file,
        func: top,
        name: fn_name,
        method,
        inner: Vec::new(),
    };
    let calls: Vec<(usize, &Call)> = calls_of(view, by_callee, &function)
        .into_iter()
        .filter(|(f, _)| !view.files[*f].rel.ends_with("_test.go"))
        .collect();
    !calls.is_empty()
        && calls.iter().all(|(call_file, call)| {
            call.args.get(param).is_some_and(|arg| {
                receives_per_request(view, by_callee, *call_file, call.func, arg, depth + 1)
            })
        })
}

/// `prometheus.NewRegistry()` or `prometheus.NewPedanticRegistry()`.
fn new_registry(view: &View, file: usize, callee: &Expr) -> bool {
    matches!(callee, Expr::Selector(operand, name)
        if matches!(name.as_str(), "NewRegistry" | "NewPedanticRegistry")
            && operand
                .as_ident()
                .is_some_and(|p| view.facts(file).import_path_of(p) == Some(view.prometheus_import)))
}

/// Whether function `func` of `file`, or one it is written in, receives an `*http.Request`.
fn in_handler(view: &View, file: usize, func: Option<usize>) -> bool {
    let facts = view.facts(file);
    let mut scope = func;
    while let Some(f) = scope {
        let Some(function) = facts.funcs.get(f) else {
            return false;
        };
        let takes_request = function.params.iter().any(|p| {
            matches!(p, TypeRef::Named { package: Some(pkg), name, pointer: true }
                if name == "Request" && facts.import_path_of(pkg) == Some("net/http"))
        });
        if takes_request {
            return true;
        }
        scope = function.enclosing;
    }
    false
}

fn name_of<'v>(view: &View<'v>, file: usize, func: usize) -> &'v str {
    view.facts(file).funcs[func]
        .name()
        .unwrap_or("func literal")
}

/// `prometheus.WrapRegistererWithPrefix`, or a repository package's function of that name (a
/// wrapper such as one that passes nil through): the prefix is the first argument.
fn is_prefix_wrap(view: &View, file: usize, callee: &Expr) -> bool {
    match callee {
        Expr::Selector(operand, name) if name == "WrapRegistererWithPrefix" => {
            operand.as_ident().is_some_and(|p| {
                view.facts(file).import_path_of(p).is_some_and(|path| {
                    path == view.prometheus_import || view.modules.folder_of(path).is_some()
                })
            })
        }
        _ => false,
    }
}

/// The folders of the functions a file calls with a registerer wrapped with a prefix
/// (`dns.NewProvider(logger, extprom.WrapRegistererWithPrefix("thanos_query_", reg))`): their
/// metrics are declared at those calls, under the prefix.
pub fn prefixed_callee_folders(facts: &Facts, dir: &str, modules: &Modules) -> Vec<String> {
    let wraps = |expr: &Expr| {
        matches!(expr, Expr::Call { callee, .. }
            if matches!(callee.as_ref(), Expr::Selector(_, n) if n == "WrapRegistererWithPrefix"))
    };
    let wrapping: Vec<&Binding> = facts.bindings.iter().filter(|b| wraps(&b.value)).collect();
    let mut out = Vec::new();
    for call in &facts.calls {
        let prefixed = call.args.iter().any(|arg| match arg {
            Expr::Ident(name) => wrapping
                .iter()
                .any(|b| b.name == *name && b.func == call.func),
            _ => wraps(arg),
        });
        if !prefixed {
            continue;
        }
        match &call.callee {
            Expr::Ident(_) => out.push(dir.to_string()),
            Expr::Selector(operand, _) => {
                if let Some(folder) = operand
                    .as_ident()
                    .and_then(|p| facts.import_path_of(p))
                    .and_then(|path| modules.folder_of(path))
                {
                    out.push(folder);
                }
            }
            _ => {}
        }
    }
    out
}

/// The folders a previous version of a changed file needs for the names of the metrics it
/// declared, which the head version may no longer name: the functions it called with a
/// prefixed registerer, and the repository packages (or its own folder) whose constants its
/// metric constructors and `NewDesc` calls name. Without them a metric the change stops
/// exposing under those names has no name at the base, and its removal goes unseen.
pub fn previous_version_folders(
    facts: &Facts,
    dir: &str,
    modules: &Modules,
    table: &MetricTable,
) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = prefixed_callee_folders(facts, dir, modules)
        .into_iter()
        .collect();
    let desc_calls = facts.calls.iter().filter(|call| {
        matches!(&call.callee, Expr::Selector(operand, name) if name == "NewDesc"
            && operand.as_ident().and_then(|p| facts.import_path_of(p))
                == Some(table.prometheus_import.as_str()))
    });
    let metric_calls = metric_calls(facts, table);
    for call in metric_calls.iter().map(|m| m.call).chain(desc_calls) {
        for arg in &call.args {
            named_folders(facts, dir, modules, arg, 0, &mut out);
        }
    }
    out
}

/// The folders whose constants `expr` names: a repository package's `pkg.Member`, and `dir`
/// for an identifier this file does not bind.
fn named_folders(
    facts: &Facts,
    dir: &str,
    modules: &Modules,
    expr: &Expr,
    depth: usize,
    out: &mut BTreeSet<String>,
) {
    if depth > 8 {
        return;
    }
    let mut follow = |expr: &Expr| named_folders(facts, dir, modules, expr, depth + 1, out);
    match expr {
        Expr::Ident(name) => match facts.bindings.iter().find(|b| b.name == *name) {
            Some(binding) => follow(&binding.value),
            None if !matches!(name.as_str(), "nil" | "true" | "false") => {
                out.insert(dir.to_string());
            }
            None => {}
        },
        Expr::Selector(operand, _) => match operand.as_ident().map(|p| facts.import_path_of(p)) {
            Some(Some(path)) => {
                out.extend(modules.folder_of(path));
            }
            // A field of a value: the value may be a constant struct of the package.
            _ => follow(operand),
        },
        Expr::Concat(parts) => parts.iter().for_each(follow),
        Expr::Call { args, .. } => args.iter().for_each(follow),
        Expr::AddrOf(inner) => follow(inner),
        Expr::Composite(c) => {
            // What names a metric, and map keys (const labels); other opts (buckets,
            // objectives) do not.
            c.fields
                .iter()
                .filter(|(key, _)| {
                    matches!(
                        key.as_str(),
                        "Namespace" | "Subsystem" | "Name" | "ConstLabels"
                    ) || !key.starts_with(|ch: char| ch.is_ascii_uppercase())
                })
                .for_each(|(_, value)| follow(value));
            c.elements.iter().for_each(follow);
        }
        Expr::Str(_) | Expr::Other => {}
    }
}

/// What a registerer's prefix is known to be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Prefix {
    Constant(String),
    /// The constant end of a prefix formatted at run time (`fmt.Sprintf("thanos_%s_endpoints_",
    /// comp)` ends with `_endpoints_`).
    Tail(String),
}

/// The prefix of a registerer expression: a prefix wrapper's call, or a variable bound to one.
fn wrapped_prefix(view: &View, at: At, expr: &Expr) -> Option<Prefix> {
    let (at, expr) = match expr {
        Expr::Ident(_) => view.denotes(at, expr, 0)?,
        _ => (at, expr),
    };
    let Expr::Call { callee, args } = expr else {
        return None;
    };
    if !is_prefix_wrap(view, at.file, callee) {
        return None;
    }
    let prefix = args.first()?;
    if let Some(constant) = view.string(at, prefix) {
        return Some(Prefix::Constant(constant));
    }
    let Expr::Call { callee, args } = prefix else {
        return None;
    };
    let is_sprintf = matches!(callee.as_ref(), Expr::Selector(operand, name)
        if name == "Sprintf"
            && operand
                .as_ident()
                .is_some_and(|p| view.facts(at.file).import_path_of(p) == Some("fmt")));
    if !is_sprintf {
        return None;
    }
    let format = view.string(at, args.first()?)?;
    let verb = format.rfind('%')?;
    let tail = format.get(verb + 2..)?;
    (!tail.is_empty() && !tail.contains('%')).then(|| Prefix::Tail(tail.to_string()))
}

/// Literals of the repository's own metric description types (`MetricDescription{Namespace:
/// ..., Subsystem: ..., Name: ..., Help: ..., Type: gaugeMetric}`) in files that use the
/// Prometheus client: metrics a custom collector exposes through `NewDesc` at run time. Opts
/// of the client itself, and literals inside a declaration already found, are not counted
/// twice.
fn described(
    view: &View,
    table: &MetricTable,
    position: &mut impl FnMut(usize, Span) -> Position,
    sites: &mut Vec<(usize, MetricDecl, Span)>,
) {
    let mut found = Vec::new();
    for (file, vf) in view.files.iter().enumerate() {
        let facts = vf.facts;
        if facts.described_metrics.is_empty()
            || !facts
                .imports
                .iter()
                .any(|i| i.path == table.prometheus_import)
        {
            continue;
        }
        for literal in &facts.described_metrics {
            let local_type = match literal.value.type_name.as_deref() {
                Some(Expr::Ident(_)) => true,
                Some(Expr::Selector(operand, _)) => operand.as_ident().is_some_and(|p| {
                    facts
                        .import_path_of(p)
                        .is_some_and(|path| view.modules.folder_of(path).is_some())
                }),
                _ => false,
            };
            let inside = sites.iter().any(|(f, _, span)| {
                *f == file && span.start <= literal.span.start && literal.span.end <= span.end
            });
            if !local_type || inside {
                continue;
            }
            let at = At::top(file, literal.func);
            let value = &literal.value;
            let part = |key: &str| match value.field(key) {
                None => Some(String::new()),
                Some(expr) => view.string(at, expr),
            };
            let (Some(namespace), Some(subsystem), Some(name)) =
                (part("Namespace"), part("Subsystem"), part("Name"))
            else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            let full = [namespace, subsystem, name]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            let kind = match value.field("Type") {
                Some(Expr::Ident(t) | Expr::Selector(_, t)) => {
                    let t = t.to_ascii_lowercase();
                    ["counter", "gauge", "histogram", "summary"]
                        .iter()
                        .find(|k| t.contains(*k))
                        .map_or(MetricType::Untyped, |k| {
                            metric_type(&format!("New{}", capitalized(k)))
                        })
                }
                _ => MetricType::Untyped,
            };
            let help = value.field("Help").and_then(|h| view.string(at, h));
            let call = position(file, literal.span);
            let name_at = value
                .field_span("Name")
                .map_or(call, |span| position(file, span));
            let type_name = match literal.value.type_name.as_deref() {
                Some(Expr::Ident(t) | Expr::Selector(_, t)) => t.clone(),
                _ => String::new(),
            };
            found.push((
                file,
                MetricDecl {
                    name: Some(full),
                    complete: true,
                    kind,
                    constructor: format!("{type_name}{{…}}"),
                    origin: Origin::Described,
                    help_missing: false,
                    help,
                    labels: None,
                    const_labels: Vec::new(),
                    const_label_values: None,
                    registry: Registry::Unseen,
                    call,
                    name_at,
                    scope: None,
                    ordinal: 0,
                    variable: None,
                },
                literal.span,
            ));
        }
    }
    sites.extend(found);
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The declarations of one file read alone (names resolved within the file).
pub fn file_declarations(
    facts: &Facts,
    table: &MetricTable,
    src: &[u8],
    rel: &str,
) -> Vec<MetricDecl> {
    let modules = Modules::default();
    let view = View::new(
        vec![ViewFile { rel, facts }],
        &modules,
        &table.prometheus_import,
    );
    declarations(&view, &[src], table).pop().unwrap_or_default()
}

/// Whether builder `from` calls builder `to`, directly or through other builders.
fn reaches(builders: &[Builder], from: usize, to: usize) -> bool {
    let mut stack = vec![from];
    let mut seen = HashSet::default();
    while let Some(b) = stack.pop() {
        if b == to {
            return true;
        }
        if seen.insert(b) {
            stack.extend(builders[b].inner.iter().filter_map(|inner| match inner {
                Inner::Call { builder, .. } => Some(*builder),
                Inner::Template(_) => None,
            }));
        }
    }
    false
}

/// The templates builder `b` reaches, through the builders it calls.
fn template_indices(builders: &[Builder], b: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![(b, 0)];
    while let Some((b, depth)) = stack.pop() {
        for inner in &builders[b].inner {
            match inner {
                Inner::Template(t) => out.push(*t),
                Inner::Call { builder, .. } if depth < MAX_BUILDER_DEPTH => {
                    stack.push((*builder, depth + 1))
                }
                Inner::Call { .. } => {}
            }
        }
    }
    out
}

/// Evaluates the declarations builder `b` makes for one call (`frame`); false when some of
/// them cannot be resolved there.
fn expand(
    view: &View,
    templates: &[Template],
    builders: &[Builder],
    b: usize,
    frame: &Frame,
    depth: usize,
    found: &mut Vec<(usize, Evaluated)>,
) -> bool {
    let builder = &builders[b];
    let mut complete = true;
    for inner in &builder.inner {
        match inner {
            Inner::Template(t) => {
                let template = &templates[*t];
                let at = At {
                    file: template.file,
                    func: template.call.func,
                    frame: Some(frame),
                };
                let evaluated = evaluate(view, template, at);
                if evaluated.name.is_none() || !evaluated.complete {
                    complete = false;
                    continue;
                }
                found.push((*t, evaluated));
            }
            Inner::Call {
                builder: next,
                call,
            } => {
                if depth >= MAX_BUILDER_DEPTH {
                    complete = false;
                    continue;
                }
                let inner_frame = Frame {
                    file: builders[*next].file,
                    func: builders[*next].func,
                    args: &call.args,
                    caller: At {
                        file: builder.file,
                        func: call.func,
                        frame: Some(frame),
                    },
                };
                complete &= expand(
                    view,
                    templates,
                    builders,
                    *next,
                    &inner_frame,
                    depth + 1,
                    found,
                );
            }
        }
    }
    complete
}

/// What evaluating a template at one place tells.
#[derive(Debug, Default)]
struct Evaluated {
    name: Option<String>,
    complete: bool,
    /// The file and span of the `Name: ...` element.
    name_span: Option<(usize, Span)>,
    help: Option<String>,
    help_missing: bool,
    labels: Option<Vec<String>>,
    const_labels: Vec<String>,
    const_label_values: Option<Vec<(String, String)>>,
    registry: Registry,
}

fn evaluate(view: &View, template: &Template, at: At) -> Evaluated {
    let args = &template.call.args;
    match &template.shape {
        Shape::Row { var, row, .. } => {
            let args: Vec<Expr> = args.iter().map(|a| substitute(a, var, row)).collect();
            let mut out = desc(view, at, &args);
            out.name_span = selected_field(&template.call.args[0], var)
                .and_then(|field| row.field_span(field))
                .map(|span| (template.file, span));
            out
        }
        Shape::Desc => desc(view, at, args),
        Shape::Opts {
            constructor,
            via,
            registerer,
        } => {
            let mut out = Evaluated {
                registry: registry(view, at, *via, *registerer),
                labels: if takes_label_names(constructor) {
                    args.get(1).and_then(|a| view.strings(at, a))
                } else {
                    Some(Vec::new())
                },
                ..Evaluated::default()
            };
            let Some((opts_at, opts)) = args.first().and_then(|a| view.composite(at, a)) else {
                return out;
            };
            if !opts.elements.is_empty() {
                return out;
            }
            out.help = opts.field("Help").and_then(|h| view.string(opts_at, h));
            out.help_missing = match opts.field("Help") {
                None => true,
                Some(Expr::Str(h)) => h.trim().is_empty(),
                Some(_) => out.help.as_deref().is_some_and(|h| h.trim().is_empty()),
            };
            out.name_span = opts.field_span("Name").map(|s| (opts_at.file, s));
            let part = |key: &str| match opts.field(key) {
                None => Some(String::new()),
                Some(expr) => view.string(opts_at, expr),
            };
            const_labels(view, opts_at, opts.field("ConstLabels"), &mut out);
            let Some(name) = part("Name") else {
                return out;
            };
            match (part("Namespace"), part("Subsystem")) {
                (Some(namespace), Some(subsystem)) => {
                    out.complete = true;
                    out.name = Some(if name.is_empty() {
                        name
                    } else {
                        [namespace, subsystem, name]
                            .into_iter()
                            .filter(|p| !p.is_empty())
                            .collect::<Vec<_>>()
                            .join("_")
                    });
                }
                _ => out.name = Some(name),
            }
            out
        }
    }
}

/// What a `NewDesc(fqName, help, variableLabels, constLabels)` call's arguments tell at `at`.
fn desc(view: &View, at: At, args: &[Expr]) -> Evaluated {
    let help = args.get(1).and_then(|a| view.string(at, a));
    let name = args.first().and_then(|a| view.string(at, a));
    // A namespace filled at run time: the end of the name is still known.
    let tail = match &name {
        None => args.first().and_then(|a| view.name_tail(at, a)),
        Some(_) => None,
    };
    let mut out = Evaluated {
        complete: tail.is_none(),
        name: name.or(tail),
        help_missing: help.as_deref().is_some_and(|h| h.trim().is_empty()),
        help,
        labels: args.get(2).and_then(|a| view.strings(at, a)),
        registry: Registry::Unseen,
        ..Evaluated::default()
    };
    const_labels(view, at, args.get(3), &mut out);
    out
}

/// `expr` with `var.field` replaced by the element of `row` keyed `field` (`Other` when the
/// row has none).
fn substitute(expr: &Expr, var: &str, row: &Composite) -> Expr {
    match expr {
        Expr::Selector(operand, field) if operand.as_ident() == Some(var) => {
            row.field(field).cloned().unwrap_or(Expr::Other)
        }
        Expr::Call { callee, args } => Expr::Call {
            callee: callee.clone(),
            args: args.iter().map(|a| substitute(a, var, row)).collect(),
        },
        Expr::Concat(parts) => {
            Expr::Concat(parts.iter().map(|p| substitute(p, var, row)).collect())
        }
        Expr::AddrOf(inner) => Expr::AddrOf(Box::new(substitute(inner, var, row))),
        other => other.clone(),
    }
}

/// The key of the first `var.key` in `expr`.
fn selected_field<'e>(expr: &'e Expr, var: &str) -> Option<&'e str> {
    match expr {
        Expr::Selector(operand, field) if operand.as_ident() == Some(var) => Some(field),
        Expr::Call { args, .. } => args.iter().find_map(|a| selected_field(a, var)),
        Expr::Concat(parts) => parts.iter().find_map(|p| selected_field(p, var)),
        Expr::AddrOf(inner) => selected_field(inner, var),
        _ => None,
    }
}

/// The entries of the table a `range` loop around a `NewDesc` call walks, when the call's
/// name is taken from the loop's element (`m.name`): each entry a keyed literal with that key,
/// written in the same file.
fn table_rows<'v>(view: &'v View<'v>, file: usize, call: &'v Call) -> Vec<Template<'v>> {
    let facts = view.facts(file);
    let Some(name) = call.args.first() else {
        return Vec::new();
    };
    let Some((var, field)) = facts
        .ranges
        .iter()
        .filter(|r| {
            r.position == 1 && r.scope.start <= call.span.start && call.span.end <= r.scope.end
        })
        .find_map(|r| selected_field(name, &r.name).map(|field| (r, field)))
    else {
        return Vec::new();
    };
    let Some((at, table)) = view.composite(At::top(file, call.func), &var.over) else {
        return Vec::new();
    };
    if at.file != file {
        return Vec::new();
    }
    // A slice or array lists its entries; a map keys them.
    let entries: Vec<(&Expr, Span)> = if table.fields.is_empty() {
        table
            .elements
            .iter()
            .zip(table.element_spans.iter().copied())
            .collect()
    } else {
        table
            .fields
            .iter()
            .map(|(_, value)| value)
            .zip(table.field_spans.iter().copied())
            .collect()
    };
    entries
        .into_iter()
        .filter_map(|(entry, span)| {
            let row = match entry {
                Expr::Composite(row) => row,
                Expr::AddrOf(inner) => match inner.as_ref() {
                    Expr::Composite(row) => row,
                    _ => return None,
                },
                _ => return None,
            };
            row.field(field).is_some().then_some(Template {
                file,
                call,
                shape: Shape::Row {
                    var: &var.name,
                    row,
                    span,
                },
            })
        })
        .collect()
}

fn const_labels(view: &View, at: At, expr: Option<&Expr>, out: &mut Evaluated) {
    let Some(expr) = expr else {
        out.const_label_values = Some(Vec::new());
        return;
    };
    if let Some(pairs) = view.labels(at, expr) {
        out.const_labels = pairs.iter().map(|(k, _)| k.clone()).collect();
        out.const_label_values = pairs
            .into_iter()
            .map(|(k, v)| Some((k, v?)))
            .collect::<Option<Vec<_>>>();
    }
}

/// The registry of a constructor call.
fn registry(view: &View, at: At, via: Via, registerer: Option<&Expr>) -> Registry {
    match via {
        Via::Prometheus => Registry::Unseen,
        // go-kit's constructors call `prometheus.MustRegister`.
        Via::Promauto | Via::GoKit => Registry::Default,
        Via::PromautoWith => {
            let Some(mut expr) = registerer else {
                return Registry::Other;
            };
            let mut at = at;
            for depth in 0..8 {
                match expr {
                    Expr::Ident(n) if n == "nil" => return Registry::Nowhere,
                    Expr::Selector(operand, member) if member == "DefaultRegisterer" => {
                        let facts = view.facts(at.file);
                        let is_prometheus = operand.as_ident().is_some_and(|p| {
                            facts.import_path_of(p) == Some(view.prometheus_import)
                        });
                        return if is_prometheus {
                            Registry::Default
                        } else {
                            Registry::Other
                        };
                    }
                    Expr::Ident(_) => match view.denotes(at, expr, depth) {
                        Some((next, value)) => {
                            at = next;
                            expr = value;
                        }
                        None => return Registry::Other,
                    },
                    _ => return Registry::Other,
                }
            }
            Registry::Other
        }
    }
}

fn decl(
    view: &View,
    template: &Template,
    evaluated: Evaluated,
    builder: Option<&str>,
    call: Position,
    name_at: Position,
) -> MetricDecl {
    let (kind, origin) = match &template.shape {
        Shape::Opts { constructor, .. } => (metric_type(constructor), Origin::Constructor),
        Shape::Desc | Shape::Row { .. } => (MetricType::Untyped, Origin::Desc),
    };
    // A table's entries share the loop's call.
    let variable = match template.shape {
        Shape::Row { .. } => None,
        _ => variable(view.facts(template.file), template.call),
    };
    MetricDecl {
        name: evaluated.name,
        complete: evaluated.complete,
        kind,
        constructor: builder.map_or_else(|| written(template), str::to_string),
        origin: if builder.is_some() {
            Origin::Builder
        } else {
            origin
        },
        help: evaluated.help,
        help_missing: evaluated.help_missing,
        labels: evaluated.labels,
        const_labels: evaluated.const_labels,
        const_label_values: evaluated.const_label_values,
        registry: evaluated.registry,
        call,
        name_at,
        scope: None,
        ordinal: 0,
        variable: if builder.is_some() { None } else { variable },
    }
}

fn written(template: &Template) -> String {
    match &template.shape {
        Shape::Opts {
            constructor, via, ..
        } => crate::go::prometheus::written(template.call, *via, constructor),
        Shape::Desc | Shape::Row { .. } => "prometheus.NewDesc".to_string(),
    }
}

pub fn metric_type(constructor: &str) -> MetricType {
    if constructor.starts_with("NewCounter") {
        MetricType::Counter
    } else if constructor.starts_with("NewGauge") {
        MetricType::Gauge
    } else if constructor.starts_with("NewHistogram") {
        MetricType::Histogram
    } else if constructor.starts_with("NewSummary") {
        MetricType::Summary
    } else {
        MetricType::Untyped
    }
}

/// The variable a call's value is bound to on the call's line (`x := f()`, `var x = f()`).
fn variable(facts: &Facts, call: &Call) -> Option<String> {
    let row = call.span.start_row;
    let mut found = facts.bindings.iter().filter(|b| {
        b.row == row
            && b.func == call.func
            && matches!(&b.value, Expr::Call { callee, .. } if *callee.as_ref() == call.callee)
    });
    match (found.next(), found.next()) {
        (Some(b), None) => Some(b.name.clone()),
        _ => None,
    }
}

fn enclosing(facts: &Facts, span: Span) -> Option<usize> {
    match facts.calls.iter().find(|c| c.span == span) {
        Some(call) => call.func,
        None => facts
            .described_metrics
            .iter()
            .find(|d| d.span == span)
            .and_then(|d| d.func),
    }
}

fn top_scope(facts: &Facts, func: Option<usize>) -> Option<String> {
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

/// Every constructor and `NewDesc` call of the view, but deliberate no-op metrics.
fn templates<'v>(view: &'v View<'v>, table: &MetricTable) -> Vec<Template<'v>> {
    // Every file of the index is read, once per round of builders: in parallel.
    view.files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(file, vf)| file_templates(view, table, file, vf.facts))
        .collect()
}

fn file_templates<'v>(
    view: &'v View<'v>,
    table: &MetricTable,
    file: usize,
    facts: &'v Facts,
) -> Vec<Template<'v>> {
    let mut out = Vec::new();
    if !imports_metric_package(facts, table) {
        return out;
    }
    for metric in metric_calls(facts, table) {
        if metric.is_noop() {
            continue;
        }
        let registerer = match metric.via {
            Via::PromautoWith => registerer_of(facts, metric.call),
            _ => None,
        };
        out.push(Template {
            file,
            call: metric.call,
            shape: Shape::Opts {
                constructor: metric.constructor,
                via: metric.via,
                registerer,
            },
        });
    }
    let dot = facts.dot_imports(&table.prometheus_import);
    for call in &facts.calls {
        let is_desc = match &call.callee {
            Expr::Selector(operand, name) if name == "NewDesc" => operand
                .as_ident()
                .is_some_and(|p| facts.import_path_of(p) == Some(&table.prometheus_import)),
            Expr::Ident(name) => dot && name == "NewDesc",
            _ => false,
        };
        if is_desc && call.args.len() == 4 {
            let rows = table_rows(view, file, call);
            if rows.is_empty() {
                out.push(Template {
                    file,
                    call,
                    shape: Shape::Desc,
                });
            }
            out.extend(rows);
        }
    }
    out
}

/// Calls of the Prometheus package's functions that register metrics of the library's own
/// (`prometheus.InstrumentHandler("push", h)`, `prometheus.Handler()`), with the function's name.
fn library_calls<'v>(view: &View<'v>, table: &MetricTable) -> Vec<(usize, &'v Call, &'v str)> {
    let mut out = Vec::new();
    if table.library_functions.is_empty() {
        return out;
    }
    for (file, vf) in view.files.iter().enumerate() {
        let facts = vf.facts;
        if vf.rel.ends_with("_test.go") {
            continue;
        }
        for call in &facts.calls {
            let Expr::Selector(operand, name) = &call.callee else {
                continue;
            };
            let is_prometheus = operand
                .as_ident()
                .is_some_and(|p| facts.import_path_of(p) == Some(&table.prometheus_import));
            if is_prometheus && table.library_functions.iter().any(|f| f == name) {
                out.push((file, call, name.as_str()));
            }
        }
    }
    out
}

/// The `reg` of `promauto.With(reg).NewX(...)` or of a factory `f := promauto.With(reg)`.
fn registerer_of<'f>(facts: &'f Facts, call: &'f Call) -> Option<&'f Expr> {
    let Expr::Selector(operand, _) = &call.callee else {
        return None;
    };
    let with = match operand.as_ref() {
        Expr::Call { .. } => operand.as_ref(),
        Expr::Ident(factory) => &facts.unique_binding(factory, call.func)?.value,
        _ => return None,
    };
    match with {
        Expr::Call { args, .. } => args.first(),
        _ => None,
    }
}

/// The metric builders of the view: functions with a template whose name depends on their
/// parameters, then functions that call a builder with their own parameters.
fn builders<'v>(view: &View<'v>, templates: &[Template<'v>]) -> Vec<Builder<'v>> {
    let mut builders: Vec<Builder> = Vec::new();
    let mut by_func: HashMap<(usize, usize), usize> = HashMap::default();
    for (t, template) in templates.iter().enumerate() {
        let Some(func) = template.call.func else {
            continue;
        };
        let at = At::top(template.file, Some(func));
        // Only a name (or const labels) taken from the parameters makes a builder: a function
        // that only passes labels or a registry declares its metrics where they are written.
        let args = &template.call.args;
        let depends = match &template.shape {
            Shape::Opts { .. } => args.first().is_some_and(|a| view.mentions_param(at, a)),
            Shape::Desc | Shape::Row { .. } => [args.first(), args.get(3)]
                .into_iter()
                .flatten()
                .any(|a| view.mentions_param(at, a)),
        };
        if !depends {
            continue;
        }
        let Some(top) = view.top_level(template.file, func) else {
            continue;
        };
        let facts = view.facts(template.file);
        let (name, method) = match &facts.funcs[top].kind {
            FuncKind::Function { name } => (name.as_str(), false),
            FuncKind::Method { name, .. } => (name.as_str(), true),
            FuncKind::Literal => continue,
        };
        let b = *by_func.entry((template.file, top)).or_insert_with(|| {
            builders.push(Builder {
                file: template.file,
                func: top,
                name,
                method,
                inner: Vec::new(),
            });
            builders.len() - 1
        });
        builders[b].inner.push(Inner::Template(t));
    }
    // Further levels: functions that pass their parameters to a builder of the level below
    // (`createCollector(system)` -> `NewCollector(system)` -> `newServerzCollector(system)`).
    let first_level = builders.len();
    let mut level = 0..first_level;
    for _ in 1..MAX_BUILDER_DEPTH {
        if level.is_empty() {
            break;
        }
        let next_start = builders.len();
        let by_callee = builder_calls(view, &builders[level.clone()]);
        for b in level {
            let sites: Vec<(usize, &Call)> = calls_of(view, &by_callee, &builders[b]);
            for (file, call) in sites {
                let Some(func) = call.func else {
                    continue;
                };
                let at = At::top(file, Some(func));
                if !call.args.iter().any(|a| view.mentions_param(at, a)) {
                    continue;
                }
                // A call that resolves where it is written declares its metrics there, whatever
                // else (a registry) it passes on.
                let frame = Frame {
                    file: builders[b].file,
                    func: builders[b].func,
                    args: &call.args,
                    caller: at,
                };
                if expand(view, templates, &builders, b, &frame, 1, &mut Vec::new()) {
                    continue;
                }
                let Some(top) = view.top_level(file, func) else {
                    continue;
                };
                // A builder of its own constructor calls stays one; a call back into a
                // function the builder already reaches (a retry that re-creates) adds nothing.
                if by_func
                    .get(&(file, top))
                    .is_some_and(|&o| o < first_level || reaches(&builders, b, o))
                {
                    continue;
                }
                let facts = view.facts(file);
                let (name, method) = match &facts.funcs[top].kind {
                    FuncKind::Function { name } => (name.as_str(), false),
                    FuncKind::Method { name, .. } => (name.as_str(), true),
                    FuncKind::Literal => continue,
                };
                let outer = *by_func.entry((file, top)).or_insert_with(|| {
                    builders.push(Builder {
                        file,
                        func: top,
                        name,
                        method,
                        inner: Vec::new(),
                    });
                    builders.len() - 1
                });
                builders[outer].inner.push(Inner::Call { builder: b, call });
            }
        }
        level = next_start..builders.len();
    }
    builders
}

/// The calls of the view by the name they call (`f(...)`, `x.f(...)`).
type ByCallee<'v> = HashMap<&'v str, Vec<(usize, &'v Call)>>;

/// Only the calls of these names are kept: one pass over the calls of the view.
fn calls_by_callee<'v>(view: &View<'v>, names: HashSet<&str>) -> ByCallee<'v> {
    let mut out: ByCallee = HashMap::default();
    if names.is_empty() {
        return out;
    }
    for (file, vf) in view.files.iter().enumerate() {
        for call in &vf.facts.calls {
            if let Expr::Ident(name) | Expr::Selector(_, name) = &call.callee {
                if names.contains(name.as_str()) {
                    out.entry(name.as_str()).or_default().push((file, call));
                }
            }
        }
    }
    out
}

/// The calls of the names of `builders`, read only in the files that can call one (see
/// [`calls_of`]): those of the builders' packages, and those that import the package of an
/// exported function among them.
fn builder_calls<'v>(view: &View<'v>, builders: &[Builder]) -> ByCallee<'v> {
    let mut out: ByCallee = HashMap::default();
    if builders.is_empty() {
        return out;
    }
    let names: HashSet<&str> = builders.iter().map(|b| b.name).collect();
    let dirs: HashSet<&str> = builders
        .iter()
        .map(|b| parent_dir(view.files[b.file].rel))
        .collect();
    let imported: HashSet<String> = builders
        .iter()
        .filter(|b| !b.method && b.name.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter_map(|b| {
            view.modules
                .import_path_of(parent_dir(view.files[b.file].rel))
        })
        .collect();
    let names = &names;
    // Every file of the index is read, once per round of builders: in parallel.
    let found: Vec<(&str, (usize, &Call))> = view
        .files
        .par_iter()
        .enumerate()
        .filter(|(_, vf)| {
            dirs.contains(parent_dir(vf.rel))
                || (!imported.is_empty()
                    && vf.facts.imports.iter().any(|i| imported.contains(&i.path)))
        })
        .flat_map_iter(|(file, vf)| {
            vf.facts
                .calls
                .iter()
                .filter_map(move |call| match &call.callee {
                    Expr::Ident(name) | Expr::Selector(_, name)
                        if names.contains(name.as_str()) =>
                    {
                        Some((name.as_str(), (file, call)))
                    }
                    _ => None,
                })
        })
        .collect();
    for (name, site) in found {
        out.entry(name).or_default().push(site);
    }
    out
}

/// The calls of a builder in the view: `name(...)` in its package, `pkg.name(...)` where `pkg`
/// is its package imported, `x.name(...)` in its package for a method.
fn calls_of<'v>(
    view: &View<'v>,
    by_callee: &ByCallee<'v>,
    builder: &Builder,
) -> Vec<(usize, &'v Call)> {
    let dir = parent_dir(view.files[builder.file].rel);
    let mut out = Vec::new();
    for &(file, call) in by_callee.get(builder.name).into_iter().flatten() {
        let vf = &view.files[file];
        let same_package = parent_dir(vf.rel) == dir;
        let matches = match &call.callee {
            Expr::Ident(_) => same_package && !builder.method,
            Expr::Selector(operand, _) => match operand.as_ref() {
                Expr::Ident(p) if !same_package || !builder.method => {
                    !builder.method
                        && vf.facts.import_path_of(p).is_some_and(|path| {
                            view.modules.folder_of(path).is_some_and(|f| f == dir)
                        })
                }
                _ => builder.method && same_package,
            },
            _ => false,
        };
        // The builder's own recursive calls are not declarations.
        let inside = file == builder.file
            && call
                .func
                .and_then(|f| view.top_level(file, f))
                .is_some_and(|top| top == builder.func);
        if matches && !inside {
            out.push((file, call));
        }
    }
    out
}

/// `(package folder, variable)` for each variable passed to `prometheus.MustRegister` or
/// `prometheus.Register` (the default registry) or their `DefaultRegisterer` forms.
fn default_registered<'v>(view: &View<'v>) -> HashSet<(&'v str, &'v str)> {
    let mut out = HashSet::default();
    for vf in &view.files {
        let facts = vf.facts;
        let is_prometheus = |p: &str| facts.import_path_of(p) == Some(view.prometheus_import);
        for call in &facts.calls {
            let Expr::Selector(operand, name) = &call.callee else {
                continue;
            };
            if name != "MustRegister" && name != "Register" {
                continue;
            }
            let default = match operand.as_ref() {
                Expr::Ident(p) => is_prometheus(p),
                Expr::Selector(inner, member) => {
                    member == "DefaultRegisterer" && inner.as_ident().is_some_and(is_prometheus)
                }
                _ => false,
            };
            if !default {
                continue;
            }
            for arg in &call.args {
                if let Expr::Ident(v) = arg {
                    out.insert((parent_dir(vf.rel), v.as_str()));
                }
            }
        }
    }
    out
}

/// A list of metric groups the repository binds to a variable (`peerGroups =
/// []*Group{storageMetrics(opts), ...}`): what one collector, and so one scrape endpoint,
/// exposes. Keyed by its package folder and variable.
pub type GroupKey = (String, String);

/// The metrics a group list exposes, and where the list is bound.
#[derive(Debug, Clone, Default)]
pub struct Exposure {
    pub file: usize,
    pub row: usize,
    /// The full names of the described metrics the list reaches.
    pub names: BTreeSet<String>,
}

/// How many calls up from a description's function a group list is looked for.
const MAX_GROUP_DEPTH: usize = 3;

/// The group lists of `view` that reach described metrics (`decls` parallel to its files):
/// a list's elements are calls of the package's functions, and a described metric belongs to
/// each list that reaches the function its description is written in, within a few calls.
/// Collectors built from such lists expose only the metrics of their own list, so a metric
/// can leave one endpoint while another still serves it. The lists named in `keep` are
/// returned even when they reach no described metric (a list emptied by a change).
pub fn group_exposures(
    view: &View,
    decls: &[&[MetricDecl]],
    keep: &std::collections::HashSet<&GroupKey>,
) -> std::collections::HashMap<GroupKey, Exposure> {
    let mut out = std::collections::HashMap::new();
    let described: Vec<(usize, &MetricDecl)> = decls
        .iter()
        .enumerate()
        .flat_map(|(file, list)| list.iter().map(move |d| (file, d)))
        .filter(|(_, d)| d.origin == Origin::Described && d.full_name().is_some())
        .collect();
    if described.is_empty() {
        return out;
    }
    // The lists by the function each element calls: (folder, function) -> (file, binding).
    let mut lists: HashMap<(&str, &str), Vec<(usize, usize)>> = HashMap::default();
    for (file, vf) in view.files.iter().enumerate() {
        let dir = parent_dir(vf.rel);
        for (b, binding) in vf.facts.bindings.iter().enumerate() {
            let Expr::Composite(list) = &binding.value else {
                continue;
            };
            let key = (dir.to_string(), binding.name.clone());
            if keep.contains(&key) {
                out.entry(key).or_insert_with(|| Exposure {
                    file,
                    row: binding.row,
                    names: BTreeSet::new(),
                });
            }
            for element in &list.elements {
                let Expr::Call { callee, .. } = element else {
                    continue;
                };
                if let Some(target) = callee_function(view, file, dir, callee) {
                    lists.entry(target).or_default().push((file, b));
                }
            }
        }
    }
    if lists.is_empty() {
        return out;
    }
    // The functions the descriptions are written in, then their callers, level by level.
    let mut reach: HashMap<(&str, &str), BTreeSet<&str>> = HashMap::default();
    for (file, decl) in &described {
        let facts = view.facts(*file);
        let Some(func) = facts
            .described_metrics
            .iter()
            .find(|d| d.span.start == decl.call.start_byte)
            .and_then(|d| d.func)
            .and_then(|f| view.top_level(*file, f))
        else {
            continue;
        };
        if let FuncKind::Function { name } = &facts.funcs[func].kind {
            let dir = parent_dir(view.files[*file].rel);
            if let Some(full) = decl.full_name() {
                reach.entry((dir, name.as_str())).or_default().insert(full);
            }
        }
    }
    let mut frontier: HashMap<(&str, &str), BTreeSet<&str>> = reach.clone();
    for _ in 0..MAX_GROUP_DEPTH {
        let names: HashSet<&str> = frontier.keys().map(|(_, n)| *n).collect();
        let mut next: HashMap<(&str, &str), BTreeSet<&str>> = HashMap::default();
        for (name, calls) in calls_by_callee(view, names) {
            for (file, call) in calls {
                let dir = parent_dir(view.files[file].rel);
                let Some(target) = callee_function(view, file, dir, &call.callee) else {
                    continue;
                };
                let Some(metrics) = frontier.get(&target) else {
                    continue;
                };
                let Some(top) = call.func.and_then(|f| view.top_level(file, f)) else {
                    continue;
                };
                if let FuncKind::Function { name: caller } = &view.facts(file).funcs[top].kind {
                    if caller != name && caller != "init" {
                        next.entry((dir, caller.as_str()))
                            .or_default()
                            .extend(metrics.iter().copied());
                    }
                }
            }
        }
        for (key, metrics) in &next {
            reach
                .entry(*key)
                .or_default()
                .extend(metrics.iter().copied());
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    for (function, metrics) in &reach {
        for &(file, b) in lists.get(function).into_iter().flatten() {
            let binding = &view.facts(file).bindings[b];
            let key = (
                parent_dir(view.files[file].rel).to_string(),
                binding.name.clone(),
            );
            let exposure = out.entry(key).or_insert_with(|| Exposure {
                file,
                row: binding.row,
                names: BTreeSet::new(),
            });
            exposure.names.extend(metrics.iter().map(|m| m.to_string()));
        }
    }
    out
}

/// The package function a callee names: `f` in `dir`, `pkg.f` of an imported package of the
/// repository.
fn callee_function<'v>(
    view: &View<'v>,
    file: usize,
    dir: &'v str,
    callee: &'v Expr,
) -> Option<(&'v str, &'v str)> {
    match callee {
        Expr::Ident(name) => Some((dir, name.as_str())),
        Expr::Selector(operand, name) => {
            let path = view.facts(file).import_path_of(operand.as_ident()?)?;
            let folder = view.modules.folder_of(path)?;
            let dir = view.by_dir.keys().copied().find(|d| *d == folder)?;
            Some((dir, name.as_str()))
        }
        _ => None,
    }
}

/// What a metrics endpoint (`promhttp.Handler()`, `promhttp.HandlerFor(gatherer, …)`) serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// The default registry: `promhttp.Handler()`, `prometheus.DefaultGatherer`, or a
    /// `prometheus.Gatherers` list that holds it.
    Default,
    /// A registry the program makes itself (`prometheus.NewRegistry()`, a `*prometheus.Registry`
    /// parameter or field, unless the program takes the default registry as one).
    Own,
    /// Something the code does not tell (a `prometheus.Gatherer` parameter).
    Unknown,
}

/// A metrics endpoint: the handler call and what it serves.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub file: usize,
    pub span: Span,
    pub serves: Serves,
}

/// The metrics endpoints of `view` (outside tests), and whether it registers the Go runtime
/// and process collectors itself (`collectors.NewGoCollector()`, `prometheus.NewProcessCollector(…)`).
#[derive(Debug, Default)]
pub struct Endpoints {
    pub endpoints: Vec<Endpoint>,
    pub go_collector: bool,
    pub process_collector: bool,
}

impl Endpoints {
    /// The endpoints that serve `serves`.
    pub fn serving(&self, serves: Serves) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.iter().filter(move |e| e.serves == serves)
    }
}

/// The metrics endpoints of `view` and the runtime collectors it registers.
pub fn endpoints(view: &View) -> Endpoints {
    let promhttp = format!("{}/promhttp", view.prometheus_import);
    let mut out = Endpoints::default();
    let registry_may_be_default = takes_default_as_registry(view);
    for (file, vf) in view.files.iter().enumerate() {
        if vf.rel.ends_with("_test.go") {
            continue;
        }
        let facts = vf.facts;
        let Some(local) = facts.local_names(&promhttp).next() else {
            for call in &facts.calls {
                note_collector(call, &mut out);
            }
            continue;
        };
        for call in &facts.calls {
            note_collector(call, &mut out);
            let Expr::Selector(operand, name) = &call.callee else {
                continue;
            };
            if operand.as_ident() != Some(local) {
                continue;
            }
            let serves = match name.as_str() {
                "Handler" => Serves::Default,
                "HandlerFor" => match call.args.first() {
                    Some(gatherer) => match serves(view, file, call.func, gatherer, 0) {
                        Serves::Own if registry_may_be_default => Serves::Unknown,
                        serves => serves,
                    },
                    None => continue,
                },
                _ => continue,
            };
            out.endpoints.push(Endpoint {
                file,
                span: call.span,
                serves,
            });
        }
    }
    out
}

/// Whether the program takes the default registry as a `*prometheus.Registry`
/// (`prometheus.DefaultRegisterer.(*prometheus.Registry)`, on one line outside tests): then a
/// registry field or parameter may hold the default one.
fn takes_default_as_registry(view: &View) -> bool {
    view.files
        .iter()
        .filter(|vf| !vf.rel.ends_with("_test.go"))
        .any(|vf| {
            let facts = vf.facts;
            let is_prometheus = |p: &str| facts.import_path_of(p) == Some(view.prometheus_import);
            facts.decls.iter().any(|decl| {
                let rows = |member: &[&str]| -> Vec<usize> {
                    decl.uses
                        .iter()
                        .filter(|u| is_prometheus(&u.package))
                        .filter(|u| {
                            member
                                .iter()
                                .any(|m| u.text.strip_prefix(u.package.as_str()) == Some(m))
                        })
                        .map(|u| u.row)
                        .collect()
                };
                let defaults = rows(&[".DefaultRegisterer", ".DefaultGatherer"]);
                rows(&[".Registry"])
                    .iter()
                    .any(|row| defaults.contains(row))
            })
        })
}

/// Notes a call of a Go runtime or process collector's constructor.
fn note_collector(call: &Call, out: &mut Endpoints) {
    if let Expr::Selector(_, name) | Expr::Ident(name) = &call.callee {
        match name.as_str() {
            "NewGoCollector" => out.go_collector = true,
            "NewProcessCollector" => out.process_collector = true,
            _ => {}
        }
    }
}

/// What the gatherer `expr`, written in function `func` of `file`, is.
fn serves(view: &View, file: usize, func: Option<usize>, expr: &Expr, depth: usize) -> Serves {
    if depth > 8 {
        return Serves::Unknown;
    }
    let facts = view.facts(file);
    let is_prometheus = |p: &str| facts.import_path_of(p) == Some(view.prometheus_import);
    match expr {
        Expr::Selector(operand, member) => match operand.as_ident() {
            Some(p) if is_prometheus(p) => match member.as_str() {
                "DefaultGatherer" | "DefaultRegisterer" => Serves::Default,
                _ => Serves::Unknown,
            },
            // A field of a value: a `*prometheus.Registry` field of one of the package's structs.
            _ => {
                let dir = parent_dir(view.files[file].rel);
                let registry_field = view.files.iter().any(|other| {
                    parent_dir(other.rel) == dir
                        && other.facts.struct_fields.iter().any(|f| {
                            f.field == *member
                                && f.type_name == "Registry"
                                && other.facts.import_path_of(&f.package)
                                    == Some(view.prometheus_import)
                        })
                });
                if registry_field {
                    Serves::Own
                } else {
                    Serves::Unknown
                }
            }
        },
        Expr::Ident(name) => {
            if let Some(binding) = facts.unique_binding(name, func) {
                return serves(view, file, binding.func, &binding.value, depth + 1);
            }
            // A parameter of an enclosing function typed `*prometheus.Registry`.
            let mut scope = func;
            while let Some(f) = scope.and_then(|i| facts.funcs.get(i)) {
                if let Some(i) = f.param_names.iter().position(|p| p == name) {
                    return match f.params.get(i) {
                        Some(crate::go::TypeRef::Named {
                            package: Some(p),
                            name,
                            pointer: true,
                        }) if name == "Registry" && is_prometheus(p) => Serves::Own,
                        _ => Serves::Unknown,
                    };
                }
                scope = f.enclosing;
            }
            Serves::Unknown
        }
        Expr::Call { callee, .. } => match callee.as_ref() {
            Expr::Selector(operand, name)
                if operand.as_ident().is_some_and(is_prometheus)
                    && matches!(name.as_str(), "NewRegistry" | "NewPedanticRegistry") =>
            {
                Serves::Own
            }
            _ => Serves::Unknown,
        },
        Expr::AddrOf(inner) => serves(view, file, func, inner, depth + 1),
        // `prometheus.Gatherers{prometheus.DefaultGatherer, reg}`.
        Expr::Composite(list) => {
            let each: Vec<Serves> = list
                .elements
                .iter()
                .map(|e| serves(view, file, func, e, depth + 1))
                .collect();
            if each.contains(&Serves::Default) {
                Serves::Default
            } else if !each.is_empty() && each.iter().all(|s| *s == Serves::Own) {
                Serves::Own
            } else {
                Serves::Unknown
            }
        }
        Expr::Str(_) | Expr::Concat(_) | Expr::Other => Serves::Unknown,
    }
}
