//! Code-generation markers in comments (`// +kubebuilder:rbac:groups=...`): comments to the
//! compiler, but the manifests a generator writes from them decide what the cluster grants
//! the controller and serves to its clients. A marker the change adds, removes or edits
//! counts; one it only moves (within a file or to another file) does not, as the generator
//! reads them all alike.

use std::collections::HashMap;

use super::signal::{Area, Signal};
use super::{ChangedGoFile, Hit};
use crate::data::GeneratorMarker;
use crate::git::hunks;
use crate::source::LineIndex;

/// A marker line of one side of a change: its 1-based line, its text from the `+`, and the
/// marker it is.
type MarkerLine<'m> = (usize, String, &'m GeneratorMarker);

/// For each changed file, its first marker line that the change's other side lacks.
pub fn changed_markers(
    files: &[&ChangedGoFile],
    markers: &[GeneratorMarker],
) -> HashMap<String, Hit> {
    let lines = |file: &ChangedGoFile, old: bool| -> Vec<MarkerLine> {
        let (version, numbers) = match old {
            true => (file.old, file.removed_lines),
            false => (file.new, file.added_lines),
        };
        let Some(version) = version else {
            return Vec::new();
        };
        let index = LineIndex::new(version.src);
        numbers
            .iter()
            .filter_map(|&line| {
                let text = std::str::from_utf8(index.line_text(line)).ok()?;
                let (text, marker) = marker_text(text, markers)?;
                Some((line, text.to_string(), marker))
            })
            .collect()
    };
    let removed: Vec<Vec<MarkerLine>> = files.iter().map(|file| lines(file, true)).collect();
    let added: Vec<Vec<MarkerLine>> = files.iter().map(|file| lines(file, false)).collect();
    // What one side has beyond the other, marker by marker, across the change.
    let mut balance: HashMap<&str, isize> = HashMap::new();
    for (_, text, _) in added.iter().flatten() {
        *balance.entry(text).or_default() += 1;
    }
    for (_, text, _) in removed.iter().flatten() {
        *balance.entry(text).or_default() -= 1;
    }
    let mut found = HashMap::new();
    for ((file, added), removed) in files.iter().zip(&added).zip(&removed) {
        let mut take = |text: &str, sign: isize| match balance.get_mut(text) {
            Some(left) if *left * sign > 0 => {
                *left -= sign;
                true
            }
            _ => false,
        };
        let hit = if let Some((line, _, marker)) = added.iter().find(|(_, text, _)| take(text, 1)) {
            hit(file.path, *line, *line, false, marker, "changes")
        } else if let Some((line, _, marker)) = removed.iter().find(|(_, text, _)| take(text, -1)) {
            let anchor = hunks(file.added_lines, file.removed_lines)
                .iter()
                .find(|hunk| hunk.removed.contains(line))
                .map_or(1, |hunk| hunk.new_start);
            hit(file.path, *line, anchor, true, marker, "removes")
        } else {
            continue;
        };
        found.insert(file.path.to_string(), hit);
    }
    found
}

/// The marker a line holds, from its `+`, and which one it is: the line is a `//` comment
/// whose text starts with one of `markers`.
fn marker_text<'l, 'm>(
    line: &'l str,
    markers: &'m [GeneratorMarker],
) -> Option<(&'l str, &'m GeneratorMarker)> {
    let text = line.trim().strip_prefix("//")?.trim();
    let marker = markers.iter().find(|m| is_marker(text, m))?;
    Some((text, marker))
}

/// Whether `text` is the marker `marker`: its name, then `:`, `=`, a space or nothing
/// (`+kubebuilder:rbacgroups` is another).
fn is_marker(text: &str, marker: &GeneratorMarker) -> bool {
    text.strip_prefix(marker.marker.as_str())
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '=', ' ', '\t']))
}

fn hit(
    path: &str,
    line: usize,
    anchor: usize,
    old: bool,
    marker: &GeneratorMarker,
    verb: &str,
) -> Hit {
    let area = match marker.area.as_str() {
        "storage" => Area::Storage,
        _ => Area::Network,
    };
    Hit {
        path: path.to_string(),
        line,
        anchor,
        old,
        signal: Signal {
            area,
            what: format!("{verb} a `{}` marker ({})", marker.marker, marker.decides),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(name: &str) -> GeneratorMarker {
        GeneratorMarker {
            marker: name.to_string(),
            area: "network".to_string(),
            decides: "the permissions".to_string(),
        }
    }

    #[test]
    fn a_marker_is_its_name_then_arguments_or_nothing() {
        let markers = [
            marker("+kubebuilder:rbac"),
            marker("+kubebuilder:skipversion"),
        ];
        let found = |line| marker_text(line, &markers).map(|(text, _)| text);
        assert_eq!(
            found("// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get"),
            Some("+kubebuilder:rbac:groups=apps,resources=deployments,verbs=get")
        );
        assert_eq!(
            found("\t//+kubebuilder:skipversion"),
            Some("+kubebuilder:skipversion")
        );
        assert_eq!(found("// +kubebuilder:rbacx:groups=apps"), None);
        assert_eq!(found("// +kubebuilder:validation:Optional"), None);
        assert_eq!(found("x := 1 // +kubebuilder:rbac:groups=apps"), None);
    }
}
