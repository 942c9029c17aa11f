//! The check pipeline. It never names a rule:
//!
//! plan (the files of the tree, or what a change needs) → read → prefilter → parse once →
//! project index → rules of the registry by kind (per file, per project, per change) → the
//! one filter stage → sorted findings.

mod bodies;
mod builder_calls;
mod change;
pub mod filter;
pub mod load;
pub mod prefilter;
pub mod read;
mod run;

use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::Settings;
use crate::finding::{Finding, SkippedFile, Stats};
use crate::git::{ChangeRequest, ChangedFile, FileStatus, Repo, Unchecked};
use crate::index::{Bodies, Modules, Needed, ParsedFile, ProjectIndex, Role};
use crate::rules::{self, ChangeContext, ChangedGoFile, Version};
use crate::walk::{self, WalkOptions};

use load::ms;
use load::Unparsed;
use prefilter::Prefilter;
use read::{Content, Input, Parse};

/// What `check` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub path: PathBuf,
    pub config: Option<PathBuf>,
    /// Only these rules (empty: all).
    pub only_rules: Vec<String>,
    pub ignore_rules: Vec<String>,
    pub include_vendor: bool,
    /// Also check files that ignore files (`.gitignore`, `.ignore`, git's excludes) leave out.
    pub no_ignore: bool,
    /// Diff mode: the change to check.
    pub change: Option<ChangeRequest>,
    /// Which findings diff mode reports.
    pub scope: Scope,
    /// Attach handler-oncall fixes from CODEOWNERS (`check --fix`).
    pub fix: bool,
    /// Skip parsing files whose bytes show they cannot produce a finding. Always on in the
    /// CLI; tests turn it off to prove it changes nothing.
    pub no_prefilter: bool,
    /// The pull request being checked (GitHub Actions), for change rules' waivers.
    pub pull_request: Option<rules::PullRequest>,
}

/// Which findings to report in diff mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// Findings on lines the change added or modified.
    #[default]
    Added,
    /// Every finding in the files the change touched.
    ChangedFiles,
    /// Every finding in the tree (the change still drives the change rules).
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
}

/// The repository root, the start path and the settings with `--rule` / `--ignore-rule`
/// applied.
pub struct Prepared {
    pub root: PathBuf,
    pub start: PathBuf,
    pub settings: Settings,
}

/// Resolves the root, loads the configuration and applies `--rule` / `--ignore-rule`.
pub fn prepare(options: &CheckOptions) -> miette::Result<Prepared> {
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
    let mut settings =
        Settings::load(options.config.as_deref(), &start, &root, &rules::defaults())?;
    let ids = rules::ids();
    for id in options.only_rules.iter().chain(&options.ignore_rules) {
        if rules::info(id).is_none() {
            let hint = crate::config::suggestion(id, &ids)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| format!("known rules: {}", ids.join(", ")));
            return Err(miette::miette!(help = hint, "unknown rule `{id}`"));
        }
    }
    for id in &ids {
        let selected = options.only_rules.is_empty() || options.only_rules.iter().any(|r| r == id);
        if !selected || options.ignore_rules.iter().any(|r| r == id) {
            settings.disable(id);
        }
    }
    if options.fix {
        settings.codeowners = Some(crate::codeowners::CodeOwners::load(&root));
    }
    Ok(Prepared {
        root,
        start,
        settings,
    })
}

/// Checks every Go file under `options.path`, or the change `options.change` describes.
pub fn check(options: &CheckOptions) -> miette::Result<CheckOutcome> {
    let started = Instant::now();
    let prepared = prepare(options)?;
    let mut outcome = match &options.change {
        Some(request) => check_change(options, request, &prepared)?,
        None => check_tree(options, &prepared)?,
    };
    outcome.stats.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(outcome)
}

fn walk_options(options: &CheckOptions) -> WalkOptions {
    WalkOptions {
        include_vendor: options.include_vendor,
        no_ignore: options.no_ignore,
    }
}

/// The Go files of the tree under the start path.
pub fn tree_inputs(options: &CheckOptions, prepared: &Prepared, stats: &mut Stats) -> Vec<Input> {
    let walk_started = Instant::now();
    let walked = walk::walk(
        &prepared.start,
        &prepared.root,
        &prepared.settings,
        walk_options(options),
    );
    stats.phases.walk_ms += ms(walk_started.elapsed());
    stats.files_skipped += walked.skipped.len();
    stats.skipped.extend(walked.skipped);
    walked
        .files
        .into_iter()
        .map(Input::checked_on_disk)
        .collect()
}

