//! troubleshooting-doc: a change to network or storage code updates the troubleshooting doc.
//!
//! Repo-level and diff-only. A changed Go line counts when it is code (not blank, not only a
//! comment) and lies in a top-level declaration that uses a network or storage package (by an
//! imported identifier, or through a receiver field whose type comes from one), or in an
//! import of such a package, or when the file matches a configured path glob. Removed lines
//! are read in the old version, so dropping an import or a query counts too. One finding per
//! qualifying file, at its first qualifying line.

use std::collections::{HashMap, HashSet};

use crate::config::{DocSetting, Settings};
use crate::data::RuleData;
use crate::finding::Finding;
use crate::git::FileStatus;
use crate::go::{Facts, Span, TopDecl};
use crate::rules::make_finding;
use crate::source::LineIndex;

pub const ID: &str = "troubleshooting-doc";

const TRAILER: &str = "SRE-Policy-Skip:";

/// One version of a changed file: its facts and bytes.
#[derive(Clone, Copy)]
pub struct Version<'a> {
    pub facts: &'a Facts,
    pub src: &'a [u8],
}

/// A changed Go file as the rule sees it.
pub struct ChangedGoFile<'a> {
    pub path: &'a str,
    pub status: FileStatus,
    pub added_lines: &'a [usize],
    pub removed_lines: &'a [usize],
    pub old: Option<Version<'a>>,
    pub new: Option<Version<'a>>,
}

/// Struct fields of the package typed by an imported package: (folder, struct) → (field,
/// import path), gathered from the changed files and their neighbours.
pub type FieldTypes = HashMap<(String, String), Vec<(String, String)>>;

/// Records the fields of `facts` (a file in folder `dir`) whose types are imported.
pub fn collect_field_types(dir: &str, facts: &Facts, into: &mut FieldTypes) {
    for field in &facts.struct_fields {
        if let Some(path) = facts.import_path_of(&field.package) {
            into.entry((dir.to_string(), field.struct_name.clone()))
                .or_default()
                .push((field.field.clone(), path.to_string()));
        }
    }
}

/// What the rule needs besides the files.
pub struct ChangeContext<'a> {
    /// Paths the change adds, modifies or renames to (not deletions).
    pub updated_paths: &'a HashSet<String>,
    pub commit_messages: &'a [String],
    pub fields: &'a FieldTypes,
    pub settings: &'a Settings,
    pub data: &'a RuleData,
}

/// The findings, and notes for the summary (a waiver, a trailer without a reason).
pub fn check(files: &[ChangedGoFile], ctx: &ChangeContext) -> (Vec<Finding>, Vec<String>) {
    let mut notes = Vec::new();
    let Some(severity) = ctx.settings.severity(ID) else {
        return (Vec::new(), notes);
    };
    match waiver(ctx.commit_messages) {
        Waiver::Waived(reason) => {
            notes.push(format!("troubleshooting-doc waived by a commit trailer: {reason}"));
            return (Vec::new(), notes);
        }
        Waiver::WithoutReason => notes.push(format!(
            "a `{TRAILER} troubleshooting-doc` trailer without a reason was ignored; write the reason after the rule id"
        )),
        Waiver::None => {}
    }
    let kinds = PackageKinds::new(ctx.data, ctx.settings);
    let mut findings = Vec::new();
    for file in files {
        let doc = doc_for(file.path, &ctx.settings.troubleshooting.doc);
        if ctx.updated_paths.contains(&doc) {
            continue;
        }
        let Some(hit) = first_qualifying(file, &kinds, ctx) else {
            continue;
        };
        let lines = LineIndex::new(file.new.map_or(&[][..], |new| new.src));
        let span = match (&hit.version, file.new) {
            (Side::New, Some(_)) => line_span(&lines, hit.line),
            _ => Span::default(),
        };
        let message = format!(
            "changes {} code ({}), but `{doc}` is not updated in this change",
            hit.kind, hit.reason
        );
        let help = format!(
            "add to `{doc}` what on-call needs to know about this change (new failure modes, \
             timeouts, dashboards, runbook steps), or waive it with a commit trailer \
             `{TRAILER} troubleshooting-doc <reason>`"
        );
        let mut finding = make_finding(&lines, file.path, ID, severity, span, message, Some(help));
        finding.on_changed_line = true;
        findings.push(finding);
    }
    (findings, notes)
}

enum Waiver {
    None,
    Waived(String),
    WithoutReason,
}

