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

/// For each changed file, its first marker line that the change's other side lacks.
pub fn changed_markers(
    files: &[&ChangedGoFile],
    markers: &[GeneratorMarker],
) -> HashMap<String, Hit> {
    let lines = |file: &ChangedGoFile, old: bool| -> Vec<(usize, String)> {
        let (version, numbers) = match old {
            true => (file.old, file.removed_lines),
            false => (file.new, file.added_lines),
        };
        let Some(version) = version else {
            return Vec::new();
        };
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', version.src).map(|at| at + 1));
        numbers
            .iter()
            .filter_map(|&line| {
                let start = *starts.get(line - 1)?;
                let end = starts.get(line).map_or(version.src.len(), |&next| next - 1);
                let text = std::str::from_utf8(&version.src[start..end]).ok()?;
                Some((line, marker_text(text, markers)?.to_string()))
            })
            .collect()
    };
    let removed: Vec<Vec<(usize, String)>> = files.iter().map(|file| lines(file, true)).collect();
    let added: Vec<Vec<(usize, String)>> = files.iter().map(|file| lines(file, false)).collect();
    // What one side has beyond the other, marker by marker, across the change.
    let mut balance: HashMap<&str, isize> = HashMap::new();
    for (_, text) in added.iter().flatten() {
        *balance.entry(text).or_default() += 1;
    }
    for (_, text) in removed.iter().flatten() {
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
        let hit = if let Some((line, text)) = added.iter().find(|(_, text)| take(text, 1)) {
            hit(file.path, *line, *line, false, text, markers, "changes")
        } else if let Some((line, text)) = removed.iter().find(|(_, text)| take(text, -1)) {
            let anchor = hunks(file.added_lines, file.removed_lines)
                .iter()
                .find(|hunk| hunk.removed.contains(line))
                .map_or(1, |hunk| hunk.new_start);
            hit(file.path, *line, anchor, true, text, markers, "removes")
        } else {
            None
        };
        if let Some(hit) = hit {
            found.insert(file.path.to_string(), hit);
        }
    }
    found
}

/// The marker a line holds, from its `+`: the line is a `//` comment whose text starts with
/// one of `markers`.
fn marker_text<'l>(line: &'l str, markers: &[GeneratorMarker]) -> Option<&'l str> {
    let text = line.trim().strip_prefix("//")?.trim();
    markers.iter().any(|m| is_marker(text, m)).then_some(text)
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
    text: &str,
    markers: &[GeneratorMarker],
    verb: &str,
) -> Option<Hit> {
    let marker = markers.iter().find(|m| is_marker(text, m))?;
    let area = match marker.area.as_str() {
        "storage" => Area::Storage,
        _ => Area::Network,
    };
    Some(Hit {
        path: path.to_string(),
        line,
        anchor,
        old,
        signal: Signal {
            area,
            what: format!("{verb} a `{}` marker ({})", marker.marker, marker.decides),
        },
    })
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
        let found = |line| marker_text(line, &markers);
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
