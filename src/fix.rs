//! `check --fix`: applies the findings' text edits to the files in the work tree.

use std::collections::BTreeMap;
use std::path::Path;

use crate::finding::{Finding, TextEdit};

/// What `check --fix` did.
#[derive(Debug, Default)]
pub struct Fixed {
    /// Indices of the findings that were fixed, ascending.
    pub indices: Vec<usize>,
    /// Files changed.
    pub files: usize,
    /// Each edit made: path, 1-based line it was inserted at (in the file as it was), the text
    /// without its line breaks, and how many findings it fixed.
    pub edits: Vec<(String, usize, String, usize)>,
}

/// Applies the fixes of `findings` under `root`, each file written whole through
/// [`crate::write::write_file`], so an interrupted run never leaves a half-written source and a
/// link is never written through. Findings that share an edit (one annotation on a receiver
/// type for all its handler methods) get it once.
pub fn apply(root: &Path, findings: &[Finding]) -> miette::Result<Fixed> {
    let mut by_file: BTreeMap<&str, Vec<(usize, &TextEdit)>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if let Some(edit) = &finding.fix {
            by_file
                .entry(&finding.path)
                .or_default()
                .push((index, edit));
        }
    }
    let mut fixed = Fixed::default();
    for (path, mut edits) in by_file {
        let full = root.join(path);
        let mut text = std::fs::read(&full)
            .map_err(|e| miette::miette!("cannot read {} to fix it: {e}", full.display()))?;
        // Back to front, so earlier offsets stay valid; one edit per place.
        edits.sort_by_key(|(_, edit)| std::cmp::Reverse(edit.start));
        let mut made: Vec<(String, usize, String, usize)> = Vec::new();
        let mut last_start = None;
        for (index, edit) in edits {
            if edit.start > edit.end || edit.end > text.len() {
                continue;
            }
            if last_start == Some(edit.start) {
                if let Some(last) = made.last_mut() {
                    last.3 += 1;
                }
            } else {
                let line = text[..edit.start].iter().filter(|&&b| b == b'\n').count() + 1;
                text.splice(edit.start..edit.end, edit.replacement.bytes());
                last_start = Some(edit.start);
                let shown = edit
                    .replacement
                    .lines()
                    .map(str::trim)
                    .filter(|l| *l != "//")
                    .collect::<Vec<_>>()
                    .join(" ");
                made.push((path.to_string(), line, shown, 1));
            }
            fixed.indices.push(index);
        }
        crate::write::write_file(&full, &text).map_err(|e| e.into_report("the fix to"))?;
        fixed.files += 1;
        made.reverse();
        fixed.edits.extend(made);
    }
    fixed.indices.sort_unstable();
    Ok(fixed)
}

/// The findings of one file by line (1-based): each finding's index and rule.
type FindingsByLine = BTreeMap<usize, Vec<(usize, &'static str)>>;

/// What `check --add-ignore` did.
#[derive(Debug, Default)]
pub struct Ignored {
    /// Indices of the findings now suppressed.
    pub suppressed: Vec<usize>,
    /// Suppression comments written or extended, and files changed.
    pub comments: usize,
    pub files: usize,
    /// Files left as they were, with the reason.
    pub refused: Vec<(String, String)>,
}

/// Checks a suppression reason: one line, non-empty, and without ` //` (which ends a reason).
pub fn valid_reason(reason: &str) -> miette::Result<&str> {
    let reason = reason.trim();
    let problem = if reason.is_empty() {
        Some("is empty")
    } else if reason.contains(['\n', '\r']) {
        Some("spans several lines")
    } else if reason.contains(" //") {
        Some("contains ` //`, which would end it")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(miette::miette!(
            help = "give one line that says why, e.g. --add-ignore \"legacy code, tracked in JIRA-123\"",
            "the --add-ignore reason {problem}"
        )),
        None => Ok(reason),
    }
}

/// Writes a suppression of each line's findings, `//sre-policy:ignore <ids> -- <reason>`, on
/// a line of its own above it, indented like it, so that gofmt leaves the file as written:
/// - where gofmt aligns columns (key-value literals, `var` blocks, struct fields) a comment
///   line would split the alignment, and above a closing bracket gofmt would indent it
///   further, so there the comment goes at the end of the line instead;
/// - above a top-level declaration the comment joins the doc comment, which gofmt
///   normalises: it is written `// sre-policy:ignore …`, after a `//` line when a doc comment
///   is there (its own paragraph in `go doc`), and at the end of the line when the doc
///   comment ends with directives (gofmt moves directives last);
/// - when the line above is already a suppression, the ids join it.
///
/// Findings of rules that report suppressions themselves are left alone (the fix is to delete
/// the suppression). Each file is re-parsed before it is written: unless every finding is then
/// covered by a suppression and the file has no new syntax error (a line inside a multi-line
/// string), it is left alone and listed in [`Ignored::refused`].
pub fn add_ignores(root: &Path, findings: &[Finding], reason: &str) -> miette::Result<Ignored> {
    let reason = valid_reason(reason)?;
    let mut by_file: BTreeMap<&str, FindingsByLine> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        let reports_suppressions = crate::rules::info(finding.rule)
            .is_some_and(|r| matches!(r.kind, crate::rules::Kind::UnusedSuppressions(_)));
        if finding.line == 0 || reports_suppressions {
            continue;
        }
        by_file
            .entry(&finding.path)
            .or_default()
            .entry(finding.line)
            .or_default()
            .push((index, finding.rule));
    }
    let mut done = Ignored::default();
    for (path, lines) in by_file {
        let full = root.join(path);
        let Ok(old) = std::fs::read(&full) else {
            done.refused
                .push((path.to_string(), "it cannot be read (deleted?)".to_string()));
            continue;
        };
        let (text, moved, written) = with_suppressions(&old, &lines, reason);
        if let Err(why) = covers_all(&old, &text, &lines, &moved) {
            done.refused.push((path.to_string(), why));
            continue;
        }
        crate::write::write_file(&full, &text).map_err(|e| e.into_report("suppressions to"))?;
        done.files += 1;
        done.comments += written;
        done.suppressed
            .extend(lines.values().flatten().map(|(index, _)| *index));
    }
    done.suppressed.sort_unstable();
    Ok(done)
}

