//! `sre-policy inventory`: the on-call map (handler → route → team) and the metrics catalogue
//! of a repository, as Markdown or JSON; with `--base REV`, what a change adds, removes and
//! alters.
//!
//! Per file (in parallel): one parse, then the handlers with their `@oncall-team` annotation,
//! the route registrations (`mux.HandleFunc("/x", h)`, `r.GET("/x", h)`, ...) and the metric
//! declarations. Then per package (folder): registrations are resolved to handlers declared in
//! the same package (func literals in place, functions, method values `s.handleX`, `&T{}` with
//! a `ServeHTTP` method), and receiver-type annotations declared in other files are applied.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::Settings;
use crate::data::RuleData;
use crate::git::{ChangeRequest, FileStatus, Repo};
use crate::go::metric_decl::{metric_decls, MetricDecl};
use crate::go::{Expr, Facts, FuncKind, Span};
use crate::prefilter::Prefilter;
use crate::rules::handler_oncall::{self, Annotation};
use crate::source::LineIndex;
use crate::walk::{self, WalkOptions};

/// The JSON schema version.
pub const VERSION: u32 = 1;

/// Output format of `inventory`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum InventoryFormat {
    #[default]
    Markdown,
    Json,
}

/// What `inventory` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct InventoryOptions {
    pub path: PathBuf,
    pub config: Option<PathBuf>,
    /// Compare with `merge-base(REV, HEAD)`.
    pub base: Option<String>,
    pub include_vendor: bool,
    pub no_ignore: bool,
}

/// An HTTP handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Handler {
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// `Name`, `Type.Method` or `func literal`.
    pub name: String,
    /// `net/http`, `gin`, `echo`, `fiber`, or an extra handler's import path.
    pub kind: String,
    /// Route patterns registered with string literals, as written (`GET /orders/{id}`; a
    /// framework's method call adds the method: `r.GET("/x", h)` → `GET /x`).
    pub routes: Vec<String>,
    /// The `@oncall-team` team; `null` when there is none (several teams: comma-separated).
    pub team: Option<String>,
}

/// A metric constructor call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metric {
    /// The full name, or only the `Name` part when `complete` is false; `null` when the name
    /// is not a constant.
    pub name: Option<String>,
    pub complete: bool,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub help: Option<String>,
    /// Variable labels; `null` when they are not constants.
    pub labels: Option<Vec<String>>,
    pub const_labels: Vec<String>,
    /// `promauto.NewCounterVec`.
    pub constructor: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// The inventory of one tree.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    pub handlers: Vec<Handler>,
    pub metrics: Vec<Metric>,
}

/// A value that changed: before and after, and which fields differ.
#[derive(Debug, Clone, Serialize)]
pub struct Altered<T> {
    pub before: T,
    pub after: T,
    pub fields: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delta<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
    pub altered: Vec<Altered<T>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// The revision given to `--base`.
    pub base: String,
    pub handlers: Delta<Handler>,
    pub metrics: Delta<Metric>,
}

/// The `inventory` command's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub handlers: Vec<Handler>,
    pub metrics: Vec<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

