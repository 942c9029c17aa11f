//! troubleshooting-doc (diff mode): a change that alters network or storage behaviour updates
//! the troubleshooting doc.
//!
//! The judgement is made on what changed, line by line (see `classify`), after dropping what
//! does not change behaviour (see `hunks`): blank and comment lines, renames, moved lines,
//! string-text-only edits, log, trace and metric calls, tests and generated files. One
//! finding per doc: at the first qualifying line, with every other qualifying file as a
//! related location. A doc counts as updated when the change adds or modifies a line of it
//! that is not blank and not an HTML comment.

mod classify;
mod dead;
mod flow;
mod hunks;
mod markers;
mod modernize;
mod settings;
mod signal;

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{ChangeContext, ChangedGoFile, Kind, Needs, RuleInfo, RuleOutput};
use crate::config::{DocSetting, Settings};
use crate::data::RuleData;
use crate::finding::{Finding, Related, Severity};
use crate::git::FileStatus;
use crate::go::Span;
use crate::rules::make_finding;
use crate::source::LineIndex;
use classify::{covering, Classifier, FileView, HunkContext};
use dead::{DeadCode, Unreached};
use hunks::{DeclaredNames, HunkKind, Moves};
use signal::{Area, Signal};

pub const ID: &str = "troubleshooting-doc";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Error,
    summary: "A change to network or storage code updates the troubleshooting doc",
    doc: include_str!("../../../rules/troubleshooting-doc.md"),
    kind: Kind::Change(run),
    // Changed files are always read in diff mode.
    triggers: super::no_triggers,
    context_words,
    needs: Needs {
        old_versions: true,
        repository_metrics: false,
        imported_packages: true,
    },
    warning_when_staged: true,
};

const TRAILER: &str = "SRE-Policy-Skip:";

/// The label that waives the rule for a pull request when none is configured.
pub const DEFAULT_WAIVER_LABEL: &str = "skip-troubleshooting-doc";

/// A neighbour of a changed file, or a package it imports, matters when it uses a network or
/// storage package or writes files: its import of one shows it.
fn context_words(data: &RuleData, settings: &Settings) -> Vec<String> {
    let config = &settings.troubleshooting;
    let table = &data.troubleshooting;
    table
        .network_imports
        .iter()
        .chain(&table.storage_imports)
        .chain(&config.network_imports)
        .chain(&config.storage_imports)
        .chain(table.file_functions.keys())
        .map(|path| format!("\"{path}"))
        .collect()
}

/// One qualifying line.
struct Hit {
    path: String,
    /// 1-based; on the new side unless `old`.
    line: usize,
    /// The new-side line to report at: `line`, or where removed lines were.
    anchor: usize,
    old: bool,
    signal: Signal,
}

