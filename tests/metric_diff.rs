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

/// The human report of metric-breaking on the change from `main` to the work tree at `cwd`
/// (stdout and stderr), checked to exit 0 under `--fail-on fail_on`.
fn human_breaking(cwd: &Path, fail_on: &str) -> String {
    support::isolate();
    let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args([
            "check",
            "--format",
            "human",
            "--fail-on",
            fail_on,
            "--rule",
            "metric-breaking",
            "--base",
            "main",
        ])
        .current_dir(cwd)
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
    all
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
    let all = human_breaking(repo.path(), "warning");
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

/// `check` plus `args` in `cwd` with the default rules and format json: the exit code and the
/// metric-duplicate findings as `path:line severity message`.
fn duplicates_of(cwd: &Path, args: &[&str]) -> (Option<i32>, Vec<String>) {
    support::isolate();
    let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(["check", "--format", "json"])
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "json report: {e}: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let findings = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "metric-duplicate")
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["path"].as_str().unwrap_or_default(),
                f["line"],
                f["severity"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    (output.status.code(), findings)
}

const SHOP_METRICS: &str = "package orders\n\nimport (\n\t\"github.com/prometheus/client_golang/prometheus\"\n\t\"github.com/prometheus/client_golang/prometheus/promauto\"\n\n\t\"github.com/acme/shop/internal/names\"\n)\n\n// Failures counts failed checkouts.\nvar Failures = promauto.NewCounter(prometheus.CounterOpts{\n\tNamespace: names.Namespace,\n\tSubsystem: \"checkout\",\n\tName:      \"failures_total\",\n\tHelp:      \"Failed checkouts.\",\n})\n";

const PAYMENT_METRICS: &str = "package payments\n\nimport (\n\t\"github.com/prometheus/client_golang/prometheus\"\n\t\"github.com/prometheus/client_golang/prometheus/promauto\"\n)\n\n// Declined counts declined payments at checkout.\nvar Declined = promauto.NewCounter(prometheus.CounterOpts{\n\tName: \"shop_checkout_failures_total\",\n\tHelp: \"Declined payments.\",\n})\n";

#[test]
fn a_duplicate_a_new_user_writes_in_two_packages_of_one_program_is_an_error() {
    // Written as a new user would: a module, a constant namespace in its own package, two
    // packages that register the same full name with promauto, and one program that links both
    // (one of them through another package).
    let repo = TempRepo::init();
    repo.write("go.mod", "module github.com/acme/shop\n\ngo 1.22\n");
    repo.write(
        "internal/names/names.go",
        "// Package names holds the metric namespace.\npackage names\n\n// Namespace prefixes every metric of the shop.\nconst Namespace = \"shop\"\n",
    );
    repo.write("internal/orders/metrics.go", SHOP_METRICS);
    repo.write(
        "internal/api/api.go",
        "package api\n\nimport \"github.com/acme/shop/internal/orders\"\n\n// Fail records a failed checkout.\nfunc Fail() { orders.Failures.Inc() }\n",
    );
    repo.write(
        "cmd/shop/main.go",
        "package main\n\nimport (\n\t\"github.com/acme/shop/internal/api\"\n)\n\nfunc main() { api.Fail() }\n",
    );
    repo.commit_all("shop");
    assert_eq!(duplicates_of(repo.path(), &[]), (Some(0), Vec::new()));
    // The change that adds the payments package and links it into the program.
    repo.git(&["checkout", "-q", "-b", "payments"]);
    repo.write("internal/payments/metrics.go", PAYMENT_METRICS);
    repo.write(
        "cmd/shop/main.go",
        "package main\n\nimport (\n\t\"github.com/acme/shop/internal/api\"\n\t\"github.com/acme/shop/internal/payments\"\n)\n\nfunc main() {\n\tapi.Fail()\n\tpayments.Declined.Inc()\n}\n",
    );
    repo.commit_all("payments");
    let expected = "internal/payments/metrics.go:10 error `shop_checkout_failures_total` is also declared at internal/orders/metrics.go:14: both go to the default registry in packages that `cmd/shop` links with the same name and const labels, so registering both panics";
    assert_eq!(
        duplicates_of(repo.path(), &[]),
        (Some(1), vec![expected.to_string()])
    );
    assert_eq!(
        duplicates_of(repo.path(), &["--base", "main"]),
        (Some(1), vec![expected.to_string()])
    );
    // A second program that links only the payments package adds nothing.
    repo.write(
        "cmd/worker/main.go",
        "package main\n\nimport \"github.com/acme/shop/internal/payments\"\n\nfunc main() { payments.Declined.Inc() }\n",
    );
    assert_eq!(
        duplicates_of(repo.path(), &[]),
        (Some(1), vec![expected.to_string()])
    );
}

#[test]
fn a_metric_moved_into_a_table_of_descriptions_is_a_note_not_a_removal() {
    let repo = diff_repo("metric_moved_into_desc_table", After::Committed);
    let all = human_breaking(repo.path(), "never");
    for (name, line) in [("host_cpu_cores", 29), ("host_memory_bytes", 35)] {
        assert!(
            all.contains(&format!(
                "note: metric-breaking: `{name}` is declared nowhere the check can read at the \
                 head, but internal/host/facts.go:{line} still writes its name"
            )),
            "{all}"
        );
        assert!(!all.contains(&format!("`{name}` is removed")), "{all}");
    }
    // Only a test and a file without the client library still name it: really removed.
    assert!(all.contains("`host_boot_time_seconds` is removed"), "{all}");
}

/// The ids (hex) a repository's git folder remembers as failing the client-import test.
fn remembered_failing(repo: &TempRepo) -> Vec<String> {
    let path = repo
        .path()
        .join(".git/sre-policy/imports-prometheus-client.blobs");
    let bytes = std::fs::read(&path).expect("the search wrote its list of blobs");
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .expect("a header line");
    let ids = &bytes[header_end + 1..];
    assert_eq!(ids.len() % 20, 0, "whole object ids");
    ids.chunks(20)
        .map(|id| id.iter().map(|b| format!("{b:02x}")).collect())
        .collect()
}

#[test]
fn a_repository_search_remembers_the_blobs_without_the_client_and_finds_the_same_next_time() {
    let repo = TempRepo::init();
    repo.write("go.mod", "module github.com/acme/shop\n\ngo 1.22\n");
    let refunds = "import (\n\t\"github.com/prometheus/client_golang/prometheus\"\n\t\"github.com/prometheus/client_golang/prometheus/promauto\"\n)\n\n// Refunds counts refunds.\nvar Refunds = promauto.NewCounter(prometheus.CounterOpts{\n\tName: \"shop_refunds_total\",\n\tHelp: \"Refunds.\",\n})\n";
    repo.write(
        "internal/billing/metrics.go",
        format!("package billing\n\n{refunds}"),
    );
    repo.write(
        "internal/text/text.go",
        "package text\n\n// Title upper-cases the first letter.\nfunc Title(s string) string { return s }\n",
    );
    repo.commit_all("billing");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "internal/api/metrics.go",
        format!("package api\n\n{refunds}"),
    );
    repo.commit_all("api refunds");
    let args = ["--base", "main", "--head", "feature"];
    let (code, first) = duplicates_of(repo.path(), &args);
    assert_eq!(code, Some(0));
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with("internal/api/metrics.go:10 "),
        "{first:?}"
    );
    // The file without the client is remembered; the one with it is read again next time.
    let failing = remembered_failing(&repo);
    assert!(failing.contains(&repo.rev("feature:internal/text/text.go")));
    assert!(!failing.contains(&repo.rev("feature:internal/billing/metrics.go")));
    assert_eq!(duplicates_of(repo.path(), &args), (code, first));
}
