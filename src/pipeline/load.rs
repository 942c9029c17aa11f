//! Read → prefilter → parse once, in parallel: the inputs become parsed files (facts and
//! bytes) for the project index, or skipped files with a reason.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::bodies::{self, Helpers};
use super::builder_calls::{candidates, BuilderCalls};
use super::prefilter::Prefilter;
use super::read::{Content, Input, Parse};
use crate::data::RuleData;
use crate::finding::{PhaseTimes, SkippedFile};
use crate::go::parse::{declarations_left_out, GoParser, ParseFailure, Version};
use crate::go::Facts;
use crate::index::metrics::file_declarations;
use crate::index::{Bodies, Modules, ParsedFile, Role};
use crate::walk;

/// What loading the inputs yields.
#[derive(Debug, Default)]
pub struct Loaded {
    pub parsed: Vec<ParsedFile>,
    /// The facts of the previous versions parsed beside their inputs (`None`: it could not be
    /// parsed), by path.
    pub previous: Vec<(String, Option<Facts>)>,
    /// Inputs read but not parsed (no rule could report on them): a later step may still
    /// need what they declare.
    pub unparsed: Vec<Unparsed>,
    pub skipped: Vec<SkippedFile>,
    /// Checked inputs that were read (parsed or not).
    pub files_checked: usize,
    /// Skipped because of a bug of the tool (exit 2).
    pub internal_errors: usize,
    pub times: PhaseTimes,
}

/// An input read but not parsed.
#[derive(Debug)]
pub struct Unparsed {
    /// Its bytes are kept when it imports the Prometheus client.
    pub input: Input,
    /// Its bytes import the Prometheus client: it may call one of the repository's metric
    /// builders, which only the index knows (so later steps read only these again).
    pub imports_metrics_client: bool,
}

enum Outcome {
    Parsed(Box<ParsedFile>),
    /// Read; no rule could report on it. The bytes of a file that imports the Prometheus
    /// client are kept: it may call a metric builder.
    Read {
        client_importer: Option<Vec<u8>>,
    },
    Generated,
    Skipped {
        reason: String,
        internal: bool,
    },
}

/// An input read, to parse.
struct ToParse {
    src: Vec<u8>,
    relevant: bool,
}

impl Loaded {
    /// This load and `other`, as one.
    pub fn merge(mut self, other: Loaded) -> Loaded {
        self.parsed.extend(other.parsed);
        self.previous.extend(other.previous);
        self.unparsed.extend(other.unparsed);
        self.skipped.extend(other.skipped);
        self.files_checked += other.files_checked;
        self.internal_errors += other.internal_errors;
        self.times.read_ms += other.times.read_ms;
        self.times.prefilter_ms += other.times.prefilter_ms;
        self.times.parse_ms += other.times.parse_ms;
        self
    }
}

/// A file's input, what became of it, and its read, prefilter and parse times.
type FileResult = (Input, Outcome, [Duration; 3], PreviousParse);

/// What became of the previous version of a file's input: not parsed, or its facts (`None`
/// when it could not be parsed).
type PreviousParse = Option<Option<Facts>>;

/// Loads `inputs` in parallel; `prefilter` off parses every input (tests use it to show the
/// prefilter changes nothing). First every input is read and prefiltered, then the files to
/// parse are parsed, each with the bodies its rules read and those that may call a metric
/// builder of `modules`' packages (the candidates among the files read: a call of one
/// declares a metric where it is written).
pub fn load(
    inputs: Vec<Input>,
    prefilter: &Prefilter,
    use_prefilter: bool,
    modules: &Modules,
) -> Loaded {
    load_beside(&[], inputs, prefilter, use_prefilter, modules)
}

