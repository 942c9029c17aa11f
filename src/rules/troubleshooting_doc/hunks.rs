//! Which changed lines are changes of behaviour at all: not blank or comment-only, not a
//! rename (the same tokens up to a consistent renaming of identifiers), not a move (the same
//! line removed elsewhere in the change), not only the text of a string.

use std::collections::{HashMap, HashSet};

pub use crate::git::{hunks, Hunk};
use crate::go::tokens::{same_up_to_renaming, tokens, Token, TokenKind};
use crate::source::LineIndex;

/// The tokens of 1-based `line`.
pub fn line_tokens(src: &[u8], lines: &LineIndex, line: usize) -> Vec<Token> {
    let Some(start) = lines.line_start(line) else {
        return Vec::new();
    };
    let end = start + lines.line_text(line).len();
    tokens(src, start, end)
}

/// The tokens of several lines joined by single spaces, padded with a space at both ends, for
/// asking whether a piece of code appears among them.
pub fn joined(src: &[u8], lines: &LineIndex, numbers: &[usize]) -> String {
    let mut out = String::from(" ");
    for token in lines_tokens(src, lines, numbers) {
        push_comparable(&mut out, src, token);
    }
    out
}

/// Appends a token and a space, as code is compared across the two sides of a change: an
/// address-of or a dereference is left out, and a context variable counts as any other (`receiveFile(spanCtx, ...)` for
/// `receiveFile(ctx, ...)` hands the call the same deadline; a new deadline is a changed line
/// of its own).
pub fn push_comparable(out: &mut String, src: &[u8], token: Token) {
    let text = String::from_utf8_lossy(&src[token.start..token.end]);
    // Handing a pointer instead of a value (`Process(ctx, &m)` for `Process(ctx, m)`,
    // `Recover(s)` for `Recover(*s)`) sends the same data.
    if text == "&" || text == "*" {
        return;
    }
    let context = token.kind == TokenKind::Ident
        && (text == "ctx" || text.ends_with("Ctx") || text == "context");
    out.push_str(if context { "ctx" } else { &text });
    out.push(' ');
}

/// The tokens of several lines, in order.
fn lines_tokens(src: &[u8], lines: &LineIndex, numbers: &[usize]) -> Vec<Token> {
    numbers
        .iter()
        .flat_map(|&n| line_tokens(src, lines, n))
        .collect()
}

/// What a hunk changes, told from its tokens alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HunkKind {
    /// Only white space or comments.
    Nothing,
    /// The same code with identifiers consistently renamed.
    Rename,
    /// The same code but for the contents of string literals.
    TextOnly,
    Code,
}

pub fn kind(old: (&[u8], &LineIndex), new: (&[u8], &LineIndex), hunk: &Hunk) -> HunkKind {
    let before = lines_tokens(old.0, old.1, &hunk.removed);
    let after = lines_tokens(new.0, new.1, &hunk.added);
    if before.is_empty() && after.is_empty() {
        return HunkKind::Nothing;
    }
    let text = |src: &[u8], t: &Token| src[t.start..t.end].to_vec();
    let same_text = before.len() == after.len()
        && before
            .iter()
            .zip(&after)
            .all(|(x, y)| text(old.0, x) == text(new.0, y));
    if same_text {
        return HunkKind::Nothing;
    }
    if same_up_to_renaming(old.0, &before, new.0, &after) {
        return HunkKind::Rename;
    }
    let only_strings_differ = before.len() == after.len()
        && before.iter().zip(&after).all(|(x, y)| {
            x.kind == y.kind && (x.kind == TokenKind::Text || text(old.0, x) == text(new.0, y))
        });
    if only_strings_differ {
        return HunkKind::TextOnly;
    }
    HunkKind::Code
}

