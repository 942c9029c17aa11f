//! `check --fix`: applies the findings' text edits to the files in the work tree.

use std::collections::BTreeMap;
use std::path::Path;

use crate::finding::{Finding, TextEdit};

/// Applies the fixes of `findings` under `root`, each file written whole through
/// [`crate::write::write_file`], so an interrupted run never leaves a half-written source and a
/// link is never written through. Returns the
/// indices of the findings that were fixed and the number of files changed.
pub fn apply(root: &Path, findings: &[Finding]) -> miette::Result<(Vec<usize>, usize)> {
    let mut by_file: BTreeMap<&str, Vec<(usize, &TextEdit)>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if let Some(edit) = &finding.fix {
            by_file
                .entry(&finding.path)
                .or_default()
                .push((index, edit));
        }
    }
    let mut fixed = Vec::new();
    for (path, mut edits) in by_file.iter_mut().map(|(p, e)| (*p, std::mem::take(e))) {
        let full = root.join(path);
        let mut text = std::fs::read(&full)
            .map_err(|e| miette::miette!("cannot read {} to fix it: {e}", full.display()))?;
        // Back to front, so earlier offsets stay valid; one edit per place.
        edits.sort_by_key(|(_, edit)| std::cmp::Reverse(edit.start));
        let mut last_start = None;
        for (index, edit) in edits {
            if edit.start > edit.end || edit.end > text.len() {
                continue;
            }
            if last_start != Some(edit.start) {
                text.splice(edit.start..edit.end, edit.replacement.bytes());
                last_start = Some(edit.start);
            }
            fixed.push(index);
        }
        crate::write::write_file(&full, &text).map_err(|e| e.into_report("the fix to"))?;
    }
    fixed.sort_unstable();
    Ok((fixed, by_file.len()))
}