fn run(ctx: &ChangeContext) -> RuleOutput {
    let mut output = RuleOutput::default();
    let Some(severity) = ctx.settings.severity(ID) else {
        return output;
    };
    if let Some(note) = pull_request_waiver(ctx) {
        output.notes.push(note);
        return output;
    }
    let table = &ctx.data.troubleshooting;
    let non_service = |dir: &str| {
        table.non_service_dirs.iter().any(|n| n == dir)
            || table
                .non_service_dir_endings
                .iter()
                .any(|n| dir.ends_with(n.as_str()))
            || table
                .non_service_dir_beginnings
                .iter()
                .any(|n| dir.starts_with(n.as_str()))
    };
    let classifier = Classifier::new(ctx.data, ctx.settings, ctx.index);
    let files: Vec<&ChangedGoFile> = ctx
        .files
        .iter()
        .filter(|file| {
            let generated = file.new.is_some_and(|v| crate::walk::is_generated(v.src))
                || file.old.is_some_and(|v| crate::walk::is_generated(v.src));
            let dir = crate::walk::parent_dir(file.path);
            let in_tests_or_tools = dir.split('/').any(non_service);
            // In a repository that is a listed network or storage library, its programs (its
            // command-line tools, functional tests built as a `main`) are not its clients.
            let program = file
                .new
                .as_ref()
                .or(file.old.as_ref())
                .is_some_and(|v| v.facts.package.as_deref() == Some("main"));
            let library_program = program && classifier.listed_library_area(dir).is_some();
            !generated && !in_tests_or_tools && !library_program
        })
        .collect();
    // Only what the commits after a waiver added counts; a waiver in the last commit waives all.
    let mut later_lines = None;
    match waiver(ctx.commit_messages) {
        Waiver::Waived { reason, commit } if commit + 1 == ctx.commit_messages.len() => {
            output
                .notes
                .push(format!("troubleshooting-doc waived by a commit trailer: {reason}"));
            return output;
        }
        Waiver::Waived { reason, commit } => match ctx.history.added_since(commit) {
            Ok(lines) => {
                output.notes.push(format!(
                    "troubleshooting-doc waived up to commit {} by its trailer ({reason}); the commits after it are checked",
                    ctx.commit_ids.get(commit).map_or("?", |id| &id[..id.len().min(10)])
                ));
                later_lines = Some(lines);
            }
            Err(e) => output.notes.push(format!(
                "the commits after the troubleshooting-doc waiver could not be listed ({e}); the whole change is checked"
            )),
        },
        Waiver::WithoutReason => output.notes.push(format!(
            "a `{TRAILER} troubleshooting-doc` trailer without a reason was ignored; write the reason after the rule id"
        )),
        Waiver::None => {}
    }
    let moves = moves(&files, &classifier);
    let declared = DeclaredNames::of(ctx.all_files);
    let dead = DeadCode::find(ctx, &files);
    let unreached = Unreached::new(ctx);
    let mut markers = markers::changed_markers(&files, &table.markers);
    let mut by_doc: BTreeMap<String, Vec<Hit>> = BTreeMap::new();
    for file in &files {
        let doc = doc_for(file.path, &ctx.settings.troubleshooting.doc);
        let mut hit = first_hit(
            file,
            &classifier,
            (&moves, &declared),
            (&dead, &unreached),
            ctx.settings,
        )
        .or_else(|| markers.remove(file.path));
        if let (Some(lines), Some(found)) = (&later_lines, &hit) {
            let later = lines
                .get(file.path)
                .is_some_and(|added| !found.old && added.binary_search(&found.line).is_ok());
            if !later {
                hit = None;
            }
        }
        if let Some(hit) = hit {
            by_doc.entry(doc).or_default().push(hit);
        }
    }
    for (doc, hits) in by_doc {
        if doc_really_updated(ctx, &doc) {
            continue;
        }
        output.findings.push(finding(ctx, &doc, &hits, severity));
    }
    output
}

/// The finding for one doc: at the first hit, every hit's file named.
fn finding(ctx: &ChangeContext, doc: &str, hits: &[Hit], severity: Severity) -> Finding {
    let first = &hits[0];
    let new_src = ctx
        .files
        .iter()
        .find(|f| f.path == first.path)
        .and_then(|f| f.new)
        .map_or(&[][..], |v| v.src);
    let lines = LineIndex::new(new_src);
    let span = if new_src.is_empty() {
        Span::default()
    } else {
        line_span(&lines, first.anchor.min(lines.line_count()).max(1))
    };
    // The change's areas, not only the first line's: its other files may reach the other one.
    let areas: std::collections::BTreeSet<Area> = hits.iter().map(|h| h.signal.area).collect();
    let area = areas
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(" and ");
    let more = match hits.len() {
        1 => String::new(),
        n => format!(
            " (and {} more file{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    let message = format!(
        "this change alters {area} behaviour: it {} in `{}`{more}, but `{doc}` is not updated",
        first.signal.what, first.path,
    );
    let help = format!(
        "add to `{doc}` what on-call needs to know (new failure modes, timeouts, limits, \
         routes, dashboards, runbook steps), or waive it with a commit trailer \
         `{TRAILER} troubleshooting-doc <reason>`{}",
        match ctx.pull_request {
            Some(_) => format!(
                " or the pull request label `{}`",
                waiver_label(ctx.settings)
            ),
            None => String::new(),
        }
    );
    let mut finding = make_finding(&lines, &first.path, ID, severity, span, message, Some(help));
    finding.on_changed_line = true;
    finding.related = hits
        .iter()
        .map(|hit| Related {
            path: hit.path.clone(),
            line: if hit.old { 0 } else { hit.line },
            message: if hit.old {
                format!(
                    "{} (line {} of the previous version)",
                    hit.signal.what, hit.line
                )
            } else {
                hit.signal.what.clone()
            },
        })
        .collect();
    finding
}

/// Every line removed and added anywhere in the change, in the form a move leaves it, to
/// tell moves apart.
fn moves(files: &[&ChangedGoFile], classifier: &Classifier) -> Moves {
    let mut moves = Moves::default();
    for file in files {
        if let Some(old) = file.old {
            let lines = LineIndex::new(old.src);
            let library = libraries(old, classifier);
            let library = |name: &[u8]| library.contains(name);
            let removed: Vec<usize> = match file.status {
                FileStatus::Deleted => (1..=lines.line_count()).collect(),
                _ => file.removed_lines.to_vec(),
            };
            for line in removed {
                moves.add_removed(hunks::moved_form(old.src, &lines, line, &library));
            }
        }
        if let Some(new) = file.new {
            let lines = LineIndex::new(new.src);
            let library = libraries(new, classifier);
            let library = |name: &[u8]| library.contains(name);
            for &line in file.added_lines {
                moves.add_added(hunks::moved_form(new.src, &lines, line, &library));
            }
        }
    }
    moves
}

/// The local names of the libraries (not the repository's packages) a version imports.
fn libraries<'v>(version: super::Version<'v>, classifier: &Classifier) -> HashSet<&'v [u8]> {
    version
        .facts
        .imports
        .iter()
        .filter(|i| !classifier.is_repository_package(&i.path))
        .filter_map(|i| i.local_name())
        .map(str::as_bytes)
        .collect()
}

