//! `sre-policy inventory`: the on-call map (handler → route → team) and the metrics catalogue
//! of a repository, as Markdown or JSON; with `--base REV`, what a change adds, removes and
//! alters.
//!
//! Every Go file is parsed once (in parallel) into a project index. Then the handlers with their
//! `@oncall-team` annotation (receiver-type docs of other files included) and whether they are
//! middleware; the routes of every router, with prefixes joined and methods, resolved to the
//! handlers they reach across files and packages (see `routes`); and the metric declarations.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

mod changes;
mod markdown;
mod routes;
mod scan;

use serde::Serialize;

use changes::compare;
pub use markdown::to_markdown;
use scan::inventory_of;

use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::Stats;
use crate::git::{ChangeRequest, FileStatus, Repo};
use crate::go::Facts;
use crate::index::{Modules, ParsedFile, ProjectIndex, Role};
use crate::pipeline::prefilter::Prefilter;
use crate::pipeline::read::Input;
use crate::pipeline::{self, CheckOptions};
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
    /// A func literal that wraps a handler it receives: it serves every route of the handlers
    /// it wraps and has no on-call team of its own.
    pub middleware: bool,
    /// Full routes (subrouter, group and mount prefixes joined), with the method when the
    /// registration names one: `GET /api/v1/orders/{id}`.
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

/// A function of the repository a route reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// `Name`, `Type.Method` or `func literal`.
    pub name: String,
    pub path: String,
    pub line: usize,
}

/// A route registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// `GET`, ...; `null` when the registration matches every method.
    pub method: Option<String>,
    /// The full route: prefixes joined with the pattern. A part that is not a constant is
    /// shown as `{expression}`.
    pub route: String,
    /// The handler argument as written (in short).
    pub target: String,
    /// The repository's HTTP handlers that serve it; empty when the handler is not in the
    /// repository.
    pub handlers: Vec<Reference>,
    /// A function of the repository the target names that is not itself an HTTP handler
    /// (`wrap(api.query)` → `API.query`).
    pub function: Option<Reference>,
    /// Where it is registered (for a route helper: the call of the helper).
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// The inventory of one tree.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    pub handlers: Vec<Handler>,
    pub routes: Vec<Route>,
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
    pub routes: Vec<Route>,
    pub metrics: Vec<Metric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
}

/// Builds the inventory of `options.path` (and the changes since `--base`).
pub fn build(options: &InventoryOptions) -> miette::Result<Report> {
    let check = CheckOptions {
        path: options.path.clone(),
        config: options.config.clone(),
        include_vendor: options.include_vendor,
        no_ignore: options.no_ignore,
        ..Default::default()
    };
    let prepared = pipeline::prepare(&check)?;
    let settings = &prepared.settings;
    let start = prepared.start.clone();
    let walk_options = WalkOptions {
        include_vendor: options.include_vendor,
        no_ignore: options.no_ignore,
    };
    let sources = pipeline::tree_inputs(&check, &prepared, &mut Stats::default());
    let modules = pipeline::disk_modules(&prepared.root);
    let head_index = scan::index(sources, settings, modules.clone());
    let head = inventory_of(&head_index, settings);
    let changes = match &options.base {
        None => None,
        Some(base) => {
            let repo = Repo::discover_required(&start)?;
            let request = ChangeRequest {
                base: Some(base.clone()),
                head: None,
                staged: false,
            };
            repo.fetch_missing_objects(&request, &|p| p.ends_with(".go"))?;
            let change = repo.change_set(&request, &|p| p.ends_with(".go"))?;
            let start_rel = walk::relative(&start, repo.root());
            let selected = |rel: &str| {
                let name = rel.rsplit('/').next().unwrap_or(rel);
                (start_rel.is_empty() || rel.starts_with(&format!("{start_rel}/")))
                    && walk::wanted_go_file(name, settings)
                    && !walk::excluded(rel, settings, walk_options)
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
                    old_sources.push(Input::context(old_path.to_string(), old.clone()));
                }
            }
            let mut base_files: Vec<ParsedFile> = head_index
                .files
                .iter()
                .filter(|f| !changed_new.contains(f.rel.as_str()))
                .map(scan::copy)
                .collect();
            base_files.extend(scan::index(old_sources, settings, Modules::default()).files);
            let before = inventory_of(&ProjectIndex::new(base_files, modules), settings);
            Some(compare(base, &before, &head))
        }
    };
    Ok(Report {
        version: VERSION,
        handlers: head.handlers,
        routes: head.routes,
        metrics: head.metrics,
        changes,
    })
}

/// The report as pretty JSON with a trailing newline.
pub fn to_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
