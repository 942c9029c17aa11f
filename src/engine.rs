//! The check pipeline: files → one parse each → facts → rules → findings, in parallel.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::{Finding, Severity, SkippedFile, Stats};
use crate::git::{ChangeRequest, ChangeSet, ChangedFile, FileScope, FileStatus, Repo};
use crate::go::metric_decl::{metric_decls, MetricDecl};
use crate::go::parse::{GoParser, ParseFailure};
use crate::go::prometheus::metric_calls;
use crate::go::{Facts, Span};
use crate::prefilter::Prefilter;
use crate::rules::handler_oncall::{self, Annotation, ReceiverLookup};
use crate::rules::troubleshooting_doc::{self, FieldTypes};
use crate::rules::{make_finding, FileContext, FileOutput, FILE_RULES};
use crate::source::LineIndex;
use crate::suppress::{self, Suppression};
use crate::walk::{self, SourceFile, WalkOptions};

pub use crate::source::MAX_FILE_BYTES;

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
    /// Diff mode: the change to check.
    pub change: Option<ChangeRequest>,
    /// Which findings diff mode reports.
    pub scope: Scope,
    /// Attach handler-oncall fixes from CODEOWNERS (`check --fix`).
    pub fix: bool,
    /// Skip parsing files whose bytes show they cannot produce a finding. Always on in the
    /// CLI; tests turn it off to prove it changes nothing.
    pub no_prefilter: bool,
}

/// Which findings to report in diff mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// Findings on lines the change added or modified.
    #[default]
    Added,
    /// Every finding in the files the change touched.
    ChangedFiles,
    /// Every finding in the tree (the change still drives troubleshooting-doc).
    All,
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
    /// Facts of the inputs that asked to keep them, by path.
    pub kept: HashMap<String, (Facts, Vec<u8>)>,
    /// Struct fields typed by imported packages, by (folder, struct).
    pub field_types: FieldTypes,
    /// Metric declarations of every parsed file (context files included), by path.
    pub metrics: HashMap<String, Vec<MetricDecl>>,
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
    if options.fix {
        settings.codeowners = Some(crate::codeowners::CodeOwners::load(&root));
    }
    Ok((root, settings))
}

/// Checks every Go file under `options.path`, or the change `options.change` describes.
pub fn check(options: &CheckOptions) -> miette::Result<CheckOutcome> {
    let started = Instant::now();
    let (root, settings) = prepare(options)?;
    let start = options
        .path
        .canonicalize()
        .unwrap_or_else(|_| options.path.clone());
    let mut outcome = match &options.change {
        Some(request) => check_change(options, request, &start, &settings)?,
        None => {
            let mut outcome = check_tree(options, &start, &root, &settings);
            if outcome.stats.files_checked == 0 && outcome.stats.files_skipped == 0 {
                // A bare repository has no files to walk: say how to check its commits.
                if let Ok(Some(repo)) = Repo::discover(&start) {
                    if repo.is_bare() {
                        return Err(miette::miette!(
                            help = "check a commit of it: `sre-policy check --base REV --head REV PATH` (or `--head REV` alone)",
                            "{} is a bare git repository: it has no work tree to check",
                            start.display()
                        ));
                    }
                }
                outcome.stats.notes.push(format!(
                    "no Go files to check under {}",
                    options.path.display()
                ));
            }
            if settings.severity(troubleshooting_doc::ID).is_some() {
                outcome.stats.notes.push(
                    "troubleshooting-doc was skipped: it checks a change (use --base REV, --head REV or --staged)"
                        .to_string(),
                );
            }
            outcome
        }
    };
    outcome.stats.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(outcome)
}

fn walk_options(options: &CheckOptions) -> WalkOptions {
    WalkOptions {
        include_vendor: options.include_vendor,
    }
}

fn check_tree(
    options: &CheckOptions,
    start: &Path,
    root: &Path,
    settings: &Settings,
) -> CheckOutcome {
    let walk_started = Instant::now();
    let walked = walk::walk(start, root, settings, walk_options(options));
    let walk_time = walk_started.elapsed();
    let inputs: Vec<Input> = walked.files.into_iter().map(Input::from_disk).collect();
    let mut outcome = run(&inputs, settings, !options.no_prefilter);
    outcome.root = root.to_path_buf();
    outcome.stats.phases.walk_ms = ms(walk_time);
    outcome.stats.files_skipped += walked.skipped.len();
    outcome.stats.skipped.extend(walked.skipped);
    outcome
}