/// The first line of `file` that changes network or storage behaviour: added lines first
/// (new side), then removed ones (old side).
fn first_hit(
    file: &ChangedGoFile,
    classifier: &Classifier,
    (moves, declared): (&Moves, &DeclaredNames),
    (dead, unreached): (&DeadCode, &Unreached),
    settings: &Settings,
) -> Option<Hit> {
    let dir = crate::walk::parent_dir(file.path);
    let path_area = path_glob_area(file.path, settings);
    let empty = LineIndex::new(&[]);
    let old_lines = file.old.map(|v| LineIndex::new(v.src));
    let new_lines = file.new.map(|v| LineIndex::new(v.src));
    let old_libraries = file
        .old
        .map(|v| libraries(v, classifier))
        .unwrap_or_default();
    let new_libraries = file
        .new
        .map(|v| libraries(v, classifier))
        .unwrap_or_default();
    let old_library = |name: &[u8]| old_libraries.contains(name);
    let new_library = |name: &[u8]| new_libraries.contains(name);
    if file.status == FileStatus::Deleted {
        if dead.is_dead_file(file.path) {
            return None;
        }
        let old = file.old?;
        let signal = match path_area {
            Some((area, glob)) => Signal {
                area,
                what: format!("deletes a file under `{glob}`"),
            },
            None => {
                let lines = old_lines.as_ref()?;
                // What the change adds elsewhere moved there, and is judged there.
                let rows: Vec<usize> = (0..lines.line_count())
                    .filter(|&row| {
                        let text = hunks::moved_form(old.src, lines, row + 1, &old_library);
                        !moves.is_moved(&text, false)
                    })
                    .collect();
                let view = FileView {
                    facts: old.facts,
                    lines,
                    added: false,
                    metric_rows: Default::default(),
                };
                let covered = covering(old.facts, &rows);
                let whole = HunkContext {
                    text_only: false,
                    rows: (0, rows.len()),
                    other_side: " ",
                };
                let inner = rows
                    .iter()
                    .zip(&covered)
                    .find_map(|(&row, cover)| classifier.line(&view, dir, row, cover, &whole))?;
                Signal {
                    area: inner.area,
                    what: format!("deletes a file that {}", inner.what),
                }
            }
        };
        return Some(Hit {
            path: file.path.to_string(),
            line: 1,
            anchor: 1,
            old: true,
            signal,
        });
    }
    let old_src = file.old.map_or(&[][..], |v| v.src);
    let new_src = file.new.map_or(&[][..], |v| v.src);
    let old_index = old_lines.as_ref().unwrap_or(&empty);
    let new_index = new_lines.as_ref().unwrap_or(&empty);
    // The rows of each side that change code, each with its hunk's context.
    let mut contexts: Vec<(HunkContext<'static>, String)> = Vec::new();
    // (0-based row, hunk context, new-side line to report at).
    let mut added_rows: Vec<(usize, usize, usize)> = Vec::new();
    let mut removed_rows: Vec<(usize, usize, usize)> = Vec::new();
    let all_hunks = hunks::hunks(file.added_lines, file.removed_lines);
    let extracted = match (file.old, file.new) {
        (Some(old), Some(new)) => Extracted::of(
            (old.facts, new.facts),
            (new_src, new_index),
            file.added_lines,
            |line| {
                let text = hunks::moved_form(new_src, new_index, line, &new_library);
                moves.is_moved(&text, true)
            },
        ),
        _ => Extracted::default(),
    };
    // The packages the file imports in either version, by local name.
    let packages: HashMap<&str, Imported> = [file.old, file.new]
        .into_iter()
        .flatten()
        .flat_map(|version| &version.facts.imports)
        .filter_map(|i| {
            let imported = match classifier.is_repository_package(&i.path) {
                true => Imported::Own,
                false if classifier.area_of(&i.path).is_some() => Imported::Client,
                false => Imported::Library,
            };
            Some((i.local_name()?, imported))
        })
        .collect();
    let own = |name: &[u8]| {
        std::str::from_utf8(name).is_ok_and(|name| packages.get(name) == Some(&Imported::Own))
    };
    let kinds: Vec<HunkKind> = all_hunks
        .iter()
        .map(|hunk| hunks::kind((old_src, old_index), (new_src, new_index), hunk, &own))
        .collect();
    let renames: Vec<Vec<(String, String)>> = all_hunks
        .iter()
        .zip(&kinds)
        .map(|(hunk, kind)| match kind {
            HunkKind::Rename => {
                hunks::renames((old_src, old_index), (new_src, new_index), hunk, &own)
            }
            _ => Vec::new(),
        })
        .collect();
    // A library's member swapped for another under the same qualifier names another value.
    let library_package = |name: &[u8]| {
        std::str::from_utf8(name).is_ok_and(|name| {
            matches!(
                packages.get(name),
                Some(Imported::Library | Imported::Client)
            )
        })
    };
    let swaps: Vec<bool> = all_hunks
        .iter()
        .zip(&kinds)
        .map(|(hunk, kind)| {
            *kind == HunkKind::Rename
                && hunks::swaps_library_member(
                    (old_src, old_index),
                    (new_src, new_index),
                    hunk,
                    &library_package,
                )
        })
        .collect();
    let mut odd = odd_renames(&renames.concat(), &packages);
    odd.extend(declared.undeclared_member_renames(&renames.concat()));
    odd.extend(wrapped_renames(
        &renames.concat(),
        (new_src, new_index),
        file.added_lines,
    ));
    for (((hunk, kind), renamed), swapped) in
        all_hunks.into_iter().zip(kinds).zip(&renames).zip(swaps)
    {
        let text_only = match kind {
            HunkKind::Rename if swapped || renamed.iter().any(|pair| odd.contains(pair)) => false,
            HunkKind::Nothing | HunkKind::Rename => continue,
            HunkKind::TextOnly => true,
            HunkKind::Code => false,
        };
        let span = |lines: &[usize]| {
            (
                lines.first().map_or(0, |l| l - 1),
                lines.last().map_or(0, |l| l - 1),
            )
        };
        let new_context = contexts.len();
        contexts.push((
            HunkContext {
                text_only,
                rows: span(&hunk.added),
                other_side: "",
            },
            hunks::joined(old_src, old_index, &hunk.removed),
        ));
        let old_context = contexts.len();
        contexts.push((
            HunkContext {
                text_only,
                rows: span(&hunk.removed),
                other_side: "",
            },
            hunks::joined(new_src, new_index, &hunk.added),
        ));
        for &line in &hunk.added {
            let text = hunks::moved_form(new_src, new_index, line, &new_library);
            if !text.is_empty()
                && !moves.is_moved(&text, true)
                && !extracted.holds(line - 1)
                && !extracted.is_called_on(new_src, new_index, line)
            {
                added_rows.push((line - 1, new_context, line));
            }
        }
        // A text-only edit is judged on its new version alone.
        for &line in hunk.removed.iter().filter(|_| !text_only) {
            let text = hunks::moved_form(old_src, old_index, line, &old_library);
            if !text.is_empty()
                && !moves.is_moved(&text, false)
                && !dead.is_dead_row(file.path, line - 1)
            {
                removed_rows.push((line - 1, old_context, hunk.new_start));
            }
        }
    }
    if let Some((area, glob)) = path_area {
        let (old, line, anchor) = match (added_rows.first(), removed_rows.first()) {
            (Some(&(row, _, anchor)), _) => (false, row + 1, anchor),
            (None, Some(&(row, _, anchor))) => (true, row + 1, anchor),
            (None, None) => return None,
        };
        return Some(Hit {
            path: file.path.to_string(),
            line,
            anchor,
            old,
            signal: Signal {
                area,
                what: format!("changes code under `{glob}`"),
            },
        });
    }
    // New side first: the first qualifying line of the file as it now reads.
    let sides = [
        (false, file.new, new_lines.as_ref(), &added_rows),
        (true, file.old, old_lines.as_ref(), &removed_rows),
    ];
    for (old, version, lines, rows) in sides {
        let (Some(version), Some(lines)) = (version, lines) else {
            continue;
        };
        let view = FileView {
            facts: version.facts,
            lines,
            added: file.status == FileStatus::Added,
            metric_rows: match old {
                true => Default::default(),
                false => classifier.metric_rows(file.path),
            },
        };
        let numbers: Vec<usize> = rows.iter().map(|&(row, _, _)| row).collect();
        let covered = covering(version.facts, &numbers);
        for (&(row, context, anchor), cover) in rows.iter().zip(&covered) {
            let (context, other_side) = &contexts[context];
            let context = HunkContext {
                other_side,
                ..*context
            };
            if let Some(signal) = classifier.line(&view, dir, row, cover, &context) {
                let old_src = file.old.map(|v| v.src);
                let new_side = (version.src, version.facts, lines);
                if !old && unreached.is_unreached(file.path, new_side, old_src, row) {
                    continue;
                }
                let signal = match old {
                    true => Signal {
                        area: signal.area,
                        what: removed(&signal.what),
                    },
                    false => signal,
                };
                return Some(Hit {
                    path: file.path.to_string(),
                    line: row + 1,
                    anchor,
                    old,
                    signal,
                });
            }
        }
    }
    None
}

/// The functions a change adds whose bodies are lines it moved out of other code (an
/// extract-method refactor): their declarations and the lines that now call them in place of
/// those lines do what the moved lines did. A body line is moved when the change removed it
/// elsewhere, or when the diff kept it in place and added the new declaration around it (`+
/// return compress(f, r)`, `+}`, `+func compress(f *os.File, r io.Reader) error {` above the
/// lines the old function went on with).
#[derive(Default)]
struct Extracted {
    names: HashSet<String>,
    /// 0-based rows of their declarations.
    rows: Vec<(usize, usize)>,
}

impl Extracted {
    fn of(
        (old, new): (&crate::go::Facts, &crate::go::Facts),
        (src, lines): (&[u8], &LineIndex),
        added_lines: &[usize],
        is_moved: impl Fn(usize) -> bool,
    ) -> Extracted {
        let added = |row: usize| added_lines.binary_search(&(row + 1)).is_ok();
        let declared_before: HashSet<String> = old.funcs.iter().map(|f| f.display_name()).collect();
        let mut extracted = Extracted::default();
        for func in &new.funcs {
            let Some(name) = func.name() else {
                continue;
            };
            let (first, last) = (func.span.start_row, func.span.end_row);
            let body: Vec<usize> = (first + 1..last)
                .filter(|&row| !crate::go::tokens::line_tokens(src, lines, row + 1).is_empty())
                .collect();
            let new = added(first) && !declared_before.contains(&func.display_name());
            let taken = |row: &usize| !added(*row) || is_moved(row + 1);
            if new && !body.is_empty() && body.iter().all(taken) {
                extracted.names.insert(name.to_string());
                extracted.rows.push((first, last));
            }
        }
        extracted
    }

    /// Whether 0-based `row` is in the declaration of an extracted function.
    fn holds(&self, row: usize) -> bool {
        self.rows
            .iter()
            .any(|&(first, last)| (first..=last).contains(&row))
    }

    /// Whether 1-based `line` of `src` is a call of an extracted function and nothing else:
    /// `return compress(f, r)`, `err := s.compress(f, r)`, `if err := compress(f, r); err !=
    /// nil {`.
    fn is_called_on(&self, src: &[u8], lines: &LineIndex, line: usize) -> bool {
        if self.names.is_empty() {
            return false;
        }
        let tokens = crate::go::tokens::line_tokens(src, lines, line);
        let text = |i: usize| tokens.get(i).map_or(&b""[..], |t| t.text(src));
        let mut at = usize::from(matches!(text(0), b"return" | b"if"));
        // Assigned results: `a, b :=` or `err =` (operators are tokens of one character).
        let assign = (at..tokens.len()).find(|&i| text(i) == b"=" && text(i + 1) != b"=");
        if let Some(assign) = assign {
            let end = match assign > at && text(assign - 1) == b":" {
                true => assign - 1,
                false => assign,
            };
            if (at..end).all(|j| text(j) == b"," || is_name(text(j))) {
                at = assign + 1;
            }
        }
        // A method of the receiver or a value: `s.compress(`.
        if is_name(text(at)) && text(at + 1) == b"." {
            at += 2;
        }
        text(at + 1) == b"("
            && std::str::from_utf8(text(at)).is_ok_and(|name| self.names.contains(name))
    }
}

fn is_name(word: &[u8]) -> bool {
    word.first()
        .is_some_and(|&b| b == b'_' || b.is_ascii_alphabetic())
        && word.iter().all(|&b| b == b'_' || b.is_ascii_alphanumeric())
}

/// What an imported package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Imported {
    /// A package of the repository.
    Own,
    /// A network or storage library.
    Client,
    /// Another library.
    Library,
}