/// Loads `inputs` as [`load`] does, beside files loaded apart (`beside`: the path and bytes
/// of those a rule could report on): the builders those define count among the candidates,
/// as if they were inputs of this load.
pub fn load_beside(
    beside: &[(&str, &[u8])],
    inputs: Vec<Input>,
    prefilter: &Prefilter,
    use_prefilter: bool,
    modules: &Modules,
) -> Loaded {
    let data = RuleData::builtin();
    let read: Vec<(Input, Result<ToParse, Outcome>, [Duration; 3])> = on_worker_stack(|| {
        inputs
            .into_par_iter()
            .map(|input| {
                let mut times = [Duration::ZERO; 3];
                let read =
                    crate::guard::catch(|| read_one(&input, prefilter, use_prefilter, &mut times))
                        .unwrap_or_else(|message| Err(internal_error(&message)));
                (input, read, times)
            })
            .collect()
    });
    let candidates = if use_prefilter {
        let relevant: Vec<(&str, &[u8])> = read
            .iter()
            .filter_map(|(input, read, _)| match read {
                Ok(file) if file.relevant => Some((input.rel.as_str(), file.src.as_slice())),
                _ => None,
            })
            .chain(beside.iter().copied())
            .collect();
        let mut builders = candidates(&relevant, &data.metrics);
        // A function that calls a builder may pass its own parameters on, and be one too (the
        // index follows such callers, wherever they are written): the bodies that call it are
        // parsed now, not by a second parse of their files later.
        if let Some(calls) = BuilderCalls::new(&builders, modules) {
            let importers = read.iter().filter_map(|(input, read, _)| match read {
                Err(Outcome::Read {
                    client_importer: Some(src),
                }) => Some((input.rel.as_str(), src.as_slice())),
                _ => None,
            });
            let files: Vec<(&str, &[u8])> = relevant.iter().copied().chain(importers).collect();
            builders.extend(calls.callers(&files));
        }
        BuilderCalls::new(&builders, modules)
    } else {
        None
    };
    let how = HowToParse {
        data,
        prefilter,
        use_prefilter,
        builder_calls: candidates.as_ref(),
        tree_budget: AtomicUsize::new(KEPT_TREES_SOURCE_BYTES),
    };
    // The biggest files first: one started last keeps a core busy after the others are done.
    // One file per task, so that a thread that is done takes the next file, not a share of the
    // list cut in advance (which would put every big file in one share).
    let mut read: Vec<(usize, _)> = read.into_iter().enumerate().collect();
    read.sort_by_key(|(_, (_, file, _))| {
        std::cmp::Reverse(file.as_ref().map_or(0, |file| file.src.len()))
    });
    let mut results: Vec<(usize, FileResult)> = on_worker_stack(|| {
        read.into_par_iter()
            .with_max_len(1)
            .map(|(order, (input, read, mut times))| {
                let file = match read {
                    Ok(file) => file,
                    Err(outcome) => return (order, (input, outcome, times, None)),
                };
                with_parser(|parser| {
                    let loaded = crate::guard::catch(|| {
                        crate::guard::test_panic_point(&input.rel);
                        parse_one(&input, file, parser, &how, &mut times)
                    });
                    let (outcome, previous) = loaded.unwrap_or_else(|message| {
                        // The parser may be left mid-parse: start a fresh one.
                        *parser = GoParser::new().ok();
                        (internal_error(&message), None)
                    });
                    (order, (input, outcome, times, previous))
                })
            })
            .collect()
    });
    // Back in the inputs' order, which the index keeps.
    results.sort_unstable_by_key(|(order, _)| *order);
    let mut loaded = Loaded::default();
    for (_, (input, outcome, times, previous)) in results {
        if let Some(facts) = previous {
            loaded.previous.push((input.rel.clone(), facts));
        }
        loaded.times.read_ms += ms(times[0]);
        loaded.times.prefilter_ms += ms(times[1]);
        loaded.times.parse_ms += ms(times[2]);
        let checked = input.role == Role::Checked;
        match outcome {
            Outcome::Parsed(file) => {
                loaded.files_checked += usize::from(checked);
                loaded.parsed.push(*file);
            }
            Outcome::Read { client_importer } => {
                loaded.files_checked += usize::from(checked);
                let imports_metrics_client = client_importer.is_some();
                let input = match client_importer {
                    Some(bytes) => Input {
                        content: Content::Bytes(bytes),
                        ..input
                    },
                    None => input,
                };
                loaded.unparsed.push(Unparsed {
                    input,
                    imports_metrics_client,
                });
            }
            Outcome::Generated => {}
            Outcome::Skipped { reason, internal } => {
                loaded.internal_errors += usize::from(internal);
                if checked || internal {
                    loaded.skipped.push(SkippedFile {
                        path: input.rel,
                        reason,
                    });
                }
            }
        }
    }
    loaded
}

