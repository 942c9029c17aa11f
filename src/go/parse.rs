//! Parsing one file with tree-sitter-go, within bounds on time and memory.
//!
//! tree-sitter's error recovery is not bounded by the progress callback alone: at the end of
//! a file with thousands of unclosed brackets it recovers in one step that took 20 s and
//! 1.4 GB for 1 MB of `a[`, and its trees take about 300 bytes per token. So before parsing,
//! one linear pass over the bytes ([`shape`]) counts tokens and bracket nesting, and a file
//! beyond [`MAX_TOKENS`] or with unbalanced nesting deeper than [`MAX_UNBALANCED_DEPTH`] is
//! not parsed; the parse itself is cancelled past a deadline that grows with the file's size
//! (at most [`PARSE_BUDGET`]), or past a shorter allowance once the run has spent
//! [`SLOW_PARSE_POOL`] on slow parses. Such a file is reported as not checked, never
//! silently passed.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tree_sitter::{ParseOptions, Parser};

use super::cache;
use super::extract::extract;
use super::facts::Facts;

/// No parse runs longer than this, whatever the file's size.
pub const PARSE_BUDGET: Duration = Duration::from_secs(10);

/// A parse may take this long plus [`PARSE_TIME_PER_MIB`] per MiB of source: several times
/// what tree-sitter-go needs for real code, far less than pathological error recovery takes.
const PARSE_TIME_BASE: Duration = Duration::from_secs(2);
const PARSE_TIME_PER_MIB: Duration = Duration::from_secs(2);

/// Files with more tokens are not parsed: tree-sitter's tree (and its error recovery) costs
/// up to about 300 bytes per token, so this bounds one parse to about 300 MB. Real Go code
/// has a token per 4 to 5 bytes: the limit is a 4 MB hand-written file.
pub const MAX_TOKENS: usize = 1_000_000;

/// Unbalanced brackets nested deeper than this are not parsed: recovering from them at the
/// end of the file costs time quadratic in the depth, in one step no callback interrupts
/// (3,000 unclosed `f(a[` take 0.5 s, 100,000 take 20 s). Balanced nesting parses quickly
/// at any depth, and real Go code stays far below this.
pub const MAX_UNBALANCED_DEPTH: usize = 1_000;

/// Why a file yielded no facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseFailure {
    /// Not checked, for the reason given (too many tokens, too deep, out of time): the file
    /// is listed as unchecked.
    Unchecked(String),
    Internal(String),
}

/// The facts of a parsed file and whether parts were too deeply nested to look into.
pub struct Parsed {
    pub facts: Facts,
    pub too_deep: bool,
    /// The tree, when asked for: a parse of the same bytes with more bodies reuses it.
    pub tree: Option<tree_sitter::Tree>,
}

/// A tree-sitter parser set to Go; one per thread.
pub struct GoParser {
    parser: Parser,
}

