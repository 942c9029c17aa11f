//! Diff mode through the binary, on real temporary git repositories built from
//! `fixtures/diff/<case>/`: scoping, troubleshooting-doc, --staged, and git errors.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{diff_repo, After, TempRepo};

fn sre_policy(cwd: &Path, args: &[&str]) -> Output {
    support::isolate();
    Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs")
}

/// `check --format compact --fail-on never` plus `args`; returns (exit code, stdout lines).
fn check(repo: &TempRepo, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["check", "--format", "compact"];
    all.extend_from_slice(args);
    let output = sre_policy(repo.path(), &all);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap_or(-1),
        stdout.lines().map(str::to_string).collect(),
    )
}

fn rules_of(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter_map(|l| l.split('[').nth(1)?.split(']').next())
        .collect()
}

#[test]
fn storage_change_without_doc_names_the_package_and_the_call() {
    let repo = diff_repo("storage", After::Committed);
    let (code, lines) = check(&repo, &["--base", "main"]);
    assert_eq!(code, 1, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("internal/store/store.go:18:2: error[troubleshooting-doc]"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("calls `s.db.QueryRowContext` (sql)"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("docs/troubleshooting.md"));
}

#[test]
fn storage_change_with_doc_passes() {
    let repo = diff_repo("storage", After::Committed);
    repo.write(
        "docs/troubleshooting.md",
        "# Troubleshooting\n\nDeleted orders are now hidden.\n",
    );
    repo.commit_all("doc");
    let (code, lines) = check(&repo, &["--base", "main"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
}

#[test]
fn per_directory_doc_nearest_wins() {
    let repo = diff_repo("storage", After::Committed);
    repo.write(
        ".sre-policy.toml",
        "[troubleshooting]\ndoc = { \"internal\" = \"internal/RUNBOOK.md\", \"internal/store\" = \"internal/store/RUNBOOK.md\" }\n",
    );
    repo.commit_all("config");
    let (_, lines) = check(&repo, &["--base", "main"]);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("internal/store/RUNBOOK.md")),
        "{lines:?}"
    );
    repo.write("internal/store/RUNBOOK.md", "# Store\n");
    repo.commit_all("runbook");
    let (code, lines) = check(&repo, &["--base", "main"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
}

#[test]
fn comment_only_and_pure_function_changes_do_not_count() {
    let repo = diff_repo("storage", After::WorkTree);
    let store = repo.path().join("internal/store/store.go");
    let before = std::fs::read_to_string(
        support::case_dir("storage").join("before/internal/store/store.go"),
    )
    .unwrap();
    let comment_only = before.replace(
        "// Status returns an order's status.",
        "// Status returns the status of an order.\n//\n// It reads one row.",
    );
    std::fs::write(&store, &comment_only).unwrap();
    let (code, lines) = check(&repo, &["--base", "main"]);
    assert_eq!((code, lines.len()), (0, 0), "comment-only: {lines:?}");
    let pure = before.replace(
        "strings.ToLower(strings.TrimSpace(id))",
        "strings.TrimSpace(strings.ToLower(id))",
    );
    std::fs::write(&store, &pure).unwrap();
    let (code, lines) = check(&repo, &["--base", "main"]);
    assert_eq!((code, lines.len()), (0, 0), "pure function: {lines:?}");
}

#[test]
fn a_new_route_counts_and_a_deleted_file_counts() {
    let repo = diff_repo("handlers", After::Committed);
    // A handler that nothing registers changes no route.
    let (_, lines) = check(&repo, &["--base", "main", "--rule", "troubleshooting-doc"]);
    assert!(lines.is_empty(), "{lines:?}");
    repo.write(
        "api/routes.go",
        "package api\n\nimport \"net/http\"\n\nfunc routes(mux *http.ServeMux) {\n\tmux.HandleFunc(\"/orders\", orders)\n}\n",
    );
    repo.commit_all("route");
    let (_, lines) = check(&repo, &["--base", "main", "--rule", "troubleshooting-doc"]);
    assert_eq!(rules_of(&lines), ["troubleshooting-doc"], "{lines:?}");
    assert!(
        lines[0].starts_with("api/routes.go:6:2: ")
            && lines[0].contains("registers the route `/orders`"),
        "{lines:?}"
    );

    let deleted = diff_repo("deleted", After::Committed);
    let (code, lines) = check(&deleted, &["--base", "main"]);
    assert_eq!(code, 1);
    assert!(
        lines.iter().any(
            |l| l.starts_with("cmd/dial.go:1:1: error[troubleshooting-doc]")
                && l.contains("deletes a file that")
        ),
        "{lines:?}"
    );
}

#[test]
fn only_the_new_handler_is_reported_in_added_scope() {
    let repo = diff_repo("handlers", After::Committed);
    let (code, lines) = check(&repo, &["--base", "main", "--rule", "handler-oncall"]);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("api/handlers.go:7:1: error[handler-oncall]"),
        "{lines:?}"
    );
    assert!(lines[0].contains("`orders`"));

    let (_, lines) = check(
        &repo,
        &[
            "--base",
            "main",
            "--rule",
            "handler-oncall",
            "--scope",
            "changed-files",
        ],
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (_, lines) = check(
        &repo,
        &[
            "--base",
            "main",
            "--rule",
            "handler-oncall",
            "--scope",
            "all",
        ],
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[test]
fn head_commit_to_commit_ignores_the_work_tree() {
    let repo = diff_repo("handlers", After::Committed);
    repo.write("api/handlers.go", "package api\n");
    let (_, lines) = check(
        &repo,
        &[
            "--base",
            "main",
            "--head",
            "HEAD",
            "--rule",
            "handler-oncall",
        ],
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn an_empty_change_is_clean() {
    let repo = diff_repo("handlers", After::Committed);
    for args in [
        ["--base", "HEAD", "--head", "HEAD"],
        ["--base", "HEAD", "--scope", "added"],
    ] {
        let (code, lines) = check(&repo, &args);
        assert_eq!((code, lines.len()), (0, 0), "{args:?}: {lines:?}");
    }
}

#[test]
fn trailer_waives_and_requires_a_reason() {
    let repo = diff_repo("skip_trailer", After::Committed);
    let output = sre_policy(
        repo.path(),
        &["check", "--base", "main", "--format", "human"],
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("waived by a commit trailer: port change is covered by the LB runbook"),
        "{text}"
    );

    let repo = diff_repo("skip_trailer", After::Committed);
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "Move the listener\n\nSRE-Policy-Skip: troubleshooting-doc",
    ]);
    let output = sre_policy(
        repo.path(),
        &["check", "--base", "main", "--format", "human"],
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("without a reason was ignored"), "{text}");
}

#[test]
fn staged_reads_the_index_not_the_fix_left_unstaged() {
    let repo = diff_repo("handlers", After::Staged);
    let annotated = "package api\n\nimport \"net/http\"\n\nfunc legacy(w http.ResponseWriter, r *http.Request) {}\n\n// @oncall-team payments\nfunc orders(w http.ResponseWriter, r *http.Request) {}\n";
    repo.write("api/handlers.go", annotated);
    let (code, lines) = check(&repo, &["--staged", "--rule", "handler-oncall"]);
    assert_eq!(code, 1, "{lines:?}");
    assert!(lines[0].contains("`orders`"), "{lines:?}");
    repo.git(&["add", "api/handlers.go"]);
    let (code, lines) = check(&repo, &["--staged", "--rule", "handler-oncall"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
}

#[test]
fn staged_in_a_repository_without_commits() {
    let repo = TempRepo::init();
    repo.write("main.go", "package main\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {}\n");
    repo.git(&["add", "main.go"]);
    let (code, lines) = check(&repo, &["--staged", "--rule", "handler-oncall"]);
    assert_eq!(code, 1);
    assert!(
        lines[0].starts_with("main.go:5:1: error[handler-oncall]"),
        "{lines:?}"
    );
}

#[test]
fn git_errors_exit_2_with_the_remedy() {
    let repo = diff_repo("handlers", After::Committed);
    let output = sre_policy(repo.path(), &["check", "--base", "no-such-branch"]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("no-such-branch"), "{err}");

    let (_scratch, shallow) = support::shallow_clone(&repo, &[]);
    let base = repo.rev("main");
    let output = sre_policy(&shallow, &["check", "--base", &base]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("shallow") && err.contains("fetch-depth: 0"),
        "{err}"
    );

    let plain = support::scratch_dir();
    let output = sre_policy(plain.path(), &["check", "--base", "main"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("git repository"));
}

#[test]
fn whole_tree_mode_says_troubleshooting_doc_was_skipped() {
    let repo = diff_repo("storage", After::Committed);
    let output = sre_policy(repo.path(), &["check", "--format", "human"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("troubleshooting-doc was skipped"), "{text}");
}

#[test]
fn a_bare_repository_without_a_change_says_how_to_check_it() {
    let repo = diff_repo("handlers", After::Committed);
    let parent = support::scratch_dir();
    let url = format!("file://{}", repo.path().display());
    support::git_in(
        parent.path(),
        &["clone", "-q", "--bare", &url, "bare.git"],
        &[],
    );
    let bare = parent.path().join("bare.git");
    let output = sre_policy(&bare, &["check", "."]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("bare git repository") && err.contains("--head"),
        "{err}"
    );
    let (code, lines) = {
        let output = sre_policy(
            &bare,
            &[
                "check",
                "--format",
                "compact",
                "--base",
                "main",
                "--head",
                "feature",
                "--rule",
                "handler-oncall",
                ".",
            ],
        );
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    assert_eq!(code, Some(1), "{lines}");
    assert!(lines.contains("api/handlers.go:7:1"), "{lines}");
}

#[test]
fn a_bare_repository_has_no_ignore_files_on_disk() {
    let repo = diff_repo("handlers", After::Committed);
    let parent = support::scratch_dir();
    let url = format!("file://{}", repo.path().display());
    support::git_in(
        parent.path(),
        &["clone", "-q", "--bare", &url, "bare.git"],
        &[],
    );
    let bare = parent.path().join("bare.git");
    // The git folder of a bare repository is not a work tree: a file there named like an
    // ignore file is no ignore file of the commits checked.
    std::fs::write(bare.join(".ignore"), "*.go\n").expect("write .ignore");
    let output = sre_policy(
        &bare,
        &[
            "check",
            "--format",
            "compact",
            "--base",
            "main",
            "--head",
            "feature",
            "--rule",
            "handler-oncall",
            ".",
        ],
    );
    let lines = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{lines}");
    assert!(lines.contains("api/handlers.go:7:1"), "{lines}");
}

#[test]
fn staged_troubleshooting_doc_is_a_warning() {
    let repo = diff_repo("storage", After::Staged);
    let (code, lines) = check(&repo, &["--staged"]);
    assert_eq!(code, 0, "a warning does not block the commit: {lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("warning[troubleshooting-doc]"),
        "{lines:?}"
    );
    let (code, _) = check(&repo, &["--staged", "--fail-on", "warning"]);
    assert_eq!(code, 1);
}

#[test]
fn a_suppression_on_the_line_waives_troubleshooting_doc() {
    let repo = diff_repo("storage", After::Committed);
    let store = repo.path().join("internal/store/store.go");
    let text = std::fs::read_to_string(&store).unwrap().replace(
        "\terr := s.db.QueryRowContext",
        "\t//sre-policy:ignore troubleshooting-doc -- same query, soft-deleted rows hidden\n\terr := s.db.QueryRowContext",
    );
    std::fs::write(&store, text).unwrap();
    let (code, lines) = check(&repo, &["--base", "main"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
}

/// A repository whose change touches only `api/handlers.go` and `store/queries.go`; the
/// receiver type's annotation and the struct's field types live in unchanged neighbours.
fn neighbours_repo() -> TempRepo {
    let repo = TempRepo::init();
    repo.write(
        "api/server.go",
        "package api\n\n// Server serves the API.\n// @oncall-team payments\ntype Server struct{}\n",
    );
    repo.write("api/handlers.go", "package api\n\nimport \"net/http\"\n");
    repo.write(
        "store/store.go",
        "package store\n\nimport \"database/sql\"\n\n// Store keeps rows.\ntype Store struct {\n\tdb *sql.DB\n}\n",
    );
    repo.write("store/queries.go", "package store\n\nimport \"context\"\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "api/handlers.go",
        "package api\n\nimport \"net/http\"\n\nfunc (s *Server) Pay(w http.ResponseWriter, r *http.Request) {}\n",
    );
    repo.write(
        "store/queries.go",
        "package store\n\nimport \"context\"\n\nfunc (s *Store) Ping(ctx context.Context) error {\n\treturn s.db.PingContext(ctx)\n}\n",
    );
    repo
}

#[test]
fn unchanged_neighbours_give_receiver_docs_and_field_types_in_every_mode() {
    // No handler-oncall: `Server`'s annotation is read from the unchanged server.go. The new
    // handler is registered nowhere, so only the query counts, its field type read from the
    // unchanged store.go.
    let expect = |lines: &[String], mode: &str| {
        assert_eq!(lines.len(), 1, "{mode}: {lines:?}");
        assert!(
            lines[0].starts_with("store/queries.go:6:2: ")
                && lines[0].contains("calls `s.db.PingContext` (sql)"),
            "{mode}: {lines:?}"
        );
    };
    let repo = neighbours_repo();
    let (_, lines) = check(&repo, &["--base", "main", "--fail-on", "never"]);
    expect(&lines, "work tree");
    repo.git(&["add", "-A"]);
    let (_, lines) = check(&repo, &["--staged", "--fail-on", "never"]);
    expect(&lines, "staged");
    repo.commit_all("change");
    let (_, lines) = check(
        &repo,
        &["--base", "main", "--head", "HEAD", "--fail-on", "never"],
    );
    expect(&lines, "commit");
}

#[test]
fn a_doc_change_must_say_something() {
    let repo = diff_repo("storage", After::Committed);
    let doc = std::fs::read_to_string(repo.path().join("docs/troubleshooting.md")).unwrap();
    repo.write(
        "docs/troubleshooting.md",
        format!("{doc}\n\n<!-- TODO: describe deleted orders -->\n"),
    );
    repo.commit_all("doc: whitespace and a comment");
    let (code, lines) = check(&repo, &["--base", "main", "--rule", "troubleshooting-doc"]);
    assert_eq!((code, lines.len()), (1, 1), "{lines:?}");
    repo.write(
        "docs/troubleshooting.md",
        format!("{doc}\n## Orders\n\nDeleted orders are hidden from status lookups.\n"),
    );
    repo.commit_all("doc: real text");
    let (code, lines) = check(&repo, &["--base", "main", "--rule", "troubleshooting-doc"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
}

#[test]
fn a_trailer_waives_only_the_commits_up_to_it() {
    let repo = diff_repo("storage", After::Committed);
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "Hide deleted orders\n\nSRE-Policy-Skip: troubleshooting-doc covered by the orders runbook",
    ]);
    let (code, lines) = check(&repo, &["--base", "main", "--rule", "troubleshooting-doc"]);
    assert_eq!((code, lines.len()), (0, 0), "waived: {lines:?}");
    // A later comment-only commit changes nothing the waiver did not cover.
    let store = "internal/store/store.go";
    let text = std::fs::read_to_string(repo.path().join(store)).unwrap();
    repo.write(
        store,
        text.replace(
            "// Status returns an order's status.",
            "// Status returns the status.",
        ),
    );
    repo.commit_all("docs: comment");
    let (code, lines) = check(&repo, &["--base", "main", "--rule", "troubleshooting-doc"]);
    assert_eq!(
        (code, lines.len()),
        (0, 0),
        "comment after the waiver: {lines:?}"
    );
    // A later query change is not covered by the earlier waiver.
    let text = std::fs::read_to_string(repo.path().join(store)).unwrap();
    repo.write(
        store,
        text.replace("AND deleted_at IS NULL", "AND archived = false"),
    );
    repo.commit_all("archive instead of delete");
    let (code, lines) = check(&repo, &["--base", "main", "--rule", "troubleshooting-doc"]);
    assert_eq!(code, 1, "{lines:?}");
    assert!(
        lines[0].starts_with("internal/store/store.go:18:2: ")
            && lines[0].contains("calls `s.db.QueryRowContext`"),
        "{lines:?}"
    );
}

#[test]
fn a_pull_request_label_or_description_waives_the_pull_request() {
    let repo = diff_repo("storage", After::Committed);
    let event = repo.path().join("../event.json");
    let run = |event_json: &str| {
        std::fs::write(&event, event_json).unwrap();
        support::isolate();
        let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
            .args([
                "check",
                "--base",
                "main",
                "--format",
                "json",
                "--rule",
                "troubleshooting-doc",
            ])
            .current_dir(repo.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_PATH", &event)
            .env_remove("GITHUB_STEP_SUMMARY")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("binary runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, out) =
        run(r#"{"pull_request": {"labels": [{"name": "bug"}], "body": "Hides deleted orders."}}"#);
    assert_eq!(code, Some(1), "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let help = json["findings"][0]["help"].as_str().unwrap_or_default();
    assert!(help.contains("label `skip-troubleshooting-doc`"), "{help}");
    let (code, out) =
        run(r#"{"pull_request": {"labels": [{"name": "skip-troubleshooting-doc"}], "body": ""}}"#);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(r#""findings":[]"#), "{out}");
    let (code, out) = run(
        r#"{"pull_request": {"labels": [], "body": "Query tweak.\n\nSRE-Policy-Skip: troubleshooting-doc the runbook already covers it"}}"#,
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(r#""findings":[]"#), "{out}");
}

#[test]
fn removing_or_changing_an_annotation_is_part_of_the_change() {
    let repo = TempRepo::init();
    let annotated = "package api\n\nimport \"net/http\"\n\n// Orders lists orders.\n// @oncall-team payments\nfunc Orders(w http.ResponseWriter, r *http.Request) {}\n\n// Health reports liveness.\n// @oncall-team platform\nfunc Health(w http.ResponseWriter, r *http.Request) {}\n";
    repo.write(".sre-policy.toml", "teams = [\"payments\", \"platform\"]\n");
    repo.write("api/handlers.go", annotated);
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // The annotation line of Orders is deleted; the handler's own line is untouched.
    repo.write(
        "api/handlers.go",
        annotated.replace(
            "// Orders lists orders.\n// @oncall-team payments\n",
            "// Orders lists orders.\n",
        ),
    );
    repo.commit_all("drop the annotation");
    let (code, lines) = check(&repo, &["--base", "main", "--rule", "handler-oncall"]);
    assert_eq!(code, 1, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("api/handlers.go:6:1: error[handler-oncall]")
            && lines[0].contains("`Orders`"),
        "{lines:?}"
    );
    // The whole doc comment removed: still the handler's change.
    repo.write(
        "api/handlers.go",
        annotated.replace("// Orders lists orders.\n// @oncall-team payments\n", ""),
    );
    repo.commit_all("drop the doc");
    let (_, lines) = check(&repo, &["--base", "main", "--rule", "handler-oncall"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("`Orders`"), "{lines:?}");
    // A team changed to one that is not configured is reported; the untouched Health is not.
    repo.write(
        "api/handlers.go",
        annotated.replace("@oncall-team payments", "@oncall-team paymnets"),
    );
    repo.commit_all("typo");
    let (_, lines) = check(&repo, &["--base", "main", "--rule", "handler-oncall"]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("unknown team `paymnets`"), "{lines:?}");
}

#[test]
fn a_binary_or_no_diff_attribute_does_not_hide_go_files() {
    for attribute in ["*.go -diff\n", "*.go binary\n"] {
        let repo = TempRepo::init();
        repo.write(".gitattributes", attribute);
        repo.write("api/handlers.go", "package api\n\nimport \"net/http\"\n");
        repo.commit_all("base");
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write(
            "api/handlers.go",
            "package api\n\nimport \"net/http\"\n\nfunc Orders(w http.ResponseWriter, r *http.Request) {}\n",
        );
        repo.commit_all("handler");
        for args in [
            &["--base", "main", "--rule", "handler-oncall"][..],
            &[
                "--base",
                "main",
                "--head",
                "HEAD",
                "--rule",
                "handler-oncall",
            ][..],
        ] {
            let (code, lines) = check(&repo, args);
            assert_eq!(code, 1, "{attribute:?} {args:?}: {lines:?}");
            assert!(
                lines.len() == 1
                    && lines[0].starts_with("api/handlers.go:5:1: error[handler-oncall]"),
                "{attribute:?} {args:?}: {lines:?}"
            );
        }
    }
}