/// Reads `go.mod` and `go.work` with `read(folder, file name)`; the texts of every `go.mod`
/// of the repository's modules, by folder.
pub fn module_texts(read: impl Fn(&str, &str) -> Option<String>) -> Vec<(String, String)> {
    let mut folders = vec![String::new()];
    if let Some(work) = read("", "go.work") {
        folders.extend(crate::index::work_folders("", &work));
    }
    folders.sort();
    folders.dedup();
    folders
        .into_iter()
        .filter_map(|dir| Some((dir.clone(), read(&dir, "go.mod")?)))
        .collect()
}

/// The repository's modules as the work tree has them.
pub fn disk_modules(root: &Path) -> Modules {
    Modules::new(&module_texts(|dir, name| {
        let bytes = read::read_source_file(&root.join(dir).join(name)).ok()?;
        String::from_utf8(bytes).ok()
    }))
}

/// What loading inputs into a project index yields.
pub struct Indexed {
    pub index: ProjectIndex,
    /// Files skipped because of a bug of the tool.
    pub internal_errors: usize,
    /// The facts of the inputs' previous versions (`None`: it could not be parsed), by path.
    pub previous: Vec<(String, Option<crate::go::Facts>)>,
}

/// Loads inputs into the project index, counting into `stats`.
pub fn index_inputs(
    inputs: Vec<Input>,
    prefilter: &Prefilter,
    use_prefilter: bool,
    modules: Modules,
    stats: &mut Stats,
) -> Indexed {
    let loaded = load::load(inputs, prefilter, use_prefilter, &modules);
    index_loaded(loaded, prefilter, modules, stats)
}

/// The project index of what was loaded, with what it needs besides (the files that call
/// its metric builders, the constants its metric names use), counting into `stats`.
fn index_loaded(
    loaded: load::Loaded,
    prefilter: &Prefilter,
    modules: Modules,
    stats: &mut Stats,
) -> Indexed {
    stats.files_checked += loaded.files_checked;
    stats.files_skipped += loaded.skipped.len();
    stats.skipped.extend(loaded.skipped);
    stats.phases.read_ms += loaded.times.read_ms;
    stats.phases.prefilter_ms += loaded.times.prefilter_ms;
    stats.phases.parse_ms += loaded.times.parse_ms;
    let index = ProjectIndex::new(loaded.parsed, modules);
    let mut unparsed = loaded.unparsed;
    // Builder calls first: their arguments may name constants of other folders.
    let (index, builder_errors) = with_builder_calls(index, prefilter, &mut unparsed);
    let (index, internal_errors) =
        with_constant_folders(index, prefilter, &BTreeSet::new(), |needed| {
            let dirs = needed.dirs();
            let mut wanted = Vec::new();
            // The bytes read to test a file are the ones parsed: it is not read twice.
            unparsed.retain(|file| {
                let input = &file.input;
                if !dirs.contains(walk::parent_dir(&input.rel)) {
                    return true;
                }
                match input.read() {
                    Ok(bytes) if needed.wants(&input.rel, &bytes) => {
                        wanted.push(Input {
                            content: Content::Bytes(bytes),
                            ..input.clone()
                        });
                        false
                    }
                    _ => true,
                }
            });
            Ok(wanted)
        })
        .unwrap_or_else(|_| unreachable!("reading inputs already listed does not fail"));
    let mut index = index;
    index.resolve_metrics();
    if index.needs_import_graph() {
        index.add_headers(
            unparsed
                .iter()
                .map(|file| &file.input)
                .filter(|input| !input.rel.ends_with("_test.go"))
                .filter_map(|input| Some((input.rel.clone(), input.read().ok()?))),
        );
    }
    stats.parse_errors += index
        .files
        .iter()
        .filter(|f| f.role == Role::Checked && f.relevant)
        .filter(|f| !f.facts.syntax_errors.is_empty() || f.too_deep)
        .count();
    Indexed {
        index,
        internal_errors: loaded.internal_errors + internal_errors + builder_errors,
        previous: loaded.previous,
    }
}