/// The lines of `src`, without their line breaks.
/// The lines of `src`, without their line breaks (`\n` or `\r\n`).
fn split_lines(src: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = src
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect();
    if src.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

fn indent_of(line: &[u8]) -> &[u8] {
    let len = line
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    &line[..len]
}

fn is_comment_line(line: &[u8]) -> bool {
    line[indent_of(line).len()..].starts_with(b"//")
}

/// Whether gofmt aligns columns across the lines around `row` (same indentation, no blank or
/// comment line between): a comment line there would split the alignment.
fn in_aligned_block(lines: &[&[u8]], row: usize) -> bool {
    let indent = indent_of(lines[row]);
    let same_block = |line: &&&[u8]| {
        indent_of(line) == indent && line.len() > indent.len() && !is_comment_line(line)
    };
    let above = lines[..row].iter().rev().take_while(same_block);
    let below = lines[row..].iter().take_while(same_block);
    above.chain(below).any(|line| {
        let code = &line[indent.len()..];
        code.windows(3)
            .any(|w| w[0] != b' ' && w[0] != b'\t' && w[1] == b' ' && w[2] == b' ')
    })
}

/// `src` with the suppressions written, for each finding line (1-based) the line it is on
/// afterwards, and how many suppression comments were written or extended.
fn with_suppressions(
    src: &[u8],
    lines: &FindingsByLine,
    reason: &str,
) -> (Vec<u8>, BTreeMap<usize, usize>, usize) {
    let rows = split_lines(src);
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', src).map(|i| i + 1))
        .collect();
    let directive = crate::suppress::DIRECTIVE;
    // (start, end, replacement, lines added), in file order.
    let mut edits: Vec<(usize, usize, Vec<u8>, usize)> = Vec::new();
    // A suppression at the end of a line also covers the line below.
    let mut trailing_before: Option<(usize, Vec<&str>)> = None;
    for (&line, found) in lines {
        let row = line - 1;
        let Some(&current) = rows.get(row) else {
            continue;
        };
        let mut ids: Vec<&str> = found.iter().map(|(_, rule)| *rule).collect();
        ids.sort_unstable();
        ids.dedup();
        if let Some((_, covered)) = trailing_before.take().filter(|(at, _)| *at + 1 == line) {
            ids.retain(|id| !covered.contains(id));
            if ids.is_empty() {
                continue;
            }
        }
        let id_list = ids.clone();
        let ids = ids.join(",");
        let above = row.checked_sub(1).and_then(|r| rows.get(r).copied());
        if let Some(merged) = above.and_then(|above| merge_into(above, &ids, reason)) {
            let start = starts[row - 1];
            edits.push((start, start + above.map_or(0, <[u8]>::len), merged, 0));
            continue;
        }
        let indent = indent_of(current);
        let has_comment = current.windows(2).any(|w| w == b"//" || w == b"/*");
        let top_level = indent.is_empty();
        let after_directive = top_level && above.is_some_and(crate::go::is_directive);
        // gofmt indents a comment above a closing bracket one level deeper than the bracket.
        let closes = matches!(current.get(indent.len()), Some(b'}' | b')' | b']'));
        // A suppression at the end of the line above covers this line: a line between would
        // take that away.
        let covered_from_above = above.is_some_and(|above| {
            !is_comment_line(above)
                && above
                    .windows(directive.len())
                    .any(|w| w == directive.as_bytes())
        });
        let trailing = !has_comment
            && (after_directive
                || closes
                || covered_from_above
                || (!top_level && in_aligned_block(&rows, row)));
        let line_end = starts[row] + current.len();
        // Lines written keep the file's line breaks.
        let newline = if src.get(line_end) == Some(&b'\r') {
            "\r\n"
        } else {
            "\n"
        };
        if trailing {
            let comment = format!(" //{directive} {ids} -- {reason}");
            edits.push((line_end, line_end, comment.into_bytes(), 0));
            trailing_before = Some((line, id_list));
        } else if top_level {
            let separator = if above.is_some_and(is_comment_line) {
                format!("//{newline}")
            } else {
                String::new()
            };
            let comment = format!("{separator}// {directive} {ids} -- {reason}{newline}");
            let added = 1 + usize::from(!separator.is_empty());
            edits.push((starts[row], starts[row], comment.into_bytes(), added));
        } else {
            let mut comment = indent.to_vec();
            comment
                .extend_from_slice(format!("//{directive} {ids} -- {reason}{newline}").as_bytes());
            edits.push((starts[row], starts[row], comment, 1));
        }
    }
    let mut moved = BTreeMap::new();
    let mut added_before = 0;
    let mut edit_iter = edits.iter().peekable();
    for &line in lines.keys() {
        let start = starts.get(line - 1).copied().unwrap_or(src.len());
        while let Some((at, _, _, added)) = edit_iter.peek() {
            if *at > start {
                break;
            }
            added_before += added;
            edit_iter.next();
        }
        moved.insert(line, line + added_before);
    }
    let written = edits.len();
    let mut text = src.to_vec();
    for (start, end, replacement, _) in edits.into_iter().rev() {
        text.splice(start..end, replacement);
    }
    (text, moved, written)
}

/// The line `above` with `ids` added, when it is a suppression comment of its own.
fn merge_into(above: &[u8], ids: &str, reason: &str) -> Option<Vec<u8>> {
    let above = std::str::from_utf8(above).ok()?;
    let indent_len = above.len() - above.trim_start().len();
    let body = above.trim_start().strip_prefix("//")?;
    let space = if body.starts_with(' ') { " " } else { "" };
    let rest = body.trim_start().strip_prefix(crate::suppress::DIRECTIVE)?;
    let (old_ids, old_reason) = rest.split_once("--")?;
    let mut all: Vec<&str> = old_ids
        .split([',', ' ', '\t'])
        .filter(|id| !id.is_empty())
        .collect();
    let new: Vec<&str> = ids.split(',').filter(|id| !all.contains(id)).collect();
    all.extend(new);
    let old_reason = old_reason.trim();
    let reason = if old_reason == reason || old_reason.is_empty() {
        reason.to_string()
    } else {
        format!("{old_reason}; {reason}")
    };
    Some(
        format!(
            "{}//{space}{} {} -- {reason}",
            &above[..indent_len],
            crate::suppress::DIRECTIVE,
            all.join(",")
        )
        .into_bytes(),
    )
}

/// Whether in `new` every finding of `lines` (at its line in `moved`) is covered by a
/// suppression, and `new` has no more syntax errors than `old`.
fn covers_all(
    old: &[u8],
    new: &[u8],
    lines: &FindingsByLine,
    moved: &BTreeMap<usize, usize>,
) -> Result<(), String> {
    let parse = |src: &[u8]| {
        crate::go::parse::GoParser::new()
            .and_then(|mut parser| parser.parse(src))
            .map_err(|e| format!("it cannot be parsed ({e:?})"))
    };
    let before = parse(old)?;
    let after = parse(new)?;
    if after.facts.syntax_errors.len() > before.facts.syntax_errors.len() {
        return Err("a suppression there would break the syntax".to_string());
    }
    let (suppressions, _) = crate::suppress::parse(&after.facts.comments, &crate::rules::ids());
    for (line, found) in lines {
        let at = moved.get(line).copied().unwrap_or(*line);
        for (_, rule) in found {
            let covered = suppressions
                .iter()
                .any(|s| (s.line == at || s.line + 1 == at) && s.rules.iter().any(|r| r == rule));
            if !covered {
                return Err(format!(
                    "line {line} is inside a multi-line string or comment, where a suppression is no comment"
                ));
            }
        }
    }
    Ok(())
}
