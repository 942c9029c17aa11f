//! What files tell the inventory: handlers with their annotations, route registrations and
//! metric declarations; then, per package, registrations resolved to the handlers they name.

use super::*;

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
pub(super) struct FileInventory {
    pub(super) rel: String,
    handlers: Vec<RawHandler>,
    registrations: Vec<Registration>,
    type_annotations: Vec<(String, Vec<Annotation>)>,
    metrics: Vec<MetricDecl>,
}

const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

/// Method names and calls whose files may register routes: such files import neither
/// net/http nor a framework when they use a router of their own.
const ROUTE_WORDS: &[&str] = &[
    "Handle", ".GET(", ".POST(", ".PUT(", ".PATCH(", ".DELETE(", ".Get(", ".Post(", ".Put(",
    ".Patch(", ".Delete(", ".Any(", ".All(", ".Method",
];

/// Reads and parses `inputs` as `check` does, keeping the files that may hold a handler, a
/// metric or a route registration.
pub(super) fn scan(inputs: Vec<Input>, settings: &Settings) -> Vec<FileInventory> {
    let data = RuleData::builtin();
    let mut triggers: Vec<Trigger> = rules::RULES
        .iter()
        .flat_map(|rule| (rule.triggers)(data, settings))
        .collect();
    triggers.extend(ROUTE_WORDS.iter().map(|word| rules::all_of(&[word])));
    let prefilter = Prefilter::from_triggers(&triggers);
    let inputs = inputs
        .into_iter()
        .map(|input| Input {
            role: Role::Checked,
            always_parse: false,
            ..input
        })
        .collect();
    let loaded = pipeline::load::load(inputs, &prefilter, true);
    let mut files: Vec<FileInventory> = loaded
        .parsed
        .iter()
        .map(|file| file_inventory(file, settings, data))
        .collect();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

/// The `@oncall-team` annotations on the doc comments of the file's package-level types.
fn type_annotations(facts: &Facts) -> Vec<(String, Vec<Annotation>)> {
    facts
        .types
        .iter()
        .filter(|t| t.scope.is_none())
        .filter_map(|t| {
            let found = t
                .doc_rows
                .iter()
                .map(|&row| handler_oncall::annotations(facts.doc_comments(row)))
                .find(|found| !found.is_empty())?;
            Some((t.name.clone(), found))
        })
        .collect()
}

fn file_inventory(file: &ParsedFile, settings: &Settings, data: &RuleData) -> FileInventory {
    let (rel, facts) = (file.rel.clone(), &file.facts);
    let lines = LineIndex::new(&file.src);
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
        if !crate::go::routes::is_register_method(method, false) {
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
    let type_annotations = type_annotations(facts);
    FileInventory {
        metrics: file.metrics.clone(),
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
pub(super) fn resolve(files: &[FileInventory]) -> Inventory {
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