/// The files that call one of the repository's metric builders declare metrics where the
/// call is written, with no constructor of their own for the prefilter to see: parses the
/// unparsed files that import the Prometheus client and call a builder, one round per level of
/// builders followed (a builder may call another), until a round finds no new builder. Only the
/// bodies that call a builder are parsed: the per-file rules found nothing else to read in
/// these files.
fn with_builder_calls(
    mut index: ProjectIndex,
    prefilter: &Prefilter,
    unparsed: &mut Vec<Unparsed>,
) -> (ProjectIndex, usize) {
    let mut internal_errors = 0;
    let mut asked = BTreeSet::new();
    for _ in 1..crate::index::metrics::MAX_BUILDER_DEPTH {
        let mut builders = index.metric_builder_names(None);
        builders.retain(|builder| asked.insert(builder.clone()));
        let Some(calls) = builder_calls::BuilderCalls::new(&builders, &index.modules) else {
            break;
        };
        // Each round scans the bytes of every client importer: in parallel.
        let callers_of: Vec<BTreeSet<String>> = unparsed
            .par_iter()
            .map(
                |file| match (&file.input.content, file.imports_metrics_client) {
                    (Content::Bytes(bytes), true) => calls.calling_bodies(&file.input.rel, bytes),
                    _ => BTreeSet::new(),
                },
            )
            .collect();
        let mut wanted = Vec::new();
        let mut callers_of = callers_of.into_iter();
        unparsed.retain_mut(|file| {
            let callers = callers_of.next().unwrap_or_default();
            if callers.is_empty() {
                return true;
            }
            wanted.push(Input {
                content: std::mem::replace(&mut file.input.content, Content::Bytes(Vec::new())),
                parse: Parse::Declarations(callers),
                ..file.input.clone()
            });
            false
        });
        // Checked files parsed without some bodies: a body left out may call a builder.
        wanted.par_extend(
            index
                .files
                .par_iter()
                .filter(|file| file.relevant)
                .filter(|file| matches!(file.bodies, Bodies::Of(_)))
                .filter_map(|file| {
                    with_more_bodies(file, calls.calling_bodies(&file.rel, &file.src))
                }),
        );
        // Nothing more read: the next round would find the same builders.
        if wanted.is_empty() {
            break;
        }
        // Relevant to the metric rules, whatever the prefilter said of their bytes.
        let errors;
        (index, errors) = load_into(index, wanted, prefilter, true);
        internal_errors += errors;
    }
    (index, internal_errors)
}

/// Diff mode: the index holds the packages the change touches, not always the ones that call
/// their metric builders. Reads the files of the head, outside the index, that call a builder
/// of the index (an exporter's `collector.NewCollector(system, ...)`): in any folder for an
/// exported function, in the builder's own folder otherwise. One round per level of builders
/// followed, until a round finds no new caller; then the bodies of files the index holds that
/// call the builders found.
fn with_builder_callers(
    mut index: ProjectIndex,
    prefilter: &Prefilter,
    mut find: impl FnMut(
        &builder_calls::BuilderCalls,
        Option<&BTreeSet<String>>,
        &HashSet<String>,
    ) -> miette::Result<Vec<Input>>,
) -> miette::Result<(ProjectIndex, usize)> {
    let mut internal_errors = 0;
    let mut asked = BTreeSet::new();
    let mut found = false;
    for _ in 1..crate::index::metrics::MAX_BUILDER_DEPTH {
        // Builders the change touches: the metrics the others declare are the same on both
        // sides of it.
        let checked: HashSet<&str> = index
            .files
            .iter()
            .filter(|f| f.role == Role::Checked)
            .map(|f| f.rel.as_str())
            .collect();
        let mut builders = index.metric_builder_names(Some(&|rel: &str| checked.contains(rel)));
        builders.retain(|b| asked.insert(b.clone()));
        let Some(calls) = builder_calls::BuilderCalls::new(&builders, &index.modules) else {
            break;
        };
        let exported = builders
            .iter()
            .any(|b| !b.method && b.name.starts_with(|c: char| c.is_ascii_uppercase()));
        let folders: BTreeSet<String> = builders.iter().map(|b| b.dir.clone()).collect();
        let present: HashSet<String> = index.files.iter().map(|f| f.rel.clone()).collect();
        let wanted = find(&calls, (!exported).then_some(&folders), &present)?;
        if wanted.is_empty() {
            break;
        }
        found = true;
        let errors;
        (index, errors) = load_into(index, wanted, prefilter, true);
        internal_errors += errors;
    }
    if found {
        let errors;
        (index, errors) = with_builder_calls(index, prefilter, &mut Vec::new());
        internal_errors += errors;
    }
    Ok((index, internal_errors))
}

/// Parses `inputs`, each as its own `parse` says, and adds them to `index`; with `relevant`,
/// the per-file rules check them too. Returns the count of internal errors.
fn load_into(
    index: ProjectIndex,
    inputs: Vec<Input>,
    prefilter: &Prefilter,
    relevant: bool,
) -> (ProjectIndex, usize) {
    let loaded = load::load(inputs, prefilter, true, &index.modules);
    let mut parsed = loaded.parsed;
    if relevant {
        for file in &mut parsed {
            file.relevant = true;
        }
    }
    (index.with_files(parsed), loaded.internal_errors)
}