/// A file whose check panicked: skipped, as a bug of the tool.
fn internal_error(message: &str) -> Outcome {
    Outcome::Skipped {
        reason: format!("internal error while checking this file (please report it): {message}"),
        internal: true,
    }
}

/// Reads and prefilters one input: the bytes to parse, or what became of it.
fn read_one(
    input: &Input,
    prefilter: &Prefilter,
    use_prefilter: bool,
    times: &mut [Duration; 3],
) -> Result<ToParse, Outcome> {
    let clock = Instant::now();
    let src = input.read().map_err(|reason| Outcome::Skipped {
        reason,
        internal: false,
    })?;
    times[0] = clock.elapsed();
    let clock = Instant::now();
    if walk::is_generated(&src) {
        return Err(Outcome::Generated);
    }
    let relevant = is_relevant(&src, prefilter, use_prefilter);
    times[1] = clock.elapsed();
    if !relevant && input.parse == Parse::IfRelevant {
        return Err(Outcome::Read {
            client_importer: crate::go::prometheus::mentions_client(&src).then_some(src),
        });
    }
    Ok(ToParse { src, relevant })
}

/// Whether a per-file rule could report on a file of these bytes (with the prefilter off,
/// any file).
fn is_relevant(src: &[u8], prefilter: &Prefilter, use_prefilter: bool) -> bool {
    !use_prefilter || prefilter.is_relevant(src)
}

/// Of `files` (path and bytes), those a load reads as relevant (not generated, and a rule
/// could report on them): the sources of a load's builder candidates, for [`load_beside`].
pub fn relevant_sources<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    prefilter: &Prefilter,
    use_prefilter: bool,
) -> Vec<(&'a str, &'a [u8])> {
    files
        .into_iter()
        .filter(|(_, src)| !walk::is_generated(src) && is_relevant(src, prefilter, use_prefilter))
        .collect()
}

/// What decides how much of a file to parse.
struct HowToParse<'a> {
    data: &'a RuleData,
    prefilter: &'a Prefilter,
    use_prefilter: bool,
    builder_calls: Option<&'a BuilderCalls>,
    /// The source bytes whose trees may still be kept, see [`KEPT_TREES_SOURCE_BYTES`].
    tree_budget: AtomicUsize,
}

/// At most this much parsed source (bodies left out do not count) keeps its tree in one load:
/// a tree takes 10 to 100 times its source (the most for dense tables), and a change of many
/// big files must not hold them all. The files read for more bodies later take tens of
/// kilobytes each.
const KEPT_TREES_SOURCE_BYTES: usize = 1024 * 1024;