impl GoParser {
    pub fn new() -> Result<Self, ParseFailure> {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_go::LANGUAGE.into())
            .map_err(|e| ParseFailure::Internal(format!("tree-sitter-go: {e}")))?;
        Ok(GoParser { parser })
    }

    /// Parses `src` once and extracts its facts; the tree is dropped before returning.
    pub fn parse(&mut self, src: &[u8]) -> Result<Parsed, ParseFailure> {
        self.parse_leaving_out(src, &[], None)
    }

    /// Parses `src` without the bodies of its top-level functions, but for those `keep`
    /// names: the facts of what the package declares (imports, constants, variables, types,
    /// signatures), and of the functions a rule reads.
    pub fn parse_declarations(
        &mut self,
        src: &[u8],
        keep: &std::collections::BTreeSet<String>,
    ) -> Result<Parsed, ParseFailure> {
        self.parse_leaving_out(src, &declarations_left_out(src, keep), None)
    }

    /// Parses `src` but for the byte ranges `left_out` (sorted, not overlapping: interiors of
    /// function bodies), reusing `earlier`, a tree of the same bytes that left out more: only
    /// the bodies it lacks are parsed.
    pub fn parse_leaving_out(
        &mut self,
        src: &[u8],
        left_out: &[std::ops::Range<usize>],
        earlier: Option<&tree_sitter::Tree>,
    ) -> Result<Parsed, ParseFailure> {
        self.parse_version(Version { src, left_out }, earlier, false)
    }

    /// [`Self::parse_leaving_out`], keeping the tree for a later parse with more bodies.
    pub fn parse_keeping_tree(
        &mut self,
        src: &[u8],
        left_out: &[std::ops::Range<usize>],
        earlier: Option<&tree_sitter::Tree>,
    ) -> Result<Parsed, ParseFailure> {
        self.parse_version(Version { src, left_out }, earlier, true)
    }

    /// The facts of `version`: from the cache when an earlier run parsed the same bytes (no
    /// tree then), else from a parse (with its tree when `keep_tree`).
    fn parse_version(
        &mut self,
        version: Version<'_>,
        earlier: Option<&tree_sitter::Tree>,
        keep_tree: bool,
    ) -> Result<Parsed, ParseFailure> {
        match cached(version) {
            Some(cached) => Ok(cached),
            None => self.parse_uncached(version, earlier, keep_tree),
        }
    }

    /// Parses a changed file's two versions, each but for its left-out ranges: the previous
    /// one, then the new one reusing the previous tree wherever the diff's lines (`removed`
    /// of the previous version, `added` of the new one) leave the bytes as they were. A big
    /// file one line of which changes then costs about one parse, not two. The new version
    /// is parsed whether or not the previous one could be.
    pub fn parse_both(
        &mut self,
        previous: Version<'_>,
        new: Version<'_>,
        removed: &[usize],
        added: &[usize],
    ) -> (Result<Parsed, ParseFailure>, Result<Parsed, ParseFailure>) {
        match (cached(previous), cached(new)) {
            (Some(previous), Some(new)) => return (Ok(previous), Ok(new)),
            (Some(previous), None) => return (Ok(previous), self.parse_uncached(new, None, false)),
            (None, Some(new)) => return (self.parse_uncached(previous, None, false), Ok(new)),
            (None, None) => {}
        }
        let mut edited = match self.tree(previous.src, previous.left_out, None) {
            Ok(tree) => tree,
            Err(failure) => {
                return (Err(failure), self.parse_uncached(new, None, false));
            }
        };
        let tree = edited.clone();
        for edit in super::edits::between(previous.src, new.src, removed, added) {
            edited.edit(&edit);
        }
        // The previous version's facts are read while the new version is parsed.
        let (previous_parsed, new_parsed) = rayon::join(
            || Ok(facts_of(&tree, previous)),
            || {
                self.tree(new.src, new.left_out, Some(&edited))
                    .map(|tree| facts_of(&tree, new))
            },
        );
        for (version, parsed) in [(previous, &previous_parsed), (new, &new_parsed)] {
            if let Ok(parsed) = parsed {
                remember(version, parsed);
            }
        }
        (previous_parsed, new_parsed)
    }

    /// Parses `version` but for its left-out ranges, after a cache miss, and keeps its facts
    /// for later runs.
    fn parse_uncached(
        &mut self,
        version: Version<'_>,
        earlier: Option<&tree_sitter::Tree>,
        keep_tree: bool,
    ) -> Result<Parsed, ParseFailure> {
        let tree = self.tree(version.src, version.left_out, earlier)?;
        let parsed = facts_of(&tree, version);
        remember(version, &parsed);
        Ok(Parsed {
            tree: keep_tree.then_some(tree),
            ..parsed
        })
    }

    /// The tree of `src` but for `left_out`, reusing `previous` where it can.
    fn tree(
        &mut self,
        src: &[u8],
        left_out: &[std::ops::Range<usize>],
        previous: Option<&tree_sitter::Tree>,
    ) -> Result<tree_sitter::Tree, ParseFailure> {
        check_shape(shape(src))?;
        if !left_out.is_empty() {
            self.parser
                .set_included_ranges(&outside(src, left_out))
                .map_err(|e| ParseFailure::Internal(format!("included ranges: {e}")))?;
        }
        let started = Instant::now();
        let mut clock = ParseClock::new(src.len(), &SLOW_PARSES);
        let mut stopped = None;
        let mut progress = |_: &tree_sitter::ParseState| match clock.check(started.elapsed()) {
            None => ControlFlow::Continue(()),
            Some(reason) => {
                stopped = Some(reason);
                ControlFlow::Break(())
            }
        };
        let options = ParseOptions::new().progress_callback(&mut progress);
        let len = src.len();
        let tree = self.parser.parse_with_options(
            &mut |offset, _| if offset < len { &src[offset..] } else { &[] },
            previous,
            Some(options),
        );
        self.parser.reset();
        if !left_out.is_empty() {
            // An empty list is the whole document again: it cannot be out of order.
            let _ = self.parser.set_included_ranges(&[]);
        }
        tree.ok_or_else(|| match stopped {
            Some(reason) => ParseFailure::Unchecked(reason),
            None => ParseFailure::Internal("tree-sitter returned no tree".to_string()),
        })
    }
}