/// `SRE-Policy-Skip: troubleshooting-doc <reason>` in any commit of the range.
fn waiver(messages: &[String]) -> Waiver {
    let mut result = Waiver::None;
    for line in messages.iter().flat_map(|m| m.lines()) {
        let Some(rest) = line.trim().strip_prefix(TRAILER) else {
            continue;
        };
        let mut words = rest.trim().splitn(2, char::is_whitespace);
        if words.next() != Some(ID) {
            continue;
        }
        match words.next().map(str::trim).filter(|r| !r.is_empty()) {
            Some(reason) => return Waiver::Waived(reason.to_string()),
            None => result = Waiver::WithoutReason,
        }
    }
    result
}

/// The doc that covers `path`: the one setting, or the nearest configured folder's.
pub fn doc_for(path: &str, setting: &DocSetting) -> String {
    match setting {
        DocSetting::One(doc) => doc.clone(),
        DocSetting::PerDirectory(map) => map
            .iter()
            .filter(|(dir, _)| {
                let dir = dir.trim_end_matches('/');
                dir.is_empty() || dir == "." || path.starts_with(&format!("{dir}/"))
            })
            .max_by_key(|(dir, _)| dir.trim_end_matches('/').len())
            .map(|(_, doc)| doc.clone())
            .unwrap_or_else(|| match DocSetting::default() {
                DocSetting::One(doc) => doc,
                DocSetting::PerDirectory(_) => String::new(),
            }),
    }
}

/// Classifies import paths as network or storage.
struct PackageKinds<'a> {
    network: Vec<&'a str>,
    storage: Vec<&'a str>,
}

impl<'a> PackageKinds<'a> {
    fn new(data: &'a RuleData, settings: &'a Settings) -> Self {
        let config = &settings.troubleshooting;
        PackageKinds {
            network: data
                .troubleshooting
                .network_imports
                .iter()
                .chain(&config.network_imports)
                .map(String::as_str)
                .collect(),
            storage: data
                .troubleshooting
                .storage_imports
                .iter()
                .chain(&config.storage_imports)
                .map(String::as_str)
                .collect(),
        }
    }

    fn kind(&self, path: &str) -> Option<&'static str> {
        let matches = |entry: &&str| {
            path == *entry
                || (entry
                    .split('/')
                    .next()
                    .is_some_and(|first| first.contains('.'))
                    && path.starts_with(entry)
                    && path.as_bytes().get(entry.len()) == Some(&b'/'))
        };
        if self.storage.iter().any(matches) {
            Some("storage")
        } else if self.network.iter().any(matches) {
            Some("network")
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Old,
    New,
}

struct Hit {
    version: Side,
    line: usize,
    kind: &'static str,
    reason: String,
}

fn first_qualifying(
    file: &ChangedGoFile,
    kinds: &PackageKinds,
    ctx: &ChangeContext,
) -> Option<Hit> {
    let dir = crate::walk::parent_dir(file.path);
    let path_kind = path_glob_kind(file.path, ctx.settings);
    if file.status == FileStatus::Deleted {
        let old = file.old?;
        let reason = path_kind
            .map(|(kind, glob)| (kind, format!("deletes a file under `{glob}`")))
            .or_else(|| {
                old.facts.imports.iter().find_map(|i| {
                    kinds
                        .kind(&i.path)
                        .map(|k| (k, format!("deletes a file that uses {}", i.path)))
                })
            })?;
        return Some(Hit {
            version: Side::Old,
            line: 1,
            kind: reason.0,
            reason: reason.1,
        });
    }
    let sides = [
        (Side::New, file.new, file.added_lines, "adds"),
        (Side::Old, file.old, file.removed_lines, "removes"),
    ];
    for (side, version, lines, verb) in sides {
        let Some(version) = version else { continue };
        let index = LineIndex::new(version.src);
        let mut decl_uses = HashMap::new();
        for line in code_lines(version, &index, lines) {
            let found = match path_kind {
                Some((kind, glob)) => Some((kind, format!("a file under `{glob}`"))),
                None => {
                    let row = line - 1;
                    classify_line(
                        version.facts,
                        row,
                        dir,
                        kinds,
                        ctx.fields,
                        verb,
                        &mut decl_uses,
                    )
                }
            };
            if let Some((kind, reason)) = found {
                let reason = match side {
                    Side::New => reason,
                    Side::Old => format!("{reason}, line {line} of the previous version"),
                };
                return Some(Hit {
                    version: side,
                    line,
                    kind,
                    reason,
                });
            }
        }
    }
    None
}

fn path_glob_kind<'s>(path: &str, settings: &'s Settings) -> Option<(&'static str, &'s str)> {
    let config = &settings.troubleshooting;
    let first = |set: &globset::GlobSet, patterns: &'s [toml::Spanned<String>]| {
        set.matches(path)
            .first()
            .and_then(|&i| patterns.get(i))
            .map(|p| p.get_ref().as_str())
    };
    first(&settings.storage_paths, &config.storage_paths)
        .map(|g| ("storage", g))
        .or_else(|| first(&settings.network_paths, &config.network_paths).map(|g| ("network", g)))
}

