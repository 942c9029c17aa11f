//! The commands, from parsed arguments to an exit code.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::baseline::{self, Baseline};
use crate::cli::{BaselineArgs, CheckArgs, Cli, ColorChoice, Command, FailOn};
use crate::finding::Severity;
use crate::git::ChangeRequest;
use crate::pipeline::{self, CheckOptions};
use crate::report::{self, Format, Report};
use crate::rules;

/// Runs a command; `Ok` carries the exit code (0 or 1), `Err` means exit 2.
pub fn run(cli: Cli) -> miette::Result<u8> {
    if matches!(
        cli.command,
        Command::Check(_) | Command::Baseline(_) | Command::Inventory(_)
    ) && !cli.no_cache
    {
        use_cache(cli.cache_dir.clone());
    }
    let result = run_command(cli.command);
    crate::go::cache::finish();
    result
}

fn run_command(command: Command) -> miette::Result<u8> {
    match command {
        Command::Check(args) => check(args),
        Command::Baseline(args) => write_baseline(args),
        Command::Init { path, force } => crate::init::run(&path, force),
        Command::Inventory(args) => inventory(args),
        Command::Rules => {
            let mut out = String::new();
            for rule in rules::RULES {
                out.push_str(&format!(
                    "{:<22} {:<8} {}\n",
                    rule.id,
                    rule.default_severity.as_str(),
                    rule.summary
                ));
            }
            write_stdout(out.as_bytes())?;
            Ok(0)
        }
        Command::Explain { rule } => match rules::info(&rule) {
            Some(info) => {
                write_stdout(info.doc.as_bytes())?;
                Ok(0)
            }
            None => {
                let ids: Vec<&str> = rules::RULES.iter().map(|r| r.id).collect();
                let hint = crate::config::suggestion(&rule, &ids)
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "`sre-policy rules` lists the rules".to_string());
                Err(miette::miette!(help = hint, "unknown rule `{rule}`"))
            }
        },
    }
}

fn write_stdout(bytes: &[u8]) -> miette::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// The change to check: from the flags, or under GitHub Actions from the pull request event.
fn change_request(args: &CheckArgs) -> Option<ChangeRequest> {
    if args.base.is_some() || args.head.is_some() || args.staged {
        return Some(ChangeRequest {
            base: args.base.clone(),
            head: args.head.clone(),
            staged: args.staged,
        });
    }
    if std::env::var_os("GITHUB_ACTIONS").is_none_or(|v| v != "true") {
        return None;
    }
    pull_request_base().map(|base| ChangeRequest {
        base: Some(base),
        head: None,
        staged: false,
    })
}

/// The base commit of the pull request that triggered this workflow run, if it is one.
fn pull_request_base() -> Option<String> {
    let from_event = std::env::var_os("GITHUB_EVENT_PATH")
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|event| {
            event["pull_request"]["base"]["sha"]
                .as_str()
                .map(str::to_string)
        });
    from_event.or_else(|| {
        std::env::var("GITHUB_BASE_REF")
            .ok()
            .filter(|r| !r.is_empty())
            .map(|r| format!("origin/{r}"))
    })
}

/// The pull request of the event that triggered this workflow run (GitHub Actions), if any:
/// its labels and body can waive a change rule.
fn pull_request() -> Option<rules::PullRequest> {
    if std::env::var_os("GITHUB_ACTIONS").is_none_or(|v| v != "true") {
        return None;
    }
    let event = std::env::var_os("GITHUB_EVENT_PATH")
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())?;
    let pull_request = event.get("pull_request")?;
    Some(rules::PullRequest {
        labels: pull_request["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|label| label["name"].as_str().map(str::to_string))
            .collect(),
        body: pull_request["body"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    })
}

/// Writes a report to `path`, or to standard output.
fn write_report(path: Option<&Path>, bytes: &[u8]) -> miette::Result<()> {
    match path {
        Some(path) => crate::write::write_file(path, bytes).map_err(|e| e.into_report("report to")),
        None => write_stdout(bytes),
    }
}

/// Appends the Markdown summary to `$GITHUB_STEP_SUMMARY`; failing to is only a warning, since
/// the annotations already carry the findings.
fn append_step_summary(report: &Report) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let markdown = report::step_summary_markdown(report);
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut file| file.write_all(markdown.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "warning: cannot append the summary to $GITHUB_STEP_SUMMARY ({}): {e}",
            Path::new(&path).display()
        );
    }
}

