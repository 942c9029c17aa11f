//! The edits that turn a file's previous version into its new one, for tree-sitter to reparse
//! only what changed: read from the lines the diff removed and added, and checked against
//! the bytes. Where the lines do not describe the bytes (a filter rewrote them, a caller
//! passed other lines), one edit spans everything between the common start and end.

use std::ops::Range;

use tree_sitter::{InputEdit, Point};

/// The edits turning `old` into `new`, last first: each is written in the coordinates of the
/// text that the edits after it leave, which are the old ones up to its start. `removed` and
/// `added` are sorted 1-based line numbers of the old and the new side.
pub fn between(old: &[u8], new: &[u8], removed: &[usize], added: &[usize]) -> Vec<InputEdit> {
    let hunks = hunks(old, new, removed, added).unwrap_or_else(|| spanning(old, new));
    hunks
        .into_iter()
        .rev()
        .map(|(old_bytes, new_bytes)| {
            let start_position = point_at(old, old_bytes.start);
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
fn hunks(old: &[u8], new: &[u8], removed: &[usize], added: &[usize]) -> Option<Vec<Hunk>> {
    let old_lines = line_starts(old);
    let new_lines = line_starts(new);
    // Line `n` (1-based) of a side is `starts[n - 1]..starts[n]`.
    let line = |starts: &[usize], n: usize| starts[n - 1]..starts[n];
    let (old_count, new_count) = (old_lines.len() - 1, new_lines.len() - 1);
    let is_removed = |n: usize| removed.binary_search(&n).is_ok();
    let is_added = |n: usize| added.binary_search(&n).is_ok();
    let mut hunks = Vec::new();
    let (mut o, mut n) = (1, 1);
    loop {
        while o <= old_count && n <= new_count && !is_removed(o) && !is_added(n) {
            if old[line(&old_lines, o)] != new[line(&new_lines, n)] {
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
            old_lines[first_old - 1]..old_lines[o - 1],
            new_lines[first_new - 1]..new_lines[n - 1],
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

/// Where each line starts, and the end of the text last: a last line without a newline is a
/// line too.
fn line_starts(src: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', src).map(|at| at + 1));
    if starts.last() != Some(&src.len()) {
        starts.push(src.len());
    }
    starts
}

fn point_at(src: &[u8], offset: usize) -> Point {
    advance(Point::new(0, 0), &src[..offset])
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
