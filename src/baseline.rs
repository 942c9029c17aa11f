//! The baseline: `.sre-policy-baseline.json`, the findings a team accepted when it adopted
//! the tool, so that `check` reports only new ones while the old ones are paid down.
//!
//! Each entry is a finding's path, rule, message and fingerprint. The fingerprint hashes the
//! rule id, the finding's source line and the header line of the top-level declaration that
//! holds it (both with whitespace normalised), and which occurrence of that triple in the file
//! it is; not the line number, so lines inserted above a finding leave it matched. The path is
//! kept beside the fingerprint rather than in it: a file that git shows as renamed since the
//! commit the baseline was written at keeps its entries.
//!
//! The file is JSON with a version, sorted entries (path, rule, message, fingerprint) and a
//! fixed key order, so its diffs are reviewable; `schemas/baseline.schema.json` describes it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The file `check` reads at the repository root, and `baseline` writes.
pub const FILE: &str = ".sre-policy-baseline.json";

/// The format version; bump it on any incompatible change.
pub const VERSION: u32 = 1;

/// The largest baseline read (a hundred thousand findings fit in a few tens of MiB).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The file's contents. Field order is the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// The commit checked out when it was written: renames since then are followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub findings: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    /// For the reader of a diff; not matched on.
    pub message: String,
    pub fingerprint: String,
}

impl Baseline {
    /// A baseline of `findings`, sorted.
    pub fn of(
        findings: &[Finding],
        sources: &HashMap<String, String>,
        commit: Option<String>,
    ) -> Self {
        let mut entries = entries(findings, sources);
        entries.sort();
        Baseline {
            version: VERSION,
            commit,
            findings: entries,
        }
    }

    /// The JSON text written to the file: two-space indentation, one key per line, a final
    /// newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads and validates the baseline at `path`, named `shown` in messages; errors name the
    /// file, the place and the remedy.
    pub fn load(path: &Path, shown: &str) -> miette::Result<Baseline> {
        let text = read_text(path, shown)?;
        let regenerate = "regenerate it with `sre-policy baseline`, or pass --no-baseline";
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            let full = e.to_string();
            let what = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(what, _)| what);
            miette::miette!(
                help = regenerate,
                "invalid baseline {shown}:{}:{}: {what}",
                e.line(),
                e.column()
            )
        })?;
        if baseline.version != VERSION {
            return Err(miette::miette!(
                help = "regenerate it with this version's `sre-policy baseline`",
                "baseline {shown} has version {}; this sre-policy reads version {VERSION}",
                baseline.version
            ));
        }
        Ok(baseline)
    }
}