/// Diff mode: per-file rules on the changed Go files (or the tree with `--scope all`), then
/// troubleshooting-doc on the change; findings filtered by the scope.
fn check_change(
    options: &CheckOptions,
    request: &ChangeRequest,
    start: &Path,
    settings: &Settings,
) -> miette::Result<CheckOutcome> {
    let git_started = Instant::now();
    let repo = Repo::discover_required(start)?;
    let root = repo.root().to_path_buf();
    let walk = walk_options(options);
    let change = repo.change_set(request, &|path| {
        let name = path.rsplit('/').next().unwrap_or(path);
        walk::wanted_go_file(name, settings) && !walk::excluded(path, settings, walk)
    })?;
    let start_rel = walk::relative(start, &root);
    let in_path = |rel: &str| {
        start_rel.is_empty() || rel == start_rel || rel.starts_with(&format!("{start_rel}/"))
    };
    let checked_go = |rel: &str| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        in_path(rel) && walk::wanted_go_file(name, settings) && !walk::excluded(rel, settings, walk)
    };
    let changed: Vec<&ChangedFile> = change
        .files
        .iter()
        .filter(|f| checked_go(&f.path))
        .collect();
    let mut inputs: Vec<Input> = changed
        .iter()
        .filter_map(|file| {
            Some(Input {
                rel: file.path.clone(),
                content: Content::Bytes(file.new_content.clone()?),
                context_only: options.scope == Scope::All,
                keep_facts: true,
            })
        })
        .collect();
    // Unchanged neighbours: a receiver type's doc and struct field types may live there. Only
    // those whose bytes could hold either are parsed: an annotation tag, or an import of a
    // network or storage package (a struct field's type).
    let context = neighbour_prefilter(settings);
    let changed_paths: HashSet<&str> = change.files.iter().map(|f| f.path.as_str()).collect();
    let mut dirs: Vec<&str> = changed.iter().map(|f| walk::parent_dir(&f.path)).collect();
    dirs.sort_unstable();
    dirs.dedup();
    for dir in dirs {
        let unchanged_go = |rel: &str| {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            walk::wanted_go_file(name, settings) && !changed_paths.contains(rel)
        };
        let neighbours = repo.new_side_files(
            request,
            FileScope::Folder(dir),
            &unchanged_go,
            &|bytes| context.is_match(bytes),
            MAX_FILE_BYTES,
        )?;
        inputs.extend(neighbours.into_iter().map(|(rel, bytes)| Input {
            rel,
            content: Content::Bytes(bytes),
            context_only: true,
            keep_facts: false,
        }));
    }
    // metric-duplicate / metric-breaking: every Go file at head that declares metrics.
    let metric_context =
        crate::metric_scan::context_inputs(&repo, request, &change, &inputs, settings, walk)?;
    inputs.extend(metric_context);
    let git_time = git_started.elapsed();
    let mut outcome = if options.scope == Scope::All {
        let mut tree = check_tree(options, start, &root, settings);
        let context = run(&inputs, settings, !options.no_prefilter);
        tree.kept = context.kept;
        tree.field_types = context.field_types;
        for (path, metrics) in context.metrics {
            tree.metrics.entry(path).or_insert(metrics);
        }
        tree
    } else {
        run(&inputs, settings, !options.no_prefilter)
    };
    outcome.root = root;
    outcome.stats.phases.git_ms = ms(git_time);

    for finding in &mut outcome.findings {
        finding.on_changed_line = change
            .file(&finding.path)
            .is_some_and(|f| f.is_line_added(finding.line));
    }
    match options.scope {
        Scope::Added => outcome.findings.retain(|f| f.on_changed_line),
        Scope::ChangedFiles => outcome
            .findings
            .retain(|f| changed_paths.contains(f.path.as_str())),
        Scope::All => {}
    }

    let rule_started = Instant::now();
    // The previous versions are parsed once, for every rule that compares them.
    let mut old_versions: OldVersions = HashMap::new();
    let mut parse_failures = Vec::new();
    let compares_old = [troubleshooting_doc::ID, crate::rules::metric_breaking::ID]
        .iter()
        .any(|id| settings.severity(id).is_some());
    if compares_old {
        for (path, parsed) in parse_old_versions(&changed) {
            match parsed {
                Some(version) => {
                    old_versions.insert(path, version);
                }
                None => parse_failures.push(path.to_string()),
            }
        }
    }
    let (mut findings, notes) =
        troubleshooting(&changed, &change, &outcome, &old_versions, settings);
    // `//sre-policy:ignore troubleshooting-doc -- reason` on the reported line or above.
    findings.retain(|finding| {
        let Some((facts, _)) = outcome.kept.get(&finding.path) else {
            return true;
        };
        let (mut suppressions, _) = suppress::parse(&facts.comments);
        let mut one = vec![finding.clone()];
        suppress::apply(&mut one, &mut suppressions);
        !one.is_empty()
    });
    if request.staged {
        // Before a commit the doc may still come in a later commit of the pull request, and
        // the waiver trailer has no commit to live in yet: warn, and let the pull request
        // check enforce it.
        for finding in &mut findings {
            finding.severity = Severity::Warning;
            if let Some(help) = &mut finding.help {
                help.push_str(" (a warning in --staged mode: the pull request check enforces it)");
            }
        }
    }
    outcome.stats.notes.extend(notes);
    for path in parse_failures {
        outcome.stats.skipped.push(SkippedFile {
            path,
            reason: "the previous version could not be parsed".to_string(),
        });
        outcome.stats.files_skipped += 1;
    }
    outcome.findings.extend(findings);
    let (breaking, notes) =
        crate::metric_scan::breaking(&repo, request, &changed, &outcome, &old_versions, settings);
    outcome.findings.extend(breaking);
    outcome.stats.notes.extend(notes);
    outcome
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome.stats.phases.rules_ms += ms(rule_started.elapsed());
    for (path, (_, src)) in &outcome.kept {
        if outcome.findings.iter().any(|f| &f.path == path) && !outcome.sources.contains_key(path) {
            outcome
                .sources
                .insert(path.clone(), String::from_utf8_lossy(src).into_owned());
        }
    }
    Ok(outcome)
}

