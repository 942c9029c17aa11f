//! The check pipeline: files → one parse each → facts → rules → findings, in parallel.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::{Finding, SkippedFile, Stats};
use crate::go::parse::{GoParser, ParseFailure};
use crate::go::prometheus::metric_calls;
use crate::go::{Facts, Span};
use crate::rules::handler_oncall::{self, Annotation, ReceiverLookup};
use crate::rules::{make_finding, FileContext, FileOutput, FILE_RULES};
use crate::source::LineIndex;
use crate::suppress::{self, Suppression};
use crate::walk::{self, SourceFile, WalkOptions};

/// Files larger than this are not parsed (a warning says so), unless generated.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

const PARSE_ERROR: &str = "parse-error";

/// What `check` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub path: PathBuf,
    pub config: Option<PathBuf>,
    /// Only these rules (empty: all).
    pub only_rules: Vec<String>,
    pub ignore_rules: Vec<String>,
    pub include_vendor: bool,
    /// Skip parsing files whose bytes show they cannot produce a finding. Always on in the
    /// CLI; tests turn it off to prove it changes nothing.
    pub no_prefilter: bool,
}

/// The result of a check.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    pub root: PathBuf,
    /// Sorted by path, line, column, rule id.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Source text of the files with findings.
    pub sources: HashMap<String, String>,
    /// A file's check failed inside the tool (exit 2).
    pub internal_errors: usize,
}

/// Resolves the root, loads the configuration and applies `--rule` / `--ignore-rule`.
pub fn prepare(options: &CheckOptions) -> miette::Result<(PathBuf, Settings)> {
    let path = &options.path;
    if !path.exists() {
        return Err(miette::miette!(
            help = "pass a folder of a Go repository, e.g. `sre-policy check .`",
            "path {} does not exist",
            path.display()
        ));
    }
    let start = path
        .canonicalize()
        .map_err(|e| miette::miette!("cannot resolve path {}: {e}", path.display()))?;
    let root = walk::find_root(&start);
    let mut settings = Settings::load(options.config.as_deref(), &start, &root)?;
    for id in options.only_rules.iter().chain(&options.ignore_rules) {
        if crate::rules::info(id).is_none() {
            let ids: Vec<&str> = crate::rules::RULES.iter().map(|r| r.id).collect();
            let hint = crate::config::suggestion(id, &ids)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("known rules: {}", ids.join(", ")));
            return Err(miette::miette!(help = hint, "unknown rule `{id}`"));
        }
    }
    for rule in crate::rules::RULES {
        let selected =
            options.only_rules.is_empty() || options.only_rules.iter().any(|r| r == rule.id);
        if !selected || options.ignore_rules.iter().any(|r| r == rule.id) {
            settings.disable(rule.id);
        }
    }
    Ok((root, settings))
}

/// Checks every Go file under `options.path`.
pub fn check(options: &CheckOptions) -> miette::Result<CheckOutcome> {
    let started = Instant::now();
    let (root, settings) = prepare(options)?;
    let start = options
        .path
        .canonicalize()
        .unwrap_or_else(|_| options.path.clone());
    let walk_started = Instant::now();
    let walked = walk::walk(
        &start,
        &root,
        &settings,
        WalkOptions {
            include_vendor: options.include_vendor,
        },
    );
    let walk_time = walk_started.elapsed();
    let inputs: Vec<Input> = walked.files.into_iter().map(Input::Disk).collect();
    let mut outcome = run(&inputs, &settings, !options.no_prefilter);
    outcome.root = root;
    outcome.stats.phases.walk_ms = ms(walk_time);
    outcome.stats.files_skipped += walked.skipped.len();
    outcome.stats.skipped.extend(walked.skipped);
    outcome.stats.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(outcome)
}

/// A file to check: on disk, or contents already read (from git).
#[derive(Debug, Clone)]
pub enum Input {
    Disk(SourceFile),
    Bytes { rel: String, bytes: Vec<u8> },
}

impl Input {
    fn rel(&self) -> &str {
        match self {
            Input::Disk(file) => &file.rel,
            Input::Bytes { rel, .. } => rel,
        }
    }
}

/// What checking one file yields.
#[derive(Debug, Default)]
struct FileResult {
    rel: String,
    findings: Vec<Finding>,
    lookups: Vec<ReceiverLookup>,
    type_annotations: Vec<(String, Vec<Annotation>)>,
    suppressions: Vec<Suppression>,
    source: Option<Vec<u8>>,
    skipped: Option<String>,
    generated: bool,
    parse_error: bool,
    internal_error: bool,
    times: [Duration; 4],
}

/// Runs the per-file rules on `inputs` in parallel and gathers the findings.
pub fn run(inputs: &[Input], settings: &Settings, prefilter: bool) -> CheckOutcome {
    let data = RuleData::builtin();
    let relevance = Relevance::new(data, settings);
    let results: Vec<FileResult> = inputs
        .par_iter()
        .map_init(
            || GoParser::new().ok(),
            |parser, input| {
                let checked = catch_unwind(AssertUnwindSafe(|| {
                    check_input(input, parser, settings, data, &relevance, prefilter)
                }));
                checked.unwrap_or_else(|_| {
                    // The parser may be left mid-parse: start a fresh one.
                    *parser = GoParser::new().ok();
                    FileResult {
                        rel: input.rel().to_string(),
                        skipped: Some(
                            "internal error while checking this file (please report it)"
                                .to_string(),
                        ),
                        internal_error: true,
                        ..FileResult::default()
                    }
                })
            },
        )
        .collect();
    gather(results, settings)
}