/// Turns on the cache of earlier parses, in `dir` or the default folder. A cache that cannot
/// be used is worth a warning, not a failed check.
fn use_cache(dir: Option<std::path::PathBuf>) {
    let Some(dir) = dir.or_else(crate::go::cache::default_dir) else {
        return;
    };
    if let Err(reason) = crate::go::cache::enable(&dir) {
        eprintln!(
            "warning: {reason}; every file is parsed afresh (--cache-dir DIR puts the cache elsewhere, --no-cache turns it off)"
        );
    }
}

fn check(args: CheckArgs) -> miette::Result<u8> {
    if let Some(reason) = &args.add_ignore {
        crate::fix::valid_reason(reason)?;
    }
    let options = CheckOptions {
        path: args.path.clone(),
        config: args.config.clone(),
        only_rules: args.rules.clone(),
        ignore_rules: args.ignore_rules.clone(),
        include_vendor: args.include_vendor,
        no_ignore: args.no_ignore,
        change: change_request(&args),
        scope: args.scope,
        // Fixes are always computed (applied only with --fix): rdjson carries them as
        // suggestions, and the per-rule table counts what `--fix` would fix.
        fix: true,
        no_prefilter: false,
        pull_request: pull_request(),
    };
    let mut outcome = pipeline::check(&options)?;
    if args.fix {
        let fixed = crate::fix::apply(&outcome.root, &outcome.findings)?;
        report_fixes(&fixed, &outcome);
        drop_findings(&mut outcome.findings, &fixed.indices);
    }
    let baseline = apply_baseline(&args, &mut outcome, options.change.is_some())?;
    if let Some(reason) = &args.add_ignore {
        let done = crate::fix::add_ignores(&outcome.root, &outcome.findings, reason)?;
        eprintln!(
            "added {} for {} in {}",
            report::plural(done.comments, "suppression comment"),
            report::plural(done.suppressed.len(), "finding"),
            report::plural(done.files, "file")
        );
        for (path, why) in &done.refused {
            eprintln!("  left {path} alone: {why}");
        }
        drop_findings(&mut outcome.findings, &done.suppressed);
    }
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let under_actions = std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true");
    let to_terminal = stdout_is_terminal && args.output.is_none();
    let format = args.format.unwrap_or(if under_actions {
        Format::Github
    } else if to_terminal {
        Format::Human
    } else {
        Format::Compact
    });
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let report = Report {
        findings: &outcome.findings,
        stats: &outcome.stats,
        rules: rules::RULES,
        sources: &outcome.sources,
        diff_mode: options.change.is_some(),
        color,
        baseline,
        // The default format off a terminal (a hook, a pipe) keeps the remedy in view; an
        // explicit `--format compact` stays one line per finding for editors.
        compact_help: args.format.is_none() && !args.quiet,
    };
    let rendered = if args.statistics {
        report::human::render_statistics(&report).into_bytes()
    } else if args.quiet && matches!(format, Format::Human | Format::Compact) {
        report::render(Format::Compact, &report)
    } else {
        report::render(format, &report)
    };
    write_report(args.output.as_deref(), &rendered)?;
    if let Some(path) = &args.sarif {
        write_report(Some(path), &report::render(Format::Sarif, &report))?;
    }
    if format == Format::Github {
        append_step_summary(&report);
    }
    if format == Format::Compact || args.quiet {
        note_skipped_files(&outcome.stats);
    }
    if args.stats {
        let p = &outcome.stats.phases;
        eprintln!(
            "walk {:.1} ms, read {:.1} ms, prefilter {:.1} ms, parse {:.1} ms, rules {:.1} ms, git {:.1} ms, report {:.1} ms (per-file phases summed over threads); total {} ms",
            p.walk_ms, p.read_ms, p.prefilter_ms, p.parse_ms, p.rules_ms, p.git_ms, p.report_ms, outcome.stats.elapsed_ms
        );
        match crate::go::cache::counts() {
            Some(counts) => eprintln!(
                "cache: {} parses reused, {} parsed afresh",
                counts.hits, counts.misses
            ),
            None => eprintln!("cache: off"),
        }
    }
    if outcome.internal_errors > 0 {
        return Err(miette::miette!(
            "{} file(s) could not be checked because of an internal error; see the report",
            outcome.internal_errors
        ));
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|t| outcome.findings.iter().any(|f| f.severity >= t));
    let unchecked = outcome.stats.skipped.len();
    if !failing && unchecked > 0 && fail_on_unchecked(&args, under_actions) {
        eprintln!(
            "sre-policy: failing because {} could not be checked (see the report); \
             --no-fail-on-unchecked only lists them",
            report::plural(unchecked, "file")
        );
        return Ok(1);
    }
    Ok(u8::from(failing))
}

