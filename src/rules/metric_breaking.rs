//! metric-breaking (diff mode): a change removes or renames a metric, or changes its type or
//! its label set, so the dashboards, alerts and recording rules that query it break.
//!
//! Pure: the engine hands over the metric declarations of the old and new version of each
//! changed Go file, the names declared anywhere in the repository at the head of the change,
//! and the places (found by a plain-text search of rule, dashboard and config files) that
//! mention the old names.
//!
//! Metrics are matched by name (the full name, or the `Name` part when the prefixes are not
//! constants). A name that disappears from the changed files but is still declared elsewhere
//! in the repository moved; it is not removed. One name removed and another added at the same
//! constructor position (same enclosing declaration, same index among its metric calls) is a
//! rename.

use std::collections::{BTreeSet, HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};

use super::{ChangeContext, Kind, Needs, RuleInfo, RuleOutput};
use crate::finding::{Finding, Severity};
use crate::git::FileStatus;
use crate::go::metric_decl::{metric_decls, MetricDecl, Position};
use crate::go::prometheus::MetricType;

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

/// Compares the metrics of the old and new versions of the changed Go files, and searches the
/// head of the change for references to the old names.
fn run(ctx: &ChangeContext) -> RuleOutput {
    let Some(severity) = ctx.settings.severity(ID) else {
        return RuleOutput::default();
    };
    let table = &ctx.data.metrics;
    let old_versions: Vec<(&super::ChangedGoFile, Vec<MetricDecl>)> = ctx
        .files
        .iter()
        .filter_map(|file| {
            let old = file.old?;
            let decls = metric_decls(old.facts, table, old.src);
            (!decls.is_empty()).then_some((file, decls))
        })
        .collect();
    if old_versions.is_empty() {
        return RuleOutput::default();
    }
    let empty: Vec<MetricDecl> = Vec::new();
    let mut pairs: Vec<FilePair> = ctx
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .map(|f| FilePair {
            path: f.path,
            deleted: false,
            old: &[],
            new: ctx
                .index
                .file(f.path)
                .map_or(&empty, |parsed| &parsed.metrics),
        })
        .collect();
    for (file, decls) in &old_versions {
        match pairs.iter_mut().find(|p| p.path == file.path) {
            Some(pair) => pair.old = decls,
            None => pairs.push(FilePair {
                path: file.path,
                deleted: file.status == FileStatus::Deleted,
                old: decls,
                new: &[],
            }),
        }
    }
    let head: HashSet<Key> = ctx
        .index
        .metrics()
        .filter_map(|(_, d)| Some((d.name.clone().filter(|n| !n.is_empty())?, d.complete)))
        .collect();
    let breaks = breaks(&pairs, &head);
    if breaks.is_empty() {
        return RuleOutput::default();
    }
    let mut notes = Vec::new();
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
    for b in breaks.iter().filter(|b| b.complete) {
        for series in series_names(&b.name, b.kind) {
            if seen.insert(series.clone()) {
                patterns.push(series);
                owner.push(b.name.clone());
            }
        }
    }
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
        for (line, pattern) in find_mentions(&bytes, &matcher, &patterns) {
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

/// How many references a message lists.
pub const MAX_LISTED_REFERENCES: usize = 20;

/// The metrics of the two versions of one changed Go file.
#[derive(Debug, Clone, Copy)]
pub struct FilePair<'a> {
    /// The new path (the old one for a deleted file).
    pub path: &'a str,
    pub deleted: bool,
    pub old: &'a [MetricDecl],
    pub new: &'a [MetricDecl],
}

/// A metric name, complete or only its `Name` part.
pub type Key = (String, bool);

fn key(decl: &MetricDecl) -> Option<Key> {
    if decl.registered_nowhere {
        return None;
    }
    let name = decl.name.as_ref().filter(|n| !n.is_empty())?;
    Some((name.clone(), decl.complete))
}

/// What happened to a metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Removed,
    Renamed { to: String },
    TypeChanged { from: MetricType, to: MetricType },
    LabelsChanged { from: Vec<String>, to: Vec<String> },
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
}

/// The breaking changes of `pairs`. `declared_at_head` holds every metric name declared in
/// the repository at the head of the change (changed files included).
pub fn breaks(pairs: &[FilePair], declared_at_head: &HashSet<Key>) -> Vec<Break> {
    let mut new_all: HashMap<Key, (&str, &MetricDecl)> = HashMap::new();
    let mut old_all: HashSet<Key> = HashSet::new();
    for pair in pairs {
        for decl in pair.new {
            if let Some(k) = key(decl) {
                new_all.entry(k).or_insert((pair.path, decl));
            }
        }
        old_all.extend(pair.old.iter().filter_map(key));
    }
    let mut found = Vec::new();
    for pair in pairs {
        let mut removed: Vec<(&MetricDecl, Key)> = Vec::new();
        let mut seen: HashSet<Key> = HashSet::new();
        for old in pair.old {
            let Some(k) = key(old) else { continue };
            if !seen.insert(k.clone()) {
                continue;
            }
            // Prefer the declaration of the same file.
            let new = pair
                .new
                .iter()
                .find(|d| key(d).as_ref() == Some(&k))
                .map(|d| (pair.path, d))
                .or_else(|| new_all.get(&k).copied());
            match new {
                Some((path, new)) => found.extend(changed(old, &k, path, new)),
                None if declared_at_head.contains(&k) => {}
                None => removed.push((old, k)),
            }
        }
        let mut added: Vec<&MetricDecl> = pair
            .new
            .iter()
            .filter(|d| key(d).is_some_and(|k| !old_all.contains(&k)))
            .collect();
        for (old, (name, complete)) in removed {
            let renamed = added
                .iter()
                .position(|a| a.scope == old.scope && a.ordinal == old.ordinal);
            let (what, at) = match renamed {
                Some(i) => {
                    let to = added.remove(i);
                    let to_name = to.name.clone().unwrap_or_default();
                    (What::Renamed { to: to_name }, Some(to.name_at))
                }
                None => (What::Removed, None),
            };
            found.push(Break {
                name,
                complete,
                kind: old.kind,
                what,
                path: pair.path.to_string(),
                at,
                old_line: old.name_at.line,
                deleted_file: pair.deleted,
            });
        }
    }
    found.sort_by(|a, b| {
        (&a.path, a.at.map(|p| p.line), &a.name).cmp(&(&b.path, b.at.map(|p| p.line), &b.name))
    });
    found
}

