//! Dead code: a deleted file, or a removed function, that nothing names any more. Removing it
//! changes nothing that runs, whatever I/O it did.
//!
//! A function is dead when no Go file of the head that could call it (tests, vendored,
//! test-data and generated code aside) names it, nor does a line that the change removes
//! elsewhere (a caller removed with it: the code ran before the change). `init` and `main`
//! always run.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use aho_corasick::AhoCorasick;

use super::{ChangeContext, ChangedGoFile};
use crate::git::FileStatus;
use crate::go::{Facts, FuncKind};
use crate::source::LineIndex;

/// The largest Go file searched for the names of removed code.
const MAX_SEARCHED_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Default)]
pub struct DeadCode {
    /// Deleted files whose every function is dead.
    files: HashSet<String>,
    /// Per path, the old-side rows (0-based, inclusive) of removed functions that are dead.
    rows: HashMap<String, Vec<(usize, usize)>>,
}

/// A removed function: its file, name, whether it is a method, and old-side rows.
struct Removed<'a> {
    path: &'a str,
    name: &'a str,
    method: bool,
    rows: (usize, usize),
}

impl DeadCode {
    pub fn find(ctx: &ChangeContext, files: &[&ChangedGoFile]) -> DeadCode {
        let mut removed: Vec<Removed> = Vec::new();
        // Deleted files that declare `init` or `main`, or no function at all, are live.
        let mut live_files: HashSet<&str> = HashSet::new();
        for file in files {
            let Some(old) = file.old else {
                continue;
            };
            let declared_now: HashSet<(Option<&str>, &str)> = file
                .new
                .map(|new| declarations(new.facts).map(|(r, n, _)| (r, n)).collect())
                .unwrap_or_default();
            let before: Vec<_> = declarations(old.facts).collect();
            if file.status == FileStatus::Deleted
                && (before.is_empty() || before.iter().any(|(_, n, _)| is_entry(n)))
            {
                live_files.insert(file.path);
            }
            for (receiver, name, rows) in before {
                if is_entry(name) || declared_now.contains(&(receiver, name)) {
                    continue;
                }
                removed.push(Removed {
                    path: file.path,
                    name,
                    method: receiver.is_some(),
                    rows,
                });
            }
        }
        if removed.is_empty() {
            return DeadCode::default();
        }
        let mut names: Vec<&str> = removed.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        // Plain strings always build.
        let matcher = AhoCorasick::new(&names).unwrap_or_else(|_| unreachable!());
        let mut live: HashSet<&str> = HashSet::new();
        // Callers removed by the same change, outside the removed functions themselves.
        for file in files.iter().filter(|f| !f.path.ends_with("_test.go")) {
            let Some(old) = file.old else {
                continue;
            };
            let lines = LineIndex::new(old.src);
            let own: Vec<(usize, usize)> = removed
                .iter()
                .filter(|r| r.path == file.path)
                .map(|r| r.rows)
                .collect();
            for &line in file.removed_lines {
                let row = line - 1;
                if own.iter().any(|&(a, b)| a <= row && row <= b) {
                    continue;
                }
                // Code only: a comment that names the function does not call it.
                let code = super::hunks::normalized(old.src, &lines, line);
                live.extend(mentioned(&matcher, code.as_bytes()).map(|i| names[i]));
            }
        }
        let unknown: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !live.contains(n))
            .collect();
        if !unknown.is_empty() {
            let matcher = AhoCorasick::new(&unknown).unwrap_or_else(|_| unreachable!());
            // A head that builds names a removed function only where the name still resolves:
            // in its own package, which then declares it in another file (under other build
            // tags, or moved there by the change). A caller elsewhere would no longer build, and
            // the callers the change edits are among the lines it removed. An exported method
            // is the exception: an interface may call it from any package without naming its
            // type, so then the search reads the whole head.
            let still_unknown = removed.iter().filter(|r| unknown.contains(&r.name));
            let interface_reachable = still_unknown
                .clone()
                .any(|r| r.method && r.name.starts_with(|c: char| c.is_uppercase()));
            let mut folders: Vec<&str> = still_unknown
                .map(|r| crate::walk::parent_dir(r.path))
                .collect();
            folders.sort_unstable();
            folders.dedup();
            let want_path = |rel: &str| {
                rel.ends_with(".go")
                    && !rel.ends_with("_test.go")
                    && !rel
                        .split('/')
                        .any(|part| matches!(part, "vendor" | "testdata"))
            };
            // The names seen so far: once every one is, the rest of the head has nothing to add.
            let seen: Vec<AtomicBool> = unknown.iter().map(|_| AtomicBool::new(false)).collect();
            let unseen = AtomicUsize::new(unknown.len());
            let names_one = |bytes: &[u8]| {
                if crate::walk::is_generated(bytes) {
                    return false;
                }
                let mut any = false;
                for i in mentioned(&matcher, bytes) {
                    any = true;
                    if !seen[i].swap(true, Ordering::Relaxed) {
                        unseen.fetch_sub(1, Ordering::Relaxed);
                    }
                }
                any
            };
            let search = ctx.head.find_go(
                (!interface_reachable).then_some(folders.as_slice()),
                &want_path,
                &names_one,
                MAX_SEARCHED_FILE_BYTES,
                &|| unseen.load(Ordering::Relaxed) == 0,
            );
            // Without the search nothing is known to be dead.
            if search.is_err() {
                return DeadCode::default();
            }
            live.extend(
                unknown
                    .iter()
                    .zip(&seen)
                    .filter(|(_, seen)| seen.load(Ordering::Relaxed))
                    .map(|(name, _)| *name),
            );
        }
        let mut dead = DeadCode::default();
        let mut deleted_live: HashSet<&str> = live_files;
        for r in &removed {
            if live.contains(r.name) {
                deleted_live.insert(r.path);
            } else {
                dead.rows
                    .entry(r.path.to_string())
                    .or_default()
                    .push(r.rows);
            }
        }
        dead.files = files
            .iter()
            .filter(|f| f.status == FileStatus::Deleted && !deleted_live.contains(f.path))
            .map(|f| f.path.to_string())
            .collect();
        dead
    }

    /// Whether `path` is a deleted file of dead code.
    pub fn is_dead_file(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// Whether old-side `row` of `path` lies in a removed function that is dead.
    pub fn is_dead_row(&self, path: &str, row: usize) -> bool {
        self.rows
            .get(path)
            .is_some_and(|ranges| ranges.iter().any(|&(a, b)| a <= row && row <= b))
    }
}