/// Builds the inventory of `options.path` (and the changes since `--base`).
pub fn build(options: &InventoryOptions) -> miette::Result<Report> {
    let check = crate::engine::CheckOptions {
        path: options.path.clone(),
        config: options.config.clone(),
        include_vendor: options.include_vendor,
        no_ignore: options.no_ignore,
        ..Default::default()
    };
    let (root, settings) = crate::engine::prepare(&check)?;
    let start = options
        .path
        .canonicalize()
        .unwrap_or_else(|_| options.path.clone());
    let walk_options = WalkOptions {
        include_vendor: options.include_vendor,
        no_ignore: options.no_ignore,
    };
    let walked = walk::walk(&start, &root, &settings, walk_options);
    let sources: Vec<(String, Source)> = walked
        .files
        .into_iter()
        .map(|f| (f.rel, Source::Disk(f.abs)))
        .collect();
    let head_files = scan(sources, &settings);
    let head = resolve(&head_files, &settings);
    let changes = match &options.base {
        None => None,
        Some(base) => {
            let repo = Repo::discover_required(&start)?;
            let request = ChangeRequest {
                base: Some(base.clone()),
                head: None,
                staged: false,
            };
            let change = repo.change_set(&request, &|p| p.ends_with(".go"))?;
            let start_rel = walk::relative(&start, repo.root());
            let selected = |rel: &str| {
                let name = rel.rsplit('/').next().unwrap_or(rel);
                (start_rel.is_empty() || rel.starts_with(&format!("{start_rel}/")))
                    && walk::wanted_go_file(name, &settings)
                    && !walk::excluded(rel, &settings, walk_options)
            };
            let changed_new: HashSet<&str> = change
                .files
                .iter()
                .filter(|f| f.status != FileStatus::Deleted)
                .map(|f| f.path.as_str())
                .collect();
            let mut old_sources = Vec::new();
            for file in &change.files {
                let old_path = file.old_path.as_deref().unwrap_or(&file.path);
                if let (true, Some(old)) = (selected(old_path), &file.old_content) {
                    old_sources.push((old_path.to_string(), Source::Bytes(old.clone())));
                }
            }
            let mut base_files: Vec<FileInventory> = head_files
                .iter()
                .filter(|f| !changed_new.contains(f.rel.as_str()))
                .cloned()
                .collect();
            base_files.extend(scan(old_sources, &settings));
            let before = resolve(&base_files, &settings);
            Some(compare(base, &before, &head))
        }
    };
    Ok(Report {
        version: VERSION,
        handlers: head.handlers,
        metrics: head.metrics,
        changes,
    })
}

enum Source {
    Disk(PathBuf),
    Bytes(Vec<u8>),
}

/// A route registration: the pattern and what it registers.
#[derive(Debug, Clone)]
struct Registration {
    pattern: String,
    target: Target,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A function of the package: `h`.
    Func(String),
    /// A method value: `s.handleX`.
    Method(String),
    /// `&T{}` or `T{}`: T's `ServeHTTP`.
    Serve(String),
    /// A func literal in place, by the byte offset of its `func` keyword.
    Literal(usize),
}

#[derive(Debug, Clone)]
struct RawHandler {
    entry: Handler,
    kind: FuncKind,
    keyword_start: usize,
    /// The annotations of the nearest place that has any.
    decided: Option<Vec<Annotation>>,
    /// The receiver type whose doc (in another file) may annotate it.
    receiver: Option<String>,
}

/// What one file tells the inventory.
#[derive(Debug, Clone)]
struct FileInventory {
    rel: String,
    handlers: Vec<RawHandler>,
    registrations: Vec<Registration>,
    type_annotations: Vec<(String, Vec<Annotation>)>,
    metrics: Vec<MetricDecl>,
}

/// Method names that register a route with a string pattern.
const REGISTER: &[&str] = &[
    "HandleFunc",
    "Handle",
    "Handler",
    "HandlerFunc",
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    "Any",
    "Get",
    "Post",
    "Put",
    "Patch",
    "Delete",
    "Head",
    "Options",
    "Connect",
    "Trace",
    "All",
    "Method",
    "MethodFunc",
    "Add",
];

const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