/// Whether a file that could not be checked fails the run: as asked, else in CI (GitHub
/// Actions), where a pull request must not pass by making a file uncheckable.
fn fail_on_unchecked(args: &CheckArgs, under_actions: bool) -> bool {
    if args.fail_on_unchecked || args.no_fail_on_unchecked {
        return args.fail_on_unchecked;
    }
    under_actions && args.fail_on != FailOn::Never
}

/// Compact output is one line per finding and nothing else, so the files that were not
/// checked go to stderr: a clean result never hides an unchecked file.
fn note_skipped_files(stats: &crate::finding::Stats) {
    if stats.skipped.is_empty() {
        return;
    }
    let mut text = format!(
        "sre-policy: {} not checked:\n",
        report::plural(stats.skipped.len(), "file")
    );
    for file in &stats.skipped {
        text.push_str(&format!(
            "  {}: {}\n",
            report::compact::not_a_command(&report::compact::one_line(&file.path)),
            report::compact::one_line(&file.reason)
        ));
    }
    eprint!("{text}");
}

/// Removes the findings at `indices` (ascending): fixed or suppressed in the work tree.
fn drop_findings(findings: &mut Vec<crate::finding::Finding>, indices: &[usize]) {
    let mut index = 0;
    findings.retain(|_| {
        let keep = indices.binary_search(&index).is_err();
        index += 1;
        keep
    });
}

/// What `--fix` changed, and for each finding a rule could not fix, why (on stderr).
fn report_fixes(fixed: &crate::fix::Fixed, outcome: &pipeline::CheckOutcome) {
    let mut text = format!(
        "fixed {} in {}\n",
        report::plural(fixed.indices.len(), "finding"),
        report::plural(fixed.files, "file")
    );
    for (path, line, added, count) in &fixed.edits {
        let covers = match count {
            1 => String::new(),
            n => format!(" (for {n} findings)"),
        };
        text.push_str(&format!("  {path}:{line}: added `{added}`{covers}\n"));
    }
    let mut unfixed = 0;
    for (index, finding) in outcome.findings.iter().enumerate() {
        if fixed.indices.binary_search(&index).is_ok() {
            continue;
        }
        let Some(reason) = finding
            .help
            .as_deref()
            .and_then(crate::finding::no_fix_reason)
        else {
            continue;
        };
        unfixed += 1;
        text.push_str(&format!(
            "  not fixed: {}:{}: {}: {reason}\n",
            finding.path, finding.line, finding.rule
        ));
    }
    if fixed.indices.is_empty()
        && unfixed == 0
        && crate::codeowners::CodeOwners::load(&outcome.root).is_empty()
    {
        text.push_str(
            "  no CODEOWNERS file (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS): --fix takes each file's team from it\n",
        );
    }
    eprint!("{}", report::human::defuse_workflow_commands(&text));
}

/// The baseline file: `explicit`, else the default name at the repository root.
fn baseline_file(root: &Path, explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(|| root.join(baseline::FILE), Path::to_path_buf)
}

