//! `.sre-policy.toml`: schema, defaults and validation with located, actionable errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;

/// Each rule's id and default severity: what the configuration validates `[rules]` against.
pub type RuleDefaults = [(&'static str, Severity)];

/// The file name looked for at the repository root.
pub const CONFIG_FILE: &str = ".sre-policy.toml";

/// A rule's level in `[rules]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraHandler {
    pub import: String,
    #[serde(rename = "type")]
    pub type_name: String,
}

/// `[handlers] middleware`: whether a func literal that wraps a handler its enclosing
/// function receives needs an `@oncall-team` annotation of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Middleware {
    /// Middleware serves every endpoint and has no on-call team of its own: not reported.
    #[default]
    Skip,
    /// Middleware literals are checked like any other handler.
    Require,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlersConfig {
    #[serde(default)]
    pub extra: Vec<ExtraHandler>,
    #[serde(default)]
    pub middleware: Middleware,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    #[serde(default = "default_metric_files")]
    pub files: Vec<Spanned<String>>,
    /// Label names metric-labels flags as unbounded; replaces the built-in list.
    #[serde(default)]
    pub high_cardinality_labels: Option<Vec<String>>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            files: default_metric_files(),
            high_cardinality_labels: None,
        }
    }
}

fn default_metric_files() -> Vec<Spanned<String>> {
    vec![Spanned::new(0..0, "metrics.go".to_string())]
}

/// One doc for the repository, or one per directory (the nearest wins).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DocSetting {
    One(String),
    PerDirectory(BTreeMap<String, String>),
}

impl Default for DocSetting {
    fn default() -> Self {
        DocSetting::One("docs/troubleshooting.md".to_string())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TroubleshootingConfig {
    #[serde(default)]
    pub doc: DocSetting,
    #[serde(default)]
    pub network_imports: Vec<String>,
    #[serde(default)]
    pub storage_imports: Vec<String>,
    #[serde(default)]
    pub network_paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub storage_paths: Vec<Spanned<String>>,
    /// A pull request label that waives the rule (GitHub Actions).
    #[serde(default)]
    pub waiver_label: Option<String>,
}

/// `[[overrides]]`: settings for the files matching `paths` (ruff's per-file-ignores). Later
/// entries win over earlier ones, and both over the top-level settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideConfig {
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Level>,
    #[serde(default)]
    pub teams: Option<Vec<Spanned<String>>>,
}

/// The configuration as written (every key optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub teams: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub include_tests: bool,
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Level>,
    #[serde(default)]
    pub handlers: HandlersConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub troubleshooting: TroubleshootingConfig,
    #[serde(default)]
    pub overrides: Vec<Spanned<OverrideConfig>>,
}

/// An `[[overrides]]` entry, compiled.
#[derive(Debug, Clone)]
struct PathOverride {
    paths: GlobSet,
    levels: BTreeMap<String, Level>,
    teams: Option<Vec<String>>,
}

/// The configuration ready for use: globs compiled, levels resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub teams: Vec<String>,
    pub exclude: GlobSet,
    pub include_tests: bool,
    levels: BTreeMap<String, Level>,
    pub extra_handlers: Vec<ExtraHandler>,
    pub middleware: Middleware,
    pub metric_files: GlobSet,
    pub metric_file_patterns: Vec<String>,
    /// `[metrics] high_cardinality_labels`; `None`: the built-in list.
    pub high_cardinality_labels: Option<Vec<String>>,
    pub troubleshooting: TroubleshootingConfig,
    pub network_paths: GlobSet,
    pub storage_paths: GlobSet,
    /// Where the configuration came from, if a file.
    pub source: Option<PathBuf>,
    /// With `check --fix`: the repository's CODEOWNERS, to find the team of a file.
    pub codeowners: Option<crate::codeowners::CodeOwners>,
    /// Every rule's default severity.
    defaults: Vec<(&'static str, Severity)>,
    /// `[[overrides]]`, in file order.
    overrides: Vec<PathOverride>,
    /// Rules turned off by `--rule` / `--ignore-rule`: off everywhere, whatever the config.
    disabled: std::collections::BTreeSet<String>,
}