fn gather(results: Vec<FileResult>, settings: &Settings) -> CheckOutcome {
    let mut outcome = CheckOutcome::default();
    let mut type_docs: HashMap<(String, String), Vec<Annotation>> = HashMap::new();
    for result in &results {
        let dir = parent_dir(&result.rel);
        for (name, found) in &result.type_annotations {
            type_docs
                .entry((dir.to_string(), name.clone()))
                .or_default()
                .extend(found.iter().cloned());
        }
    }
    let phases = &mut outcome.stats.phases;
    for mut result in results {
        phases.read_ms += ms(result.times[0]);
        phases.prefilter_ms += ms(result.times[1]);
        phases.parse_ms += ms(result.times[2]);
        phases.rules_ms += ms(result.times[3]);
        if result.generated {
            continue;
        }
        if let Some(reason) = result.skipped.take() {
            outcome.internal_errors += usize::from(result.internal_error);
            outcome.stats.files_skipped += 1;
            outcome.stats.skipped.push(SkippedFile {
                path: result.rel.clone(),
                reason,
            });
            if result.findings.is_empty() {
                continue;
            }
        } else {
            outcome.stats.files_checked += 1;
        }
        outcome.stats.parse_errors += usize::from(result.parse_error);
        let dir = parent_dir(&result.rel).to_string();
        for lookup in result.lookups.drain(..) {
            let key = (dir.clone(), lookup.receiver.clone());
            match type_docs.get(&key).filter(|found| !found.is_empty()) {
                None => result.findings.push(lookup.missing),
                Some(found) => {
                    if let Some((message, help)) =
                        handler_oncall::verdict(found, &lookup.handler_name, settings)
                    {
                        result.findings.push(Finding {
                            message,
                            help: Some(help),
                            ..lookup.missing
                        });
                    }
                }
            }
        }
        finish_suppressions(&mut result, settings);
        if !result.findings.is_empty() {
            if let Some(source) = result.source.take() {
                outcome.sources.insert(
                    result.rel.clone(),
                    String::from_utf8_lossy(&source).into_owned(),
                );
            }
        }
        outcome.findings.append(&mut result.findings);
    }
    outcome
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome
}

/// Applies the file's suppressions and reports the unused ones.
fn finish_suppressions(result: &mut FileResult, settings: &Settings) {
    if result.suppressions.is_empty() {
        return;
    }
    suppress::apply(&mut result.findings, &mut result.suppressions);
    let Some(severity) = settings.severity(suppress::UNUSED) else {
        return;
    };
    let Some(source) = result.source.as_deref() else {
        return;
    };
    let lines = LineIndex::new(source);
    for suppression in &result.suppressions {
        for (rule, used) in suppression.rules.iter().zip(&suppression.used) {
            // A rule that did not run cannot have used its suppression.
            if *used || settings.severity(rule).is_none() || rule == "troubleshooting-doc" {
                continue;
            }
            result.findings.push(make_finding(
                &lines,
                &result.rel,
                suppress::UNUSED,
                severity,
                suppression.span,
                format!("suppression of {rule} suppresses nothing"),
                Some(
                    "remove it, or move it to the line of the finding or the line above"
                        .to_string(),
                ),
            ));
        }
    }
}

fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Byte patterns without which a file cannot produce a finding of a per-file rule: the import
/// paths handlers and metrics need, the suppression directive and the annotation tag (a type's
/// doc may annotate handlers in other files).
pub struct Relevance {
    needles: AhoCorasick,
}

impl Relevance {
    pub fn new(data: &RuleData, settings: &Settings) -> Relevance {
        let mut needles: Vec<String> = vec![
            "net/http".to_string(),
            "client_golang/prometheus".to_string(),
            "sre-policy:ignore".to_string(),
            "@oncall-team".to_string(),
        ];
        needles.extend(data.frameworks.iter().map(|f| f.import.clone()));
        needles.extend(settings.extra_handlers.iter().map(|h| h.import.clone()));
        // The patterns are plain strings, which always build.
        let needles = AhoCorasick::new(&needles).unwrap_or_else(|_| unreachable!());
        Relevance { needles }
    }

    pub fn is_relevant(&self, src: &[u8]) -> bool {
        self.needles.is_match(src)
    }
}

fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    let file = match input {
        Input::Bytes { bytes, .. } => return Ok(bytes.clone()),
        Input::Disk(file) => file,
    };
    let metadata = std::fs::symlink_metadata(&file.abs).map_err(|e| format!("cannot read: {e}"))?;
    if !metadata.is_file() {
        return Err("not a regular file".to_string());
    }
    if metadata.len() > MAX_FILE_BYTES {
        let head = read_head(&file.abs).map_err(|e| format!("cannot read: {e}"))?;
        if walk::is_generated(&head) {
            return Ok(head);
        }
        return Err(format!(
            "skipped: too large ({} MB, the limit is {} MB)",
            metadata.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    std::fs::read(&file.abs).map_err(|e| format!("cannot read: {e}"))
}

/// The first 64 KiB, enough to see a generated-code header.
fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(64 * 1024)
        .read_to_end(&mut head)?;
    Ok(head)
}

fn check_input(
    input: &Input,
    parser: &mut Option<GoParser>,
    settings: &Settings,
    data: &RuleData,
    relevance: &Relevance,
    prefilter: bool,
) -> FileResult {
    let mut result = FileResult {
        rel: input.rel().to_string(),
        ..FileResult::default()
    };
    let clock = Instant::now();
    let src = match read_input(input) {
        Ok(src) => src,
        Err(reason) => {
            result.skipped = Some(reason);
            return result;
        }
    };
    result.times[0] = clock.elapsed();
    let clock = Instant::now();
    if walk::is_generated(&src) {
        result.generated = true;
        return result;
    }
    let relevant = relevance.is_relevant(&src);
    result.times[1] = clock.elapsed();
    if prefilter && !relevant {
        return result;
    }
    let clock = Instant::now();
    let Some(parser) = parser.as_mut() else {
        result.skipped = Some("internal error: the Go parser could not be set up".to_string());
        result.internal_error = true;
        return result;
    };
    let parsed = match parser.parse(&src) {
        Ok(parsed) => parsed,
        Err(ParseFailure::TimedOut) => {
            result.skipped = Some("skipped: parsing took too long".to_string());
            return result;
        }
        Err(ParseFailure::Internal(reason)) => {
            result.skipped = Some(format!("internal error: {reason}"));
            result.internal_error = true;
            return result;
        }
    };
    result.times[2] = clock.elapsed();
    if !relevant {
        return result;
    }
    let clock = Instant::now();
    let lines = LineIndex::new(&src);
    let facts = &parsed.facts;
    let calls = metric_calls(facts, &data.metrics);
    let ctx = FileContext {
        path: &result.rel,
        facts,
        metric_calls: &calls,
        settings,
        data,
        lines: &lines,
    };
    let mut output = FileOutput::default();
    for (id, check) in FILE_RULES {
        if settings.severity(id).is_some() {
            check(&ctx, &mut output);
        }
    }
    result.findings = output.findings;
    result.lookups = output.receiver_lookups;
    result.parse_error = !facts.syntax_errors.is_empty() || parsed.too_deep;
    result
        .findings
        .extend(parse_error_finding(&ctx, facts, parsed.too_deep));
    let (suppressions, problems) = suppress::parse(&facts.comments);
    for (span, message, help) in problems {
        result
            .findings
            .extend(ctx.finding(suppress::INVALID, span, message, Some(help)));
    }
    result.suppressions = suppressions;
    result.type_annotations = facts
        .types
        .iter()
        .map(|t| {
            let found = t
                .doc_rows
                .iter()
                .map(|&row| handler_oncall::annotations(facts.doc_comments(row)))
                .find(|found| !found.is_empty())
                .unwrap_or_default();
            (t.name.clone(), found)
        })
        .filter(|(_, found)| !found.is_empty())
        .collect();
    if !result.findings.is_empty() || !result.lookups.is_empty() || !result.suppressions.is_empty()
    {
        result.source = Some(src);
    }
    result.times[3] = clock.elapsed();
    result
}

/// One `parse-error` warning per file, at its first syntax error.
fn parse_error_finding(ctx: &FileContext, facts: &Facts, too_deep: bool) -> Option<Finding> {
    if let Some(error) = facts.syntax_errors.first() {
        let what = match &error.missing {
            Some(token) => format!("missing `{token}`"),
            None => {
                let text = ctx_text(ctx, error.span);
                format!("unexpected `{text}`")
            }
        };
        let more = facts.syntax_errors.len() - 1;
        let message = if more == 0 {
            format!("syntax error: {what}")
        } else {
            format!("syntax error: {what} (and {more} more)")
        };
        return ctx.finding(
            PARSE_ERROR,
            error.span,
            message,
            Some(
                "fix the syntax (`gofmt -l` shows it); code around the error may not be checked"
                    .to_string(),
            ),
        );
    }
    if too_deep {
        return ctx.finding(
            PARSE_ERROR,
            Span::default(),
            format!(
                "nesting deeper than {} levels: the deepest parts of this file are not checked",
                crate::go::extract::MAX_DEPTH
            ),
            None,
        );
    }
    None
}

fn ctx_text(ctx: &FileContext, span: Span) -> String {
    let line = ctx.lines.line_text(span.start_row + 1);
    let start_of_line = ctx.lines.line_start(span.start_row + 1).unwrap_or(0);
    let from = span.start.saturating_sub(start_of_line).min(line.len());
    let text = String::from_utf8_lossy(&line[from..]);
    let token: String = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(20)
        .collect();
    if token.is_empty() {
        "end of line".to_string()
    } else {
        token
    }
}
