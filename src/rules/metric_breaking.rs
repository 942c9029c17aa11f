//! metric-breaking (diff mode): a change removes or renames a metric, or changes its type or
//! drops one of its labels, so the dashboards, alerts and recording rules that query it break.
//!
//! Pure: the exposed metrics of the two sides of the whole change are compared. The base side
//! is the previous versions of the changed Go files plus the unchanged files the index holds;
//! the head side is the index. Names are resolved through the constants of every package on
//! each side, so a metric that moves to another file or package under the same name is
//! unchanged. A name that disappears is paired with one that appears only on evidence: the
//! same file and variable (or the same declaration and position in it), the same type and the
//! same labels. An added label is a note, not a finding.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};

use super::{ChangeContext, Kind, Needs, RuleInfo, RuleOutput};
use crate::finding::{Finding, Severity};
use crate::git::FileStatus;
use crate::go::metric_decl::{MetricDecl, Origin, Position, Registry};
use crate::go::prometheus::MetricType;
use crate::go::Span;
use crate::index::constants::{View, ViewFile};
use crate::index::metrics::{
    declarations, endpoints, group_exposures, Endpoints, Exposure, GroupKey, Serves,
};
use crate::source::LineIndex;

pub const ID: &str = "metric-breaking";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Warning,
    summary: "A change removes or renames a metric or changes its type or labels (diff mode)",
    doc: include_str!("../../rules/metric-breaking.md"),
    kind: Kind::Change(run),
    triggers: super::metric_triggers,
    context_words: super::no_context_words,
    needs: Needs {
        old_versions: true,
        repository_metrics: true,
        imported_packages: false,
    },
    warning_when_staged: false,
};

/// Text files searched for references to a metric: alert and recording rules, dashboards.
const REFERENCE_EXTENSIONS: &[&str] =
    &[".yml", ".yaml", ".json", ".rules", ".libsonnet", ".jsonnet"];

/// Files larger than this are not searched for references.
const MAX_REFERENCE_FILE_BYTES: u64 = 5 * 1024 * 1024;

/// Compares the exposed metrics of the base and head of the change, and searches the head
/// for references to the old names.
fn run(ctx: &ChangeContext) -> RuleOutput {
    let Some(severity) = ctx.settings.severity(ID) else {
        return RuleOutput::default();
    };
    let table = &ctx.data.metrics;
    if !ctx.files.iter().any(|f| f.old.is_some()) {
        return RuleOutput::default();
    }
    let changed: HashSet<&str> = ctx.files.iter().map(|f| f.path).collect();
    let old_path = |path: &str| {
        ctx.all_files
            .iter()
            .find(|f| f.path == path)
            .and_then(|f| f.old_path.clone())
            .unwrap_or_else(|| path.to_string())
    };
    // The base: the previous versions of the changed files, and the unchanged files.
    let old_paths: Vec<(String, &str)> = ctx
        .files
        .iter()
        .filter(|f| f.old.is_some())
        .map(|f| (old_path(f.path), f.path))
        .collect();
    let mut base_files: Vec<ViewFile> = Vec::new();
    let mut base_sources: Vec<&[u8]> = Vec::new();
    // Where each base file's findings are reported (the new path of a renamed file).
    let mut base_report: Vec<&str> = Vec::new();
    for (file, (old, new)) in ctx.files.iter().filter(|f| f.old.is_some()).zip(&old_paths) {
        let Some(version) = file.old else { continue };
        base_files.push(ViewFile {
            rel: old,
            facts: version.facts,
        });
        base_sources.push(version.src);
        base_report.push(new);
    }
    let old_names: HashSet<&str> = old_paths.iter().map(|(o, _)| o.as_str()).collect();
    for parsed in &ctx.index.files {
        if changed.contains(parsed.rel.as_str()) || old_names.contains(parsed.rel.as_str()) {
            continue;
        }
        base_files.push(ViewFile {
            rel: &parsed.rel,
            facts: &parsed.facts,
        });
        base_sources.push(&parsed.src);
        base_report.push(&parsed.rel);
    }
    let view = View::new(base_files, &ctx.index.modules, &table.prometheus_import);
    let base_decls = declarations(&view, &base_sources, table);
    let base: Vec<Side> = base_report
        .iter()
        .zip(&base_decls)
        .map(|(path, decls)| Side {
            path,
            deleted: ctx
                .files
                .iter()
                .any(|f| f.path == *path && f.status == FileStatus::Deleted),
            decls,
        })
        .collect();
    let head: Vec<Side> = ctx
        .index
        .files
        .iter()
        .map(|f| Side {
            path: &f.rel,
            deleted: false,
            decls: &f.metrics,
        })
        .collect();
    let mut compared = compare(&base, &head);
    let head_view = View::new(
        ctx.index
            .files
            .iter()
            .map(|f| ViewFile {
                rel: &f.rel,
                facts: &f.facts,
            })
            .collect(),
        &ctx.index.modules,
        &table.prometheus_import,
    );
    compared.breaks.extend(default_unserved(
        &endpoints(&view),
        &endpoints(&head_view),
        &base,
        &head,
        &|file, span| Position::of(&LineIndex::new(&ctx.index.files[file].src), span),
    ));
    // Metrics that leave one group list (one collector, one endpoint) while another keeps them.
    let base_lists: Vec<&[MetricDecl]> = base_decls.iter().map(Vec::as_slice).collect();
    let base_groups = group_exposures(&view, &base_lists, &HashSet::new());
    if !base_groups.is_empty() {
        let head_lists: Vec<&[MetricDecl]> = ctx
            .index
            .files
            .iter()
            .map(|f| f.metrics.as_slice())
            .collect();
        let head_groups = group_exposures(&head_view, &head_lists, &base_groups.keys().collect());
        compared
            .breaks
            .extend(left_groups(&base_groups, &head_groups, &head));
    }
    let mut notes: Vec<String> = compared
        .added_labels
        .iter()
        .map(|(name, labels, at)| {
            format!(
                "metric-breaking: `{name}` gains the label{} {} ({at}): queries that \
                 aggregate without `by`/`without` now return one series per value",
                if labels.len() == 1 { "" } else { "s" },
                quoted(&labels.iter().collect::<Vec<_>>())
            )
        })
        .collect();
    // A removal whose old full name the head still writes as a literal in a Go file that uses
    // the client library moved into a declaration the index does not resolve (a table of
    // descriptions that a loop turns into `Desc`s): only a note says so. A `Name` part under a
    // prefix computed at run time stays reported: such tables were seen to drop the labels of
    // the metrics they took over, which the finding's references then point at.
    let mut written: HashMap<Key, Vec<String>> = HashMap::new();
    for (decls, src) in base_decls.iter().zip(&base_sources) {
        for decl in decls {
            if let Some(k) = key(decl) {
                written.entry(k).or_default().extend(written_as(decl, src));
            }
        }
    }
    let mut breaks = compared.breaks;
    breaks.retain(|b| {
        if b.what != What::Removed || b.registered_by.is_some() || !b.complete {
            return true;
        }
        let literals = written
            .get(&(b.name.clone(), b.complete))
            .map_or(&[][..], Vec::as_slice);
        let Some((path, line)) = still_written(ctx, literals, &table.prometheus_import) else {
            return true;
        };
        notes.push(format!(
            "metric-breaking: `{}` is declared nowhere the check can read at the head, \
             but {path}:{line} still writes its name (a table of descriptions that a loop \
             turns into metrics, or a name built at run time): not reported as removed",
            b.name
        ));
        false
    });
    if breaks.is_empty() {
        return RuleOutput {
            findings: Vec::new(),
            notes,
        };
    }
    let references = match references(ctx.head, &breaks) {
        Ok(found) => found,
        Err(e) => {
            notes.push(format!(
                "metric-breaking could not search for references to the changed metrics: {e}"
            ));
            HashMap::new()
        }
    };
    RuleOutput {
        findings: findings(&breaks, &references, severity),
        notes,
    }
}

