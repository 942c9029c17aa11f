//! Which changed lines are changes of behaviour at all: not blank or comment-only, not a
//! rename (the same tokens up to a consistent renaming of identifiers), not a move (the same
//! line removed elsewhere in the change), not only the text of a string.

use std::collections::HashMap;

use crate::go::tokens::{same_up_to_renaming, tokens, Token, TokenKind};
use crate::source::LineIndex;

/// One hunk: removed lines of the old version, added lines of the new one (1-based).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub removed: Vec<usize>,
    pub added: Vec<usize>,
    /// The new-side line where the hunk sits: its first added line, or for a removal the
    /// line that now follows the removed ones.
    pub new_start: usize,
}

/// The hunks of a file from its sorted added and removed line numbers: runs of changed lines
/// between lines both versions share. Linear in the number of lines.
pub fn hunks(added: &[usize], removed: &[usize]) -> Vec<Hunk> {
    let (mut a, mut r) = (0, 0);
    let (mut new_line, mut old_line) = (1usize, 1usize);
    let mut out = Vec::new();
    let mut current = Hunk::default();
    while a < added.len() || r < removed.len() {
        let is_removed = removed.get(r) == Some(&old_line);
        let is_added = added.get(a) == Some(&new_line);
        if (is_removed || is_added) && current == Hunk::default() {
            current.new_start = new_line;
        }
        if is_removed {
            current.removed.push(old_line);
            old_line += 1;
            r += 1;
        } else if is_added {
            current.added.push(new_line);
            new_line += 1;
            a += 1;
        } else {
            if current != Hunk::default() {
                out.push(std::mem::take(&mut current));
            }
            // Skip to the next changed line on either side, keeping the two aligned.
            let to_old = removed.get(r).map_or(usize::MAX, |&l| l - old_line);
            let to_new = added.get(a).map_or(usize::MAX, |&l| l - new_line);
            let step = to_old.min(to_new).max(1);
            old_line += step;
            new_line += step;
        }
    }
    if current != Hunk::default() {
        out.push(current);
    }
    out
}

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
        out.push_str(&String::from_utf8_lossy(&src[token.start..token.end]));
        out.push(' ');
    }
    out
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

/// Lines removed in one place and added in another, anywhere in the change: moved code.
#[derive(Debug, Default)]
pub struct Moves {
    removed: HashMap<String, usize>,
    added: HashMap<String, usize>,
}

/// A line's tokens joined by single spaces: the same code however it is indented.
pub fn normalized(src: &[u8], lines: &LineIndex, line: usize) -> String {
    let tokens = line_tokens(src, lines, line);
    let mut out = String::new();
    for token in tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&String::from_utf8_lossy(&src[token.start..token.end]));
    }
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
    fn hunks_pair_removed_and_added_runs() {
        // old: 1 2 3 4 5; new: 1 X 3 4 Y Z 5 → line 2 replaced, two lines added after 4.
        assert_eq!(
            hunks(&[2, 5, 6], &[2]),
            [
                Hunk {
                    removed: vec![2],
                    added: vec![2],
                    new_start: 2
                },
                Hunk {
                    removed: vec![],
                    added: vec![5, 6],
                    new_start: 5
                }
            ]
        );
        assert_eq!(
            hunks(&[], &[3, 4]),
            [Hunk {
                removed: vec![3, 4],
                added: vec![],
                new_start: 3
            }]
        );
    }

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
}