/// Of a file's renamings, those that change what the code does ([`hunks::false_renames`]),
/// told with the packages the file imports: a network or storage library's qualifier
/// swapped for another package (`net.Dial` → `tls.Dial`) reaches other code, while one
/// package of the repository for another (`server.X` → `connectors.X` beside `server.Y` →
/// `tokens.Y`) names code moved there, judged where it now is, and one library for another
/// (`ioutil.ReadAll` → `io.ReadAll`) follows a deprecation.
fn odd_renames(
    renames: &[(String, String)],
    packages: &HashMap<&str, Imported>,
) -> HashSet<(String, String)> {
    let mut odd = hunks::false_renames(renames);
    let is = |name: &str, kind: Imported| packages.get(name) == Some(&kind);
    odd.retain(|(a, b)| !(is(a, Imported::Own) && is(b, Imported::Own)));
    odd.extend(
        renames
            .iter()
            .filter(|(a, b)| {
                packages.contains_key(a.as_str())
                    && packages.contains_key(b.as_str())
                    && (is(a, Imported::Client) || is(b, Imported::Client))
            })
            .cloned(),
    );
    odd
}

/// Of a file's renamings `a` → `b`, those where the change defines `b` from `a` on a line of
/// its own (`counter := readers.NewCountingReader(in)`, then `Body: in` → `Body: counter`):
/// the value is wrapped, not renamed, and what reads it now gets another value.
fn wrapped_renames(
    renames: &[(String, String)],
    (src, lines): (&[u8], &LineIndex),
    added: &[usize],
) -> HashSet<(String, String)> {
    if renames.is_empty() {
        return HashSet::new();
    }
    let mut wrapped = HashSet::new();
    for &line in added {
        let tokens = crate::go::tokens::line_tokens(src, lines, line);
        let statement = flow::statement(src, &tokens);
        // The names in scope it reads: `listed := s.items` reads the field, not `items`.
        let value: HashSet<&[u8]> = (statement.value_from.min(tokens.len())..tokens.len())
            .filter(|&i| !crate::go::tokens::is_member(src, &tokens, i))
            .map(|i| tokens[i].text(src))
            .collect();
        for (a, b) in renames {
            let defines_b = statement.defined.iter().any(|p| p.len() == 1 && p[0] == *b);
            if defines_b && value.contains(a.as_bytes()) {
                wrapped.insert((a.clone(), b.clone()));
            }
        }
    }
    wrapped
}