/// Bytes a neighbour file needs to tell anything about a changed file: the `@oncall-team`
/// tag, or the opening of an import of a network or storage package.
fn neighbour_prefilter(settings: &Settings) -> aho_corasick::AhoCorasick {
    let data = &RuleData::builtin().troubleshooting;
    let config = &settings.troubleshooting;
    let needles: Vec<String> = std::iter::once("@oncall-team".to_string())
        .chain(
            data.network_imports
                .iter()
                .chain(&data.storage_imports)
                .chain(&config.network_imports)
                .chain(&config.storage_imports)
                .map(|path| format!("\"{path}")),
        )
        .collect();
    // Plain strings always build.
    aho_corasick::AhoCorasick::new(needles).unwrap_or_else(|_| unreachable!())
}

/// Runs troubleshooting-doc: parses the old versions, pairs them with the new facts.
fn troubleshooting(
    changed: &[&ChangedFile],
    change: &ChangeSet,
    outcome: &CheckOutcome,
    old_versions: &OldVersions,
    settings: &Settings,
) -> (Vec<Finding>, Vec<String>) {
    if settings.severity(troubleshooting_doc::ID).is_none() {
        return (Vec::new(), Vec::new());
    }
    let files: Vec<troubleshooting_doc::ChangedGoFile> = changed
        .iter()
        .filter(|file| {
            let generated = file.new_content.as_deref().is_some_and(walk::is_generated)
                || file.old_content.as_deref().is_some_and(walk::is_generated);
            !generated
        })
        .map(|file| troubleshooting_doc::ChangedGoFile {
            path: &file.path,
            status: file.status,
            added_lines: &file.added_lines,
            removed_lines: &file.removed_lines,
            old: old_versions
                .get(file.path.as_str())
                .map(|(facts, src)| troubleshooting_doc::Version { facts, src }),
            new: outcome
                .kept
                .get(&file.path)
                .map(|(facts, src)| troubleshooting_doc::Version { facts, src }),
        })
        .collect();
    let updated_paths: HashSet<String> = change
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .map(|f| f.path.clone())
        .collect();
    let context = troubleshooting_doc::ChangeContext {
        updated_paths: &updated_paths,
        commit_messages: &change.commit_messages,
        fields: &outcome.field_types,
        settings,
        data: RuleData::builtin(),
    };
    troubleshooting_doc::check(&files, &context)
}