/// The facts of `version`'s tree.
fn facts_of(tree: &tree_sitter::Tree, version: Version<'_>) -> Parsed {
    let (mut facts, too_deep) = extract(tree.root_node(), version.src);
    // What the bodies left out assign still says which variables are not constants.
    for body in version.left_out {
        let assigned = super::skeleton::assignments(version.src, body.clone());
        facts.reassigned.extend(assigned.identifiers);
        facts.field_assigned.extend(assigned.fields_of);
    }
    Parsed {
        facts,
        too_deep,
        tree: None,
    }
}

/// The facts an earlier run kept for `version`, when the cache is on and has them.
fn cached(version: Version<'_>) -> Option<Parsed> {
    let (facts, too_deep) = cache::active()?.get(version.src, version.left_out)?;
    Some(Parsed {
        facts,
        too_deep,
        tree: None,
    })
}

/// Keeps the facts of `version` for later runs, when the cache is on.
fn remember(version: Version<'_>, parsed: &Parsed) {
    if let Some(cache) = cache::active() {
        cache.put(
            version.src,
            version.left_out,
            &parsed.facts,
            parsed.too_deep,
        );
    }
}

/// The interiors of the function bodies of `src` but for those `keep` names, sorted.
pub fn declarations_left_out(
    src: &[u8],
    keep: &std::collections::BTreeSet<String>,
) -> Vec<std::ops::Range<usize>> {
    super::skeleton::function_bodies(src)
        .into_iter()
        .filter(|body| !keep.contains(&body.name))
        .map(|body| body.interior)
        .collect()
}

/// One version of a file to parse, but for the `left_out` byte ranges (sorted interiors of
/// function bodies).
#[derive(Clone, Copy)]
pub struct Version<'a> {
    pub src: &'a [u8],
    pub left_out: &'a [std::ops::Range<usize>],
}

/// The ranges of `src` around `holes` (sorted, non-overlapping byte ranges).
fn outside(src: &[u8], holes: &[std::ops::Range<usize>]) -> Vec<tree_sitter::Range> {
    let mut points = Points {
        src,
        at: 0,
        row: 0,
        line_start: 0,
    };
    let mut ranges = Vec::with_capacity(holes.len() + 1);
    let mut start = 0;
    for hole in holes.iter().chain(std::iter::once(&(src.len()..src.len()))) {
        ranges.push(tree_sitter::Range {
            start_byte: start,
            end_byte: hole.start,
            start_point: points.at(start),
            end_point: points.at(hole.start),
        });
        start = hole.end;
    }
    ranges
}

/// Row and column of byte offsets asked in increasing order.
struct Points<'a> {
    src: &'a [u8],
    at: usize,
    row: usize,
    line_start: usize,
}

impl Points<'_> {
    fn at(&mut self, offset: usize) -> tree_sitter::Point {
        for line_end in memchr::memchr_iter(b'\n', &self.src[self.at..offset]) {
            self.row += 1;
            self.line_start = self.at + line_end + 1;
        }
        self.at = offset;
        tree_sitter::Point::new(self.row, offset - self.line_start)
    }
}