/// The phrase for a removed line: "calls X" becomes "no longer calls X".
fn removed(what: &str) -> String {
    format!("no longer {what}")
}

fn path_glob_area<'s>(path: &str, settings: &'s Settings) -> Option<(Area, &'s str)> {
    let config = &settings.troubleshooting;
    let first = |set: &globset::GlobSet, patterns: &'s [toml::Spanned<String>]| {
        set.matches(path)
            .first()
            .and_then(|&i| patterns.get(i))
            .map(|p| p.get_ref().as_str())
    };
    first(&settings.storage_paths, &config.storage_paths)
        .map(|g| (Area::Storage, g))
        .or_else(|| {
            first(&settings.network_paths, &config.network_paths).map(|g| (Area::Network, g))
        })
}

/// Whether the change adds or modifies a line of `doc` that says something: not blank, not
/// inside an HTML comment.
fn doc_really_updated(ctx: &ChangeContext, doc: &str) -> bool {
    let Some(file) = ctx
        .all_files
        .iter()
        .find(|f| f.path == doc && f.status != FileStatus::Deleted)
    else {
        return false;
    };
    let Some(text) = file.new_content.as_deref() else {
        // Contents not loaded: trust that the file changed.
        return true;
    };
    let lines = LineIndex::new(text);
    let mut in_comment = false;
    let mut meaningful = vec![false];
    for line in 1..=lines.line_count() {
        let text = String::from_utf8_lossy(lines.line_text(line))
            .trim()
            .to_string();
        let mut rest = text.as_str();
        let mut says_something = false;
        loop {
            if in_comment {
                match rest.find("-->") {
                    Some(end) => {
                        in_comment = false;
                        rest = &rest[end + 3..];
                    }
                    None => break,
                }
            } else {
                match rest.find("<!--") {
                    Some(start) => {
                        says_something |= !rest[..start].trim().is_empty();
                        in_comment = true;
                        rest = &rest[start + 4..];
                    }
                    None => {
                        says_something |= !rest.trim().is_empty();
                        break;
                    }
                }
            }
        }
        meaningful.push(says_something);
    }
    file.added_lines
        .iter()
        .any(|&line| meaningful.get(line).copied().unwrap_or(false))
}