/// Whether repo-relative `path` is `folder` or under it (`""`: the root, everything).
fn under(folder: &str, path: &str) -> bool {
    folder.is_empty()
        || path == folder
        || path
            .strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The repo-relative folder a command was started at.
fn start_folder(path: &Path, root: &Path) -> String {
    path.canonicalize()
        .map(|start| crate::walk::relative(&start, root))
        .unwrap_or_default()
}

/// Hides the findings the baseline accepts and notes how many, and the entries that no longer
/// match a finding this run could have made (whole-tree runs only: a change sees too little
/// to call an entry stale).
fn apply_baseline(
    args: &CheckArgs,
    outcome: &mut pipeline::CheckOutcome,
    diff_mode: bool,
) -> miette::Result<Option<report::BaselineSummary>> {
    if args.no_baseline {
        return Ok(None);
    }
    let file = baseline_file(&outcome.root, args.baseline.as_deref());
    if args.baseline.is_none() && !file.exists() {
        return Ok(None);
    }
    let name = display_path(&file, &outcome.root);
    let accepted = Baseline::load(&file, &name)?;
    let start = start_folder(&args.path, &outcome.root);
    let skipped: HashSet<&str> = outcome
        .stats
        .skipped
        .iter()
        .map(|s| s.path.as_str())
        .collect();
    let selected = |rule: &str| {
        (args.rules.is_empty() || args.rules.iter().any(|r| r == rule))
            && !args.ignore_rules.iter().any(|r| r == rule)
    };
    let in_scope = |entry: &baseline::Entry| {
        !diff_mode
            && under(&start, &entry.path)
            && !skipped.contains(entry.path.as_str())
            && selected(&entry.rule)
    };
    let renames = baseline::renames(&outcome.root, &accepted);
    let applied = baseline::apply(
        &accepted,
        &mut outcome.findings,
        &outcome.sources,
        &renames,
        &in_scope,
    );
    if applied.hidden > 0 {
        outcome.stats.notes.push(format!(
            "{} hidden by the baseline {name} (--no-baseline shows them)",
            report::plural(applied.hidden, "accepted finding")
        ));
    }
    if !applied.stale.is_empty() {
        outcome.stats.notes.push(format!(
            "{} of {name} no longer {} a finding: `sre-policy baseline --prune` removes them",
            match applied.stale.len() {
                1 => "1 entry".to_string(),
                n => format!("{n} entries"),
            },
            if applied.stale.len() == 1 {
                "matches"
            } else {
                "match"
            }
        ));
    }
    Ok(Some(report::BaselineSummary {
        file: name,
        hidden: applied.hidden,
        stale: applied.stale.len(),
    }))
}

/// `file` relative to `root` when it is inside it, for messages.
fn display_path(file: &Path, root: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// `sre-policy baseline`: writes the findings of the tree (or, with `--prune`, the entries
/// that still match one) to the baseline file.
fn write_baseline(args: BaselineArgs) -> miette::Result<u8> {
    let options = CheckOptions {
        path: args.path.clone(),
        config: args.config.clone(),
        include_vendor: args.include_vendor,
        no_ignore: args.no_ignore,
        ..CheckOptions::default()
    };
    let outcome = pipeline::check(&options)?;
    if outcome.internal_errors > 0 {
        return Err(miette::miette!(
            "{} file(s) could not be checked because of an internal error; no baseline written",
            outcome.internal_errors
        ));
    }
    let file = baseline_file(&outcome.root, args.baseline.as_deref());
    let name = display_path(&file, &outcome.root);
    let existing = if args.baseline.is_some() || file.exists() {
        match Baseline::load(&file, &name) {
            Ok(existing) => Some(existing),
            // A new file at an explicit path is fine unless pruning.
            Err(_) if !file.exists() && !args.prune => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let start = start_folder(&args.path, &outcome.root);
    let skipped: HashSet<&str> = outcome
        .stats
        .skipped
        .iter()
        .map(|s| s.path.as_str())
        .collect();
    let in_scope = |entry: &baseline::Entry| {
        under(&start, &entry.path) && !skipped.contains(entry.path.as_str())
    };
    let before = existing.as_ref().map_or(0, |b| b.findings.len());
    let mut entries = match (&existing, args.prune) {
        (Some(existing), true) => {
            let renames = baseline::renames(&outcome.root, existing);
            baseline::prune(
                existing,
                &outcome.findings,
                &outcome.sources,
                &renames,
                &in_scope,
            )
        }
        (None, true) => {
            return Err(miette::miette!(
                help = "write one first with `sre-policy baseline`",
                "no baseline to prune at {}",
                file.display()
            ))
        }
        (existing, false) => {
            let mut entries = baseline::entries(&outcome.findings, &outcome.sources);
            entries.extend(
                existing
                    .iter()
                    .flat_map(|b| &b.findings)
                    .filter(|entry| !in_scope(entry))
                    .cloned(),
            );
            entries
        }
    };
    entries.sort();
    let written = Baseline {
        version: baseline::VERSION,
        commit: baseline::head_commit(&outcome.root),
        findings: entries,
    };
    crate::write::write_file(&file, written.to_json().as_bytes())
        .map_err(|e| e.into_report("the baseline to"))?;
    let count = written.findings.len();
    let change = if args.prune {
        format!(", {} removed", before.saturating_sub(count))
    } else {
        String::new()
    };
    eprintln!(
        "wrote {} to {name}{change}: `sre-policy check` now reports only findings not in it",
        report::plural(count, "finding")
    );
    Ok(0)
}

fn inventory(args: crate::cli::InventoryArgs) -> miette::Result<u8> {
    use crate::inventory::{self, InventoryFormat, InventoryOptions};
    let report = inventory::build(&InventoryOptions {
        path: args.path,
        config: args.config,
        base: args.base,
        include_vendor: args.include_vendor,
        no_ignore: args.no_ignore,
    })?;
    let text = match args.format {
        InventoryFormat::Markdown => inventory::to_markdown(&report),
        InventoryFormat::Json => inventory::to_json(&report),
    };
    write_stdout(text.as_bytes())?;
    Ok(0)
}