/// The largest config file read; a config is a few kilobytes, and the cap keeps a hostile
/// one (or a device) from filling memory.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads a config file's text, defensively: a config may come from the change being checked.
/// A symbolic link is refused (never followed: a link to `/proc/self/environ` would otherwise
/// be echoed by the TOML error); so is anything but a regular file, checked on the handle
/// opened without blocking (a FIFO never blocks); at most [`MAX_CONFIG_BYTES`] are read.
/// Text that is not UTF-8 is an error naming the line.
fn read_config_text(path: &Path) -> miette::Result<String> {
    use std::io::Read;
    let cannot_read = |e: std::io::Error| {
        miette::miette!(
            help = "check the path and its permissions, or run `sre-policy init` to write one",
            "cannot read config {}: {e}",
            path.display()
        )
    };
    let is_link = || {
        miette::miette!(
            help = "replace the link with the file itself (or point --config at the real file): \
                    a config that is a link is never followed",
            "config {} is a symbolic link",
            path.display()
        )
    };
    let metadata = std::fs::symlink_metadata(path).map_err(cannot_read)?;
    if metadata.file_type().is_symlink() {
        return Err(is_link());
    }
    if metadata.is_dir() {
        return Err(miette::miette!(
            help = "point --config at a TOML file, or rename or remove the directory",
            "config {} is a directory, not a file",
            path.display()
        ));
    }
    let not_regular = || {
        miette::miette!(
            help = "replace it with a TOML file, or point --config at one",
            "config {} is not a regular file",
            path.display()
        )
    };
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        // Swapped for a link since the check above.
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return is_link();
        }
        cannot_read(e)
    })?;
    if !file.metadata().map_err(cannot_read)?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(miette::miette!(
            help = "a config is a few kilobytes: check that the path names the right file",
            "config {} is larger than {} KiB",
            path.display(),
            MAX_CONFIG_BYTES / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.rsplit(|&b| b == b'\n').next().map_or(0, <[u8]>::len) + 1;
        miette::miette!(
            help = "TOML files are UTF-8 text: save it as UTF-8",
            "invalid config {}:{line}:{column}: not UTF-8 text",
            path.display()
        )
    })
}

impl Settings {
    /// The level of `rule` outside every override: the config's `[rules]`, else the default.
    fn base_level(&self, rule: &str) -> Option<Level> {
        self.levels.get(rule).copied().or_else(|| {
            self.defaults
                .iter()
                .find(|(id, _)| *id == rule)
                .map(|(_, severity)| match severity {
                    Severity::Error => Level::Error,
                    Severity::Warning => Level::Warning,
                })
        })
    }

