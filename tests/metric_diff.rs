//! metric-breaking and metric-duplicate in diff mode, through the binary, on real temporary
//! repositories built from `fixtures/diff/metric_rename/`.

mod support;

use std::path::Path;
use std::process::Command;

use support::{diff_repo, After, TempRepo};

/// `check --format compact --fail-on never --rule metric-breaking --rule metric-duplicate`
/// plus `args`; returns stdout lines.
fn check(repo: &TempRepo, args: &[&str]) -> Vec<String> {
    check_in(repo.path(), args)
}

fn check_in(cwd: &Path, args: &[&str]) -> Vec<String> {
    support::isolate();
    let mut all = vec![
        "check",
        "--format",
        "compact",
        "--fail-on",
        "never",
        "--rule",
        "metric-breaking",
        "--rule",
        "metric-duplicate",
    ];
    all.extend_from_slice(args);
    let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(&all)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

const EXPECTED: &[&str] = &[
    "internal/api/metrics.go:1:1: warning[metric-breaking] counter `shop_orders_created_total` is removed (it was declared at line 15 of the previous version); still referenced at deploy/alerts.yml:10",
    "internal/api/metrics.go:10:3: warning[metric-breaking] counter `shop_http_requests_total` is renamed to `shop_requests_total`; still referenced at deploy/alerts.yml:6, deploy/alerts.yml:7",
    "internal/api/metrics.go:15:3: warning[metric-breaking] the labels of histogram `shop_order_value_euros` change: it drops `country`; still referenced at deploy/alerts.yml:12",
    "internal/api/metrics.go:20:3: warning[metric-breaking] gauge `shop_queue_depth` changes type from gauge to counter",
    "internal/api/metrics.go:26:3: warning[metric-duplicate] `shop_refunds_total` is also declared at internal/billing/metrics.go:9, in another package, with the same name and const labels and the default registry: a program that links both packages panics when it registers the second",
];

#[test]
fn committed_change_reports_renames_removals_type_and_label_changes_with_references() {
    let repo = diff_repo("metric_rename", After::Committed);
    assert_eq!(check(&repo, &["--base", "main"]), EXPECTED);
    // The same commit named with --head, read from git objects instead of the work tree.
    assert_eq!(
        check(&repo, &["--base", "main", "--head", "HEAD"]),
        EXPECTED
    );
}

#[test]
fn staged_and_work_tree_changes_read_the_new_side_from_the_index_and_disk() {
    let staged = diff_repo("metric_rename", After::Staged);
    assert_eq!(check(&staged, &["--staged"]), EXPECTED);
    let work = diff_repo("metric_rename", After::WorkTree);
    assert_eq!(check(&work, &["--base", "main"]), EXPECTED);
}

#[test]
fn moved_metric_is_not_removed_but_a_deleted_file_is() {
    // loginFailures moved to internal/auth/metrics.go: no finding names it above. Deleting
    // that file removes it for good.
    let repo = diff_repo("metric_rename", After::Committed);
    repo.remove("internal/auth/metrics.go");
    let lines = check(&repo, &["--base", "HEAD"]);
    assert_eq!(
        lines,
        ["internal/auth/metrics.go:10:1: warning[metric-breaking] counter `shop_login_failures_total` is removed (it was declared at line 10 of the previous version)"],
    );
}

#[test]
fn reference_search_skips_vendor_and_updated_references_are_not_listed() {
    let repo = diff_repo("metric_rename", After::Committed);
    repo.write(
        "vendor/example.com/x/rules.yml",
        "expr: rate(shop_orders_created_total[5m])\n",
    );
    repo.write(
        "deploy/alerts.yml",
        "groups: []\n# shop_requests_total replaces the old counter\n",
    );
    let lines = check(&repo, &["--base", "main"]);
    assert!(
        lines[0].ends_with("line 15 of the previous version)"),
        "{lines:?}"
    );
    assert!(
        lines[1].ends_with("is renamed to `shop_requests_total`"),
        "{lines:?}"
    );
}

#[test]
fn whole_tree_mode_reports_duplicates_but_not_breakage() {
    let repo = diff_repo("metric_rename", After::Committed);
    // Diff mode against HEAD with a clean work tree: nothing changed, nothing reported.
    assert!(check(&repo, &["--base", "HEAD"]).is_empty());
    let whole_tree = || {
        support::isolate();
        let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
            .args([
                "check",
                "--format",
                "compact",
                "--fail-on",
                "never",
                "--rule",
                "metric-duplicate",
                "--rule",
                "metric-breaking",
            ])
            .arg(repo.path())
            .env_remove("GITHUB_ACTIONS")
            .output()
            .expect("binary runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // Whole tree: the later declaration by path (internal/billing) points at internal/api. No
    // program is known: the risk is explained, as a warning.
    assert_eq!(
        whole_tree(),
        ["internal/billing/metrics.go:9:2: warning[metric-duplicate] `shop_refunds_total` is also declared at internal/api/metrics.go:26, in another package, with the same name and const labels and the default registry: a program that links both packages panics when it registers the second"],
    );
    // A program that links both packages: registering the second panics.
    repo.write("go.mod", "module example.com/shop\n\ngo 1.22\n");
    repo.write(
        "cmd/shop/main.go",
        "package main\n\nimport (\n\t_ \"example.com/shop/internal/api\"\n\t_ \"example.com/shop/internal/billing\"\n)\n\nfunc main() {}\n",
    );
    assert_eq!(
        whole_tree(),
        ["internal/billing/metrics.go:9:2: error[metric-duplicate] `shop_refunds_total` is also declared at internal/api/metrics.go:26: both go to the default registry in packages that `cmd/shop` links with the same name and const labels, so registering both panics"],
    );
    // A program that links only one of them: no finding.
    repo.write(
        "cmd/shop/main.go",
        "package main\n\nimport _ \"example.com/shop/internal/api\"\n\nfunc main() {}\n",
    );
    assert!(whole_tree().is_empty());
}

#[test]
fn a_suppression_silences_metric_breaking_and_counts_as_used() {
    let repo = diff_repo("metric_rename", After::WorkTree);
    let path = "internal/api/metrics.go";
    let text = std::fs::read_to_string(repo.path().join(path)).expect("read after file");
    let suppressed = text.replacen(
        "\t\tName: \"shop_requests_total\",",
        "\t\t//sre-policy:ignore metric-breaking -- the dashboards move to the new name in this release\n\t\tName: \"shop_requests_total\",",
        1,
    );
    assert_ne!(
        text, suppressed,
        "the fixture still declares the renamed counter"
    );
    repo.write(path, suppressed);
    let lines = check(&repo, &["--base", "main", "--rule", "unused-suppression"]);
    assert!(
        !lines.iter().any(|l| l.contains("renamed")),
        "the rename is suppressed: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("unused-suppression")),
        "the suppression was used: {lines:?}"
    );
    assert_eq!(lines.len(), EXPECTED.len() - 1, "{lines:?}");
}

#[test]
fn an_added_label_is_a_note_not_a_finding() {
    let repo = diff_repo("judged_metric_label_added", After::Committed);
    support::isolate();
    let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args([
            "check",
            "--format",
            "human",
            "--fail-on",
            "warning",
            "--rule",
            "metric-breaking",
            "--base",
            "main",
        ])
        .current_dir(repo.path())
        .env_remove("GITHUB_ACTIONS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        all.contains("`relay_ring_members` gains the label `zone`"),
        "{all}"
    );
    assert!(!all.contains("warning[metric-breaking]"), "{all}");
}

#[test]
fn diff_mode_reads_the_program_that_links_both_packages() {
    let repo = diff_repo("metric_rename", After::Committed);
    // The program is on main already: unchanged by the change, read for its imports only.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("go.mod", "module example.com/shop\n\ngo 1.22\n");
    repo.write(
        "cmd/shop/main.go",
        "package main\n\nimport (\n\t_ \"example.com/shop/internal/api\"\n\t_ \"example.com/shop/internal/billing\"\n)\n\nfunc main() {}\n",
    );
    repo.commit_all("a program");
    repo.git(&["checkout", "-q", "feature"]);
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    let lines = check(&repo, &["--base", "main", "--rule", "metric-duplicate"]);
    let duplicates: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("metric-duplicate"))
        .collect();
    assert_eq!(
        duplicates,
        ["internal/api/metrics.go:26:3: error[metric-duplicate] `shop_refunds_total` is also declared at internal/billing/metrics.go:9: both go to the default registry in packages that `cmd/shop` links with the same name and const labels, so registering both panics"],
    );
}