/// Parse time beyond each file's fast allowance, shared by every parse of the run: many
/// files that each parse slowly (but within their own deadline) cannot add up to minutes.
static SLOW_PARSES: SlowParsePool = SlowParsePool::new(SLOW_PARSE_POOL);

/// What the whole run may spend on parses past their fast allowance.
pub const SLOW_PARSE_POOL: Duration = Duration::from_secs(10);

/// A parse within its fast allowance is never charged: several times what real code needs.
const FAST_TIME_BASE: Duration = Duration::from_millis(500);
const FAST_TIME_PER_MIB: Duration = Duration::from_millis(500);

struct SlowParsePool {
    spent_micros: AtomicU64,
    limit: Duration,
}

impl SlowParsePool {
    const fn new(limit: Duration) -> Self {
        SlowParsePool {
            spent_micros: AtomicU64::new(0),
            limit,
        }
    }

    /// Charges `time`; whether the pool is now used up.
    fn charge(&self, time: Duration) -> bool {
        let micros = u64::try_from(time.as_micros()).unwrap_or(u64::MAX);
        let spent = self
            .spent_micros
            .fetch_add(micros, Ordering::Relaxed)
            .saturating_add(micros);
        Duration::from_micros(spent) > self.limit
    }
}

/// The time one parse may take: its own deadline, and past its fast allowance, only while
/// the run's pool for slow parses lasts.
struct ParseClock<'a> {
    deadline: Duration,
    allowance: Duration,
    charged: Duration,
    pool: &'a SlowParsePool,
}

impl<'a> ParseClock<'a> {
    fn new(len: usize, pool: &'a SlowParsePool) -> Self {
        let mib = len as f64 / (1024.0 * 1024.0);
        ParseClock {
            deadline: (PARSE_TIME_BASE + PARSE_TIME_PER_MIB.mul_f64(mib)).min(PARSE_BUDGET),
            allowance: FAST_TIME_BASE + FAST_TIME_PER_MIB.mul_f64(mib),
            charged: Duration::ZERO,
            pool,
        }
    }

    /// Why the parse must stop after `elapsed`, if it must.
    fn check(&mut self, elapsed: Duration) -> Option<String> {
        if elapsed > self.deadline {
            return Some(format!(
                "skipped: parsing took too long (over {:.1} s)",
                self.deadline.as_secs_f64()
            ));
        }
        let over = elapsed.saturating_sub(self.allowance);
        if over > self.charged {
            let used_up = self.pool.charge(over - self.charged);
            self.charged = over;
            if used_up {
                return Some(format!(
                    "skipped: parsing took too long (over {:.1} s, and the run's {} s for slow parses are used up)",
                    self.allowance.as_secs_f64(),
                    self.pool.limit.as_secs()
                ));
            }
        }
        None
    }
}

/// What one pass over the bytes tells about the cost of parsing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Tokens, counted generously (each operator byte is one).
    pub tokens: usize,
    /// The deepest bracket nesting; a closing bracket that does not match the innermost open
    /// one closes nothing (as for the parser, which keeps the open ones on its stack).
    pub max_depth: usize,
    /// Every bracket is closed by its match.
    pub balanced: bool,
}

fn check_shape(shape: Shape) -> Result<(), ParseFailure> {
    if shape.tokens > MAX_TOKENS {
        return Err(ParseFailure::Unchecked(format!(
            "skipped: too many tokens to parse ({}, the limit is {MAX_TOKENS})",
            shape.tokens
        )));
    }
    if !shape.balanced && shape.max_depth > MAX_UNBALANCED_DEPTH {
        return Err(ParseFailure::Unchecked(format!(
            "skipped: brackets nested {} deep and not balanced (the limit is {MAX_UNBALANCED_DEPTH}); fix the syntax",
            shape.max_depth
        )));
    }
    Ok(())
}