    /// Whether `rule` runs, and the severity its findings are made with: `None` when it is
    /// off everywhere. A rule off at the top level but on under an `[[overrides]]` path runs
    /// (at the override's most severe level); the filter stage then gives each finding the
    /// severity of its path ([`Settings::apply_overrides`]).
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        if self.disabled.contains(rule) {
            return None;
        }
        let on = |level: Level| match level {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Off => None,
        };
        self.base_level(rule).and_then(on).or_else(|| {
            self.overrides
                .iter()
                .filter_map(|o| o.levels.get(rule).copied().and_then(on))
                .max()
        })
    }

    /// The severity of `rule`'s findings in repo-relative `path`, or `None` when it is off
    /// there: the last `[[overrides]]` entry matching the path that sets the rule wins.
    pub fn severity_at(&self, rule: &str, path: &str) -> Option<Severity> {
        if self.disabled.contains(rule) {
            return None;
        }
        let level = self
            .overrides
            .iter()
            .rev()
            .filter(|o| o.paths.is_match(path))
            .find_map(|o| o.levels.get(rule).copied())
            .or_else(|| self.base_level(rule))?;
        match level {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Off => None,
        }
    }

    /// The allowed `@oncall-team` values for repo-relative `path`: those of the last
    /// `[[overrides]]` entry matching the path that sets `teams`, else `teams`.
    pub fn teams_at(&self, path: &str) -> &[String] {
        self.overrides
            .iter()
            .rev()
            .filter(|o| o.paths.is_match(path))
            .find_map(|o| o.teams.as_deref())
            .unwrap_or(&self.teams)
    }

    /// Gives each finding the severity `[[overrides]]` set for its path, and drops those of
    /// rules off there. The filter stage calls it once, after suppressions.
    pub fn apply_overrides(&self, findings: &mut Vec<crate::finding::Finding>) {
        if self.overrides.is_empty() {
            return;
        }
        findings.retain_mut(
            |finding| match self.severity_at(finding.rule, &finding.path) {
                Some(severity) => {
                    finding.severity = severity;
                    true
                }
                None => false,
            },
        );
    }

    /// Turns `rule` off (for `--rule` / `--ignore-rule`).
    pub fn disable(&mut self, rule: &str) {
        self.disabled.insert(rule.to_string());
    }

    /// Reads `explicit`, or the nearest `.sre-policy.toml` from `start` up to `root`, or the
    /// defaults when there is none.
    pub fn load(
        explicit: Option<&Path>,
        start: &Path,
        root: &Path,
        rules: &RuleDefaults,
    ) -> miette::Result<Settings> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let found = start
                    .ancestors()
                    .take_while(|dir| dir.starts_with(root))
                    .map(|dir| dir.join(CONFIG_FILE))
                    // Any entry counts, so that a directory, a broken link or an unreadable
                    // file of that name is an error rather than silently ignored.
                    .find(|candidate| candidate.symlink_metadata().is_ok());
                match found {
                    Some(candidate) => candidate,
                    None => return Ok(Settings::builtin(rules)),
                }
            }
        };
        let text = read_config_text(&path)?;
        Settings::parse(&text, &path, rules)
    }

    /// The built-in defaults, as when there is no configuration file.
    pub fn builtin(rules: &RuleDefaults) -> Settings {
        // The built-in defaults always compile.
        Settings::from_config(Config::default(), None, "", rules).unwrap_or_else(|_| unreachable!())
    }

    /// Parses and validates config `text` read from `path`.
    pub fn parse(text: &str, path: &Path, rules: &RuleDefaults) -> miette::Result<Settings> {
        let config: Config = toml::from_str(text).map_err(|e| toml_error(&e, text, path))?;
        Settings::from_config(config, Some(path.to_path_buf()), text, rules)
    }

    fn from_config(
        config: Config,
        source: Option<PathBuf>,
        text: &str,
        rules: &RuleDefaults,
    ) -> miette::Result<Self> {
        let path = source.clone().unwrap_or_else(|| PathBuf::from(CONFIG_FILE));
        let located = |span: std::ops::Range<usize>, message: String, help: String| {
            located_error(text, &path, span, message, help)
        };
        let rule_levels = |table: BTreeMap<Spanned<String>, Level>,
                           section: &str|
         -> miette::Result<BTreeMap<String, Level>> {
            let mut levels = BTreeMap::new();
            for (rule, level) in table {
                if !rules.iter().any(|(id, _)| id == rule.get_ref()) {
                    let known: Vec<&str> = rules.iter().map(|(id, _)| *id).collect();
                    return Err(located(
                        rule.span(),
                        format!("unknown rule `{}` in {section}", rule.get_ref()),
                        suggestion(rule.get_ref(), &known)
                            .map(|s| format!("did you mean `{s}`?"))
                            .unwrap_or_else(|| format!("known rules: {}", known.join(", "))),
                    ));
                }
                levels.insert(rule.into_inner(), level);
            }
            Ok(levels)
        };
        let levels = rule_levels(config.rules, "[rules]")?;
        let team_names = |list: Vec<Spanned<String>>, key: &str| -> miette::Result<Vec<String>> {
            let mut teams = Vec::new();
            for team in list {
                let name = team.get_ref().trim();
                if name.is_empty() || name.contains(char::is_whitespace) {
                    return Err(located(
                        team.span(),
                        format!("invalid team name {:?} in `{key}`", team.get_ref()),
                        "a team is one word, as written after `// @oncall-team`".to_string(),
                    ));
                }
                teams.push(name.to_string());
            }
            Ok(teams)
        };
        let teams = team_names(config.teams, "teams")?;
        let globs = |patterns: &[Spanned<String>], key: &str| -> miette::Result<GlobSet> {
            let mut builder = GlobSetBuilder::new();
            for pattern in patterns {
                let glob = path_glob(pattern.get_ref()).map_err(|e| {
                    located(
                        pattern.span(),
                        format!("invalid glob in `{key}`: {}", e.kind()),
                        "globs use `*` (within a folder), `**` (across folders), `?`, `[ab]` and `{a,b}`"
                            .to_string(),
                    )
                })?;
                builder.add(glob);
            }
            builder
                .build()
                .map_err(|e| miette::miette!("invalid globs in `{key}` of {}: {e}", path.display()))
        };
        for extra in &config.handlers.extra {
            if extra.import.trim().is_empty() || extra.type_name.trim_start_matches('*').is_empty()
            {
                return Err(miette::miette!(
                    help = "write e.g. { import = \"code.gitea.io/gitea/services/context\", type = \"*Context\" }",
                    "[handlers] extra entry in {} needs both `import` and `type`",
                    path.display()
                ));
            }
        }
        let mut overrides = Vec::new();
        for entry in config.overrides {
            let span = entry.span();
            let entry = entry.into_inner();
            if entry.paths.is_empty() {
                return Err(located(
                    span,
                    "an [[overrides]] entry has no `paths`".to_string(),
                    "name the files it applies to, e.g. paths = [\"legacy/**\"]".to_string(),
                ));
            }
            if entry.rules.is_empty() && entry.teams.is_none() {
                return Err(located(
                    span,
                    "an [[overrides]] entry sets nothing".to_string(),
                    "add `rules = { \"handler-oncall\" = \"off\" }` or `teams = [...]`, or remove it"
                        .to_string(),
                ));
            }
            overrides.push(PathOverride {
                paths: globs(&entry.paths, "overrides.paths")?,
                levels: rule_levels(entry.rules, "[[overrides]] rules")?,
                teams: entry
                    .teams
                    .map(|list| team_names(list, "overrides.teams"))
                    .transpose()?,
            });
        }
        Ok(Settings {
            teams,
            exclude: globs(&config.exclude, "exclude")?,
            include_tests: config.include_tests,
            levels,
            extra_handlers: config.handlers.extra,
            middleware: config.handlers.middleware,
            metric_files: globs(&config.metrics.files, "metrics.files")?,
            metric_file_patterns: config
                .metrics
                .files
                .iter()
                .map(|f| f.get_ref().clone())
                .collect(),
            high_cardinality_labels: config.metrics.high_cardinality_labels,
            network_paths: globs(&config.troubleshooting.network_paths, "network_paths")?,
            storage_paths: globs(&config.troubleshooting.storage_paths, "storage_paths")?,
            troubleshooting: config.troubleshooting,
            source,
            codeowners: None,
            defaults: rules.to_vec(),
            overrides,
            disabled: Default::default(),
        })
    }
}

