//! The I/O side of the repo-level metric rules in diff mode: which unchanged Go files must be
//! read so that a new metric is compared with every metric of the repository
//! (metric-duplicate), and the old versions plus the text search behind metric-breaking.
//! The rules themselves (`rules::metric_duplicate`, `rules::metric_breaking`) are pure.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::config::Settings;
use crate::data::RuleData;
use crate::engine::{CheckOutcome, Content, Input, OldVersions};
use crate::finding::Finding;
use crate::git::{ChangeRequest, ChangeSet, ChangedFile, FileScope, FileStatus, Repo};
use crate::go::metric_decl::{metric_decls, MetricDecl};
use crate::rules::metric_breaking::{self, FilePair, Key, Reference};
use crate::rules::metric_duplicate;
use crate::walk::{self, WalkOptions};

/// The bytes every file that declares a Prometheus metric contains (its import path).
pub const PROMETHEUS_NEEDLE: &str = "client_golang/prometheus";

/// Text files searched for references to a metric: alert and recording rules, dashboards.
const REFERENCE_EXTENSIONS: &[&str] =
    &[".yml", ".yaml", ".json", ".rules", ".libsonnet", ".jsonnet"];

/// Files larger than this are not searched for references.
const MAX_REFERENCE_FILE_BYTES: u64 = 5 * 1024 * 1024;

fn mentions_prometheus(bytes: &[u8]) -> bool {
    bytes
        .windows(PROMETHEUS_NEEDLE.len())
        .any(|w| w == PROMETHEUS_NEEDLE.as_bytes())
}

/// The `Name`/`Namespace`/`Subsystem` string literals that differ between the old and new
/// versions of the changed Go files that mention Prometheus; when a file's namespace or
/// subsystem changes, every `Name` of its new version too.
fn changed_name_literals(change: &ChangeSet, checked: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut needles = std::collections::BTreeSet::new();
    for file in change.files.iter().filter(|f| checked(&f.path)) {
        let versions = [&file.old_content, &file.new_content];
        if !versions
            .into_iter()
            .flatten()
            .any(|b| mentions_prometheus(b))
        {
            continue;
        }
        let literals =
            |bytes: &Option<Vec<u8>>| bytes.as_deref().map(keyed_literals).unwrap_or_default();
        let (old, new) = (literals(&file.old_content), literals(&file.new_content));
        let prefix_changed = old.symmetric_difference(&new).any(|(key, _)| key != "Name");
        for (key, value) in old.symmetric_difference(&new) {
            if key == "Name" {
                needles.insert(value.clone());
            }
        }
        if prefix_changed {
            needles.extend(
                new.iter()
                    .filter(|(k, _)| k == "Name")
                    .map(|(_, v)| v.clone()),
            );
        }
    }
    needles.into_iter().filter(|n| !n.is_empty()).collect()
}

/// `(key, value)` for every `Name: "..."`, `Namespace: "..."` and `Subsystem: "..."`.
fn keyed_literals(src: &[u8]) -> std::collections::BTreeSet<(String, String)> {
    let mut found = std::collections::BTreeSet::new();
    for key in ["Namespace", "Subsystem", "Name"] {
        let mut from = 0;
        while let Some(at) = find(&src[from..], key.as_bytes()) {
            let start = from + at;
            from = start + key.len();
            let preceded_by_ident =
                start > 0 && (src[start - 1].is_ascii_alphanumeric() || src[start - 1] == b'_');
            if preceded_by_ident {
                continue;
            }
            let rest = &src[from..];
            let rest = trim_blank(rest);
            let Some(rest) = rest.strip_prefix(b":") else {
                continue;
            };
            let Some(rest) = trim_blank(rest).strip_prefix(b"\"") else {
                continue;
            };
            let Some(end) = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b == b'\n')
            else {
                continue;
            };
            if rest[end] == b'"' {
                found.insert((
                    key.to_string(),
                    String::from_utf8_lossy(&rest[..end]).into_owned(),
                ));
            }
        }
    }
    found
}

fn trim_blank(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    &bytes[skip..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn enabled(settings: &Settings) -> bool {
    settings.severity(metric_duplicate::ID).is_some()
        || settings.severity(metric_breaking::ID).is_some()
}

/// Context-only inputs for every Go file at the head of the change that mentions the
/// Prometheus packages and is not already in `inputs`; none when the change touches no such
/// file (then no metric can be added, removed or changed).
pub fn context_inputs(
    repo: &Repo,
    request: &ChangeRequest,
    change: &ChangeSet,
    inputs: &[Input],
    settings: &Settings,
    walk_options: WalkOptions,
) -> miette::Result<Vec<Input>> {
    if !enabled(settings) {
        return Ok(Vec::new());
    }
    // Only names the change adds or drops can collide with, or have moved to, another file;
    // such a file must spell the name's last part as a string literal.
    let checked = |rel: &str| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        walk::wanted_go_file(name, settings) && !walk::excluded(rel, settings, walk_options)
    };
    let needles = changed_name_literals(change, &checked);
    if needles.is_empty() {
        return Ok(Vec::new());
    }
    let quoted: Vec<String> = needles.iter().map(|n| format!("\"{n}\"")).collect();
    let names = aho_corasick::AhoCorasick::new(&quoted)
        .map_err(|e| miette::miette!("internal error building a search for metric names: {e}"))?;
    let wanted_bytes = |bytes: &[u8]| mentions_prometheus(bytes) && names.is_match(bytes);
    let present: HashSet<&str> = inputs.iter().map(|i| i.rel.as_str()).collect();
    let want_path = |rel: &str| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        walk::wanted_go_file(name, settings)
            && !walk::excluded(rel, settings, walk_options)
            && !present.contains(rel)
    };
    let files = repo.new_side_files(
        request,
        FileScope::Everywhere,
        &want_path,
        &wanted_bytes,
        crate::engine::MAX_FILE_BYTES,
    )?;
    Ok(files
        .into_iter()
        .map(|(rel, bytes)| Input {
            rel,
            content: Content::Bytes(bytes),
            context_only: true,
            keep_facts: false,
        })
        .collect())
}