/// The facts and bytes of a changed file's previous version; `None` when it failed to parse.
type OldVersion<'a> = Option<(Facts, &'a [u8])>;

/// Parses the previous versions of the changed files (generated ones are left out) on a
/// checking thread's large stack; a version that cannot be parsed, or whose parse panics,
/// comes back as `None`.
/// The parsed previous versions of the changed files, by path.
pub type OldVersions<'a> = HashMap<&'a str, (Facts, &'a [u8])>;

fn parse_old_versions<'a>(changed: &[&'a ChangedFile]) -> Vec<(&'a str, OldVersion<'a>)> {
    on_worker_stack(|| {
        let mut parser = GoParser::new().ok();
        let mut parsed = Vec::new();
        for file in changed {
            let Some(old) = file.old_content.as_deref() else {
                continue;
            };
            if walk::is_generated(old) {
                continue;
            }
            let facts = parser
                .as_mut()
                .and_then(|p| match crate::guard::catch(|| p.parse(old)) {
                    Ok(Ok(result)) => Some(result.facts),
                    Ok(Err(_)) => None,
                    Err(_) => {
                        *p = match GoParser::new() {
                            Ok(fresh) => fresh,
                            Err(_) => return None,
                        };
                        None
                    }
                });
            parsed.push((file.path.as_str(), facts.map(|f| (f, old))));
        }
        parsed
    })
}

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Content {
    Disk(PathBuf),
    /// Already read (from git objects, the index, or a change set).
    Bytes(Vec<u8>),
}

/// A file to check.
#[derive(Debug, Clone)]
pub struct Input {
    /// Repository-relative, `/`-separated.
    pub rel: String,
    pub content: Content,
    /// Read only for what it tells about other files (a receiver type's doc, struct field
    /// types); its own findings are dropped.
    pub context_only: bool,
    /// Parse it even when no per-file rule could report on it, and hand back its facts
    /// (diff mode: troubleshooting-doc reads every changed Go file).
    pub keep_facts: bool,
}