enum Waiver {
    None,
    /// The trailer's reason and the index of the commit that carries it (the last such).
    Waived {
        reason: String,
        commit: usize,
    },
    WithoutReason,
}

/// `SRE-Policy-Skip: troubleshooting-doc <reason>` in a commit of the range (the newest one
/// that has it).
fn waiver(messages: &[String]) -> Waiver {
    let mut result = Waiver::None;
    for (commit, message) in messages.iter().enumerate() {
        if let Some(found) = trailer_in(message) {
            result = match found {
                Some(reason) => Waiver::Waived { reason, commit },
                None if matches!(result, Waiver::Waived { .. }) => result,
                None => Waiver::WithoutReason,
            };
        }
    }
    result
}

/// `Some(Some(reason))` for a trailer with a reason, `Some(None)` for one without.
fn trailer_in(text: &str) -> Option<Option<String>> {
    let mut found = None;
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix(TRAILER) else {
            continue;
        };
        let mut words = rest.trim().splitn(2, char::is_whitespace);
        if words.next() != Some(ID) {
            continue;
        }
        match words.next().map(str::trim).filter(|r| !r.is_empty()) {
            Some(reason) => return Some(Some(reason.to_string())),
            None => found = Some(None),
        }
    }
    found
}

fn waiver_label(settings: &Settings) -> &str {
    settings
        .troubleshooting
        .waiver_label
        .as_deref()
        .unwrap_or(DEFAULT_WAIVER_LABEL)
}