/// A config glob over repo-relative paths, read the way gitignore reads a pattern: `*` and `?`
/// stay within one folder and `**` crosses folders; a pattern without `/` matches the file
/// name at any depth (`metrics.go`, `*_gen.go`); a leading `/` anchors a pattern at the root;
/// a trailing `/` matches everything under the folders it names (`legacy/` at any depth,
/// `/gen/` at the root only).
pub fn path_glob(pattern: &str) -> Result<Glob, globset::Error> {
    let folder = pattern.ends_with('/');
    let body = pattern.trim_end_matches('/');
    let glob = if let Some(anchored) = body.strip_prefix('/') {
        anchored.to_string()
    } else if body.contains('/') {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    let glob = if folder { format!("{glob}/**") } else { glob };
    GlobBuilder::new(&glob).literal_separator(true).build()
}

/// The closest of `candidates` to `word`, if close enough to be a likely typo.
pub fn suggestion<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn located_error(
    text: &str,
    path: &Path,
    span: std::ops::Range<usize>,
    message: String,
    help: String,
) -> Report {
    let diagnostic = MietteDiagnostic::new(message)
        .with_code("config")
        .with_help(help)
        .with_label(LabeledSpan::at(span, "here"));
    Report::new(diagnostic).with_source_code(NamedSource::new(
        path.display().to_string(),
        text.to_string(),
    ))
}

/// A TOML or schema error, pointed at its key, with a suggestion for unknown keys.
fn toml_error(error: &toml::de::Error, text: &str, path: &Path) -> Report {
    let message = error.message().trim().to_string();
    let help = unknown_field_help(&message).unwrap_or_else(|| {
        "see the configuration reference in README.md, or run `sre-policy init` for a commented example"
            .to_string()
    });
    let span = error.span().unwrap_or(0..0);
    located_error(
        text,
        path,
        span,
        format!("invalid config {}: {message}", path.display()),
        help,
    )
}

/// serde says "unknown field `x`, expected one of `a`, `b`": suggest the closest.
fn unknown_field_help(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    Some(match suggestion(field, &candidates) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("valid keys here: {}", candidates.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registry of the rules these tests name.
    const RULES: &RuleDefaults = &[
        ("handler-oncall", Severity::Error),
        ("metric-help", Severity::Error),
        ("metric-location", Severity::Error),
        ("unused-suppression", Severity::Warning),
    ];

    fn parse(text: &str) -> miette::Result<Settings> {
        Settings::parse(text, Path::new(".sre-policy.toml"), RULES)
    }

    #[test]
    fn defaults_without_a_file() {
        let settings = Settings::builtin(RULES);
        assert_eq!(settings.severity("handler-oncall"), Some(Severity::Error));
        assert_eq!(
            settings.severity("unused-suppression"),
            Some(Severity::Warning)
        );
        assert!(settings.metric_files.is_match("metrics.go"));
    }

    #[test]
    fn middleware_is_skipped_unless_required() {
        assert_eq!(Settings::builtin(RULES).middleware, Middleware::Skip);
        let settings = parse("[handlers]\nmiddleware = \"require\"\n").expect("valid");
        assert_eq!(settings.middleware, Middleware::Require);
        let error = parse("[handlers]\nmiddleware = \"sometimes\"\n").unwrap_err();
        assert!(error.to_string().contains("`skip` or `require`"), "{error}");
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        let error = parse("teamz = [\"a\"]\n").unwrap_err();
        let help = error.help().map(|h| h.to_string()).unwrap_or_default();
        assert!(help.contains("`teams`"), "{help}");
    }

    #[test]
    fn unknown_rule_is_an_error() {
        let error = parse("[rules]\nhandler-oncal = \"off\"\n").unwrap_err();
        assert!(error.to_string().contains("unknown rule"));
        let help = error.help().map(|h| h.to_string()).unwrap_or_default();
        assert!(help.contains("handler-oncall"), "{help}");
    }

    #[test]
    fn levels_and_tables() {
        let settings = parse(
            "teams = [\"payments\"]\n[rules]\nmetric-location = \"warning\"\nmetric-help = \"off\"\n\
             [troubleshooting]\ndoc = { \"services/billing\" = \"services/billing/T.md\" }\n",
        )
        .unwrap();
        assert_eq!(
            settings.severity("metric-location"),
            Some(Severity::Warning)
        );
        assert_eq!(settings.severity("metric-help"), None);
        assert!(matches!(
            settings.troubleshooting.doc,
            DocSetting::PerDirectory(_)
        ));
    }

    #[test]
    fn wrong_type_is_located() {
        let error = parse("include_tests = \"yes\"\n").unwrap_err();
        assert!(error.to_string().contains("invalid config"));
        let labels: Vec<_> = error.labels().into_iter().flatten().collect();
        assert_eq!(labels[0].offset(), 16);
    }

    #[test]
    fn high_cardinality_labels_replace_the_defaults() {
        assert_eq!(Settings::builtin(RULES).high_cardinality_labels, None);
        let settings = parse("[metrics]\nhigh_cardinality_labels = [\"tenant\"]\n").unwrap();
        assert_eq!(
            settings.high_cardinality_labels,
            Some(vec!["tenant".to_string()])
        );
    }

    #[test]
    fn star_stays_within_a_folder_and_names_match_at_any_depth() {
        let settings = parse(
            "exclude = [\"internal/*.go\", \"*_gen.go\", \"/root.go\", \"legacy/\", \"/gen/\", \"a/**/b.go\"]\n\
             [metrics]\nfiles = [\"metrics.go\", \"metrics/*.go\"]\n\
             [troubleshooting]\nstorage_paths = [\"internal/store/*\"]\nnetwork_paths = [\"**/transport/**\"]\n",
        )
        .unwrap();
        let exclude = |rel: &str| settings.exclude.is_match(rel);
        assert!(exclude("internal/x.go"));
        assert!(!exclude("internal/sub/x.go"), "`*` does not cross `/`");
        assert!(exclude("x_gen.go") && exclude("deep/er/x_gen.go"));
        assert!(
            exclude("root.go") && !exclude("sub/root.go"),
            "a leading `/` anchors"
        );
        assert!(exclude("legacy/a/b.go") && exclude("x/legacy/a.go") && !exclude("legacy.go"));
        assert!(exclude("gen/a/b.go") && !exclude("x/gen/a.go"));
        assert!(exclude("a/b.go") && exclude("a/x/y/b.go"));
        assert!(settings.metric_files.is_match("metrics.go"));
        assert!(settings.metric_files.is_match("pkg/api/metrics.go"));
        assert!(settings.metric_files.is_match("metrics/http.go"));
        assert!(!settings.metric_files.is_match("metrics/v1/http.go"));
        assert!(settings.storage_paths.is_match("internal/store/db.go"));
        assert!(!settings.storage_paths.is_match("internal/store/sql/db.go"));
        assert!(settings.network_paths.is_match("pkg/transport/grpc/c.go"));
    }

    #[test]
    fn bad_glob_is_located() {
        let error = parse("exclude = [\"a/[b\"]\n").unwrap_err();
        assert!(error.to_string().contains("invalid glob"));
    }
}
