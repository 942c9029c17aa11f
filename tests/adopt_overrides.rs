//! `[[overrides]]` through the binary: per-path rule levels and teams (later entries win,
//! `--rule`/`--ignore-rule` win over all), globs read like the other config globs, and
//! precise config errors (file, key, remedy, exit 2).

use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("binary runs")
}

const HANDLER: &str =
    "package x\n\nimport \"net/http\"\n\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";

const METRIC: &str = "package x\n\nimport \"github.com/prometheus/client_golang/prometheus/promauto\"\n\nvar c = promauto.NewCounter(prometheus.CounterOpts{Name: \"x_total\", Help: \"X.\"})\n";

fn tree(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    for folder in ["api", "legacy/old", "services/pay", "internal"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        std::fs::write(dir.path().join(folder).join("h.go"), HANDLER).unwrap();
        std::fs::write(dir.path().join(folder).join("m.go"), METRIC).unwrap();
    }
    std::fs::write(dir.path().join(".sre-policy.toml"), config).unwrap();
    dir
}

/// (exit code, compact lines) of `check` with `args`.
fn check(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut all = vec!["check", ".", "--format", "compact"];
    all.extend_from_slice(args);
    let output = run(dir, &all);
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (output.status.code(), lines)
}

fn count(lines: &[String], needle: &str) -> usize {
    lines.iter().filter(|l| l.contains(needle)).count()
}

#[test]
fn levels_per_path_later_entries_win_and_the_command_line_wins_over_all() {
    let dir = tree(
        "[rules]\nmetric-location = \"off\"\n\n\
         [[overrides]]\npaths = [\"legacy/\"]\nrules = { \"handler-oncall\" = \"off\", \"metric-location\" = \"error\" }\n\n\
         [[overrides]]\npaths = [\"internal/*.go\"]\nrules = { \"handler-oncall\" = \"warning\" }\n\n\
         [[overrides]]\npaths = [\"legacy/old/m.go\"]\nrules = { \"metric-location\" = \"warning\" }\n",
    );
    let (code, lines) = check(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(count(&lines, "[handler-oncall]"), 3, "{lines:?}");
    assert_eq!(
        count(&lines, "legacy/old/h.go"),
        0,
        "off under legacy/: {lines:?}"
    );
    assert_eq!(
        count(&lines, "internal/h.go:5:1: warning[handler-oncall]"),
        1,
        "{lines:?}"
    );
    // metric-location is off at the top level, on (and then a warning) for one file only.
    assert_eq!(count(&lines, "[metric-location]"), 1, "{lines:?}");
    assert_eq!(
        count(&lines, "legacy/old/m.go:5:9: warning[metric-location]"),
        1,
        "{lines:?}"
    );
    let (_, lines) = check(dir.path(), &["--ignore-rule", "metric-location"]);
    assert_eq!(count(&lines, "[metric-location]"), 0, "{lines:?}");
    let (_, lines) = check(dir.path(), &["--rule", "handler-oncall"]);
    assert_eq!(lines.len(), 3, "{lines:?}");
}

#[test]
fn teams_per_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join(".sre-policy.toml"),
        "teams = [\"payments\"]\n\n[[overrides]]\npaths = [\"identity/**\"]\nteams = [\"identity\"]\n",
    )
    .unwrap();
    let annotated =
        |team: &str| HANDLER.replace("func H", &format!("// @oncall-team {team}\nfunc H"));
    for (folder, team) in [
        ("billing", "payments"),
        ("identity", "identity"),
        ("identity/sub", "payments"),
        ("other", "identity"),
    ] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        std::fs::write(dir.path().join(folder).join("h.go"), annotated(team)).unwrap();
    }
    let (code, lines) = check(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0]
            .starts_with("identity/sub/h.go:6:1: error[handler-oncall] unknown team `payments`"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("other/h.go:6:1: error[handler-oncall] unknown team `identity`"),
        "{lines:?}"
    );
}

#[test]
fn config_errors_name_the_file_the_key_and_the_remedy() {
    for (config, wanted, remedy) in [
        (
            "[[overrides]]\nrules = { \"handler-oncall\" = \"off\" }\n",
            "an [[overrides]] entry has no `paths`",
            "paths = [",
        ),
        (
            "[[overrides]]\npaths = [\"a/**\"]\n",
            "an [[overrides]] entry sets nothing",
            "`teams = [...]`",
        ),
        (
            "[[overrides]]\npaths = [\"a/**\"]\nrules = { \"handler-oncal\" = \"off\" }\n",
            "unknown rule `handler-oncal` in [[overrides]] rules",
            "did you mean `handler-oncall`?",
        ),
        (
            "[[overrides]]\npaths = [\"a/[b\"]\nrules = { \"handler-oncall\" = \"off\" }\n",
            "invalid glob in `overrides.paths`",
            "`**` (across folders)",
        ),
        (
            "[[overrides]]\npaths = [\"a/**\"]\nrule = { \"handler-oncall\" = \"off\" }\n",
            "unknown field `rule`",
            "did you mean `rules`?",
        ),
        (
            "[[overrides]]\npaths = [\"a/**\"]\nrules = { \"handler-oncall\" = \"never\" }\n",
            "unknown variant `never`",
            "configuration reference",
        ),
        (
            "[[overrides]]\npaths = [\"a/**\"]\nteams = [\"two words\"]\n",
            "invalid team name \"two words\" in `overrides.teams`",
            "one word",
        ),
    ] {
        let dir = tree(config);
        let output = run(dir.path(), &["check", "."]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{config}: {stderr}");
        assert!(stderr.contains(wanted), "{config}: {stderr}");
        assert!(stderr.contains(remedy), "{config}: {stderr}");
        assert!(stderr.contains(".sre-policy.toml"), "{config}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
