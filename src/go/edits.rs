//! The edits that turn a file's previous version into its new one, for tree-sitter to reparse
//! only what changed: read from the lines the diff removed and added, and checked against
//! the bytes. Where the lines do not describe the bytes (a filter rewrote them, a caller
//! passed other lines), one edit spans everything between the common start and end.

use std::ops::Range;

use tree_sitter::{InputEdit, Point};

use crate::source::LineIndex;

/// The edits turning `old` into `new`, last first: each is written in the coordinates of the
/// text that the edits after it leave, which are the old ones up to its start. `removed` and
/// `added` are sorted 1-based line numbers of the old and the new side.
pub fn between(old: &[u8], new: &[u8], removed: &[usize], added: &[usize]) -> Vec<InputEdit> {
    let (old_lines, new_lines) = (LineIndex::new(old), LineIndex::new(new));
    let hunks = hunks(&old_lines, &new_lines, removed, added).unwrap_or_else(|| spanning(old, new));
    hunks
        .into_iter()
        .rev()
        .map(|(old_bytes, new_bytes)| {
            let (line, _) = old_lines.position(old_bytes.start);
            let line_start = old_lines.line_start(line).unwrap_or(0);
            let start_position = Point::new(line - 1, old_bytes.start - line_start);
            InputEdit {
                start_byte: old_bytes.start,
                old_end_byte: old_bytes.end,
                new_end_byte: old_bytes.start + new_bytes.len(),
                start_position,
                old_end_position: advance(start_position, &old[old_bytes]),
                new_end_position: advance(start_position, &new[new_bytes]),
            }
        })
        .collect()
}

/// One byte range of `old` and the range of `new` that replaces it.
type Hunk = (Range<usize>, Range<usize>);

/// The hunks the changed lines describe, in order, if the lines the two sides keep are the
/// same bytes; `None` otherwise.
fn hunks(
    old: &LineIndex,
    new: &LineIndex,
    removed: &[usize],
    added: &[usize],
) -> Option<Vec<Hunk>> {
    // Where line `n` (1-based) starts; the end of the text past the last line.
    let start = |side: &LineIndex, n: usize| side.line_start(n).unwrap_or(side.text().len());
    let line = |side: &LineIndex, n: usize| start(side, n)..start(side, n + 1);
    let (old_count, new_count) = (old.line_count(), new.line_count());
    let is_removed = |n: usize| removed.binary_search(&n).is_ok();
    let is_added = |n: usize| added.binary_search(&n).is_ok();
    let mut hunks = Vec::new();
    let (mut o, mut n) = (1, 1);
    loop {
        while o <= old_count && n <= new_count && !is_removed(o) && !is_added(n) {
            if old.text()[line(old, o)] != new.text()[line(new, n)] {
                return None;
            }
            o += 1;
            n += 1;
        }
        let (first_old, first_new) = (o, n);
        while o <= old_count && is_removed(o) {
            o += 1;
        }
        while n <= new_count && is_added(n) {
            n += 1;
        }
        if o == first_old && n == first_new {
            // Both sides are done, or one side has lines left that the other lacks.
            return (o > old_count && n > new_count).then_some(hunks);
        }
        hunks.push((
            start(old, first_old)..start(old, o),
            start(new, first_new)..start(new, n),
        ));
    }
}

/// The one hunk between the longest common start and the longest common end.
fn spanning(old: &[u8], new: &[u8]) -> Vec<Hunk> {
    let start = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let end = old[start..]
        .iter()
        .rev()
        .zip(new[start..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    if start == old.len() && start == new.len() {
        return Vec::new();
    }
    vec![(start..old.len() - end, start..new.len() - end)]
}

/// The point after `text` written from `start`.
fn advance(start: Point, text: &[u8]) -> Point {
    match memchr::memrchr(b'\n', text) {
        Some(last) => Point::new(
            start.row + memchr::memchr_iter(b'\n', text).count(),
            text.len() - last - 1,
        ),
        None => Point::new(start.row, start.column + text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_give_one_edit_per_hunk_last_first() {
        let old = "a\nb\nc\nd\ne\n";
        let new = "a\nB\nc\nd\nx\ny\ne\n";
        let edits = between(old.as_bytes(), new.as_bytes(), &[2, 5], &[2, 5, 6, 7]);
        assert_eq!(edits.len(), 2);
        let last = &edits[0];
        assert_eq!((last.start_byte, last.old_end_byte), (8, 10));
        assert_eq!(last.new_end_byte, 14);
        assert_eq!(last.start_position, Point::new(4, 0));
        assert_eq!(last.new_end_position, Point::new(7, 0));
        let first = &edits[1];
        assert_eq!(
            (first.start_byte, first.old_end_byte, first.new_end_byte),
            (2, 4, 4)
        );
    }

    #[test]
    fn lines_that_do_not_match_the_bytes_give_one_spanning_edit() {
        let old = b"a\nb\nc\n";
        let new = b"a\nB\nc\n";
        // Line 3 is said to change, line 2 not: the kept line 2 differs.
        let edits = between(old, new, &[3], &[3]);
        assert_eq!(edits.len(), 1);
        assert_eq!((edits[0].start_byte, edits[0].old_end_byte), (2, 3));
        assert_eq!(edits[0].new_end_position, Point::new(1, 1));
    }

    #[test]
    fn a_last_line_without_a_newline_is_a_line() {
        let edits = between(b"a\nb", b"a\nb\nc", &[2], &[2, 3]);
        assert_eq!(edits.len(), 1);
        assert_eq!((edits[0].start_byte, edits[0].old_end_byte), (2, 3));
        assert_eq!(edits[0].new_end_byte, 5);
        assert_eq!(edits[0].new_end_position, Point::new(2, 1));
    }

    #[test]
    fn identical_versions_need_no_edit() {
        assert!(between(b"a\n", b"a\n", &[], &[]).is_empty());
        assert!(between(b"", b"", &[], &[]).is_empty());
    }
}
