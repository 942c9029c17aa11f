//! Repositories as CI makes them: partial clones (`--filter=blob:none`, `--filter=tree:0`),
//! whose missing objects git fetches on demand, and sparse checkouts, whose files outside
//! the cone are absent from disk but not deleted. Each gives the findings of a full clone.

mod robustness_common;
mod support;

use robustness_common::*;
use support::{git_in, scratch_dir, TempRepo};

const ANNOTATED: &str = "package api\n\nimport \"net/http\"\n\n// @oncall-team payments\nfunc H(w http.ResponseWriter, r *http.Request) {}\n";

const METRICS: &str = "package store\n\nimport (\n\t\"github.com/prometheus/client_golang/prometheus\"\n\t\"github.com/prometheus/client_golang/prometheus/promauto\"\n)\n\nvar Writes = promauto.NewCounter(prometheus.CounterOpts{\n\tName: \"store_writes_total\",\n\tHelp: \"Writes to the store.\",\n})\n";

/// An origin that serves partial clones: `main` with a handler, metrics in another folder
/// and a doc; `feature` adds an unannotated handler that writes a status code.
fn origin() -> TempRepo {
    let repo = TempRepo::init();
    repo.write("api/h.go", ANNOTATED);
    repo.write("store/metrics.go", METRICS);
    repo.write("docs/troubleshooting.md", "# Troubleshooting\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "api/h.go",
        format!("{ANNOTATED}\nfunc H2(w http.ResponseWriter, r *http.Request) {{ w.WriteHeader(500) }}\n"),
    );
    repo.commit_all("feature");
    repo.git(&["config", "uploadpack.allowFilter", "true"]);
    repo.git(&["config", "uploadpack.allowAnySHA1InWant", "true"]);
    repo
}

fn findings_of(cwd: &std::path::Path, args: &[&str]) -> Vec<(String, u64, String)> {
    let mut full = vec!["check", ".", "--format", "json"];
    full.extend_from_slice(args);
    let run = sre_policy(cwd, &full);
    run.assert_source_level();
    let mut found = findings(&run.json());
    found.sort();
    found
}

#[test]
fn partial_and_treeless_clones_give_the_findings_of_a_full_clone() {
    let origin = origin();
    // By commit id: a bare clone names the branches `main`, a work-tree clone `origin/main`.
    let (base, head) = (origin.rev("main"), origin.rev("feature"));
    let range = ["--base", base.as_str(), "--head", head.as_str()];
    let expected = findings_of(origin.path(), &range);
    assert_eq!(
        expected,
        vec![
            ("api/h.go".to_string(), 8, "handler-oncall".to_string()),
            ("api/h.go".to_string(), 8, "troubleshooting-doc".to_string()),
        ]
    );
    let url = format!("file://{}", origin.path().display());
    let scratch = scratch_dir();
    for (name, flags) in [
        ("blobless", &["--filter=blob:none", "--no-checkout"][..]),
        ("treeless", &["--filter=tree:0", "--no-checkout"][..]),
        ("bare-blobless", &["--filter=blob:none", "--bare"][..]),
    ] {
        let mut args = vec!["clone", "-q", "--no-local"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&["--branch", "feature", &url, name]);
        git_in(scratch.path(), &args, &[]);
        let clone = scratch.path().join(name);
        assert_eq!(
            findings_of(&clone, &range),
            expected,
            "{name}: a partial clone must not look damaged"
        );
    }
    // The work tree of a blobless clone: the base's blobs were never fetched.
    let clone = scratch.path().join("worktree");
    git_in(
        scratch.path(),
        &[
            "clone",
            "-q",
            "--no-local",
            "--filter=blob:none",
            "--branch",
            "feature",
            &url,
            "worktree",
        ],
        &[],
    );
    assert_eq!(findings_of(&clone, &["--base", "origin/main"]), expected);
}

#[test]
fn files_outside_a_sparse_checkout_are_not_deleted() {
    let origin = origin();
    let expected = findings_of(origin.path(), &["--base", "main"]);
    // Only `api` is on disk: `store` and `docs` are skip-worktree entries of the index.
    origin.git(&["sparse-checkout", "set", "--cone", "api"]);
    assert!(!origin.path().join("store/metrics.go").exists());
    let run = sre_policy(
        origin.path(),
        &["check", ".", "--base", "main", "--format", "json"],
    );
    run.assert_source_level();
    let mut found = findings(&run.json());
    found.sort();
    assert_eq!(found, expected, "{}", run.stdout);
    // A change outside the cone, committed, is still a change.
    origin.git(&["sparse-checkout", "disable"]);
    origin.write(
        "store/metrics.go",
        METRICS.replace("store_writes_total", "store_puts_total"),
    );
    origin.commit_all("rename");
    origin.git(&["sparse-checkout", "set", "--cone", "api"]);
    let found = findings_of(origin.path(), &["--base", "main"]);
    assert!(
        found
            .iter()
            .any(|(path, _, rule)| path == "store/metrics.go" && rule == "metric-breaking"),
        "{found:?}"
    );
}