fn read_text(path: &Path, shown: &str) -> miette::Result<String> {
    let cannot = |e: std::io::Error| {
        miette::miette!(
            help = "check the path and its permissions, or pass --no-baseline",
            "cannot read baseline {shown}: {e}"
        )
    };
    let metadata = std::fs::symlink_metadata(path).map_err(cannot)?;
    // Like the config, a baseline may come with the change being checked: a link (to a file
    // whose text an error message would quote) is never followed.
    if metadata.file_type().is_symlink() {
        return Err(miette::miette!(
            help = "replace the link with the file itself, or point --baseline at the real file",
            "baseline {shown} is a symbolic link"
        ));
    }
    if !metadata.is_file() {
        return Err(miette::miette!(
            help = "point --baseline at the JSON file `sre-policy baseline` wrote",
            "baseline {shown} is not a regular file"
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(miette::miette!(
            help = "check that the path names the baseline `sre-policy baseline` wrote",
            "baseline {shown} is larger than {} MiB",
            MAX_BYTES / 1024 / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        miette::miette!(
            help = "regenerate it with `sre-policy baseline`",
            "baseline {shown} is not UTF-8 text"
        )
    })
}

/// One entry per finding, in the findings' order.
pub fn entries(findings: &[Finding], sources: &HashMap<String, String>) -> Vec<Entry> {
    findings
        .iter()
        .zip(fingerprints(findings, sources))
        .map(|(finding, fingerprint)| Entry {
            path: finding.path.clone(),
            rule: finding.rule.to_string(),
            message: finding.message.clone(),
            fingerprint,
        })
        .collect()
}

/// The fingerprint of each finding, in order (see the module doc).
pub fn fingerprints(findings: &[Finding], sources: &HashMap<String, String>) -> Vec<String> {
    let mut lines_by_path: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut seen: HashMap<(&str, &str, String, String), usize> = HashMap::new();
    findings
        .iter()
        .map(|finding| {
            let lines = lines_by_path
                .entry(finding.path.as_str())
                .or_insert_with(|| match sources.get(&finding.path) {
                    Some(source) => source.split('\n').collect(),
                    None => Vec::new(),
                });
            let index = finding.line.saturating_sub(1);
            let line = lines.get(index).map_or(String::new(), |l| normalized(l));
            let declaration = lines
                .get(..=index.min(lines.len().saturating_sub(1)))
                .unwrap_or(&[])
                .iter()
                .rev()
                .find(|l| is_declaration_header(l))
                .map_or(String::new(), |l| normalized(l));
            let key = (finding.path.as_str(), finding.rule, line, declaration);
            let occurrence = seen.entry(key.clone()).or_insert(0);
            let nth = *occurrence;
            *occurrence += 1;
            let mut hash = crate::report::sarif::Fnv1a64::new();
            for part in [key.1, &key.2, &key.3, &nth.to_string()] {
                hash.write(part.as_bytes());
                hash.write(&[0]);
            }
            format!("{:016x}", hash.finish())
        })
        .collect()
}

/// Whitespace runs as one space, ends trimmed (also drops a CRLF's `\r`).
fn normalized(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A top-level declaration's first line: it starts in column 1 with a declaration keyword.
fn is_declaration_header(line: &str) -> bool {
    [
        "func ", "func(", "type ", "var ", "var(", "const ", "const(",
    ]
    .iter()
    .any(|keyword| line.starts_with(keyword))
}

/// What applying a baseline did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings the baseline hid.
    pub hidden: usize,
    /// Entries in scope that matched no finding: debt paid (or moved beyond recognition).
    pub stale: Vec<Entry>,
}

/// Removes the findings `baseline` accepts. `renames` maps a path the baseline names to the
/// file's current path; `in_scope` says which entries this run could have matched (their
/// file and rule were checked), for the stale count.
pub fn apply(
    baseline: &Baseline,
    findings: &mut Vec<Finding>,
    sources: &HashMap<String, String>,
    renames: &HashMap<String, String>,
    in_scope: &dyn Fn(&Entry) -> bool,
) -> Applied {
    let current = |entry: &Entry| -> (String, String) {
        let path = renames.get(&entry.path).unwrap_or(&entry.path).clone();
        (path, entry.fingerprint.clone())
    };
    let mut accepted: HashSet<(String, String)> = baseline.findings.iter().map(current).collect();
    let prints = fingerprints(findings, sources);
    let mut keep = Vec::with_capacity(findings.len());
    let mut hidden = 0;
    for (finding, print) in findings.drain(..).zip(prints) {
        if accepted.remove(&(finding.path.clone(), print)) {
            hidden += 1;
        } else {
            keep.push(finding);
        }
    }
    *findings = keep;
    let stale = baseline
        .findings
        .iter()
        .filter(|entry| accepted.contains(&current(entry)) && in_scope(entry))
        .cloned()
        .collect();
    Applied { hidden, stale }
}

/// The entries of `baseline` that still match a finding, with the finding's current path
/// (a renamed file's entries move with it); the rest are dropped (`baseline --prune`).
pub fn prune(
    baseline: &Baseline,
    findings: &[Finding],
    sources: &HashMap<String, String>,
    renames: &HashMap<String, String>,
    in_scope: &dyn Fn(&Entry) -> bool,
) -> Vec<Entry> {
    let mut remaining = findings.to_vec();
    let applied = apply(baseline, &mut remaining, sources, renames, in_scope);
    let stale: BTreeSet<&Entry> = applied.stale.iter().collect();
    let mut kept: Vec<Entry> = baseline
        .findings
        .iter()
        .filter(|entry| !stale.contains(entry))
        .map(|entry| Entry {
            path: renames.get(&entry.path).unwrap_or(&entry.path).clone(),
            ..entry.clone()
        })
        .collect();
    kept.sort();
    kept
}

/// The commit checked out at `root`, if it is a git repository with one.
pub fn head_commit(root: &Path) -> Option<String> {
    let repo = git2::Repository::discover(root).ok()?;
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    Some(head.id().to_string())
}

/// Where the files the baseline names that no longer exist went: git's rename detection from
/// the baseline's commit to the work tree (with the index). Empty when nothing is missing,
/// outside git, or when the commit is unknown here (a shallow clone): those entries then
/// simply match nothing.
pub fn renames(root: &Path, baseline: &Baseline) -> HashMap<String, String> {
    let missing: BTreeSet<&str> = baseline
        .findings
        .iter()
        .map(|e| e.path.as_str())
        .filter(|path| !root.join(path).exists())
        .collect();
    if missing.is_empty() {
        return HashMap::new();
    }
    let Some(commit) = &baseline.commit else {
        return HashMap::new();
    };
    let found = || -> Result<HashMap<String, String>, git2::Error> {
        let repo = git2::Repository::discover(root)?;
        let tree = repo.revparse_single(commit)?.peel_to_tree()?;
        let mut options = git2::DiffOptions::new();
        options.include_untracked(true).recurse_untracked_dirs(true);
        let mut diff = repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))?;
        let mut find = git2::DiffFindOptions::new();
        find.renames(true).for_untracked(true);
        diff.find_similar(Some(&mut find))?;
        let mut moved = HashMap::new();
        for delta in diff.deltas() {
            if delta.status() != git2::Delta::Renamed {
                continue;
            }
            let (Some(old), Some(new)) = (delta.old_file().path(), delta.new_file().path()) else {
                continue;
            };
            let (Some(old), Some(new)) = (old.to_str(), new.to_str()) else {
                continue;
            };
            if missing.contains(old) {
                moved.insert(old.to_string(), new.to_string());
            }
        }
        Ok(moved)
    };
    found().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::report::test_support::finding;

    fn sources(path: &str, text: &str) -> HashMap<String, String> {
        HashMap::from([(path.to_string(), text.to_string())])
    }

    #[test]
    fn fingerprints_ignore_lines_above_and_indentation_but_not_the_declaration() {
        let before = "package a\n\nfunc A() {\n\tx := prometheus.NewCounter()\n}\n";
        let after =
            "package a\n\n// A does a.\n\nfunc A() {\n\n    x := prometheus.NewCounter()\n}\n";
        let renamed = "package a\n\nfunc B() {\n\tx := prometheus.NewCounter()\n}\n";
        let at = |line| vec![finding("metric-promauto", Severity::Error, "a.go", line)];
        let old = fingerprints(&at(4), &sources("a.go", before));
        assert_eq!(old, fingerprints(&at(7), &sources("a.go", after)));
        assert_ne!(old, fingerprints(&at(4), &sources("a.go", renamed)));
    }

    #[test]
    fn identical_lines_are_told_apart_by_occurrence() {
        let text = "package a\n\nvar (\n\tx = f()\n\ty = f()\n)\n";
        let text = text.replace("y = f()", "x = f()");
        let findings = vec![
            finding("metric-help", Severity::Error, "a.go", 4),
            finding("metric-help", Severity::Error, "a.go", 5),
        ];
        let prints = fingerprints(&findings, &sources("a.go", &text));
        assert_ne!(prints[0], prints[1]);
    }

    #[test]
    fn apply_hides_matches_counts_stale_and_prune_keeps_the_rest() {
        let text = "package a\n\nfunc A() {\n\tone()\n\ttwo()\n}\n";
        let src = sources("a.go", text);
        let old = vec![
            finding("metric-help", Severity::Error, "a.go", 4),
            finding("metric-help", Severity::Error, "a.go", 5),
        ];
        let baseline = Baseline::of(&old, &src, None);
        assert_eq!(baseline.findings.len(), 2);
        // Line 5 was fixed; a new finding appeared on line 4 under another rule.
        let mut now = vec![
            finding("metric-help", Severity::Error, "a.go", 4),
            finding("metric-location", Severity::Error, "a.go", 4),
        ];
        let applied = apply(&baseline, &mut now, &src, &HashMap::new(), &|_| true);
        assert_eq!(applied.hidden, 1);
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].rule, "metric-location");
        assert_eq!(applied.stale.len(), 1);
        let out_of_scope = apply(&baseline, &mut vec![], &src, &HashMap::new(), &|e| {
            e.path != "a.go"
        });
        assert!(out_of_scope.stale.is_empty());
        let kept = prune(
            &baseline,
            &[finding("metric-help", Severity::Error, "a.go", 4)],
            &src,
            &HashMap::new(),
            &|_| true,
        );
        assert_eq!(kept.len(), 1);
        let moved = HashMap::from([("a.go".to_string(), "b.go".to_string())]);
        let mut renamed = vec![finding("metric-help", Severity::Error, "b.go", 4)];
        let applied = apply(
            &baseline,
            &mut renamed,
            &sources("b.go", text),
            &moved,
            &|_| true,
        );
        assert_eq!(applied.hidden, 1);
    }

    #[test]
    fn json_is_sorted_with_a_fixed_key_order_and_round_trips() {
        let src = sources("a.go", "package a\nx\ny\n");
        let findings = vec![
            finding("metric-location", Severity::Error, "a.go", 3),
            finding("metric-help", Severity::Error, "a.go", 2),
        ];
        let baseline = Baseline::of(&findings, &src, Some("abc".into()));
        let text = baseline.to_json();
        assert!(text.starts_with("{\n  \"version\": 1,\n  \"commit\": \"abc\",\n  \"findings\": [\n    {\n      \"path\": \"a.go\",\n      \"rule\": \"metric-help\",\n      \"message\": "), "{text}");
        assert!(text.ends_with("}\n"));
        let parsed: Baseline = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, baseline);
    }
}
