//! `sre-policy init`: writes a commented `.sre-policy.toml` with every key at its default, then
//! prints the snippets that run the check in make, GitHub Actions and pre-commit.

use std::io::Write;
use std::path::Path;

use crate::config::CONFIG_FILE;
use crate::rules;

/// Where users get the action and the pre-commit hook from.
pub const REPO_URL: &str = match option_env!("CARGO_PKG_REPOSITORY") {
    Some(url) if !url.is_empty() => url,
    _ => "https://github.com/sre-policy/sre-policy",
};

/// The release tag matching this binary.
pub const RELEASE_TAG: &str = concat!("v", env!("CARGO_PKG_VERSION"));

/// The commented configuration `init` writes: every key, each at its default value.
pub fn config_template() -> String {
    let high_cardinality = crate::data::RuleData::builtin()
        .units
        .high_cardinality_labels
        .keys()
        .map(|label| format!("\"{label}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut rules_table = String::new();
    let width = rules::RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in rules::RULES {
        let value = format!("{} = \"{}\"", rule.id, rule.default_severity.as_str());
        rules_table.push_str(&format!(
            "{value:<w$}  # {}\n",
            rule.summary,
            w = width + 12
        ));
    }
    format!(
        r#"# sre-policy configuration: every key with its default value.
# Run `sre-policy rules` for the rules and `sre-policy explain <rule-id>` for a rule's manual.
# Unknown keys are errors, so a typo never goes unnoticed.

# Allowed `// @oncall-team <team>` values. Empty: any non-empty team name is accepted.
# Example: teams = ["payments", "identity"]
teams = []

# Repository-relative globs of files not to check, added to the built-in skips (vendor/,
# testdata/, folders starting with "." or "_", generated files).
# Example: exclude = ["internal/legacy/**"]
exclude = []

# Also check _test.go files.
include_tests = false

# Settings for some paths, like ruff's per-file-ignores: each [[overrides]] entry names
# `paths` (globs, read like `exclude`) and sets rule levels and/or `teams` for the files
# there; later entries win over earlier ones and over the settings above. Example:
#   [[overrides]]
#   paths = ["legacy/**"]
#   rules = {{ "handler-oncall" = "off", "metric-location" = "warning" }}
#   teams = ["platform"]
overrides = []

# Severity per rule: "error", "warning" or "off".
# With `check --fail-on error` (the default) only errors fail the run.
[rules]
{rules_table}
# More HTTP handler types: a func whose only parameter is `type` from package `import`.
# (net/http, gin, echo and fiber handlers are built in.)
[handlers]
# Example: extra = [{{ import = "code.gitea.io/gitea/services/context", type = "*Context" }}]
extra = []
# A func literal that calls a handler its enclosing function receives (`next http.Handler`,
# `http.HandlerFunc`, gin/echo `HandlerFunc`, fiber `Handler`), or gin/fiber `c.Next()` on its
# own context, is middleware: "skip" leaves it unreported, "require" checks it like any other.
middleware = "skip"

[metrics]
# File-name globs where Prometheus metrics may be declared (metric-location).
files = ["metrics.go"]
# Label names metric-labels flags as unbounded (user ids, paths, ...); replaces the built-in list.
high_cardinality_labels = [{high_cardinality}]

[troubleshooting]
# The doc a change to network or storage code must update (troubleshooting-doc, diff mode).
# Or one per directory, the nearest one wins:
# doc = {{ "services/billing" = "services/billing/TROUBLESHOOTING.md" }}
doc = "docs/troubleshooting.md"
# Go import paths that count as network or storage code, added to the built-in lists.
# Example: network_imports = ["github.com/acme/rpc"]
network_imports = []
# Example: storage_imports = ["github.com/acme/kv"]
storage_imports = []
# Repository-relative globs of files whose changes always count as network or storage code.
# Example: network_paths = ["internal/transport/**"]
network_paths = []
# Example: storage_paths = ["internal/store/**"]
storage_paths = []
# The pull request label that waives the rule (GitHub Actions); a line
# `SRE-Policy-Skip: troubleshooting-doc <reason>` in the pull request description does too.
waiver_label = "skip-troubleshooting-doc"
"#
    )
}

/// The Makefile target.
pub fn makefile_snippet() -> String {
    ".PHONY: check-sre-policy\n\
     check-sre-policy: ; sre-policy check --base origin/main\n"
        .to_string()
}

/// The pre-commit entry for `.pre-commit-config.yaml`.
pub fn precommit_snippet() -> String {
    format!(
        "repos:\n  \
         - repo: {REPO_URL}\n    \
         rev: {RELEASE_TAG}\n    \
         hooks:\n      \
         - id: sre-policy\n"
    )
}

/// The full commit SHA of this release when the binary was built from the commit tagged
/// `RELEASE_TAG` (as release builds are), else empty (build.rs).
pub const RELEASE_COMMIT: &str = env!("SRE_POLICY_RELEASE_COMMIT");

/// The workflow `init` prints: built from a release, the action pinned to that release's
/// commit SHA (copy-paste ready, as zizmor's `unpinned-uses` wants it); otherwise pinned to
/// the tag, with a comment saying how to find the SHA.
pub fn workflow_snippet() -> String {
    if RELEASE_COMMIT.is_empty() {
        workflow_snippet_at(None)
    } else {
        workflow_snippet_at(Some(RELEASE_COMMIT))
    }
}

/// The commit README's workflow is pinned to: a release's own README cannot hold that
/// release's commit, so it shows the pinned form with zeros and says where the SHA comes from.
pub const PLACEHOLDER_COMMIT: &str = "0000000000000000000000000000000000000000";

/// A pull-request workflow: least privileges, full history for the diff, SARIF uploaded by a
/// second job that alone may write security events. `commit`: the release's commit SHA.
pub fn workflow_snippet_at(commit: Option<&str>) -> String {
    let action = REPO_URL
        .trim_start_matches("https://github.com/")
        .trim_end_matches(".git");
    let uses = match commit {
        Some(PLACEHOLDER_COMMIT) => format!(
            "# Pinned by commit SHA (a tag can be moved): replace the zeros with what\n        \
             # `git ls-remote {REPO_URL} {RELEASE_TAG}^{{}}` prints\n        \
             uses: {action}@{PLACEHOLDER_COMMIT} # {RELEASE_TAG}"
        ),
        Some(sha) => format!("uses: {action}@{sha} # {RELEASE_TAG}"),
        None => format!(
            "# Pin the release's full commit SHA: `git ls-remote {REPO_URL} {RELEASE_TAG}^{{}}`\n        \
             uses: {action}@{RELEASE_TAG}"
        ),
    };
    format!(
        r#"# .github/workflows/sre-policy.yml
name: sre-policy
on: pull_request
permissions:
  contents: read # to check out the code
concurrency:
  group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}
  cancel-in-progress: true
jobs:
  check:
    name: Check
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0
        with:
          fetch-depth: 0
          persist-credentials: false
      - id: sre-policy
        {uses}
      - if: ${{{{ !cancelled() }}}}
        uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          name: sre-policy-sarif
          path: ${{{{ steps.sre-policy.outputs.sarif }}}}
  upload-sarif:
    name: Upload SARIF
    needs: check
    if: ${{{{ !cancelled() }}}}
    runs-on: ubuntu-latest
    permissions:
      security-events: write # to upload to code scanning
      actions: read # read by upload-sarif in private repositories
      contents: read # read by upload-sarif in private repositories
    steps:
      - uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0
        with:
          name: sre-policy-sarif
      - uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2
        with:
          sarif_file: sre-policy.sarif
          category: sre-policy
"#
    )
}

/// Runs `init`: `Ok` carries the exit code, `Err` means exit 2.
pub fn run(path: &Path, force: bool) -> miette::Result<u8> {
    if !path.is_dir() {
        return Err(miette::miette!(
            help = "pass the repository (or a folder in it) where the config should go",
            "`{}` is not a directory",
            path.display()
        ));
    }
    let root = crate::walk::find_root(path);
    let target = root.join(CONFIG_FILE);
    // `symlink_metadata`: a dangling symlink is a file too, and is not written through.
    if !force && target.symlink_metadata().is_ok() {
        return Err(miette::miette!(
            help = "edit it, or pass --force to replace it with the commented defaults",
            "{} already exists; not overwriting it",
            target.display()
        ));
    }
    if target.is_dir() {
        return Err(miette::miette!(
            help = "remove or rename that directory first",
            "{} is a directory",
            target.display()
        ));
    }
    crate::write::write_file(&target, config_template().as_bytes())
        .map_err(|e| e.into_report("config"))?;
    let message = format!(
        "Wrote {}: every setting at its default, each explained.\n\n\
         Makefile:\n\n{}\n\
         GitHub Actions:\n\n{}\n\
         pre-commit (.pre-commit-config.yaml):\n\n{}",
        target.display(),
        indent(&makefile_snippet()),
        indent(&workflow_snippet()),
        indent(&precommit_snippet()),
    );
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(message.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write to standard output: {e}"))
        }
        _ => Ok(0),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("    {line}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lists_every_rule_at_its_default() {
        let table: toml::Table = toml::from_str(&config_template()).unwrap();
        let rules_table = table["rules"].as_table().unwrap();
        assert_eq!(rules_table.len(), rules::RULES.len());
        for rule in rules::RULES {
            assert_eq!(
                rules_table[rule.id].as_str(),
                Some(rule.default_severity.as_str())
            );
        }
    }

    #[test]
    fn root_is_the_nearest_git_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("a/b/c")).unwrap();
        let root = std::fs::canonicalize(dir.path().join("a")).unwrap();
        assert_eq!(crate::walk::find_root(&dir.path().join("a/b/c")), root);
        let outside = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(crate::walk::find_root(dir.path()), outside);
    }
}