/// Metric names use constants of packages that no rule needed parsed: parses the files the
/// index asks for (those of `seed` folders too), twice, since a constant may name another
/// package's. `fetch` gives the files of the folders that the needs accept.
fn with_constant_folders(
    mut index: ProjectIndex,
    prefilter: &Prefilter,
    seed: &BTreeSet<String>,
    mut fetch: impl FnMut(&Needed) -> miette::Result<Vec<Input>>,
) -> miette::Result<(ProjectIndex, usize)> {
    let mut internal_errors = 0;
    let mut asked = Needed::default();
    for _ in 0..2 {
        let mut needed = index.constant_folders();
        needed.whole.extend(seed.iter().cloned());
        let needed = needed.not_asked(&mut asked);
        if needed.is_empty() {
            break;
        }
        // Read for what they declare, whatever the prefilter says of their bytes.
        let more: Vec<Input> = fetch(&needed)?
            .into_iter()
            .filter(|input| index.file(&input.rel).is_none())
            .map(|input| Input {
                parse: Parse::Declarations(BTreeSet::new()),
                ..input
            })
            .collect();
        if more.is_empty() {
            continue;
        }
        let errors;
        (index, errors) = load_into(index, more, prefilter, false);
        internal_errors += errors;
    }
    Ok((index, internal_errors))
}

/// The names of the functions and methods called in the declarations the change touches, in
/// either version; with the import path of those called through an imported package's name.
fn called_names(
    index: &ProjectIndex,
    changed: &[&ChangedFile],
    old_facts: &change::OldFacts,
) -> change::Called {
    let mut called = change::Called::default();
    for file in changed {
        let versions = [
            (
                index.file(&file.path).map(|parsed| &parsed.facts),
                &file.added_lines,
            ),
            (old_facts.get(file.path.as_str()), &file.removed_lines),
        ];
        for (facts, lines) in versions {
            let Some(facts) = facts else { continue };
            let touched: HashSet<usize> = lines
                .iter()
                .filter_map(|line| facts.decl_at(line.checked_sub(1)?))
                .map(|(at, _)| at)
                .collect();
            let in_touched = |row: usize| {
                facts
                    .decl_at(row)
                    .is_some_and(|(at, _)| touched.contains(&at))
            };
            for func in facts.funcs.iter().filter(|f| in_touched(f.span.start_row)) {
                for param in &func.params {
                    if let crate::go::TypeRef::Named {
                        package: Some(package),
                        name,
                        ..
                    } = param
                    {
                        if let Some(path) = facts.import_path_of(package) {
                            called
                                .parameter_types
                                .insert((path.to_string(), name.clone()));
                        }
                    }
                }
            }
            let calls = facts
                .calls
                .iter()
                .filter(|call| in_touched(call.span.start_row));
            for call in calls {
                let Some(name) = called_name(&call.callee) else {
                    continue;
                };
                called.names.insert(name.to_string());
                if let crate::go::Expr::Selector(base, _) = &call.callee {
                    let package = base.as_ident().and_then(|local| {
                        facts.imports.iter().find(|i| i.local_name() == Some(local))
                    });
                    if let Some(import) = package {
                        called
                            .qualified
                            .insert((import.path.clone(), name.to_string()));
                    }
                }
            }
        }
    }
    called
}

/// `file`, parsed without some bodies, to parse again with those of `names` it left out
/// beside those it has; `None` when it has them all, or declares none of the others.
fn with_more_bodies(file: &ParsedFile, mut names: BTreeSet<String>) -> Option<Input> {
    let Bodies::Of(parsed) = &file.bodies else {
        return None;
    };
    let declared: HashSet<&str> = file
        .facts
        .funcs
        .iter()
        .filter_map(crate::go::Func::name)
        .collect();
    names.retain(|name| !parsed.contains(name) && declared.contains(name.as_str()));
    if names.is_empty() {
        return None;
    }
    names.extend(parsed.iter().cloned());
    Some(Input {
        rel: file.rel.clone(),
        content: Content::Bytes(file.src.clone()),
        role: file.role,
        parse: Parse::Declarations(names),
        previous: None,
        earlier: file.tree.clone(),
    })
}

/// The name a call calls: `f` of `f(x)`, `pkg.f(x)` and `a.b.f(x)`.
fn called_name(callee: &crate::go::Expr) -> Option<&str> {
    match callee {
        crate::go::Expr::Ident(name) | crate::go::Expr::Selector(_, name) => Some(name),
        _ => None,
    }
}