/// Counts tokens and bracket nesting of Go source in one pass, skipping comments, strings,
/// runes and raw strings (unterminated ones end at the end of the line, or of the file).
pub fn shape(src: &[u8]) -> Shape {
    let mut tokens = 0;
    let mut open: Vec<u8> = Vec::new();
    let mut max_depth = 0;
    let mut balanced = true;
    let mut i = 0;
    let skip_to =
        |from: usize, byte: u8| memchr(byte, &src[from..]).map_or(src.len(), |at| from + at + 1);
    while i < src.len() {
        let byte = src[i];
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'/' if src.get(i + 1) == Some(&b'/') => i = skip_to(i, b'\n'),
            b'/' if src.get(i + 1) == Some(&b'*') => {
                i = find(&src[i + 2..], b"*/").map_or(src.len(), |at| i + 2 + at + 2);
            }
            b'`' => i = skip_to(i + 1, b'`'),
            b'"' | b'\'' => {
                let mut j = i + 1;
                while j < src.len() && src[j] != byte && src[j] != b'\n' {
                    j += if src[j] == b'\\' { 2 } else { 1 };
                }
                i = (j + 1).min(src.len());
            }
            b'(' | b'[' | b'{' => {
                open.push(byte);
                max_depth = max_depth.max(open.len());
                i += 1;
            }
            b')' | b']' | b'}' => {
                let opening = match byte {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if open.last() == Some(&opening) {
                    open.pop();
                } else {
                    balanced = false;
                }
                i += 1;
            }
            _ if byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80 => {
                while i < src.len()
                    && (src[i].is_ascii_alphanumeric() || src[i] == b'_' || src[i] >= 0x80)
                {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        tokens += 1;
    }
    Shape {
        tokens,
        max_depth,
        balanced: balanced && open.is_empty(),
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a package declares, as the project index reads it from a file.
    fn declared(facts: &Facts) -> String {
        // Types declared inside a function are the function's own.
        let top_types: Vec<_> = facts.types.iter().filter(|t| t.scope.is_none()).collect();
        let top_fields: Vec<_> = facts
            .struct_fields
            .iter()
            .filter(|f| top_types.iter().any(|t| t.name == f.struct_name))
            .collect();
        let top_bindings: Vec<_> = facts.bindings.iter().filter(|b| b.func.is_none()).collect();
        let funcs: Vec<_> = facts
            .funcs
            .iter()
            .filter(|f| f.enclosing.is_none())
            .map(|f| (&f.kind, f.span, &f.params, &f.results))
            .collect();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            facts.package,
            facts.imports,
            top_types,
            top_fields,
            facts.decls.iter().map(|d| d.span).collect::<Vec<_>>(),
            top_bindings,
            funcs
        )
    }

    /// Edits a real fixture the ways a change does (a statement deleted, one added, a literal
    /// changed, two places at once), as lines removed and added.
    fn edited_versions(src: &str) -> Vec<(String, Vec<usize>, Vec<usize>)> {
        let lines: Vec<&str> = src.split_inclusive('\n').collect();
        let with = |replace: &[(usize, &[&str])]| {
            let mut out = String::new();
            let (mut removed, mut added) = (Vec::new(), Vec::new());
            let mut new_line = 1;
            for (i, line) in lines.iter().enumerate() {
                match replace.iter().find(|(at, _)| *at == i) {
                    Some((_, by)) => {
                        removed.push(i + 1);
                        for text in *by {
                            out.push_str(text);
                            added.push(new_line);
                            new_line += 1;
                        }
                    }
                    None => {
                        out.push_str(line);
                        new_line += 1;
                    }
                }
            }
            (out, removed, added)
        };
        let mut versions = Vec::new();
        let statements: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with("\t\t") && lines[i].trim_end().ends_with(')'))
            .collect();
        let literals: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].contains('"'))
            .collect();
        for &i in statements.iter().step_by(3) {
            versions.push(with(&[(i, &[])]));
            let doubled = [lines[i], "\t\t_ = 1\n"];
            versions.push(with(&[(i, &doubled)]));
        }
        for pair in literals.chunks(2).step_by(2) {
            let changed: Vec<String> = pair
                .iter()
                .map(|&i| lines[i].replacen('"', "\"x", 1))
                .collect();
            let by: Vec<[&str; 1]> = changed.iter().map(|line| [line.as_str()]).collect();
            let replace: Vec<(usize, &[&str])> = pair
                .iter()
                .zip(&by)
                .map(|(&i, line)| (i, &line[..]))
                .collect();
            versions.push(with(&replace));
        }
        versions
    }

    #[test]
    fn a_version_parsed_after_its_previous_one_has_the_facts_of_a_fresh_parse() {
        let mut compared = 0;
        for path in walkdir(std::path::Path::new("fixtures")) {
            let Ok(src) = std::fs::read_to_string(&path) else {
                continue;
            };
            if src.len() < 3000 {
                continue;
            }
            let names: Vec<String> = crate::go::skeleton::function_bodies(src.as_bytes())
                .into_iter()
                .map(|body| body.name)
                .collect();
            // Every other body left out, so the two versions' included ranges differ too.
            let keep: std::collections::BTreeSet<String> = names.into_iter().step_by(2).collect();
            let mut parser = GoParser::new().expect("the grammar loads");
            for (new, removed, added) in edited_versions(&src) {
                for leave_out in [false, true] {
                    let left_out = |text: &str| match leave_out {
                        true => declarations_left_out(text.as_bytes(), &keep),
                        false => Vec::new(),
                    };
                    let (old_left_out, new_left_out) = (left_out(&src), left_out(&new));
                    let (previous, reparsed) = parser.parse_both(
                        Version {
                            src: src.as_bytes(),
                            left_out: &old_left_out,
                        },
                        Version {
                            src: new.as_bytes(),
                            left_out: &new_left_out,
                        },
                        &removed,
                        &added,
                    );
                    let fresh = parser.parse_leaving_out(new.as_bytes(), &new_left_out, None);
                    let alone = parser.parse_leaving_out(src.as_bytes(), &old_left_out, None);
                    let (Ok(previous), Ok(reparsed), Ok(fresh), Ok(alone)) =
                        (previous, reparsed, fresh, alone)
                    else {
                        panic!("{} parses", path.display());
                    };
                    assert!(previous.facts == alone.facts, "{}", path.display());
                    assert!(
                        reparsed.facts == fresh.facts,
                        "{}: removed {removed:?}, added {added:?}, left out: {leave_out}",
                        path.display()
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "only {compared} versions compared");
    }

    #[test]
    fn a_parse_with_more_bodies_from_an_earlier_tree_has_the_facts_of_a_fresh_parse() {
        let mut parser = GoParser::new().expect("the grammar loads");
        let mut compared = 0;
        for path in walkdir(std::path::Path::new("fixtures")) {
            let Ok(src) = std::fs::read(&path) else {
                continue;
            };
            let names: Vec<String> = crate::go::skeleton::function_bodies(&src)
                .into_iter()
                .map(|body| body.name)
                .collect();
            if names.len() < 2 {
                continue;
            }
            // No body, then every other one, then all: each parse reuses the one before.
            let some: std::collections::BTreeSet<String> = names.into_iter().step_by(2).collect();
            let steps = [
                declarations_left_out(&src, &Default::default()),
                declarations_left_out(&src, &some),
                Vec::new(),
            ];
            let Ok(first) = parser.parse_keeping_tree(&src, &steps[0], None) else {
                continue;
            };
            let mut earlier = first.tree.expect("the tree is kept");
            for left_out in &steps[1..] {
                let reused = parser.parse_keeping_tree(&src, left_out, Some(&earlier));
                let fresh = parser.parse_leaving_out(&src, left_out, None);
                let (Ok(reused), Ok(fresh)) = (reused, fresh) else {
                    panic!("{} parses", path.display());
                };
                assert!(
                    reused.facts == fresh.facts,
                    "{}: {} bodies left out",
                    path.display(),
                    left_out.len()
                );
                compared += 1;
                earlier = reused.tree.expect("the tree is kept");
            }
        }
        assert!(compared > 100, "only {compared} parses compared");
    }

    #[test]
    fn a_declarations_parse_declares_what_the_full_parse_declares() {
        let mut parser = GoParser::new().expect("the grammar loads");
        let mut files = 0;
        let mut with_bodies = 0;
        for entry in walkdir(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))) {
            let src = std::fs::read(&entry).expect("fixture reads");
            let Ok(full) = parser.parse(&src) else {
                continue;
            };
            if !full.facts.syntax_errors.is_empty() {
                continue;
            }
            let skeleton = parser
                .parse_declarations(&src, &Default::default())
                .expect("parses");
            assert!(
                skeleton.facts.syntax_errors.is_empty(),
                "{}: {:?}",
                entry.display(),
                skeleton.facts.syntax_errors
            );
            assert_eq!(
                declared(&full.facts),
                declared(&skeleton.facts),
                "{}",
                entry.display()
            );
            files += 1;
            with_bodies += usize::from(!super::super::skeleton::function_bodies(&src).is_empty());
            // The parser is whole-document again afterwards.
            assert_eq!(
                parser.parse(&src).map(|p| declared(&p.facts)).ok(),
                Some(declared(&full.facts))
            );
        }
        assert!(
            files > 50 && with_bodies > 40,
            "{files} files, {with_bodies} with bodies"
        );
    }

    fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).expect("fixtures list").flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                out.extend(walkdir(&path));
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "go") {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn shape_skips_comments_strings_and_runes() {
        let src = b"package a // ((\n/* [[ */ var s = \"(\\\"(\" + `[[` + '(' + '\\''\nfunc f() { g(x[1]) }\n";
        let shape = shape(src);
        assert!(shape.balanced, "{shape:?}");
        assert_eq!(shape.max_depth, 3);
    }

    #[test]
    fn shape_counts_unclosed_and_mismatched_brackets() {
        let unclosed = shape("var x = a[".repeat(5).as_bytes());
        assert!(!unclosed.balanced);
        assert_eq!(unclosed.max_depth, 5);
        // A wrong closer closes nothing.
        let mismatched = shape(b"f(a[} } }");
        assert!(!mismatched.balanced);
        assert_eq!(mismatched.max_depth, 2);
        assert_eq!(shape(b"a := b + c").tokens, 6);
    }

    #[test]
    fn slow_parses_share_one_pool() {
        let pool = SlowParsePool::new(Duration::from_secs(1));
        let ms = Duration::from_millis;
        // 1 MiB: 1 s allowance for free, 4 s deadline.
        let mut first = ParseClock::new(1024 * 1024, &pool);
        assert_eq!(first.check(ms(1_400)), None);
        assert_eq!(first.check(ms(2_000)), None);
        assert!(first
            .check(ms(2_600))
            .unwrap()
            .contains("slow parses are used up"));
        // The pool is spent: the next slow parse stops right past its allowance.
        let mut second = ParseClock::new(0, &pool);
        assert_eq!(second.check(ms(400)), None);
        assert!(second.check(ms(501)).is_some());
        // The deadline holds whatever the pool.
        let roomy = SlowParsePool::new(Duration::from_secs(100));
        let mut third = ParseClock::new(0, &roomy);
        assert_eq!(third.check(ms(1_900)), None);
        assert!(third.check(ms(2_001)).unwrap().contains("over 2.0 s"));
    }

    #[test]
    fn deep_unbalanced_nesting_is_not_parsed_but_deep_balanced_is() {
        let mut parser = GoParser::new().unwrap();
        let deep = format!("package a\nvar v = {}\n", "f(a[".repeat(2_000));
        match parser.parse(deep.as_bytes()) {
            Err(ParseFailure::Unchecked(reason)) => assert!(reason.contains("not balanced")),
            _ => panic!("parsed"),
        }
        let balanced = format!(
            "package a\nvar v = {}1{}\n",
            "(".repeat(5_000),
            ")".repeat(5_000)
        );
        // The facts walk of a deep tree needs the checking threads' large stack.
        let parsed = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || parser.parse(balanced.as_bytes()).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(parsed);
    }
}
