//! Hunks: the runs of removed and added lines of a changed file, aligned as a diff shows them.

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
}