fn check_tree(options: &CheckOptions, prepared: &Prepared) -> miette::Result<CheckOutcome> {
    let settings = &prepared.settings;
    let mut outcome = CheckOutcome {
        root: prepared.root.clone(),
        ..CheckOutcome::default()
    };
    let inputs = tree_inputs(options, prepared, &mut outcome.stats);
    check_inputs(
        inputs,
        settings,
        !options.no_prefilter,
        disk_modules(&prepared.root),
        &mut outcome,
    );
    if outcome.stats.files_checked == 0 && outcome.stats.files_skipped == 0 {
        // A bare repository has no files to walk: say how to check its commits.
        if let Ok(Some(repo)) = Repo::discover(&prepared.start) {
            if repo.is_bare() {
                return Err(miette::miette!(
                    help = "check a commit of it: `sre-policy check --base REV --head REV PATH` (or `--head REV` alone)",
                    "{} is a bare git repository: it has no work tree to check",
                    prepared.start.display()
                ));
            }
        }
        outcome.stats.notes.push(format!(
            "no Go files to check under {}",
            options.path.display()
        ));
    }
    for rule in rules::RULES
        .iter()
        .filter(|r| !r.runs(false) && settings.severity(r.id).is_some())
    {
        outcome.stats.notes.push(format!(
            "{} was skipped: it checks a change (use --base REV, --head REV or --staged)",
            rule.id
        ));
    }
    Ok(outcome)
}

/// Loads `inputs`, runs the per-file and project rules and the filter stage into `outcome`.
pub fn check_inputs(
    inputs: Vec<Input>,
    settings: &Settings,
    use_prefilter: bool,
    modules: Modules,
    outcome: &mut CheckOutcome,
) {
    let prefilter = Prefilter::new(crate::data::RuleData::builtin(), settings);
    let Indexed {
        index,
        internal_errors,
        ..
    } = index_inputs(
        inputs,
        &prefilter,
        use_prefilter,
        modules,
        &mut outcome.stats,
    );
    outcome.internal_errors += internal_errors;
    let rules_started = Instant::now();
    let mut findings = run::file_rules(&index, settings);
    findings.extend(run::project_rules(&index, settings));
    outcome.findings = filter::apply(findings, &index, settings, None);
    outcome.stats.phases.rules_ms += ms(rules_started.elapsed());
    outcome.sources = sources(&outcome.findings, &index);
    release(index);
}

/// The most bytes of changed Go files (both versions) one diff-mode run parses: about 20 s and
/// 600 MB on two cores. A change that adds more (a hostile pull request, a mass import) is
/// checked up to this size; the rest is listed as not checked, which fails the run under
/// `--fail-on-unchecked`.
const MAX_CHANGE_BYTES: usize = 32 * 1024 * 1024;

/// The changed files that fit in [`MAX_CHANGE_BYTES`], taken by path, and the rest.
fn within_change_budget(changed: Vec<&ChangedFile>) -> (Vec<&ChangedFile>, Vec<&ChangedFile>) {
    let mut total = 0usize;
    changed.into_iter().partition(|file| {
        total += file.old_content.as_ref().map_or(0, Vec::len)
            + file.new_content.as_ref().map_or(0, Vec::len);
        total <= MAX_CHANGE_BYTES
    })
}