/// The pull request's label or body waives the whole pull request.
fn pull_request_waiver(ctx: &ChangeContext) -> Option<String> {
    let pull_request = ctx.pull_request?;
    let label = waiver_label(ctx.settings);
    if pull_request.labels.iter().any(|l| l == label) {
        return Some(format!(
            "troubleshooting-doc waived by the pull request label `{label}`"
        ));
    }
    match trailer_in(&pull_request.body) {
        Some(Some(reason)) => Some(format!(
            "troubleshooting-doc waived by the pull request description: {reason}"
        )),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::{Extracted, LineIndex};

    #[test]
    fn a_line_that_only_calls_an_extracted_function_is_its_call() {
        let extracted = Extracted {
            names: ["compress".to_string()].into(),
            rows: Vec::new(),
        };
        let called = |line: &str| {
            let src = format!("{line}\n");
            let lines = LineIndex::new(src.as_bytes());
            extracted.is_called_on(src.as_bytes(), &lines, 1)
        };
        assert!(called("\treturn compress(f, r)"));
        assert!(called("\tif err := compress(f, r); err != nil {"));
        assert!(called("\tn, err = s.compress(f, r)"));
        assert!(called("\tcompress(f, r)"));
        assert!(!called("\treturn decompress(f, r)"));
        assert!(!called("\treturn compress"));
        assert!(!called("\tw.Write(compress(b))"));
    }
}