fn scan(sources: Vec<(String, Source)>, settings: &Settings) -> Vec<FileInventory> {
    let data = RuleData::builtin();
    let relevance = Prefilter::new(data, settings);
    // Registrations can live in files that import neither net/http nor a framework.
    let routes = AhoCorasick::new([
        "Handle", ".GET(", ".POST(", ".PUT(", ".PATCH(", ".DELETE(", ".Get(", ".Post(", ".Put(",
        ".Patch(", ".Delete(", ".Any(", ".All(", ".Method",
    ])
    .ok();
    // On the checking pool: its threads have the stack that deeply nested files need.
    let mut files: Vec<FileInventory> = crate::engine::on_worker_stack(|| {
        sources
            .into_par_iter()
            .map(|(rel, source)| {
                let bytes = match source {
                    Source::Bytes(bytes) => bytes,
                    // The checker's reader: no links followed, FIFOs never waited on.
                    Source::Disk(abs) => crate::engine::read_source_file(&abs).ok()?,
                };
                if walk::is_generated(&bytes) {
                    return None;
                }
                let wanted = relevance.is_relevant(&bytes)
                    || routes.as_ref().is_some_and(|r| r.is_match(&bytes));
                if !wanted {
                    return None;
                }
                let parsed =
                    crate::engine::with_parser(|parser| parser.as_mut()?.parse(&bytes).ok())?;
                Some(file_inventory(rel, &parsed.facts, &bytes, settings, data))
            })
            .flatten()
            .collect()
    });
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

fn file_inventory(
    rel: String,
    facts: &Facts,
    src: &[u8],
    settings: &Settings,
    data: &RuleData,
) -> FileInventory {
    let lines = LineIndex::new(src);
    let mut handlers = Vec::new();
    for func in &facts.funcs {
        let Some(kind) = handler_oncall::handler_kind(func, facts, settings, &data.frameworks)
        else {
            continue;
        };
        let (places, receiver) = handler_oncall::annotation_places(func, facts);
        let decided = places.into_iter().find(|p| !p.is_empty());
        let (line, column) = lines.position(func.keyword.start);
        handlers.push(RawHandler {
            entry: Handler {
                path: rel.clone(),
                line,
                column,
                name: func.display_name(),
                kind,
                routes: Vec::new(),
                team: None,
            },
            kind: func.kind.clone(),
            keyword_start: func.keyword.start,
            decided,
            receiver,
        });
    }
    let mut registrations = Vec::new();
    for call in &facts.calls {
        let Expr::Selector(_, method) = &call.callee else {
            continue;
        };
        if !REGISTER.contains(&method.as_str()) {
            continue;
        }
        let strings: Vec<&str> = call
            .args
            .iter()
            .map_while(|a| match a {
                Expr::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let pattern = match strings.as_slice() {
            [path] if HTTP_METHODS.contains(&method.to_ascii_uppercase().as_str()) => {
                format!("{} {path}", method.to_ascii_uppercase())
            }
            [path] => path.to_string(),
            [verb, path, ..] if HTTP_METHODS.contains(&verb.to_ascii_uppercase().as_str()) => {
                format!("{} {path}", verb.to_ascii_uppercase())
            }
            _ => continue,
        };
        if !pattern.contains('/') {
            continue;
        }
        let rest = &call.args[strings.len().min(call.args.len())..];
        if let Some(target) = target_of(rest, call.span, facts, settings, data, 0) {
            registrations.push(Registration { pattern, target });
        }
    }
    let type_annotations = handler_oncall::type_annotations(facts);
    FileInventory {
        metrics: metric_decls(facts, &data.metrics, src),
        rel,
        handlers,
        registrations,
        type_annotations,
    }
}

/// What a registration's handler argument refers to: the last argument that names one.
fn target_of(
    args: &[Expr],
    call: Span,
    facts: &Facts,
    settings: &Settings,
    data: &RuleData,
    depth: usize,
) -> Option<Target> {
    if depth > 4 {
        return None;
    }
    for arg in args.iter().rev() {
        let found = match arg {
            Expr::Ident(name) if name != "nil" => Some(Target::Func(name.clone())),
            Expr::Selector(_, name) => Some(Target::Method(name.clone())),
            Expr::Composite(c) => composite_type(c.type_name.as_deref()),
            Expr::AddrOf(inner) => match inner.as_ref() {
                Expr::Composite(c) => composite_type(c.type_name.as_deref()),
                _ => None,
            },
            Expr::Call { args, .. } => target_of(args, call, facts, settings, data, depth + 1),
            Expr::Other => literal_in(call, facts, settings, data),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn composite_type(name: Option<&Expr>) -> Option<Target> {
    match name? {
        Expr::Ident(t) => Some(Target::Serve(t.clone())),
        _ => None,
    }
}

/// The last outermost handler literal written inside the call.
fn literal_in(call: Span, facts: &Facts, settings: &Settings, data: &RuleData) -> Option<Target> {
    let inside = |s: Span| s.start >= call.start && s.end <= call.end;
    let candidates: Vec<usize> = facts
        .funcs
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.kind, FuncKind::Literal) && inside(f.span))
        .filter(|(_, f)| {
            handler_oncall::handler_kind(f, facts, settings, &data.frameworks).is_some()
        })
        .map(|(i, _)| i)
        .collect();
    candidates
        .iter()
        .filter(|&&i| {
            // Not nested in another candidate.
            let mut enclosing = facts.funcs.get(i).and_then(|f| f.enclosing);
            while let Some(e) = enclosing {
                if candidates.contains(&e) {
                    return false;
                }
                enclosing = facts.funcs.get(e).and_then(|f| f.enclosing);
            }
            true
        })
        .filter_map(|&i| facts.funcs.get(i))
        .max_by_key(|f| f.span.start)
        .map(|f| Target::Literal(f.keyword.start))
}

/// Resolves routes and receiver annotations per package and sorts the result.
fn resolve(files: &[FileInventory], settings: &Settings) -> Inventory {
    let _ = settings;
    let mut by_dir: BTreeMap<&str, Vec<&FileInventory>> = BTreeMap::new();
    for file in files {
        by_dir
            .entry(walk::parent_dir(&file.rel))
            .or_default()
            .push(file);
    }
    let mut inventory = Inventory::default();
    for package in by_dir.values() {
        let type_docs: HashMap<&str, &Vec<Annotation>> = package
            .iter()
            .flat_map(|f| f.type_annotations.iter().map(|(t, a)| (t.as_str(), a)))
            .collect();
        for file in package {
            for raw in &file.handlers {
                let mut entry = raw.entry.clone();
                let annotations = raw.decided.as_ref().or_else(|| {
                    raw.receiver
                        .as_deref()
                        .and_then(|r| type_docs.get(r).copied())
                });
                entry.team = annotations.and_then(|found| team_of(found));
                let mut routes: Vec<String> = package
                    .iter()
                    .flat_map(|f| f.registrations.iter().map(move |r| (f, r)))
                    .filter(|(f, r)| registers(raw, file, f, &r.target))
                    .map(|(_, r)| r.pattern.clone())
                    .collect();
                routes.sort();
                routes.dedup();
                entry.routes = routes;
                inventory.handlers.push(entry);
            }
            for decl in &file.metrics {
                inventory.metrics.push(Metric {
                    name: decl.name.clone(),
                    complete: decl.complete,
                    kind: decl.kind.as_str(),
                    help: decl.help.clone(),
                    labels: decl.labels.clone(),
                    const_labels: decl.const_labels.clone(),
                    constructor: decl.constructor.clone(),
                    path: file.rel.clone(),
                    line: decl.call.line,
                    column: decl.call.column,
                });
            }
        }
    }
    inventory
        .handlers
        .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    inventory.metrics.sort_by(|a, b| {
        (a.name.is_none(), &a.name, &a.path, a.line).cmp(&(
            b.name.is_none(),
            &b.name,
            &b.path,
            b.line,
        ))
    });
    inventory
}

fn team_of(found: &[Annotation]) -> Option<String> {
    let mut teams: Vec<&str> = found.iter().filter_map(|a| a.team.as_deref()).collect();
    teams.sort_unstable();
    teams.dedup();
    (!teams.is_empty()).then(|| teams.join(","))
}

fn registers(
    handler: &RawHandler,
    handler_file: &FileInventory,
    reg_file: &FileInventory,
    target: &Target,
) -> bool {
    match (target, &handler.kind) {
        (Target::Func(name), FuncKind::Function { name: n }) => name == n,
        (Target::Method(name), FuncKind::Method { name: n, .. }) => name == n,
        (Target::Serve(t), FuncKind::Method { receiver, name }) => {
            receiver == t && name == "ServeHTTP"
        }
        (Target::Literal(start), FuncKind::Literal) => {
            std::ptr::eq(handler_file, reg_file) && *start == handler.keyword_start
        }
        _ => false,
    }
}

/// What changed between two inventories.
fn compare(base: &str, before: &Inventory, after: &Inventory) -> Changes {
    let handler_key = |h: &Handler| {
        if h.name == "func literal" {
            let at = if h.routes.is_empty() {
                format!("#{}", h.line)
            } else {
                h.routes.join(",")
            };
            (h.path.clone(), h.name.clone(), at)
        } else {
            (h.path.clone(), h.name.clone(), String::new())
        }
    };
    let handlers = delta(&before.handlers, &after.handlers, handler_key, |a, b| {
        let mut fields = Vec::new();
        if a.team != b.team {
            fields.push("team");
        }
        if a.routes != b.routes {
            fields.push("routes");
        }
        if a.kind != b.kind {
            fields.push("kind");
        }
        fields
    });
    let metrics = metric_delta(&before.metrics, &after.metrics);
    Changes {
        base: base.to_string(),
        handlers,
        metrics,
    }
}

/// Metrics are matched by name and file first, then by name alone (a metric that moved to
/// another file is altered, not removed and added); metrics without a constant name only by
/// file and line.
fn metric_delta(before: &[Metric], after: &[Metric]) -> Delta<Metric> {
    let mut d = Delta {
        added: Vec::new(),
        removed: Vec::new(),
        altered: Vec::new(),
    };
    let mut old_left: Vec<Option<&Metric>> = before.iter().map(Some).collect();
    let mut new_left: Vec<&Metric> = Vec::new();
    let exact = |a: &Metric, b: &Metric| match (&a.name, &b.name) {
        (Some(x), Some(y)) => x == y && a.complete == b.complete && a.path == b.path,
        (None, None) => a.path == b.path && a.line == b.line,
        _ => false,
    };
    let by_name =
        |a: &Metric, b: &Metric| a.name.is_some() && a.name == b.name && a.complete == b.complete;
    let pair = |old: &Metric, new: &Metric, d: &mut Delta<Metric>| {
        let mut fields = Vec::new();
        if old.kind != new.kind {
            fields.push("type");
        }
        if old.labels != new.labels {
            fields.push("labels");
        }
        if old.const_labels != new.const_labels {
            fields.push("const_labels");
        }
        if old.help != new.help {
            fields.push("help");
        }
        if old.path != new.path {
            fields.push("path");
        }
        if !fields.is_empty() {
            d.altered.push(Altered {
                before: old.clone(),
                after: new.clone(),
                fields,
            });
        }
    };
    for new in after {
        match old_left
            .iter()
            .position(|o| o.is_some_and(|o| exact(o, new)))
        {
            Some(i) => {
                if let Some(old) = old_left[i].take() {
                    pair(old, new, &mut d);
                }
            }
            None => new_left.push(new),
        }
    }
    for new in new_left {
        match old_left
            .iter()
            .position(|o| o.is_some_and(|o| by_name(o, new)))
        {
            Some(i) => {
                if let Some(old) = old_left[i].take() {
                    pair(old, new, &mut d);
                }
            }
            None => d.added.push(new.clone()),
        }
    }
    d.removed.extend(old_left.into_iter().flatten().cloned());
    d
}

fn delta<T: Clone, K: Ord>(
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> K,
    differ: impl Fn(&T, &T) -> Vec<&'static str>,
) -> Delta<T> {
    let old: BTreeMap<K, &T> = before.iter().rev().map(|t| (key(t), t)).collect();
    let new: BTreeMap<K, &T> = after.iter().rev().map(|t| (key(t), t)).collect();
    let mut d = Delta {
        added: Vec::new(),
        removed: Vec::new(),
        altered: Vec::new(),
    };
    for (k, b) in &new {
        match old.get(k) {
            None => d.added.push((*b).clone()),
            Some(a) => {
                let fields = differ(a, b);
                if !fields.is_empty() {
                    d.altered.push(Altered {
                        before: (*a).clone(),
                        after: (*b).clone(),
                        fields,
                    });
                }
            }
        }
    }
    for (k, a) in &old {
        if !new.contains_key(k) {
            d.removed.push((*a).clone());
        }
    }
    d
}

/// The report as pretty JSON with a trailing newline.
pub fn to_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// The report as Markdown: the two tables, or with `--base` only the changes.
pub fn to_markdown(report: &Report) -> String {
    let mut out = String::new();
    match &report.changes {
        None => {
            out.push_str("# On-call inventory\n\n");
            out.push_str("Generated by `sre-policy inventory`; do not edit by hand.\n\n");
            out.push_str(&format!("## HTTP handlers ({})\n\n", report.handlers.len()));
            handler_table(&mut out, &report.handlers);
            out.push_str(&format!("\n## Metrics ({})\n\n", report.metrics.len()));
            metric_table(&mut out, &report.metrics);
        }
        Some(changes) => {
            out.push_str(&format!(
                "# Handler and metric changes since `{}`\n\n",
                cell(&changes.base)
            ));
            let h = &changes.handlers;
            let m = &changes.metrics;
            if h.added.is_empty()
                && h.removed.is_empty()
                && h.altered.is_empty()
                && m.added.is_empty()
                && m.removed.is_empty()
                && m.altered.is_empty()
            {
                out.push_str("No handler or metric is added, removed or altered.\n");
                return out;
            }
            let sections: [(&str, &Vec<Handler>); 2] = [
                ("Added handlers", &h.added),
                ("Removed handlers", &h.removed),
            ];
            for (title, list) in sections {
                if !list.is_empty() {
                    out.push_str(&format!("## {title} ({})\n\n", list.len()));
                    handler_table(&mut out, list);
                    out.push('\n');
                }
            }
            if !h.altered.is_empty() {
                out.push_str(&format!("## Altered handlers ({})\n\n", h.altered.len()));
                out.push_str("| Handler | Changed | Before | After |\n|---|---|---|---|\n");
                for a in &h.altered {
                    out.push_str(&format!(
                        "| `{}` `{}:{}` | {} | {} | {} |\n",
                        cell(&a.after.name),
                        cell(&a.after.path),
                        a.after.line,
                        a.fields.join(", "),
                        handler_summary(&a.before),
                        handler_summary(&a.after)
                    ));
                }
                out.push('\n');
            }
            let sections: [(&str, &Vec<Metric>); 2] =
                [("Added metrics", &m.added), ("Removed metrics", &m.removed)];
            for (title, list) in sections {
                if !list.is_empty() {
                    out.push_str(&format!("## {title} ({})\n\n", list.len()));
                    metric_table(&mut out, list);
                    out.push('\n');
                }
            }
            if !m.altered.is_empty() {
                out.push_str(&format!("## Altered metrics ({})\n\n", m.altered.len()));
                out.push_str("| Metric | Changed | Before | After |\n|---|---|---|---|\n");
                for a in &m.altered {
                    out.push_str(&format!(
                        "| {} | {} | {} | {} |\n",
                        metric_name(&a.after),
                        a.fields.join(", "),
                        metric_summary(&a.before),
                        metric_summary(&a.after)
                    ));
                }
                out.push('\n');
            }
        }
    }
    out
}

fn handler_table(out: &mut String, handlers: &[Handler]) {
    out.push_str("| Handler | Route | Team | Location |\n|---|---|---|---|\n");
    for h in handlers {
        out.push_str(&format!(
            "| `{}` | {} | {} | `{}:{}` |\n",
            cell(&h.name),
            routes_cell(&h.routes),
            h.team
                .as_deref()
                .map(cell)
                .unwrap_or_else(|| "-".to_string()),
            cell(&h.path),
            h.line
        ));
    }
}

fn metric_table(out: &mut String, metrics: &[Metric]) {
    out.push_str("| Metric | Type | Labels | Help | Location |\n|---|---|---|---|---|\n");
    for m in metrics {
        out.push_str(&format!(
            "| {} | {} | {} | {} | `{}:{}` |\n",
            metric_name(m),
            m.kind,
            labels_cell(m),
            match m.help.as_deref() {
                Some(help) if help.trim().is_empty() => "*(empty)*".to_string(),
                Some(help) => cell(help),
                None => "-".to_string(),
            },
            cell(&m.path),
            m.line
        ));
    }
}

fn metric_name(m: &Metric) -> String {
    match &m.name {
        Some(name) if m.complete => format!("`{}`", cell(name)),
        Some(name) => format!("`…_{}` (prefix not constant)", cell(name)),
        None => format!("? (`{}`, name not constant)", cell(&m.constructor)),
    }
}

fn labels_cell(m: &Metric) -> String {
    let mut parts: Vec<String> = match &m.labels {
        Some(labels) => labels.iter().map(|l| format!("`{}`", cell(l))).collect(),
        None => vec!["?".to_string()],
    };
    parts.extend(
        m.const_labels
            .iter()
            .map(|l| format!("`{}` (const)", cell(l))),
    );
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(", ")
    }
}

fn routes_cell(routes: &[String]) -> String {
    if routes.is_empty() {
        "-".to_string()
    } else {
        routes
            .iter()
            .map(|r| format!("`{}`", cell(r)))
            .collect::<Vec<_>>()
            .join("<br>")
    }
}

fn handler_summary(h: &Handler) -> String {
    format!(
        "{} → {}",
        routes_cell(&h.routes),
        h.team
            .as_deref()
            .map(cell)
            .unwrap_or_else(|| "-".to_string())
    )
}

fn metric_summary(m: &Metric) -> String {
    format!(
        "{} [{}] `{}:{}`",
        m.kind,
        labels_cell(m),
        cell(&m.path),
        m.line
    )
}

/// Escapes what would break a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('\n', " ")
        .replace('\r', "")
        .replace('`', "'")
}