/// Diff mode: per-file rules on the changed Go files (or the tree with `--scope all`), project
/// rules over what the change needs, change rules on the change; then the one filter stage.
fn check_change(
    options: &CheckOptions,
    request: &ChangeRequest,
    prepared: &Prepared,
) -> miette::Result<CheckOutcome> {
    let settings = &prepared.settings;
    let git_started = Instant::now();
    let repo = Repo::discover_required(&prepared.start)?;
    let root = repo.root().to_path_buf();
    // The same files as the walk checks: ignore files apply to the paths of a change too. A
    // bare repository has no work tree, and so no ignore files on disk to read.
    let filter = match repo.is_bare() {
        true => {
            walk::Filter::with_reader(&root, settings, walk_options(options), Box::new(|_| None))
        }
        false => walk::Filter::new(&root, settings, walk_options(options)),
    };
    let is_go_file = |rel: &str| filter.is_checked(rel);
    let go_folders = |dir: &str| filter.enters(dir);
    // In a partial clone, what the check may read is fetched first: the Go files, the docs
    // and the files rules search (go.mod, metric references).
    repo.fetch_missing_objects(request, &|rel| {
        is_go_file(rel) || change::read_besides_go(rel)
    })?;
    // Markdown files too: a change rule may ask whether a doc really changed.
    let change = repo.change_set(request, &|rel| is_go_file(rel) || rel.ends_with(".md"))?;
    let start_rel = walk::relative(&prepared.start, &root);
    let in_path = |rel: &str| {
        start_rel.is_empty() || rel == start_rel || rel.starts_with(&format!("{start_rel}/"))
    };
    let changed: Vec<&ChangedFile> = change
        .files
        .iter()
        .filter(|f| in_path(&f.path) && is_go_file(&f.path))
        .collect();
    let mut outcome = CheckOutcome {
        root: root.clone(),
        ..CheckOutcome::default()
    };
    let (changed, over_budget) = within_change_budget(changed);
    for file in over_budget {
        outcome.stats.files_skipped += 1;
        outcome.stats.skipped.push(SkippedFile {
            path: file.path.clone(),
            reason: format!(
                "skipped: the change's Go files exceed {} MB in all; the files after this \
                 size (by path) are not checked",
                MAX_CHANGE_BYTES / (1024 * 1024)
            ),
        });
    }
    // A Go file the change turns into a link (which `go build` compiles) or into a FIFO is
    // never read: listed as not checked, as the walk lists it.
    for (rel, why) in change
        .unchecked
        .iter()
        .filter(|(rel, _)| in_path(rel) && is_go_file(rel))
    {
        outcome.stats.files_skipped += 1;
        outcome.stats.skipped.push(SkippedFile {
            path: rel.clone(),
            reason: match why {
                Unchecked::Link => walk::SYMLINK_SKIP_REASON,
                Unchecked::NotRegular => walk::NOT_REGULAR_SKIP_REASON,
            }
            .to_string(),
        });
    }
    let needs = change::needs(settings);
    let mut inputs = Vec::new();
    if options.scope == Scope::All {
        // The whole tree is checked; the changed files as the change has them.
        let changed_paths: HashSet<&str> = changed.iter().map(|f| f.path.as_str()).collect();
        inputs.extend(
            tree_inputs(options, prepared, &mut outcome.stats)
                .into_iter()
                .filter(|input| !changed_paths.contains(input.rel.as_str())),
        );
    }
    // One prefilter for every parse of the run: they read the same trigger words.
    let prefilter = Prefilter::new(crate::data::RuleData::builtin(), settings);
    let use_prefilter = !options.no_prefilter;
    // Findings on added lines come from the declarations that hold them, or from bodies with
    // a rule's words: a changed file's other bodies are left out of both its versions' parses.
    // Wider scopes report anywhere in a changed file: it is parsed whole.
    let by_declarations = options.scope == Scope::Added && use_prefilter;
    // A changed file parsed whole needs nothing the searches below find: its parse (the
    // longest of a change that edits a big file) runs beside them.
    let (whole, in_part): (Vec<&ChangedFile>, Vec<&ChangedFile>) = changed
        .iter()
        .partition(|file| !by_declarations || change::parsed_whole(file));
    let early_inputs = change::changed_inputs(&whole, Role::Checked, None, needs.old_versions);
    let mut with_input: HashSet<String> = early_inputs
        .iter()
        .filter(|input| input.previous.is_some())
        .map(|input| input.rel.clone())
        .collect();
    let mut seen: HashSet<String> = early_inputs.iter().map(|i| i.rel.clone()).collect();
    // The builders the files parsed apart define are candidates for the others' parse.
    let early_sources = load::relevant_sources(
        whole
            .iter()
            .filter_map(|file| Some((file.path.as_str(), file.new_content.as_deref()?))),
        &prefilter,
        use_prefilter,
    );
    let (early, rest) = std::thread::scope(|scope| {
        // Files parsed whole take no builder's calls into account: no modules needed.
        let early = scope
            .spawn(|| load::load(early_inputs, &prefilter, use_prefilter, &Modules::default()));
        let rest = (|| -> miette::Result<_> {
            let neighbours =
                change::neighbour_inputs(&repo, request, &change, &changed, &is_go_file, settings)?;
            let touched = by_declarations.then(|| change::touched_in_change(&in_part));
            inputs.extend(change::changed_inputs(
                &in_part,
                Role::Checked,
                touched.as_ref(),
                needs.old_versions,
            ));
            inputs.extend(neighbours);
            if needs.repository_metrics {
                let present: HashSet<String> = inputs
                    .iter()
                    .map(|i| i.rel.clone())
                    .chain(seen.iter().cloned())
                    .collect();
                inputs.extend(change::repository_metric_inputs(
                    &repo,
                    request,
                    &changed,
                    &present,
                    &is_go_file,
                    &go_folders,
                )?);
            }
            // A file is read once, in its first role: checked before context.
            inputs.retain(|input| seen.insert(input.rel.clone()));
            let modules = Modules::new(&change::go_mods(&repo, request));
            outcome.stats.phases.git_ms += ms(git_started.elapsed());
            // A changed file's previous version is parsed with it (its new version reuses the
            // tree); a deleted file's beside the index.
            with_input.extend(
                inputs
                    .iter()
                    .filter(|input| input.previous.is_some())
                    .map(|input| input.rel.clone()),
            );
            let old_sources = if needs.old_versions {
                change::old_sources(&changed)
            } else {
                Vec::new()
            };
            let (alone, beside): (Vec<_>, Vec<_>) = old_sources
                .into_iter()
                .partition(|(path, _)| !with_input.contains(*path));
            let (loaded, old_versions) = load::on_worker_stack(|| {
                rayon::join(
                    || {
                        load::load_beside(
                            &early_sources,
                            inputs,
                            &prefilter,
                            use_prefilter,
                            &modules,
                        )
                    },
                    || load::parse_versions(alone, touched.as_ref(), &prefilter),
                )
            });
            Ok((touched, modules, loaded, old_versions, beside))
        })();
        (early.join(), rest)
    });
    let early = early.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let (touched, modules, loaded, mut old_versions, mut beside) = rest?;
    let stats = &mut outcome.stats;
    let indexed = load::on_worker_stack(|| {
        index_loaded(early.merge(loaded), &prefilter, modules.clone(), stats)
    });
    let Indexed {
        index,
        internal_errors,
        previous,
    } = indexed;
    outcome.internal_errors = internal_errors;
    for (path, facts) in previous {
        if let Some(at) = beside.iter().position(|(rel, _)| *rel == path) {
            old_versions.push((beside.swap_remove(at).0, facts));
        }
    }
    // Those whose new version was not parsed (generated, skipped) are parsed alone.
    old_versions.extend(load::parse_versions(beside, touched.as_ref(), &prefilter));
    old_versions.sort_by_key(|(path, _)| changed.iter().position(|file| file.path == *path));
    let mut old_facts = change::OldFacts::new();
    for (path, facts) in old_versions {
        match facts {
            Some(facts) => {
                old_facts.insert(path, facts);
            }
            // The change is still checked; only the comparison with the old version is lost,
            // so it is a note, not an unchecked file.
            None => outcome.stats.notes.push(format!(
                "the previous version of {path} could not be parsed: the change rules compare it as if it were empty"
            )),
        }
    }
    let (index, internal_errors) = if needs.repository_metrics {
        with_builder_callers(index, &prefilter, |calls, folders, present| {
            change::builder_caller_inputs(
                &repo,
                request,
                calls,
                folders,
                present,
                &is_go_file,
                &go_folders,
            )
        })?
    } else {
        (index, 0)
    };
    outcome.internal_errors += internal_errors;
    let mut metric_folders = change::metric_folders(&changed, &modules);
    for (path, facts) in &old_facts {
        metric_folders.extend(crate::index::metrics::previous_version_folders(
            facts,
            walk::parent_dir(path),
            &modules,
            &crate::data::RuleData::builtin().metrics,
        ));
    }
    let (index, internal_errors) =
        with_constant_folders(index, &prefilter, &metric_folders, |needed| {
            let files = change::folder_inputs(&repo, request, &needed.dirs(), &is_go_file)?;
            Ok(files
                .into_iter()
                .filter(|input| {
                    input
                        .read()
                        .is_ok_and(|bytes| needed.wants(&input.rel, &bytes))
                })
                .collect())
        })?;
    outcome.internal_errors += internal_errors;
    // A deleted Go file is checked too: the change rules read its previous version.
    outcome.stats.files_checked += changed
        .iter()
        .filter(|f| f.status == FileStatus::Deleted)
        .count();
    let called = called_names(&index, &changed, &old_facts);
    let mut index = if needs.imported_packages {
        let git_started = Instant::now();
        let more = change::imported_package_inputs(
            &repo,
            request,
            &index,
            &called,
            &is_go_file,
            settings,
        )?;
        outcome.stats.phases.git_ms += ms(git_started.elapsed());
        // Read for what they declare: not checked, but their time counts.
        let mut stats = Stats::default();
        let Indexed {
            index: extra,
            internal_errors,
            ..
        } = index_inputs(
            more,
            &prefilter,
            !options.no_prefilter,
            Modules::default(),
            &mut stats,
        );
        outcome.stats.phases.read_ms += stats.phases.read_ms;
        outcome.stats.phases.parse_ms += stats.phases.parse_ms;
        outcome.internal_errors += internal_errors;
        index.with_files(extra.files)
    } else {
        index
    };
    // Which programs link which packages, when two packages declare one metric name.
    index.resolve_metrics();
    if index.needs_import_graph() {
        let headers = change::unparsed_go_files(&repo, request, &index, &is_go_file, &go_folders)?;
        index.add_headers(headers);
    }

    let rules_started = Instant::now();
    let mut findings = run::file_rules(&index, settings);
    findings.extend(run::project_rules(&index, settings));
    let files: Vec<ChangedGoFile> = changed
        .iter()
        .map(|file| ChangedGoFile {
            path: &file.path,
            status: file.status,
            added_lines: &file.added_lines,
            removed_lines: &file.removed_lines,
            old: old_facts
                .get(file.path.as_str())
                .zip(file.old_content.as_deref())
                .map(|(facts, src)| Version { facts, src }),
            new: index.file(&file.path).map(|parsed| Version {
                facts: &parsed.facts,
                src: &parsed.src,
            }),
        })
        .collect();
    let updated_paths: HashSet<String> = change
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .map(|f| f.path.clone())
        .collect();
    let head = change::RepoHead {
        repo: &repo,
        request,
        is_go_file: &is_go_file,
        go_folders: &go_folders,
    };
    let history = change::RepoHistory {
        repo: &repo,
        request,
        commit_ids: &change.commit_ids,
        is_go_file: &is_go_file,
    };
    let ctx = ChangeContext {
        files: &files,
        all_files: &change.files,
        updated_paths: &updated_paths,
        commit_messages: &change.commit_messages,
        commit_ids: &change.commit_ids,
        history: &history,
        pull_request: options.pull_request.as_ref(),
        index: &index,
        head: &head,
        settings,
        data: crate::data::RuleData::builtin(),
    };
    let output = run::change_rules(&ctx);
    findings.extend(output.findings);
    outcome.stats.notes.extend(output.notes);
    let diff = filter::DiffFilter {
        change: &change,
        scope: options.scope,
        staged: request.staged,
    };
    outcome.findings = filter::apply(findings, &index, settings, Some(&diff));
    outcome.stats.phases.rules_ms += ms(rules_started.elapsed());
    outcome.sources = sources(&outcome.findings, &index);
    let old_facts: Vec<crate::go::Facts> = old_facts.into_values().collect();
    release((index, old_facts, change, repo));
    Ok(outcome)
}

