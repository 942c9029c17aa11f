//! What the index tells the inventory: handlers with their annotations and middleware,
//! routes resolved to the handlers they reach (see `routes`), and metric declarations.

use super::routes::{FuncId, Resolver};
use super::*;
use crate::pipeline::read::Parse;

#[derive(Debug, Clone)]
struct RawHandler {
    entry: Handler,
    id: FuncId,
    /// The annotations of the nearest place that has any.
    decided: Option<Vec<Annotation>>,
    /// The receiver type whose doc (in another file) may annotate it.
    receiver: Option<String>,
}

/// Reads and parses every input (the constants a route is written with may sit in any file)
/// into a project index.
pub(super) fn index(inputs: Vec<Input>, settings: &Settings, modules: Modules) -> ProjectIndex {
    let prefilter = Prefilter::new(RuleData::builtin(), settings);
    let inputs = inputs
        .into_iter()
        .map(|input| Input {
            role: Role::Checked,
            parse: Parse::Whole,
            ..input
        })
        .collect();
    let loaded = pipeline::load::load(inputs, &prefilter, false, &crate::index::Modules::default());
    let mut index = ProjectIndex::new(loaded.parsed, modules);
    // The catalogue names metrics as the registry sees them: constants of other files and
    // packages, builders, `NewDesc`.
    index.resolve_metrics();
    index
}

/// A copy of a parsed file, for the index of another version of the tree.
pub(super) fn copy(file: &ParsedFile) -> ParsedFile {
    ParsedFile {
        rel: file.rel.clone(),
        facts: file.facts.clone(),
        src: file.src.clone(),
        role: file.role,
        relevant: file.relevant,
        too_deep: file.too_deep,
        bodies: file.bodies.clone(),
        metrics: file.metrics.clone(),
        tree: file.tree.clone(),
    }
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

fn file_handlers(
    fi: usize,
    file: &ParsedFile,
    settings: &Settings,
    data: &RuleData,
) -> Vec<RawHandler> {
    let facts = &file.facts;
    let lines = LineIndex::new(&file.src);
    let mut handlers = Vec::new();
    for (i, func) in facts.funcs.iter().enumerate() {
        let Some(kind) = handler_oncall::handler_kind(func, facts, settings, &data.frameworks)
        else {
            continue;
        };
        let (places, receiver) = handler_oncall::annotation_places(func, facts);
        let decided = places.into_iter().find(|p| !p.is_empty());
        let (line, column) = lines.position(func.keyword.start);
        handlers.push(RawHandler {
            entry: Handler {
                path: file.rel.clone(),
                line,
                column,
                name: func.display_name(),
                kind,
                middleware: handler_oncall::is_middleware(i, facts, &data.frameworks),
                routes: Vec::new(),
                team: None,
            },
            id: (fi, i),
            decided,
            receiver,
        });
    }
    handlers
}

/// The inventory of the index: handlers with their routes and teams, every route, and the
/// metrics.
pub(super) fn inventory_of(index: &ProjectIndex, settings: &Settings) -> Inventory {
    let data = RuleData::builtin();
    let raw: Vec<Vec<RawHandler>> = index
        .files
        .iter()
        .enumerate()
        .map(|(fi, file)| file_handlers(fi, file, settings, data))
        .collect();
    // Middleware serves the routes of the handlers it wraps: routes reach endpoints only.
    let ids: HashSet<FuncId> = raw
        .iter()
        .flatten()
        .filter(|h| !h.entry.middleware)
        .map(|h| h.id)
        .collect();
    let found = Resolver::new(index, &ids).routes();
    let mut routes_of: HashMap<FuncId, Vec<String>> = HashMap::new();
    for route in &found {
        let text = match &route.method {
            Some(method) => format!("{method} {}", route.path),
            None => route.path.clone(),
        };
        for id in &route.handlers {
            routes_of.entry(*id).or_default().push(text.clone());
        }
    }
    let mut entries: HashMap<FuncId, Handler> = HashMap::new();
    let mut inventory = Inventory::default();
    for package in index.packages.values() {
        let type_docs: HashMap<String, Vec<Annotation>> = package
            .files
            .iter()
            .flat_map(|&fi| type_annotations(&index.files[fi].facts))
            .collect();
        for &fi in &package.files {
            for handler in &raw[fi] {
                let mut entry = handler.entry.clone();
                let annotations = handler
                    .decided
                    .as_ref()
                    .or_else(|| handler.receiver.as_deref().and_then(|r| type_docs.get(r)));
                entry.team = annotations.and_then(|found| team_of(found));
                let mut routes = routes_of.remove(&handler.id).unwrap_or_default();
                routes.sort();
                routes.dedup();
                entry.routes = routes;
                entries.insert(handler.id, entry.clone());
                inventory.handlers.push(entry);
            }
            let file = &index.files[fi];
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
    let reference = |id: FuncId| -> Reference {
        match entries.get(&id) {
            Some(h) => Reference {
                name: h.name.clone(),
                path: h.path.clone(),
                line: h.line,
            },
            None => {
                let file = &index.files[id.0];
                let func = &file.facts.funcs[id.1];
                Reference {
                    name: func.display_name(),
                    path: file.rel.clone(),
                    line: func.keyword.start_row + 1,
                }
            }
        }
    };
    let mut line_indexes: HashMap<usize, LineIndex> = HashMap::new();
    for route in found {
        let lines = line_indexes
            .entry(route.file)
            .or_insert_with(|| LineIndex::new(&index.files[route.file].src));
        let (line, column) = lines.position(route.offset);
        inventory.routes.push(Route {
            method: route.method,
            route: route.path,
            target: route.target,
            handlers: route.handlers.into_iter().map(reference).collect(),
            function: route.function.map(reference),
            path: index.files[route.file].rel.clone(),
            line,
            column,
        });
    }
    inventory
        .handlers
        .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    inventory.routes.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.route, &a.method)
            .cmp(&(&b.path, b.line, b.column, &b.route, &b.method))
    });
    inventory.routes.dedup();
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