/// The identifiers a rename hunk renames, old name → new name (only those that differ).
pub fn renames(
    old: (&[u8], &LineIndex),
    new: (&[u8], &LineIndex),
    hunk: &Hunk,
) -> Vec<(String, String)> {
    let before = lines_tokens(old.0, old.1, &hunk.removed);
    let after = lines_tokens(new.0, new.1, &hunk.added);
    let mut out: Vec<(String, String)> = before
        .iter()
        .zip(&after)
        .filter(|(x, _)| x.kind == TokenKind::Ident)
        .map(|(x, y)| {
            (
                String::from_utf8_lossy(&old.0[x.start..x.end]).into_owned(),
                String::from_utf8_lossy(&new.0[y.start..y.end]).into_owned(),
            )
        })
        .filter(|(a, b)| a != b)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Of the renamings of a file's rename hunks, those that are not renames: a predeclared
/// value replaced or put in (`f(nil)` → `f(args)`), or a renaming that is not one to one
/// across the file: two old names that become one (`UpdateUser(internal)` →
/// `UpdateUser(dbUser)` beside `oldUser` → `dbUser`) or one that becomes two. A hunk that
/// holds one hands a call another value.
pub fn false_renames(renames: &[(String, String)]) -> HashSet<(String, String)> {
    const PREDECLARED: &[&str] = &["nil", "true", "false", "iota"];
    let mut targets: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut sources: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (a, b) in renames {
        targets.entry(a).or_default().insert(b);
        sources.entry(b).or_default().insert(a);
    }
    renames
        .iter()
        .filter(|(a, b)| {
            targets[a.as_str()].len() > 1
                || sources[b.as_str()].len() > 1
                || PREDECLARED.contains(&a.as_str())
                || PREDECLARED.contains(&b.as_str())
        })
        .cloned()
        .collect()
}

/// Lines removed in one place and added in another, anywhere in the change: moved code.
#[derive(Debug, Default)]
pub struct Moves {
    removed: HashMap<String, usize>,
    added: HashMap<String, usize>,
}

/// A line's tokens joined by single spaces, compared as [`push_comparable`] compares them:
/// the same code however it is indented and whichever context it is handed.
pub fn normalized(src: &[u8], lines: &LineIndex, line: usize) -> String {
    let mut out = String::new();
    for token in line_tokens(src, lines, line) {
        push_comparable(&mut out, src, token);
    }
    out.truncate(out.trim_end().len());
    out
}

impl Moves {
    pub fn add_removed(&mut self, line: String) {
        if !line.is_empty() {
            *self.removed.entry(line).or_default() += 1;
        }
    }

    pub fn add_added(&mut self, line: String) {
        if !line.is_empty() {
            *self.added.entry(line).or_default() += 1;
        }
    }

    /// Whether an added line also appears among the removed ones (or the reverse).
    pub fn is_moved(&self, line: &str, added: bool) -> bool {
        let other = if added { &self.removed } else { &self.added };
        other.get(line).is_some_and(|&n| n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_renames_text_and_code_apart() {
        let check = |old: &str, new: &str| {
            let (o, n) = (
                LineIndex::new(old.as_bytes()),
                LineIndex::new(new.as_bytes()),
            );
            let hunk = Hunk {
                removed: vec![1],
                added: vec![1],
                new_start: 1,
            };
            kind((old.as_bytes(), &o), (new.as_bytes(), &n), &hunk)
        };
        assert_eq!(
            check("x := s.db.Query(q)", "rows := s.store.Query(q)"),
            HunkKind::Rename
        );
        assert_eq!(
            check(
                "return fmt.Errorf(\"bad: %w\", err)",
                "return fmt.Errorf(\"invalid: %w\", err)"
            ),
            HunkKind::TextOnly
        );
        assert_eq!(
            check(
                "c.Timeout = 5 * time.Second",
                "c.Timeout = 10 * time.Second"
            ),
            HunkKind::Code
        );
        assert_eq!(check("x := 1 // a", "x  :=  1 // b"), HunkKind::Nothing);
    }

    #[test]
    fn renamings_that_merge_names_or_replace_nil_are_not_renames() {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        let all = [
            pair("oldUser", "dbUser"),
            pair("internal", "dbUser"),
            pair("user", "updatedUser"),
        ];
        let odd = false_renames(&all);
        assert!(odd.contains(&pair("internal", "dbUser")));
        assert!(odd.contains(&pair("oldUser", "dbUser")));
        assert!(!odd.contains(&pair("user", "updatedUser")));
        // A value handed instead of nil is not a new name for nil.
        assert!(false_renames(&[pair("nil", "args")]).contains(&pair("nil", "args")));
    }
}