/// Frees what a run built (the index; in diff mode the change and its previous versions' facts
/// too) on a thread of its own, beside the report: their many small allocations take a
/// noticeable share of a run, and a process that exits first need not free them. Its stack is
/// as large as a checking thread's: deeply nested expressions are freed recursively. If no
/// thread can be started, they are freed here.
fn release<T: Send + 'static>(value: T) {
    let _freed = std::thread::Builder::new()
        .name("sre-policy-release".to_string())
        .stack_size(load::WORKER_STACK_BYTES)
        .spawn(move || drop(value));
}

/// The text of every parsed file that has a finding, for snippets.
fn sources(findings: &[Finding], index: &ProjectIndex) -> HashMap<String, String> {
    let mut sources = HashMap::new();
    for finding in findings {
        if sources.contains_key(&finding.path) {
            continue;
        }
        if let Some(file) = index.file(&finding.path) {
            sources.insert(
                finding.path.clone(),
                String::from_utf8_lossy(&file.src).into_owned(),
            );
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(path: &str, bytes: usize) -> ChangedFile {
        ChangedFile {
            path: path.to_string(),
            old_path: None,
            status: FileStatus::Added,
            added_lines: Vec::new(),
            removed_lines: Vec::new(),
            old_content: None,
            new_content: Some(vec![b'\n'; bytes]),
        }
    }

    #[test]
    fn a_file_is_parsed_again_only_for_bodies_it_declares_and_lacks() {
        let src = "package store\n\nfunc a() {\n\tx()\n}\n\nfunc (s *S) b() {\n\ty()\n}\n";
        let kept: BTreeSet<String> = ["a".to_string()].into();
        let file = crate::index::parsed_for_tests(src, Bodies::Of(kept));
        let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect();
        // `a` is parsed already and `c` is declared elsewhere: nothing to parse again.
        assert!(with_more_bodies(&file, names(&["a", "c"])).is_none());
        let again = with_more_bodies(&file, names(&["b", "c"])).expect("b's body is lacking");
        assert_eq!(again.parse, Parse::Declarations(names(&["a", "b"])));
    }

    #[test]
    fn a_change_is_parsed_up_to_its_budget_and_the_rest_is_listed() {
        let half = MAX_CHANGE_BYTES / 2;
        let files = [
            added("a.go", half),
            added("b.go", half),
            added("c.go", 1),
            added("d.go", 1),
        ];
        let (kept, over) = within_change_budget(files.iter().collect());
        let names = |list: &[&ChangedFile]| list.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(names(&kept), ["a.go", "b.go"]);
        assert_eq!(names(&over), ["c.go", "d.go"]);
    }
}