/// How a metric's name is written in its declaration: the name itself (full, or the `Name`
/// part when the prefix is not known), and the string of its `Name: "..."` element.
fn written_as(decl: &MetricDecl, src: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = decl
        .name
        .iter()
        .filter(|n| !n.is_empty())
        .cloned()
        .collect();
    let element = src
        .get(decl.name_at.start_byte..decl.name_at.end_byte)
        .unwrap_or_default();
    let part = element
        .strip_prefix(b"Name")
        .and_then(|rest| rest.trim_ascii_start().strip_prefix(b":"))
        .and_then(|rest| rest.trim_ascii_start().strip_prefix(b"\""))
        .and_then(|rest| {
            let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
            (rest[end] == b'"' && end > 0).then(|| &rest[..end])
        });
    if let Some(name) = part {
        out.push(String::from_utf8_lossy(name).into_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// The first place (path, line) where a Go file of the head that uses the client library, not a
/// test, writes one of `literals` as a whole string literal outside the metric declarations the
/// index resolved (their names resolved to others).
fn still_written(
    ctx: &ChangeContext,
    literals: &[String],
    prometheus_import: &str,
) -> Option<(String, usize)> {
    let quoted: Vec<String> = literals.iter().map(|l| format!("\"{l}\"")).collect();
    ctx.index
        .files
        .iter()
        .filter(|f| {
            !f.rel.ends_with("_test.go")
                && memchr::memmem::find(&f.src, prometheus_import.as_bytes()).is_some()
        })
        .find_map(|f| {
            let resolved = |at: usize| {
                f.metrics.iter().any(|d| {
                    d.name.as_deref().is_some_and(|n| !n.is_empty())
                        && [d.call, d.name_at]
                            .iter()
                            .any(|p| (p.start_byte..p.end_byte).contains(&at))
                })
            };
            let at = quoted
                .iter()
                .flat_map(|q| memchr::memmem::find_iter(&f.src, q.as_bytes()))
                .filter(|&at| !resolved(at))
                .min()?;
            let (line, _) = LineIndex::new(&f.src).position(at);
            Some((f.rel.clone(), line))
        })
}

/// Mentions of the old names (and their series: `_bucket`, `_sum`, `_count`, `_total`) in the
/// YAML, JSON, `.rules` and jsonnet files at the head of the change, outside vendor/ and
/// node_modules/.
fn references(
    head: &dyn super::HeadFiles,
    breaks: &[Break],
) -> Result<HashMap<String, Vec<Reference>>, String> {
    let mut patterns: Vec<String> = Vec::new();
    let mut owner: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for (name, kind) in breaks.iter().flat_map(searched) {
        for series in series_names(&name, kind) {
            if seen.insert(series.clone()) {
                patterns.push(series);
                owner.push(name.clone());
            }
        }
    }
    let suffix: Vec<bool> = patterns.iter().map(|p| p.starts_with('_')).collect();
    if patterns.is_empty() {
        return Ok(HashMap::new());
    }
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .map_err(|e| e.to_string())?;
    let want_path = |rel: &str| {
        REFERENCE_EXTENSIONS.iter().any(|ext| rel.ends_with(ext))
            && !rel
                .split('/')
                .any(|part| matches!(part, "vendor" | "node_modules" | ".git"))
    };
    let files = head.find(
        &want_path,
        &|bytes| matcher.is_match(bytes),
        MAX_REFERENCE_FILE_BYTES,
    )?;
    let mut found: HashMap<String, Vec<Reference>> = HashMap::new();
    for (path, bytes) in files {
        let mut last: Option<(usize, usize)> = None;
        for (line, pattern) in find_mentions(&bytes, &matcher, &suffix) {
            let name = &owner[pattern];
            // One reference per line and name.
            if last == Some((line, pattern)) {
                continue;
            }
            last = Some((line, pattern));
            let list = found.entry(name.clone()).or_default();
            if list.iter().any(|r| r.path == path && r.line == line) {
                continue;
            }
            list.push(Reference {
                path: path.clone(),
                line,
                series: patterns[pattern].clone(),
            });
        }
    }
    for list in found.values_mut() {
        list.sort();
    }
    Ok(found)
}

/// The names whose references a break lists: its own when complete (and as the end of a
/// longer name when a caller may wrap its registerer with a prefix), `_` and its `Name` part
/// when the prefix is computed at run time (any name that ends with it: `redis_commands_total`
/// for `commands_total` under a namespace flag), and for endpoints that stop serving the
/// default registry, every metric that registry still holds.
fn searched(b: &Break) -> Vec<(String, MetricType)> {
    match &b.what {
        What::Unserved { names, runtime } => names
            .iter()
            .cloned()
            .chain(
                RUNTIME_SERIES
                    .iter()
                    .filter(|(family, _, _)| runtime.contains(family))
                    .map(|(_, name, kind)| (name.to_string(), *kind)),
            )
            .collect(),
        _ if b.complete && b.received_registerer => {
            vec![(b.name.clone(), b.kind), (format!("_{}", b.name), b.kind)]
        }
        _ if b.complete => vec![(b.name.clone(), b.kind)],
        _ => vec![(format!("_{}", b.name), b.kind)],
    }
}

/// The default registry's own collectors: their families, and the series dashboards query
/// most, searched as references when an endpoint stops serving that registry.
const RUNTIME_SERIES: &[(&str, &str, MetricType)] = &[
    ("go_*", "go_goroutines", MetricType::Gauge),
    ("go_*", "go_threads", MetricType::Gauge),
    ("go_*", "go_info", MetricType::Gauge),
    ("go_*", "go_gc_duration_seconds", MetricType::Summary),
    ("go_*", "go_memstats_alloc_bytes", MetricType::Gauge),
    ("go_*", "go_memstats_heap_alloc_bytes", MetricType::Gauge),
    ("go_*", "go_memstats_heap_inuse_bytes", MetricType::Gauge),
    ("go_*", "go_memstats_sys_bytes", MetricType::Gauge),
    (
        "process_*",
        "process_cpu_seconds_total",
        MetricType::Counter,
    ),
    (
        "process_*",
        "process_resident_memory_bytes",
        MetricType::Gauge,
    ),
    (
        "process_*",
        "process_virtual_memory_bytes",
        MetricType::Gauge,
    ),
    ("process_*", "process_open_fds", MetricType::Gauge),
    ("process_*", "process_max_fds", MetricType::Gauge),
    ("process_*", "process_start_time_seconds", MetricType::Gauge),
];

/// The metrics endpoints served the default registry before the change and serve only the
/// program's own registries after it: the metrics still registered with the default registry
/// (`promauto.NewX`, `prometheus.MustRegister`) and its Go runtime and process collectors are
/// no longer exposed. Reported at the first endpoint that now serves its own registry, once.
/// An endpoint whose gatherer the code does not tell leaves the question open: no finding.
pub fn default_unserved(
    base_endpoints: &Endpoints,
    head_endpoints: &Endpoints,
    base: &[Side],
    head: &[Side],
    position: &dyn Fn(usize, Span) -> Position,
) -> Option<Break> {
    if base_endpoints.serving(Serves::Default).next().is_none()
        || head_endpoints.serving(Serves::Default).next().is_some()
        || head_endpoints.serving(Serves::Unknown).next().is_some()
    {
        return None;
    }
    let endpoint = head_endpoints.serving(Serves::Own).next()?;
    let before: HashSet<&str> = base
        .iter()
        .filter(|s| !s.path.ends_with("_test.go"))
        .flat_map(|s| s.decls.iter())
        .filter(|d| d.exposed())
        .filter_map(MetricDecl::full_name)
        .collect();
    let names: Vec<(String, MetricType)> = head
        .iter()
        .filter(|s| !s.path.ends_with("_test.go"))
        .flat_map(|s| s.decls.iter())
        .filter(|d| d.registry == Registry::Default)
        .filter_map(|d| Some((d.full_name()?, d.kind)))
        .filter(|(name, _)| before.contains(name))
        .map(|(name, kind)| (name.to_string(), kind))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let mut runtime = Vec::new();
    if !head_endpoints.go_collector {
        runtime.push("go_*");
    }
    if !head_endpoints.process_collector {
        runtime.push("process_*");
    }
    if names.is_empty() && runtime.is_empty() {
        return None;
    }
    let at = position(endpoint.file, endpoint.span);
    Some(Break {
        name: "the default registry".to_string(),
        complete: false,
        kind: MetricType::Untyped,
        what: What::Unserved { names, runtime },
        path: head[endpoint.file].path.to_string(),
        at: Some(at),
        old_line: at.line,
        deleted_file: false,
        registered_by: None,
        received_registerer: false,
    })
}

/// How many references a message lists.
pub const MAX_LISTED_REFERENCES: usize = 20;

/// How many metrics a message about an endpoint lists.
const MAX_LISTED_METRICS: usize = 10;

/// The declarations of one file on one side of the change.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// Where its findings are reported (the new path of a renamed file).
    pub path: &'a str,
    /// The file is deleted by the change.
    pub deleted: bool,
    pub decls: &'a [MetricDecl],
}

/// A metric name, complete or only its `Name` part.
pub type Key = (String, bool);

fn key(decl: &MetricDecl) -> Option<Key> {
    if !decl.exposed() {
        return None;
    }
    let name = decl.name.as_ref().filter(|n| !n.is_empty())?;
    Some((name.clone(), decl.complete))
}

/// What happened to a metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Removed,
    Renamed {
        to: String,
    },
    TypeChanged {
        from: MetricType,
        to: MetricType,
    },
    LabelsChanged {
        from: Vec<String>,
        to: Vec<String>,
    },
    /// The metrics endpoints no longer serve the default registry: `names` (with their types)
    /// are still registered with it, `runtime` the families of its own collectors (`go_*`,
    /// `process_*`) the program does not register elsewhere.
    Unserved {
        names: Vec<(String, MetricType)>,
        runtime: Vec<&'static str>,
    },
    /// Registered with the default registry before, and now only with registries an HTTP
    /// handler creates for each request: the metrics endpoint no longer serves it.
    PerRequest,
    /// Still declared, but no longer reached by the group list `group`; `kept` are the lists
    /// that still expose it.
    LeftGroup {
        group: String,
        kept: Vec<String>,
    },
}

/// One breaking change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The old name (full, or the Name part when `complete` is false).
    pub name: String,
    pub complete: bool,
    pub kind: MetricType,
    pub what: What,
    /// Where to report it.
    pub path: String,
    /// The new declaration (renamed, changed), or `None` for a removal.
    pub at: Option<Position>,
    /// The line of the old declaration.
    pub old_line: usize,
    pub deleted_file: bool,
    /// The client library's function whose call registered the removed metric
    /// (`prometheus.InstrumentHandlerFunc`), when the metric is the library's own.
    pub registered_by: Option<String>,
    /// Registered through a registerer the code receives (`promauto.With(reg)`): a caller
    /// out of sight may wrap it with a prefix, so references are also searched as names that
    /// end with it.
    pub received_registerer: bool,
}