/// Parses one input, and its previous version beside it when it has one.
fn parse_one(
    input: &Input,
    file: ToParse,
    parser: &mut Option<GoParser>,
    how: &HowToParse,
    times: &mut [Duration; 3],
) -> (Outcome, PreviousParse) {
    let ToParse { src, relevant } = file;
    let HowToParse {
        data,
        prefilter,
        use_prefilter,
        builder_calls,
        ref tree_budget,
    } = *how;
    // A checked file read for some of its bodies is a changed one: its metric declarations are
    // compared in full.
    let helpers = match (&input.parse, input.role) {
        (Parse::Declarations(_), Role::Checked) => Helpers::Followed,
        _ => Helpers::Unfollowed,
    };
    // The bodies a rule or the index reads, and those asked for.
    let select = |asked: &BTreeSet<String>| {
        bodies::select(&src, prefilter, asked, builder_calls, &input.rel, helpers)
    };
    let (bodies, left_out) = match &input.parse {
        Parse::Declarations(names) if !relevant => (
            Bodies::Of(names.clone()),
            declarations_left_out(&src, names),
        ),
        Parse::Declarations(names) if use_prefilter => select(names),
        Parse::IfRelevant if use_prefilter => select(&BTreeSet::new()),
        _ => (Bodies::All, Vec::new()),
    };
    // Both versions of a changed file keep the bodies either one's selection keeps, so what
    // they declare compares body for body (a metric declared in a body one side left out
    // would look added or removed).
    let (bodies, left_out, previous_left_out) = match (&input.previous, bodies) {
        (Some(previous), Bodies::Of(kept)) => {
            // Asked for the new version's bodies too, the previous version's selection is
            // the union.
            let previous = &previous.src;
            match bodies::select(
                previous,
                prefilter,
                &kept,
                builder_calls,
                &input.rel,
                helpers,
            ) {
                (Bodies::Of(union), previous_left_out) => {
                    let left_out = match union.len() > kept.len() {
                        true => declarations_left_out(&src, &union),
                        false => left_out,
                    };
                    let bodies = match left_out.is_empty() {
                        true => Bodies::All,
                        false => Bodies::Of(union),
                    };
                    (bodies, left_out, previous_left_out)
                }
                (Bodies::All, _) => (Bodies::All, Vec::new(), Vec::new()),
            }
        }
        (_, bodies) => (bodies, left_out, Vec::new()),
    };
    let clock = Instant::now();
    let Some(parser) = parser.as_mut() else {
        let outcome = Outcome::Skipped {
            reason: "internal error: the Go parser could not be set up".to_string(),
            internal: true,
        };
        return (outcome, None);
    };
    let new = Version {
        src: &src,
        left_out: &left_out,
    };
    let (previous, parsed) = match &input.previous {
        Some(previous) => {
            let old = Version {
                src: &previous.src,
                left_out: &previous_left_out,
            };
            let (old, new) =
                parser.parse_both(old, new, &previous.removed_lines, &previous.added_lines);
            (Some(old.ok().map(|parsed| parsed.facts)), new)
        }
        // Kept where a later step may ask the same bytes for more bodies: files read for the
        // bodies a change needs. A whole tree's files keep none (their trees would double the
        // run's memory for the few that a builder round reparses).
        None if matches!(input.parse, Parse::Declarations(_))
            && !new.left_out.is_empty()
            && take_budget(tree_budget, parsed_bytes(new.src.len(), new.left_out)) =>
        {
            let earlier = input.earlier.as_ref();
            (
                None,
                parser.parse_keeping_tree(new.src, new.left_out, earlier),
            )
        }
        None => (
            None,
            parser.parse_leaving_out(new.src, new.left_out, input.earlier.as_ref()),
        ),
    };
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(ParseFailure::Unchecked(reason)) => {
            let outcome = Outcome::Skipped {
                reason,
                internal: false,
            };
            return (outcome, previous);
        }
        Err(ParseFailure::Internal(reason)) => {
            let outcome = Outcome::Skipped {
                reason: format!("internal error: {reason}"),
                internal: true,
            };
            return (outcome, previous);
        }
    };
    times[2] = clock.elapsed();
    let metrics = file_declarations(&parsed.facts, &data.metrics, &src, &input.rel);
    let outcome = Outcome::Parsed(Box::new(ParsedFile {
        rel: input.rel.clone(),
        facts: parsed.facts,
        src,
        role: input.role,
        relevant,
        too_deep: parsed.too_deep,
        bodies,
        metrics,
        tree: parsed.tree,
    }));
    (outcome, previous)
}