/// `init` and `main` run without being named.
fn is_entry(name: &str) -> bool {
    matches!(name, "init" | "main")
}

/// The top-level functions and methods of a file: receiver type, name and rows.
fn declarations(facts: &Facts) -> impl Iterator<Item = (Option<&str>, &str, (usize, usize))> {
    facts.funcs.iter().filter_map(|f| {
        let (receiver, name) = match &f.kind {
            FuncKind::Function { name } => (None, name.as_str()),
            FuncKind::Method { receiver, name } => (Some(receiver.as_str()), name.as_str()),
            FuncKind::Literal => return None,
        };
        let rows = (
            f.context_rows
                .first()
                .copied()
                .unwrap_or(f.span.start_row)
                .min(f.span.start_row),
            f.span.end_row,
        );
        (f.enclosing.is_none() && name != "_").then_some((receiver, name, rows))
    })
}

/// The indices of the names `matcher` finds in `bytes` as whole identifiers.
fn mentioned<'m>(matcher: &'m AhoCorasick, bytes: &'m [u8]) -> impl Iterator<Item = usize> + 'm {
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    matcher.find_overlapping_iter(bytes).filter_map(move |m| {
        let before = m.start().checked_sub(1).map(|i| bytes[i]);
        let whole =
            !before.is_some_and(is_ident) && !bytes.get(m.end()).copied().is_some_and(is_ident);
        whole.then(|| m.pattern().as_usize())
    })
}

