//! Globs through the binary: config globs where `*` stays within one folder and a pattern
//! without `/` names files at any depth, and CODEOWNERS read with GitHub's rules by
//! `check --fix`.

use std::path::Path;
use std::process::{Command, Output};

const HANDLER: &str =
    "package api\n\nimport \"net/http\"\n\n// H serves.\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";

const METRIC: &str = "package api

import (
\t\"github.com/prometheus/client_golang/prometheus\"
\t\"github.com/prometheus/client_golang/prometheus/promauto\"
)

var hits = promauto.NewCounter(prometheus.CounterOpts{Name: \"api_hits_total\", Help: \"Hits.\"})
";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("binary runs")
}

/// A folder that the walk takes as a repository root, with `files` written into it.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `path rule` of every finding of `check --format json`, sorted.
fn findings(dir: &Path, args: &[&str]) -> Vec<String> {
    let output = run(
        dir,
        &[&["check", "--format", "json", "--fail-on", "never"], args].concat(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut found: Vec<String> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["path"].as_str().unwrap(),
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn exclude_star_does_not_cross_folders_and_names_match_anywhere() {
    let dir = tree(&[
        (
            ".sre-policy.toml",
            "exclude = [\"internal/*.go\", \"*_gen.go\"]\n",
        ),
        ("internal/a.go", HANDLER),
        ("internal/sub/b.go", HANDLER),
        ("cmd/x_gen.go", HANDLER),
        ("cmd/deep/y_gen.go", HANDLER),
        ("cmd/main.go", HANDLER),
    ]);
    assert_eq!(
        findings(dir.path(), &["--rule", "handler-oncall"]),
        [
            "cmd/main.go handler-oncall",
            "internal/sub/b.go handler-oncall"
        ]
    );
}

#[test]
fn metric_files_match_names_at_any_depth_and_star_stays_in_its_folder() {
    let files = [
        ("pkg/api/metrics.go", METRIC),
        ("pkg/api/server.go", METRIC),
        ("metrics/http.go", METRIC),
        ("metrics/v1/http.go", METRIC),
    ];
    let dir = tree(&files);
    assert_eq!(
        findings(dir.path(), &["--rule", "metric-location"]),
        [
            "metrics/http.go metric-location",
            "metrics/v1/http.go metric-location",
            "pkg/api/server.go metric-location"
        ],
        "default: metrics.go at any depth"
    );
    let dir = tree(
        &[
            &files[..],
            &[(
                ".sre-policy.toml",
                "[metrics]\nfiles = [\"metrics.go\", \"metrics/*.go\"]\n",
            )],
        ]
        .concat(),
    );
    assert_eq!(
        findings(dir.path(), &["--rule", "metric-location"]),
        [
            "metrics/v1/http.go metric-location",
            "pkg/api/server.go metric-location"
        ]
    );
    let dir = tree(
        &[
            &files[..],
            &[
                ("metrics.go", METRIC),
                (".sre-policy.toml", "[metrics]\nfiles = [\"/metrics.go\"]\n"),
            ],
        ]
        .concat(),
    );
    assert_eq!(
        findings(dir.path(), &["--rule", "metric-location"]),
        [
            "metrics/http.go metric-location",
            "metrics/v1/http.go metric-location",
            "pkg/api/metrics.go metric-location",
            "pkg/api/server.go metric-location"
        ],
        "a leading `/` anchors at the root"
    );
}

#[test]
fn fix_reads_codeowners_with_githubs_rules() {
    let dir = tree(&[
        (".sre-policy.toml", "teams = [\"payments\", \"identity\"]\n"),
        (
            ".github/CODEOWNERS",
            "* @acme/platform\n/api/* @acme/payments\napps/ @acme/identity\n**/admin @acme/identity\n\
             /docs/* @acme/payments\n",
        ),
        ("api/h.go", HANDLER),
        ("api/v1/h.go", HANDLER),
        ("services/apps/web/h.go", HANDLER),
        ("x/admin/y/h.go", HANDLER),
        ("docs/examples/h.go", HANDLER),
    ]);
    let output = run(
        dir.path(),
        &[
            "check",
            "--fix",
            "--format",
            "compact",
            "--rule",
            "handler-oncall",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut unfixed: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    unfixed.sort();
    // `*` of `/api/*` and `/docs/*` does not reach a subfolder: the platform team owns those,
    // and it is not one of `teams`.
    assert_eq!(unfixed, ["api/v1/h.go", "docs/examples/h.go"], "{stdout}");
    let team = |rel: &str| {
        let text = std::fs::read_to_string(dir.path().join(rel)).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("// @oncall-team "))
            .map(str::to_string)
    };
    assert_eq!(team("api/h.go").as_deref(), Some("payments"));
    assert_eq!(team("api/v1/h.go"), None);
    assert_eq!(team("services/apps/web/h.go").as_deref(), Some("identity"));
    assert_eq!(team("x/admin/y/h.go").as_deref(), Some("identity"));
    assert_eq!(team("docs/examples/h.go"), None);
}