impl Input {
    fn from_disk(file: SourceFile) -> Input {
        Input {
            rel: file.rel,
            content: Content::Disk(file.abs),
            context_only: false,
            keep_facts: false,
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
    context_only: bool,
    /// Struct fields typed by imported packages: (struct, field, import path).
    field_types: Vec<(String, String, String)>,
    kept: Option<(Facts, Vec<u8>)>,
    times: [Duration; 4],
    /// The file's metric declarations and package clause (metric-duplicate, metric-breaking).
    metrics: Vec<MetricDecl>,
    package: Option<String>,
}

thread_local! {
    /// One parser per worker thread: making one costs more than parsing a small file, and
    /// rayon may split the work into many more pieces than threads.
    static PARSER: std::cell::RefCell<Option<GoParser>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's parser (made on first use; `None` if it cannot be set up).
pub fn with_parser<R>(f: impl FnOnce(&mut Option<GoParser>) -> R) -> R {
    PARSER.with(|cell| {
        let mut parser = cell.borrow_mut();
        if parser.is_none() {
            *parser = GoParser::new().ok();
        }
        f(&mut parser)
    })
}

/// Runs the per-file rules on `inputs` in parallel and gathers the findings.
pub fn run(inputs: &[Input], settings: &Settings, prefilter: bool) -> CheckOutcome {
    let data = RuleData::builtin();
    let relevance = Prefilter::new(data, settings);
    let results: Vec<FileResult> = on_worker_stack(|| {
        inputs
            .par_iter()
            .map(|input| {
                with_parser(|parser| {
                    let checked = crate::guard::catch(|| {
                        crate::guard::test_panic_point(&input.rel);
                        check_input(input, &mut *parser, settings, data, &relevance, prefilter)
                    });
                    checked.unwrap_or_else(|message| {
                        // The parser may be left mid-parse: start a fresh one.
                        *parser = GoParser::new().ok();
                        internal_error_result(input, &message)
                    })
                })
            })
            .collect()
    });
    gather(results, settings)
}

/// What a file whose check panicked yields: no findings, an internal error naming the panic.
fn internal_error_result(input: &Input, message: &str) -> FileResult {
    FileResult {
        rel: input.rel.clone(),
        context_only: false,
        skipped: Some(format!(
            "internal error while checking this file (please report it): {message}"
        )),
        internal_error: true,
        ..FileResult::default()
    }
}

/// Stack size of the checking threads: tree-sitter's trees of deeply nested code are walked
/// recursively (down to `extract::MAX_DEPTH`), which needs more than the default 2 MiB in
/// debug builds. Only the pages used are ever committed.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

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

fn gather(results: Vec<FileResult>, settings: &Settings) -> CheckOutcome {
    let mut outcome = CheckOutcome::default();
    let mut type_docs: HashMap<(String, String), Vec<Annotation>> = HashMap::new();
    for result in &results {
        let dir = walk::parent_dir(&result.rel);
        for (name, found) in &result.type_annotations {
            type_docs
                .entry((dir.to_string(), name.clone()))
                .or_default()
                .extend(found.iter().cloned());
        }
    }
    let mut duplicates = metric_duplicates(&results, settings);
    let phases = &mut outcome.stats.phases;
    for mut result in results {
        let dir = walk::parent_dir(&result.rel).to_string();
        for (struct_name, field, path) in result.field_types.drain(..) {
            outcome
                .field_types
                .entry((dir.clone(), struct_name))
                .or_default()
                .push((field, path));
        }
        if let Some(kept) = result.kept.take() {
            outcome.kept.insert(result.rel.clone(), kept);
        }
        if !result.metrics.is_empty() {
            let metrics = std::mem::take(&mut result.metrics);
            outcome.metrics.insert(result.rel.clone(), metrics);
        }
        phases.read_ms += ms(result.times[0]);
        phases.prefilter_ms += ms(result.times[1]);
        phases.parse_ms += ms(result.times[2]);
        phases.rules_ms += ms(result.times[3]);
        if result.context_only {
            continue;
        }
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
        result
            .findings
            .extend(duplicates.remove(&result.rel).unwrap_or_default());
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

/// metric-duplicate over the metric declarations of all results, by path; files read only for
/// context are compared with but not reported on.
fn metric_duplicates(results: &[FileResult], settings: &Settings) -> HashMap<String, Vec<Finding>> {
    let Some(severity) = settings.severity(crate::rules::metric_duplicate::ID) else {
        return HashMap::new();
    };
    let files: Vec<crate::rules::metric_duplicate::FileMetrics> = results
        .iter()
        .filter(|r| !r.metrics.is_empty())
        .map(|r| crate::rules::metric_duplicate::FileMetrics {
            path: &r.rel,
            package: r.package.as_deref(),
            reportable: !r.context_only,
            metrics: &r.metrics,
        })
        .collect();
    crate::rules::metric_duplicate::check(&files, severity)
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

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    match &input.content {
        Content::Bytes(bytes) => crate::source::check_size(bytes).map(|()| bytes.clone()),
        Content::Disk(abs) => read_source_file(abs),
    }
}

/// Reads a source file found by the walk, defensively: the entry may have been replaced since
/// (by a FIFO, a device or a symbolic link), have vanished, or be growing. It is opened without
/// following a symbolic link and without blocking, checked to be a regular file on the open
/// handle, and read up to [`MAX_FILE_BYTES`]; a larger file is read only as far as its head
/// (enough to see a generated-code header).
pub fn read_source_file(abs: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let cannot_read = |e: std::io::Error| format!("cannot read: {e}");
    let file = open_no_follow(abs).map_err(cannot_read)?;
    let metadata = file.metadata().map_err(cannot_read)?;
    if !metadata.is_file() {
        return Err("skipped: not a regular file".to_string());
    }
    // Sized from the metadata as `fs::read` does (one allocation), capped by the limit.
    let mut src = Vec::with_capacity(metadata.len().min(MAX_FILE_BYTES + 1) as usize);
    (&file)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut src)
        .map_err(cannot_read)?;
    if src.len() as u64 <= MAX_FILE_BYTES {
        return Ok(src);
    }
    src.truncate(64 * 1024);
    if walk::is_generated(&src) {
        return Ok(src);
    }
    let size = metadata.len().max(MAX_FILE_BYTES + 1);
    Err(format!(
        "skipped: too large ({} MB, the limit is {} MB)",
        size.div_ceil(1024 * 1024),
        MAX_FILE_BYTES / (1024 * 1024)
    ))
}

/// Opens `path` for reading; on Unix without following a final symbolic link and without
/// blocking on a FIFO (a FIFO opened so reads as end of file, and is then refused as not a
/// regular file).
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        let metadata = std::fs::symlink_metadata(path)?;
        if !metadata.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
    }
    options.open(path)
}

fn check_input(
    input: &Input,
    parser: &mut Option<GoParser>,
    settings: &Settings,
    data: &RuleData,
    relevance: &Prefilter,
    prefilter: bool,
) -> FileResult {
    let mut result = FileResult {
        rel: input.rel.clone(),
        context_only: input.context_only,
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
    let force_parse = input.keep_facts || input.context_only;
    if prefilter && !relevant && !force_parse {
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
        Err(ParseFailure::Unchecked(reason)) => {
            result.skipped = Some(reason);
            return result;
        }
        Err(ParseFailure::Internal(reason)) => {
            result.skipped = Some(format!("internal error: {reason}"));
            result.internal_error = true;
            return result;
        }
    };
    result.times[2] = clock.elapsed();
    result.field_types = parsed
        .facts
        .struct_fields
        .iter()
        .filter_map(|f| {
            let path = parsed.facts.import_path_of(&f.package)?;
            Some((f.struct_name.clone(), f.field.clone(), path.to_string()))
        })
        .collect();
    result.metrics = metric_decls(&parsed.facts, &data.metrics, &src);
    result.package = parsed.facts.package.clone();
    if !relevant || input.context_only {
        // A neighbour read for context: only its type docs and field types matter.
        result.type_annotations = handler_oncall::type_annotations(&parsed.facts);
        if input.keep_facts {
            result.kept = Some((parsed.facts, src));
        }
        return result;
    }
    let clock = Instant::now();
    let lines = LineIndex::new(&src);
    let facts = &parsed.facts;
    // `promauto.With(nil).NewX(...)` registers nowhere: a stub nobody scrapes, so the metric
    // rules leave it alone (the inventory still lists it).
    let calls: Vec<_> = metric_calls(facts, &data.metrics)
        .into_iter()
        .filter(|metric| !metric.registered_nowhere())
        .collect();
    let fix_team = settings
        .codeowners
        .as_ref()
        .and_then(|owners| owners.team_for(&result.rel, &settings.teams));
    let ctx = FileContext {
        path: &result.rel,
        facts,
        metric_calls: &calls,
        settings,
        data,
        lines: &lines,
        fix_team: fix_team.as_deref(),
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
    result.type_annotations = handler_oncall::type_annotations(facts);
    if !result.findings.is_empty()
        || !result.lookups.is_empty()
        || !result.suppressions.is_empty()
        || !result.metrics.is_empty()
    {
        result.source = Some(src.clone());
    }
    if input.keep_facts {
        result.kept = Some((parsed.facts, src));
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
    // Enough bytes for the 20 characters shown, even on a 5 MB line.
    let text = String::from_utf8_lossy(&line[from..line.len().min(from + 128)]);
    // Control characters (a NUL byte, an escape) are shown escaped, never written raw.
    let token: String = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .chars()
        .take(20)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if token.is_empty() {
        "end of line".to_string()
    } else {
        token
    }
}
