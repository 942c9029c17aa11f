//! The one filter stage every finding passes, whatever rule made it: rule selection and
//! context files, suppressions (and the ones that suppressed nothing), the diff scope, the
//! `--staged` downgrade, then the order every output uses.

use std::collections::{HashMap, HashSet};

use super::Scope;
use crate::config::Settings;
use crate::finding::{Finding, Severity};
use crate::git::ChangeSet;
use crate::index::{ProjectIndex, Role};
use crate::rules::{self, Kind, UnusedContext, UnusedSuppression};
use crate::source::LineIndex;
use crate::suppress;

/// What diff mode adds to the filter.
pub struct DiffFilter<'a> {
    pub change: &'a ChangeSet,
    pub scope: Scope,
    /// `--staged`: the pre-commit check.
    pub staged: bool,
}

fn is_change_rule(id: &str) -> bool {
    rules::info(id).is_some_and(|r| matches!(r.kind, Kind::Change(_)))
}

/// Filters and sorts `findings`.
pub fn apply(
    mut findings: Vec<Finding>,
    index: &ProjectIndex,
    settings: &Settings,
    diff: Option<&DiffFilter>,
) -> Vec<Finding> {
    // Rules that are off, and findings in files read only for context.
    findings.retain(|finding| {
        settings.severity(finding.rule).is_some()
            && (is_change_rule(finding.rule)
                || index
                    .file(&finding.path)
                    .is_none_or(|file| file.role == Role::Checked))
    });

    findings = suppress_all(findings, index, settings, diff.is_some());
    settings.apply_overrides(&mut findings);

    if let Some(diff) = diff {
        let changed_paths: HashSet<&str> =
            diff.change.files.iter().map(|f| f.path.as_str()).collect();
        let mut removal_points: HashMap<&str, Vec<usize>> = HashMap::new();
        for finding in findings.iter_mut() {
            if is_change_rule(finding.rule) {
                continue;
            }
            let Some(file) = diff.change.file(&finding.path) else {
                continue;
            };
            finding.on_changed_line = file.is_line_added(finding.line)
                || finding.context_lines.is_some_and(|lines| {
                    let points = removal_points
                        .entry(file.path.as_str())
                        .or_insert_with(|| file.removal_points());
                    file.touches(lines, points)
                });
        }
        findings.retain(|finding| {
            is_change_rule(finding.rule)
                || match diff.scope {
                    Scope::Added => finding.on_changed_line,
                    Scope::ChangedFiles => changed_paths.contains(finding.path.as_str()),
                    Scope::All => true,
                }
        });
        if diff.staged {
            // Before a commit the rest of the change may still come in a later commit, and a
            // waiver has no commit message to live in yet: warn, and let the pull request
            // check enforce it.
            for finding in findings.iter_mut() {
                if rules::info(finding.rule).is_some_and(|r| r.warning_when_staged) {
                    finding.severity = Severity::Warning;
                    if let Some(help) = &mut finding.help {
                        help.push_str(
                            " (a warning in --staged mode: the pull request check enforces it)",
                        );
                    }
                }
            }
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// Applies the suppressions of every checked file to the findings in it, then reports the
/// suppressions that suppressed nothing of a rule that ran.
fn suppress_all(
    findings: Vec<Finding>,
    index: &ProjectIndex,
    settings: &Settings,
    diff_mode: bool,
) -> Vec<Finding> {
    let ids = rules::ids();
    let mut by_path: HashMap<String, Vec<Finding>> = HashMap::new();
    for finding in findings {
        by_path
            .entry(finding.path.clone())
            .or_default()
            .push(finding);
    }
    let mut kept = Vec::new();
    let mut unused_lists = Vec::new();
    for file in index.files.iter().filter(|f| f.role == Role::Checked) {
        if !file.relevant && !by_path.contains_key(&file.rel) {
            continue;
        }
        let (mut suppressions, _) = suppress::parse(&file.facts.comments, &ids);
        if suppressions.is_empty() {
            continue;
        }
        let mut in_file = by_path.remove(&file.rel).unwrap_or_default();
        suppress::apply(&mut in_file, &mut suppressions);
        kept.append(&mut in_file);
        let ran = |id: &str| {
            settings.severity(id).is_some() && rules::info(id).is_some_and(|r| r.runs(diff_mode))
        };
        let unused: Vec<(String, suppress::Suppression)> = suppressions
            .into_iter()
            .flat_map(|s| {
                s.rules
                    .iter()
                    .zip(&s.used)
                    .filter(|(rule, used)| !**used && ran(rule))
                    .map(|(rule, _)| (rule.clone(), s.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        if !unused.is_empty() {
            unused_lists.push((file, unused));
        }
    }
    kept.extend(by_path.into_values().flatten());
    for (file, unused) in &unused_lists {
        let lines = LineIndex::new(&file.src);
        let entries: Vec<UnusedSuppression> = unused
            .iter()
            .map(|(rule, suppression)| UnusedSuppression {
                path: &file.rel,
                lines: &lines,
                suppression,
                rule,
            })
            .collect();
        let ctx = UnusedContext {
            unused: &entries,
            settings,
        };
        for rule in rules::RULES {
            if let Kind::UnusedSuppressions(check) = rule.kind {
                if settings.severity(rule.id).is_some() {
                    kept.extend(check(&ctx));
                }
            }
        }
    }
    kept
}