/// metric-breaking: compares the metrics of the old and new versions of the changed Go files
/// and searches the head of the change for references to the old names.
pub fn breaking(
    repo: &Repo,
    request: &ChangeRequest,
    changed: &[&ChangedFile],
    outcome: &CheckOutcome,
    previous: &OldVersions,
    settings: &Settings,
) -> (Vec<Finding>, Vec<String>) {
    let Some(severity) = settings.severity(metric_breaking::ID) else {
        return (Vec::new(), Vec::new());
    };
    let table = &RuleData::builtin().metrics;
    let mut old_versions: Vec<(&ChangedFile, Vec<MetricDecl>)> = Vec::new();
    for file in changed {
        let Some((facts, old)) = previous.get(file.path.as_str()) else {
            continue;
        };
        if !mentions_prometheus(old) {
            continue;
        }
        let decls = metric_decls(facts, table, old);
        if !decls.is_empty() {
            old_versions.push((file, decls));
        }
    }
    if old_versions.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let empty: Vec<MetricDecl> = Vec::new();
    let mut pairs: Vec<FilePair> = changed
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .map(|f| FilePair {
            path: &f.path,
            deleted: false,
            old: &[],
            new: outcome.metrics.get(&f.path).unwrap_or(&empty),
        })
        .collect();
    for (file, decls) in &old_versions {
        match pairs.iter_mut().find(|p| p.path == file.path) {
            Some(pair) => pair.old = decls,
            None => pairs.push(FilePair {
                path: &file.path,
                deleted: file.status == FileStatus::Deleted,
                old: decls,
                new: &[],
            }),
        }
    }
    let head: HashSet<Key> = outcome
        .metrics
        .values()
        .flatten()
        .filter_map(|d| Some((d.name.clone().filter(|n| !n.is_empty())?, d.complete)))
        .collect();
    let breaks = metric_breaking::breaks(&pairs, &head);
    if breaks.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut notes = Vec::new();
    let references = match references(repo, request, &breaks) {
        Ok(found) => found,
        Err(e) => {
            notes.push(format!(
                "metric-breaking could not search for references to the changed metrics: {e}"
            ));
            HashMap::new()
        }
    };
    (
        metric_breaking::findings(&breaks, &references, severity),
        notes,
    )
}

/// Mentions of the old names (and their series: `_bucket`, `_sum`, `_count`, `_total`) in the
/// YAML, JSON, `.rules` and jsonnet files at the head of the change, outside vendor/ and
/// node_modules/.
fn references(
    repo: &Repo,
    request: &ChangeRequest,
    breaks: &[metric_breaking::Break],
) -> miette::Result<HashMap<String, Vec<Reference>>> {
    let mut patterns: Vec<String> = Vec::new();
    let mut owner: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for b in breaks.iter().filter(|b| b.complete) {
        for series in metric_breaking::series_names(&b.name, b.kind) {
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
        .map_err(|e| miette::miette!("{e}"))?;
    let want_path = |rel: &str| {
        REFERENCE_EXTENSIONS.iter().any(|ext| rel.ends_with(ext))
            && !rel
                .split('/')
                .any(|part| matches!(part, "vendor" | "node_modules" | ".git"))
    };
    let files = repo.new_side_files(
        request,
        FileScope::Everywhere,
        &want_path,
        &|bytes| matcher.is_match(bytes),
        MAX_REFERENCE_FILE_BYTES,
    )?;
    let mut found: HashMap<String, Vec<Reference>> = HashMap::new();
    for (path, bytes) in files {
        let mut last: Option<(usize, usize)> = None;
        for (line, pattern) in metric_breaking::find_mentions(&bytes, &matcher, &patterns) {
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

#[cfg(test)]
mod name_literal_tests {
    use super::keyed_literals;

    #[test]
    fn reads_keyed_name_literals_only() {
        let src = br#"promauto.NewCounter(prometheus.CounterOpts{Namespace: "shop", Name:  "orders_total", Help: "x"})
            var n = Name{}; NameX: "no"; Subsystem :"api""#;
        let found: Vec<(String, String)> = keyed_literals(src).into_iter().collect();
        let expected = [
            ("Name", "orders_total"),
            ("Namespace", "shop"),
            ("Subsystem", "api"),
        ];
        assert_eq!(
            found,
            expected
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .to_vec()
        );
    }
}