/// The breaking changes, and the labels added to metrics (name, labels, `path:line`).
#[derive(Debug, Default)]
pub struct Compared {
    pub breaks: Vec<Break>,
    pub added_labels: Vec<(String, Vec<String>, String)>,
}

type Site<'a> = (&'a Side<'a>, &'a MetricDecl);

fn by_key<'a>(sides: &'a [Side<'a>]) -> HashMap<Key, Vec<Site<'a>>> {
    let mut out: HashMap<Key, Vec<Site>> = HashMap::new();
    for side in sides {
        if side.path.ends_with("_test.go") {
            continue;
        }
        for decl in side.decls {
            if let Some(k) = key(decl) {
                out.entry(k).or_default().push((side, decl));
            }
        }
    }
    out
}

/// Compares the exposed metrics of the base and head sides of a change.
pub fn compare(base: &[Side], head: &[Side]) -> Compared {
    let old = by_key(base);
    let new = by_key(head);
    let mut out = Compared::default();
    let mut removed: Vec<(&Key, Site)> = Vec::new();
    // A name whose prefix is not known on one side matches a full name that ends with it on
    // the other (a builder whose calls now resolve, a prefix that became a parameter).
    let partial_match = |k: &Key, other: &HashMap<Key, Vec<Site>>| {
        other.keys().any(|(name, complete)| {
            let (short, long) = match (k.1, *complete) {
                (false, true) => (&k.0, name),
                (true, false) => (name, &k.0),
                _ => return false,
            };
            long == short || long.ends_with(&format!("_{short}"))
        })
    };
    for (k, olds) in &old {
        let (old_side, old_decl) = olds[0];
        match new.get(k) {
            Some(news) => {
                // A name still declared with one of the shapes it had is unchanged, even when
                // the base declared it with other labels or another type too: two collectors
                // that claim one name with other labels cannot both be registered in one
                // registry, so the shape that remains is the one that was served.
                if news.len() < olds.len()
                    && olds
                        .iter()
                        .any(|(_, o)| news.iter().any(|(_, n)| same_shape(o, n)))
                {
                    continue;
                }
                // The declaration in the same file when there is one.
                let (new_side, new_decl) = news
                    .iter()
                    .find(|(s, _)| s.path == old_side.path)
                    .copied()
                    .unwrap_or(news[0]);
                changed(old_decl, k, new_side.path, new_decl, &mut out);
                if olds.iter().all(|(_, o)| o.registry == Registry::Default)
                    && news.iter().all(|(_, n)| n.registry == Registry::PerRequest)
                {
                    out.breaks.push(Break {
                        name: k.0.clone(),
                        complete: k.1,
                        kind: new_decl.kind,
                        what: What::PerRequest,
                        path: new_side.path.to_string(),
                        at: Some(new_decl.name_at),
                        old_line: old_decl.name_at.line,
                        deleted_file: false,
                        registered_by: None,
                        received_registerer: false,
                    });
                }
            }
            None if partial_match(k, &new) => {}
            None => removed.push((k, olds[0])),
        }
    }
    let mut added: Vec<(&Key, Site)> = new
        .iter()
        .filter(|(k, _)| !old.contains_key(*k) && !partial_match(k, &old))
        .map(|(k, v)| (k, v[0]))
        .collect();
    removed.sort_by(|a, b| a.0.cmp(b.0));
    added.sort_by(|a, b| a.0.cmp(b.0));
    for (k, (side, decl)) in removed {
        let partner = added
            .iter()
            .position(|(_, (new_side, new))| same_metric(side, decl, new_side, new));
        let (what, path, at) = match partner {
            Some(i) => {
                let (to, (new_side, new)) = added.remove(i);
                (
                    What::Renamed { to: to.0.clone() },
                    new_side.path.to_string(),
                    Some(new.name_at),
                )
            }
            None => (What::Removed, side.path.to_string(), None),
        };
        out.breaks.push(Break {
            name: k.0.clone(),
            complete: k.1,
            kind: decl.kind,
            what,
            path,
            at,
            old_line: decl.name_at.line,
            deleted_file: side.deleted,
            registered_by: (decl.origin == Origin::Library).then(|| decl.constructor.clone()),
            received_registerer: received(decl),
        });
    }
    out.breaks.sort_by(|a, b| {
        (&a.path, a.at.map(|p| p.line), &a.name).cmp(&(&b.path, b.at.map(|p| p.line), &b.name))
    });
    out.added_labels.sort();
    out
}

/// The metrics that a group list exposes in the base and no longer in the head, while the head
/// still declares them (a metric declared nowhere is already reported as removed). Lists that
/// exist on one side only are not compared. `head_sides` are parallel to the head's files.
pub fn left_groups(
    base: &HashMap<GroupKey, Exposure>,
    head: &HashMap<GroupKey, Exposure>,
    head_sides: &[Side],
) -> Vec<Break> {
    let declared: HashMap<&str, MetricType> = head_sides
        .iter()
        .flat_map(|s| s.decls.iter())
        .filter_map(|d| Some((d.full_name()?, d.kind)))
        .collect();
    let mut out = Vec::new();
    let mut keys: Vec<&GroupKey> = base.keys().collect();
    keys.sort();
    for key in keys {
        let (Some(old), Some(new)) = (base.get(key), head.get(key)) else {
            continue;
        };
        for name in old.names.difference(&new.names) {
            let Some(kind) = declared.get(name.as_str()) else {
                continue;
            };
            let kept: Vec<String> = head
                .iter()
                .filter(|(k, e)| k.0 == key.0 && e.names.contains(name))
                .map(|(k, _)| k.1.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let line = new.row + 1;
            out.push(Break {
                name: name.clone(),
                complete: true,
                kind: *kind,
                what: What::LeftGroup {
                    group: key.1.clone(),
                    kept,
                },
                path: head_sides[new.file].path.to_string(),
                at: Some(Position::line_start(line)),
                old_line: old.row + 1,
                deleted_file: false,
                registered_by: None,
                received_registerer: false,
            });
        }
    }
    out
}

/// Evidence that `new` is `old` under another name: the same file and variable (or, without
/// a variable, the same declaration and position in it), the same type and the same labels.
fn same_metric(old_side: &Side, old: &MetricDecl, new_side: &Side, new: &MetricDecl) -> bool {
    // The library names its own metrics: they are dropped, never renamed.
    if old.origin == Origin::Library || new.origin == Origin::Library {
        return false;
    }
    let same_site = old_side.path == new_side.path
        && old.scope == new.scope
        && match (&old.variable, &new.variable) {
            (Some(a), Some(b)) => a == b,
            _ => old.ordinal == new.ordinal,
        };
    let same_labels = match (&old.labels, &new.labels) {
        (Some(a), Some(b)) => {
            let a: BTreeSet<&String> = a.iter().collect();
            let b: BTreeSet<&String> = b.iter().collect();
            a == b
        }
        _ => true,
    };
    let same_kind = old.kind == new.kind || !type_known(old) || !type_known(new);
    same_site && same_kind && same_labels
}

/// Whether a declaration is registered through a registerer its function receives, as
/// written at the declaration (not a name a prefixed call site already resolved).
fn received(d: &MetricDecl) -> bool {
    d.registry == Registry::Other && matches!(d.origin, Origin::Constructor | Origin::Builder)
}

/// Whether two declarations of one name expose the same series: the same type (when both
/// tell it) and the same variable labels.
fn same_shape(a: &MetricDecl, b: &MetricDecl) -> bool {
    let same_kind = a.kind == b.kind || !type_known(a) || !type_known(b);
    let same_labels = match (&a.labels, &b.labels) {
        (Some(x), Some(y)) => {
            x.iter().collect::<BTreeSet<_>>() == y.iter().collect::<BTreeSet<_>>()
        }
        (None, None) => true,
        _ => false,
    };
    same_kind && same_labels
}

/// Whether the declaration tells its metric's type: a custom collector's Desc tells it only
/// through the const metrics built with it (it is left untyped when they do not say), and a
/// described metric's type is a guess.
fn type_known(d: &MetricDecl) -> bool {
    match d.origin {
        Origin::Described => false,
        Origin::Desc | Origin::Builder => d.kind != MetricType::Untyped,
        _ => true,
    }
}

/// Type and label changes between two declarations of one name.
fn changed(old: &MetricDecl, k: &Key, path: &str, new: &MetricDecl, out: &mut Compared) {
    let make = |what| Break {
        name: k.0.clone(),
        complete: k.1,
        kind: old.kind,
        what,
        path: path.to_string(),
        at: Some(new.name_at),
        old_line: old.name_at.line,
        deleted_file: false,
        registered_by: None,
        received_registerer: received(old),
    };
    let typed = type_known(old) && type_known(new);
    if typed && old.kind != new.kind {
        out.breaks.push(make(What::TypeChanged {
            from: old.kind,
            to: new.kind,
        }));
    }
    if let (Some(from), Some(to)) = (&old.labels, &new.labels) {
        // A label that moves between the const and the variable labels stays on every series.
        let gone = from
            .iter()
            .any(|l| !to.contains(l) && !new.const_labels.contains(l));
        let added: Vec<String> = to
            .iter()
            .filter(|l| !from.contains(l) && !old.const_labels.contains(l))
            .cloned()
            .collect();
        if gone {
            out.breaks.push(make(What::LabelsChanged {
                from: from.clone(),
                to: to.clone(),
            }));
        } else if !added.is_empty() {
            out.added_labels
                .push((k.0.clone(), added, format!("{path}:{}", new.name_at.line)));
        }
    }
}

/// The series names queries use for a metric: a histogram's `_bucket`, `_sum` and `_count`,
/// a summary's `_sum` and `_count`, and a counter with and without `_total`.
pub fn series_names(name: &str, kind: MetricType) -> Vec<String> {
    let mut names = vec![name.to_string()];
    match kind {
        MetricType::Histogram => {
            for suffix in ["_bucket", "_sum", "_count"] {
                names.push(format!("{name}{suffix}"));
            }
        }
        MetricType::Summary => {
            for suffix in ["_sum", "_count"] {
                names.push(format!("{name}{suffix}"));
            }
        }
        MetricType::Counter => match name.strip_suffix("_total") {
            Some(_) => {}
            None => names.push(format!("{name}_total")),
        },
        MetricType::Gauge | MetricType::Untyped => {}
    }
    names
}

/// A place that mentions a series name: `path:line`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    pub path: String,
    pub line: usize,
    pub series: String,
}

/// Findings for `breaks`; `references` maps an old name to the places that mention it.
pub fn findings(
    breaks: &[Break],
    references: &HashMap<String, Vec<Reference>>,
    severity: Severity,
) -> Vec<Finding> {
    breaks
        .iter()
        .map(|b| {
            let mut refs: Vec<Reference> = searched(b)
                .iter()
                .flat_map(|(name, _)| references.get(name).into_iter().flatten())
                .cloned()
                .collect();
            refs.sort();
            refs.dedup_by(|a, b| a.path == b.path && a.line == b.line);
            finding(b, &refs, severity)
        })
        .collect()
}

fn finding(b: &Break, refs: &[Reference], severity: Severity) -> Finding {
    let subject = if b.complete {
        format!("{} `{}`", b.kind.as_str(), b.name)
    } else {
        format!("{} with Name `{}`", b.kind.as_str(), b.name)
    };
    let mut message = match &b.what {
        What::Removed => match &b.registered_by {
            Some(function) => format!(
                "{subject} is removed: the client library registered it at the call of \
                 `{function}` on line {} of the previous version, and no call that registers \
                 it remains",
                b.old_line
            ),
            None => format!(
                "{subject} is removed (it was declared at line {} of the previous version)",
                b.old_line
            ),
        },
        What::Renamed { to } => format!("{subject} is renamed to `{to}`"),
        What::LeftGroup { group, kept } => {
            let mut text = format!(
                "{subject} is no longer in the metric group list `{group}`, so the collector \
                 built from it stops exposing it"
            );
            if !kept.is_empty() {
                text.push_str(&format!(
                    " (only {} still expose{} it)",
                    kept.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if kept.len() == 1 { "s" } else { "" }
                ));
            }
            text
        }
        What::Unserved { names, runtime } => {
            let mut lost: Vec<String> = names.iter().map(|(n, _)| format!("`{n}`")).collect();
            let shown = lost.len().min(MAX_LISTED_METRICS);
            let more = lost.len() - shown;
            lost.truncate(shown);
            if more > 0 {
                lost.push(format!("{more} more"));
            }
            if !runtime.is_empty() {
                lost.push(format!(
                    "the Go runtime and process collectors' {}",
                    runtime
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
            }
            format!(
                "this metrics endpoint now serves a registry of its own, and no endpoint serves \
                 the default registry any more, so what is registered only there is no longer \
                 exposed: {}",
                lost.join(", ")
            )
        }
        What::PerRequest => format!(
            "{subject} moves from the default registry to the registry an HTTP handler creates \
             for each request, so the metrics endpoint stops serving it (it appears, reset, in \
             each response of that handler only)"
        ),
        What::TypeChanged { from, to } => format!(
            "{subject} changes type from {} to {}",
            from.as_str(),
            to.as_str()
        ),
        What::LabelsChanged { from, to } => {
            let gone: Vec<&String> = from.iter().filter(|l| !to.contains(l)).collect();
            let new: Vec<&String> = to.iter().filter(|l| !from.contains(l)).collect();
            let mut parts = Vec::new();
            if !gone.is_empty() {
                parts.push(format!("drops {}", quoted(&gone)));
            }
            if !new.is_empty() {
                parts.push(format!("adds {}", quoted(&new)));
            }
            if parts.is_empty() {
                parts.push("reorders them".to_string());
            }
            format!("the labels of {subject} change: it {}", parts.join(" and "))
        }
    };
    if !b.complete && !matches!(b.what, What::Unserved { .. }) {
        message.push_str(&format!(
            "; its full name is not known here, so references were searched as names that end \
             with `_{}`",
            b.name
        ));
    }
    if !refs.is_empty() {
        let listed: Vec<String> = refs
            .iter()
            .take(MAX_LISTED_REFERENCES)
            .map(|r| format!("{}:{}", r.path, r.line))
            .collect();
        let more = refs.len().saturating_sub(MAX_LISTED_REFERENCES);
        message.push_str(&format!("; still referenced at {}", listed.join(", ")));
        if more > 0 {
            message.push_str(&format!(" and {more} more"));
        }
    }
    let help = match &b.what {
        What::TypeChanged { .. } => {
            "queries written for the old type (rate(), histogram_quantile(), _bucket series) \
             stop working; update the dashboards, alerts and recording rules in the same \
             change, or give the new metric a new name and retire the old one later"
        }
        What::LabelsChanged { .. } => {
            "queries that match, group or aggregate on a dropped label return nothing; update \
             the dashboards, alerts and recording rules in the same change"
        }
        What::Unserved { .. } => {
            "register those metrics (and `collectors.NewGoCollector()`, \
             `collectors.NewProcessCollector(...)`) with the registry the endpoint serves, or \
             serve `prometheus.Gatherers{prometheus.DefaultGatherer, reg}`; otherwise update \
             the dashboards, alerts and recording rules that read them"
        }
        What::LeftGroup { .. } => {
            "scrapes of the endpoint that serves this group lose the metric, and the \
             dashboards, alerts and recording rules that read it there go silent; update them \
             in the same change, or keep the metric in the group"
        }
        What::PerRequest => {
            "dashboards, alerts and recording rules that read it from the metrics endpoint go \
             silent; keep registering it with the default registry (`promauto.NewX`), or \
             update them in the same change"
        }
        What::Removed | What::Renamed { .. } => {
            "dashboards, alerts and recording rules that query the old name go silent; update \
             them in the same change, or keep exposing the old name until they have moved"
        }
    };
    let (path, at) = match b.at {
        Some(at) => (b.path.clone(), at),
        None => {
            let line = if b.deleted_file { b.old_line.max(1) } else { 1 };
            (b.path.clone(), Position::line_start(line))
        }
    };
    Finding {
        rule: ID,
        severity,
        path,
        line: at.line,
        column: at.column,
        end_line: at.end_line,
        end_column: at.end_column,
        start_byte: at.start_byte,
        end_byte: at.end_byte,
        message,
        help: Some(help.to_string()),
        fix: None,
        on_changed_line: true,
        related: Vec::new(),
        context_lines: None,
    }
}

fn quoted(labels: &[&String]) -> String {
    labels
        .iter()
        .map(|l| format!("`{l}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds word-bounded mentions of series names in one text file: `(line, series)`.
/// A word is `[A-Za-z0-9_:]`, so `x_total` does not match inside `x_total_bucket`. A pattern
/// marked in `suffix` (`_x`) matches the end of a longer word only (`ns_x`).
pub fn find_mentions(
    text: &[u8],
    matcher: &aho_corasick::AhoCorasick,
    suffix: &[bool],
) -> Vec<(usize, usize)> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b':';
    let mut found = Vec::new();
    for m in matcher.find_iter(text) {
        let before = m.start().checked_sub(1).and_then(|i| text.get(i)).copied();
        let after = text.get(m.end()).copied();
        let Some(&is_suffix) = suffix.get(m.pattern().as_usize()) else {
            continue;
        };
        if before.is_some_and(is_word) != is_suffix || after.is_some_and(is_word) {
            continue;
        }
        let line = text[..m.start()].iter().filter(|&&b| b == b'\n').count() + 1;
        found.push((line, m.pattern().as_usize()));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(name: &str, kind: MetricType, labels: &[&str], ordinal: usize) -> MetricDecl {
        let at = Position {
            line: 10 + ordinal,
            column: 2,
            end_line: 10 + ordinal,
            end_column: 9,
            start_byte: 1,
            end_byte: 2,
        };
        MetricDecl {
            name: Some(name.to_string()),
            complete: true,
            kind,
            constructor: "promauto.NewCounterVec".to_string(),
            origin: Origin::Constructor,
            help: None,
            help_missing: false,
            labels: Some(labels.iter().map(|l| l.to_string()).collect()),
            const_labels: Vec::new(),
            const_label_values: Some(Vec::new()),
            registry: Registry::Default,
            call: at,
            name_at: at,
            scope: None,
            ordinal,
            variable: None,
        }
    }

    fn side<'a>(path: &'a str, decls: &'a [MetricDecl]) -> Side<'a> {
        Side {
            path,
            deleted: false,
            decls,
        }
    }

    #[test]
    fn rename_removal_type_and_labels() {
        use MetricType::*;
        let old = [
            decl("a_total", Counter, &["code"], 0),
            decl("b_total", Counter, &[], 1),
            decl("c", Gauge, &[], 2),
            decl("d_total", Counter, &["x"], 3),
            decl("e_total", Counter, &["x"], 4),
        ];
        let new = [
            decl("a2_total", Counter, &["code"], 0),
            decl("c", Histogram, &[], 1),
            decl("d_total", Counter, &["y"], 2),
            decl("e_total", Counter, &["x", "y"], 3),
        ];
        let found = compare(&[side("m/metrics.go", &old)], &[side("m/metrics.go", &new)]);
        let whats: Vec<(&str, &What)> = found
            .breaks
            .iter()
            .map(|b| (b.name.as_str(), &b.what))
            .collect();
        assert!(
            whats.contains(&(
                "a_total",
                &What::Renamed {
                    to: "a2_total".into()
                }
            )),
            "{whats:?}"
        );
        assert!(whats.contains(&("b_total", &What::Removed)), "{whats:?}");
        assert!(whats
            .iter()
            .any(|(n, w)| *n == "c" && matches!(w, What::TypeChanged { .. })));
        assert!(whats
            .iter()
            .any(|(n, w)| *n == "d_total" && matches!(w, What::LabelsChanged { .. })));
        assert_eq!(found.breaks.len(), 4, "{whats:?}");
        assert_eq!(
            found.added_labels,
            [(
                "e_total".to_string(),
                vec!["y".to_string()],
                "m/metrics.go:13".to_string()
            )]
        );
    }

    #[test]
    fn moved_to_another_file_is_not_removed_and_a_new_type_is_no_rename() {
        let old = [decl("a_total", MetricType::Counter, &[], 0)];
        let moved = [decl("a_total", MetricType::Counter, &[], 0)];
        let mut deleted = side("m/metrics.go", &old);
        deleted.deleted = true;
        assert!(compare(&[deleted], &[side("n/metrics.go", &moved)])
            .breaks
            .is_empty());
        let other = [decl("b", MetricType::Gauge, &[], 0)];
        let found = compare(
            &[side("m/metrics.go", &old)],
            &[side("m/metrics.go", &other)],
        );
        assert_eq!(found.breaks.len(), 1);
        assert_eq!(found.breaks[0].what, What::Removed);
    }

    #[test]
    fn a_name_part_matches_the_full_name_it_ends() {
        let mut partial = decl("queries_in_progress", MetricType::Gauge, &[], 0);
        partial.complete = false;
        let old = [partial];
        let full = [decl("loki_queries_in_progress", MetricType::Gauge, &[], 0)];
        assert!(compare(
            &[side("f/frontend.go", &old)],
            &[side("cmd/main.go", &full)]
        )
        .breaks
        .is_empty());
        assert!(compare(
            &[side("cmd/main.go", &full)],
            &[side("f/frontend.go", &old)]
        )
        .breaks
        .is_empty());
    }

    #[test]
    fn mentions_are_word_bounded() {
        let patterns = series_names("req_seconds", MetricType::Histogram);
        let matcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap();
        let text = b"a: req_seconds_bucket{le=\"1\"}\nb: xreq_seconds\nc: req_seconds_total2\nd: req_seconds\n";
        let found = find_mentions(text, &matcher, &[false; 4]);
        assert_eq!(found, vec![(1, 1), (4, 0)]);
    }

    #[test]
    fn a_suffix_matches_the_end_of_a_longer_name_only() {
        let patterns = series_names("_commands_total", MetricType::Counter);
        let matcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap();
        let text =
            b"a: redis_commands_total{cmd=\"get\"}\nb: _commands_total\nc: redis_commands_total2\n";
        let found = find_mentions(text, &matcher, &[true]);
        assert_eq!(found, vec![(1, 0)]);
    }
}