/// Type and label changes between two declarations of one name.
fn changed(old: &MetricDecl, k: &Key, path: &str, new: &MetricDecl) -> Vec<Break> {
    let make = |what| Break {
        name: k.0.clone(),
        complete: k.1,
        kind: old.kind,
        what,
        path: path.to_string(),
        at: Some(new.name_at),
        old_line: old.name_at.line,
        deleted_file: false,
    };
    let mut found = Vec::new();
    if old.kind != new.kind {
        found.push(make(What::TypeChanged {
            from: old.kind,
            to: new.kind,
        }));
    }
    if let (Some(from), Some(to)) = (&old.labels, &new.labels) {
        let a: BTreeSet<&String> = from.iter().collect();
        let b: BTreeSet<&String> = to.iter().collect();
        if a != b {
            found.push(make(What::LabelsChanged {
                from: from.clone(),
                to: to.clone(),
            }));
        }
    }
    found
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
            finding(
                b,
                references.get(&b.name).map_or(&[][..], Vec::as_slice),
                severity,
            )
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
        What::Removed => format!(
            "{subject} is removed (it was declared at line {} of the previous version)",
            b.old_line
        ),
        What::Renamed { to } => format!("{subject} is renamed to `{to}`"),
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
    if refs.is_empty() {
        if !b.complete {
            message.push_str("; its full name is not known here, so references were not searched");
        }
    } else {
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
        What::Removed | What::Renamed { .. } => {
            "dashboards, alerts and recording rules that query the old name go silent; update \
             them in the same change, or keep exposing the old name until they have moved"
        }
    };
    let (path, at) = match b.at {
        Some(at) => (b.path.clone(), at),
        None => {
            let line = if b.deleted_file { b.old_line.max(1) } else { 1 };
            (
                b.path.clone(),
                Position {
                    line,
                    column: 1,
                    end_line: line,
                    end_column: 1,
                    start_byte: 0,
                    end_byte: 0,
                },
            )
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
/// A word is `[A-Za-z0-9_:]`, so `x_total` does not match inside `x_total_bucket`.
pub fn find_mentions(
    text: &[u8],
    matcher: &aho_corasick::AhoCorasick,
    patterns: &[String],
) -> Vec<(usize, usize)> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b':';
    let mut found = Vec::new();
    for m in matcher.find_iter(text) {
        let before = m.start().checked_sub(1).and_then(|i| text.get(i)).copied();
        let after = text.get(m.end()).copied();
        if before.is_some_and(is_word) || after.is_some_and(is_word) {
            continue;
        }
        if patterns.get(m.pattern().as_usize()).is_none() {
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
            help: None,
            labels: Some(labels.iter().map(|l| l.to_string()).collect()),
            const_labels: Vec::new(),
            registered_nowhere: false,
            call: at,
            name_at: at,
            scope: None,
            ordinal,
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
        ];
        let new = [
            decl("a2_total", Counter, &["code"], 0),
            decl("c", Histogram, &[], 1),
            decl("d_total", Counter, &["y"], 2),
        ];
        let pairs = [FilePair {
            path: "m/metrics.go",
            deleted: false,
            old: &old,
            new: &new,
        }];
        let found = breaks(&pairs, &HashSet::new());
        let whats: Vec<(&str, &What)> = found.iter().map(|b| (b.name.as_str(), &b.what)).collect();
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
        assert_eq!(found.len(), 4);
    }

    #[test]
    fn moved_to_another_file_is_not_removed() {
        let old = [decl("a_total", MetricType::Counter, &[], 0)];
        let pairs = [FilePair {
            path: "m/metrics.go",
            deleted: true,
            old: &old,
            new: &[],
        }];
        let head: HashSet<Key> = [("a_total".to_string(), true)].into_iter().collect();
        assert!(breaks(&pairs, &head).is_empty());
        assert_eq!(breaks(&pairs, &HashSet::new()).len(), 1);
    }

    #[test]
    fn mentions_are_word_bounded() {
        let patterns = series_names("req_seconds", MetricType::Histogram);
        let matcher = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap();
        let text = b"a: req_seconds_bucket{le=\"1\"}\nb: xreq_seconds\nc: req_seconds_total2\nd: req_seconds\n";
        let found = find_mentions(text, &matcher, &patterns);
        assert_eq!(found, vec![(1, 1), (4, 0)]);
    }
}