/// The bytes of a file of `len` bytes that a parse leaving `left_out` out reads.
fn parsed_bytes(len: usize, left_out: &[std::ops::Range<usize>]) -> usize {
    len.saturating_sub(left_out.iter().map(|range| range.len()).sum())
}

/// Takes `bytes` from `budget`; whether it held that many.
fn take_budget(budget: &AtomicUsize, bytes: usize) -> bool {
    budget
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(bytes)
        })
        .is_ok()
}

/// Parses previous versions of changed files on a checking thread's large stack; a version
/// that cannot be parsed, or whose parse panics, comes back as `None`. A file with `bodies`
/// (by path) is parsed with those and the ones a rule or the index reads, as its new version
/// is; the others whole.
pub fn parse_versions<'a>(
    versions: Vec<(&'a str, &'a [u8])>,
    bodies: Option<&HashMap<String, BTreeSet<String>>>,
    prefilter: &Prefilter,
) -> Vec<(&'a str, Option<crate::go::Facts>)> {
    on_worker_stack(|| {
        versions
            .into_par_iter()
            .map(|(path, src)| {
                let left_out = match bodies.and_then(|bodies| bodies.get(path)) {
                    Some(names) => {
                        bodies::select(src, prefilter, names, None, path, Helpers::Followed).1
                    }
                    None => Vec::new(),
                };
                let facts = with_parser(|parser| {
                    let p = parser.as_mut()?;
                    match crate::guard::catch(|| p.parse_leaving_out(src, &left_out, None)) {
                        Ok(Ok(parsed)) => Some(parsed.facts),
                        Ok(Err(_)) => None,
                        Err(_) => {
                            *parser = GoParser::new().ok();
                            None
                        }
                    }
                });
                (path, facts)
            })
            .collect()
    })
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

thread_local! {
    /// One parser per worker thread: making one costs more than parsing a small file, and
    /// rayon may split the work into many more pieces than threads.
    static PARSER: std::cell::RefCell<Option<GoParser>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's parser (made on first use; `None` if it cannot be set up).
/// A thread that waits inside a parse (for the half of a `rayon::join` another thread took)
/// may be given another file meanwhile: that one gets a parser of its own.
fn with_parser<R>(f: impl FnOnce(&mut Option<GoParser>) -> R) -> R {
    PARSER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut parser) => {
            if parser.is_none() {
                *parser = GoParser::new().ok();
            }
            f(&mut parser)
        }
        Err(_) => f(&mut GoParser::new().ok()),
    })
}

/// Stack size of the checking threads: tree-sitter's trees of deeply nested code are walked
/// recursively (down to `extract::MAX_DEPTH`), which needs more than the default 2 MiB in
/// debug builds. Only the pages used are ever committed.
pub(super) const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs `f` inside a rayon pool whose threads have [`WORKER_STACK_BYTES`] of stack (so both
/// its parallel iterators and `f` itself run there); falls back to the global pool if such a
/// pool cannot be built.
pub fn on_worker_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK_BYTES)
            .thread_name(|i| format!("sre-policy-check-{i}"))
            .build()
            .ok()
    });
    match pool {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_asked_of_a_thread_inside_a_parse_gets_a_parser_of_its_own() {
        let (outer, inner) = with_parser(|outer| {
            let outer = outer.as_mut().expect("the thread's parser");
            let inner = with_parser(|inner| {
                let inner = inner.as_mut().expect("a parser of its own");
                inner
                    .parse_leaving_out(b"package b\n\nfunc f() {}\n", &[], None)
                    .ok()
                    .map(|parsed| parsed.facts.funcs.len())
            });
            let outer = outer
                .parse_leaving_out(b"package a\n\nfunc g() {}\nfunc h() {}\n", &[], None)
                .ok()
                .map(|parsed| parsed.facts.funcs.len());
            (outer, inner)
        });
        assert_eq!(outer, Some(2));
        assert_eq!(inner, Some(1));
    }
}