/// The network and storage uses of one declaration, `(row, kind, reason)`, by row (stable:
/// package uses before field uses on one row).
type DeclUses = Vec<(usize, &'static str, String)>;

/// Why the code on 0-based `row` is network or storage code, if it is. `cache` holds each
/// declaration's uses, found once however many of its lines changed.
fn classify_line(
    facts: &Facts,
    row: usize,
    dir: &str,
    kinds: &PackageKinds,
    fields: &FieldTypes,
    verb: &str,
    cache: &mut HashMap<usize, DeclUses>,
) -> Option<(&'static str, String)> {
    let (at, decl) = facts.decl_at(row)?;
    if decl.is_import {
        let import = facts.import_at(row)?;
        return kinds
            .kind(&import.path)
            .map(|k| (k, format!("{verb} the import of {}", import.path)));
    }
    let uses = cache
        .entry(at)
        .or_insert_with(|| decl_uses(facts, decl, dir, kinds, fields));
    // The use on the changed line itself names the reason best; else the declaration's first.
    let on_row = uses.partition_point(|(use_row, _, _)| *use_row < row);
    let (_, kind, reason) = uses
        .get(on_row)
        .filter(|(use_row, _, _)| *use_row == row)
        .or_else(|| uses.first())?;
    Some((kind, reason.clone()))
}

/// The network and storage uses of `decl`: imported packages, and for a method the receiver's
/// fields typed by such packages.
fn decl_uses(
    facts: &Facts,
    decl: &TopDecl,
    dir: &str,
    kinds: &PackageKinds,
    fields: &FieldTypes,
) -> DeclUses {
    let mut uses: DeclUses = Vec::new();
    for package_use in &decl.uses {
        let Some(path) = facts.import_path_of(&package_use.package) else {
            continue;
        };
        if let Some(kind) = kinds.kind(path) {
            uses.push((
                package_use.row,
                kind,
                format!("uses {path} via `{}`", package_use.text),
            ));
        }
    }
    if let Some((receiver, type_name)) = &decl.receiver {
        let typed = fields.get(&(dir.to_string(), type_name.clone()));
        for field_use in decl.field_uses.iter().filter(|u| &u.variable == receiver) {
            let path = typed
                .into_iter()
                .flatten()
                .find(|(field, _)| field == &field_use.field)
                .map(|(_, path)| path);
            if let Some(kind) = path.and_then(|p| kinds.kind(p)) {
                let path = path.map(String::as_str).unwrap_or_default();
                uses.push((
                    field_use.row,
                    kind,
                    format!("uses {path} via `{}`", field_use.text),
                ));
            }
        }
    }
    uses.sort_by_key(|(use_row, _, _)| *use_row);
    uses
}

/// The changed `lines` (1-based) that hold code, not only blanks and comments, in ascending
/// order: one sweep over the lines and the file's comments (both in source order), so a
/// change of many comment lines costs no more than reading them.
fn code_lines(version: Version, index: &LineIndex, lines: &[usize]) -> Vec<usize> {
    let mut sorted = Vec::new();
    let lines = if lines.is_sorted() {
        lines
    } else {
        sorted.extend_from_slice(lines);
        sorted.sort_unstable();
        &sorted
    };
    let comments = &version.facts.comments;
    let mut next_comment = 0;
    let mut code = Vec::new();
    let mut found = Vec::new();
    for &line in lines {
        let Some(start) = index.line_start(line) else {
            continue;
        };
        let text = index.line_text(line);
        let end = start + text.len();
        // Comments that end before this line end before every later one too.
        while comments
            .get(next_comment)
            .is_some_and(|c| c.span.end <= start)
        {
            next_comment += 1;
        }
        code.clear();
        code.extend_from_slice(text);
        for comment in comments[next_comment..]
            .iter()
            .take_while(|c| c.span.start < end)
        {
            let (from, to) = (comment.span.start.max(start), comment.span.end.min(end));
            if from < to {
                code[from - start..to - start].fill(b' ');
            }
        }
        if !code.iter().all(u8::is_ascii_whitespace) {
            found.push(line);
        }
    }
    found
}

/// The span of 1-based `line`'s text without its indentation.
fn line_span(index: &LineIndex, line: usize) -> Span {
    let start = index.line_start(line).unwrap_or(0);
    let text = index.line_text(line);
    let indent = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
    Span {
        start: start + indent,
        end: start + text.len(),
        start_row: line.saturating_sub(1),
        end_row: line.saturating_sub(1),
    }
}