/// New values that nothing reads yet: a package-level `var` or `const`, new in its file, of an
/// unexported name (or of any name in a `main` package) that no other code of the head names,
/// tests aside (a default options value only tests use). As with a setting declared anew,
/// until code reads it, it sets nothing. Asked only where a line of such a declaration
/// qualifies, and answered once per name.
pub struct Unreached<'c> {
    head: &'c dyn crate::rules::HeadFiles,
    known: std::cell::RefCell<HashMap<(String, String), bool>>,
}

impl<'c> Unreached<'c> {
    pub fn new(ctx: &'c ChangeContext) -> Unreached<'c> {
        Unreached {
            head: ctx.head,
            known: Default::default(),
        }
    }

    /// Whether new-side `row` of the file at `path` (`old`: its old version, if any) lies in
    /// a new declaration that nothing names.
    pub fn is_unreached(
        &self,
        path: &str,
        (src, facts, lines): (&[u8], &Facts, &LineIndex),
        old: Option<&[u8]>,
        row: usize,
    ) -> bool {
        let Some((_, decl)) = facts.decl_at(row) else {
            return false;
        };
        let Some(name) = declared_name(src, lines, decl.span.start_row) else {
            return false;
        };
        let main = facts.package.as_deref() == Some("main");
        let exported = name.starts_with(|c: char| c.is_ascii_uppercase());
        let existed = old.is_some_and(|old| names_in_code(old, &name, None));
        if name == "_" || (exported && !main) || existed {
            return false;
        }
        let folder = crate::walk::parent_dir(path);
        let key = (folder.to_string(), name.clone());
        if let Some(&known) = self.known.borrow().get(&key) {
            return known;
        }
        let (start, end) = (
            lines.line_start(decl.span.start_row + 1).unwrap_or(0),
            lines.line_start(decl.span.end_row + 2).unwrap_or(src.len()),
        );
        let named_here = names_in_code(src, &name, Some((start, end)));
        let unreached = !named_here && {
            let want_path = |rel: &str| {
                rel != path
                    && rel.ends_with(".go")
                    && !rel.ends_with("_test.go")
                    && crate::walk::parent_dir(rel) == folder
            };
            let seen = AtomicBool::new(false);
            let names = |bytes: &[u8]| {
                let any = names_in_code(bytes, &name, None);
                if any {
                    seen.store(true, Ordering::Relaxed);
                }
                any
            };
            let folders = [folder];
            let search = self.head.find_go(
                Some(&folders),
                &want_path,
                &names,
                MAX_SEARCHED_FILE_BYTES,
                &|| seen.load(Ordering::Relaxed),
            );
            // Without the search it is not known to be unreached.
            search.is_ok() && !seen.load(Ordering::Relaxed)
        };
        self.known.borrow_mut().insert(key, unreached);
        unreached
    }
}

/// The name a package-level value starting on 0-based `row` declares: `var name`, `const
/// name`; none for a grouped `var (`.
fn declared_name(src: &[u8], lines: &LineIndex, row: usize) -> Option<String> {
    let tokens = crate::go::tokens::line_tokens(src, lines, row + 1);
    if !matches!(tokens.first()?.text(src), b"var" | b"const") {
        return None;
    }
    let token = tokens.get(1)?;
    (token.kind == crate::go::tokens::TokenKind::Ident)
        .then(|| String::from_utf8_lossy(token.text(src)).into_owned())
}

/// Whether Go code `bytes` names the identifier `name` outside the byte range `skip` (comments
/// and string text aside: a doc comment names what it documents).
fn names_in_code(bytes: &[u8], name: &str, skip: Option<(usize, usize)>) -> bool {
    if memchr::memmem::find(bytes, name.as_bytes()).is_none() {
        return false;
    }
    crate::go::tokens::tokens(bytes, 0, bytes.len())
        .iter()
        .filter(|t| skip.is_none_or(|(start, end)| t.end <= start || t.start >= end))
        .any(|t| t.kind == crate::go::tokens::TokenKind::Ident && t.text(bytes) == name.as_bytes())
}
