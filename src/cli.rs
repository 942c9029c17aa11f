//! Command-line definitions.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::pipeline::Scope;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "sre-policy",
    // The package version and, in a build from a git checkout, the commit and its date.
    version = env!("SRE_POLICY_LONG_VERSION"),
    about = "A fast, diff-aware SRE policy linter for Go repositories",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Parse every file afresh: neither read nor write the cache of earlier parses.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// The folder that keeps the facts of earlier parses [default: $SRE_POLICY_CACHE_DIR,
    /// else sre-policy in $XDG_CACHE_HOME or ~/.cache].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a Go repository (or a change of it) against the policy.
    Check(CheckArgs),
    /// List the rules: id, default severity, summary.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. handler-oncall.
        rule: String,
    },
    /// The on-call map (handler → route → team) and the metrics catalogue, as Markdown or JSON.
    Inventory(InventoryArgs),
    /// Write the current findings to .sre-policy-baseline.json: `check` then reports only
    /// new ones.
    Baseline(BaselineArgs),
    /// Write a commented .sre-policy.toml; print the Makefile, workflow and pre-commit snippets.
    Init {
        /// A folder of the repository (the config goes to its root).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Replace an existing .sre-policy.toml.
        #[arg(long)]
        force: bool,
    },
}

/// When to colour the human output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// When `check` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The folder to check (its repository root is found from it).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Diff mode: check the change since merge-base(REV, HEAD), as a pull request shows it.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Diff mode: the change ends at this commit [default: the working tree].
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Pre-commit mode: check what `git commit` would commit (HEAD against the index).
    #[arg(long, conflicts_with_all = ["base", "head"])]
    pub staged: bool,
    /// Which findings diff mode reports.
    #[arg(long, value_enum, default_value = "added")]
    pub scope: Scope,
    /// Output format [default: github under GitHub Actions, human on a terminal, compact otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a SARIF report to this file (for GitHub code scanning).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Configuration file [default: .sre-policy.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit 1 when a finding at or above this level is reported.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Exit 1 when a Go file could not be checked (too large, too slow to parse, a link,
    /// unreadable), even without failing findings [default: on under GitHub Actions, unless
    /// `--fail-on never`].
    #[arg(long, overrides_with = "no_fail_on_unchecked")]
    pub fail_on_unchecked: bool,
    /// Only list the files that could not be checked; they do not change the exit code.
    #[arg(long, overrides_with = "fail_on_unchecked")]
    pub no_fail_on_unchecked: bool,
    /// Only run this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long = "ignore-rule", value_name = "ID")]
    pub ignore_rules: Vec<String>,
    /// Add missing `// @oncall-team` annotations when CODEOWNERS names exactly one team for
    /// the file (edits the work tree).
    #[arg(long, conflicts_with_all = ["head", "staged"])]
    pub fix: bool,
    /// Also check vendor/ (skipped by default).
    #[arg(long)]
    pub include_vendor: bool,
    /// Also check files that .gitignore, .ignore and git's exclude files leave out.
    #[arg(long)]
    pub no_ignore: bool,
    /// Print per-phase timings on standard error.
    #[arg(long)]
    pub stats: bool,
    /// Print only the findings per rule (count, severity, fixable), the files with most
    /// findings and the summary line.
    #[arg(long, conflicts_with_all = ["format", "quiet"])]
    pub statistics: bool,
    /// Print each finding on one line, without snippets, help or summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Hide the findings this baseline accepts [default: .sre-policy-baseline.json at the
    /// repository root, when present].
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Report every finding, even those the baseline accepts.
    #[arg(long)]
    pub no_baseline: bool,
    /// Write `//sre-policy:ignore <rule> -- REASON` above each reported finding (edits the
    /// work tree).
    #[arg(long, value_name = "REASON", conflicts_with_all = ["head", "staged", "fix"])]
    pub add_ignore: Option<String>,
    /// Colour the human output [auto: on a terminal, unless NO_COLOR is set].
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// The folder whose findings are written (its repository root is found from it); entries
    /// of other folders are kept.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The baseline file [default: .sre-policy-baseline.json at the repository root].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Only remove the entries that no longer match a finding; add none.
    #[arg(long)]
    pub prune: bool,
    /// Configuration file [default: .sre-policy.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also check vendor/ (skipped by default).
    #[arg(long)]
    pub include_vendor: bool,
    /// Also check files that .gitignore, .ignore and git's exclude files leave out.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Debug, clap::Args)]
pub struct InventoryArgs {
    /// The folder to list (its repository root is found from it).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// List what the change since merge-base(REV, HEAD) adds, removes and alters.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: crate::inventory::InventoryFormat,
    /// Configuration file [default: .sre-policy.toml at the repository root].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also list vendor/ (skipped by default).
    #[arg(long)]
    pub include_vendor: bool,
    /// Also list files that .gitignore, .ignore and git's exclude files leave out.
    #[arg(long)]
    pub no_ignore: bool,
}
