//! `check --fix`: CODEOWNERS decides the team; the annotation ends the doc comment.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("binary runs")
}

const HANDLERS: &str = "package billing

import \"net/http\"

// Pay takes a payment.
// It is idempotent.
func Pay(w http.ResponseWriter, r *http.Request) {}

func routes(mux *http.ServeMux) {
\tif mux != nil {
\t\tmux.HandleFunc(\"/refund\", func(w http.ResponseWriter, r *http.Request) {})
\t}
}
";

#[test]
fn fix_adds_the_codeowners_team_and_leaves_ambiguous_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("billing")).unwrap();
    std::fs::create_dir_all(root.join("shared")).unwrap();
    std::fs::write(
        root.join(".sre-policy.toml"),
        "teams = [\"payments\", \"identity\"]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("CODEOWNERS"),
        "* @acme/platform\n/billing/ @acme/payments\n/shared/ @acme/payments @acme/identity\n",
    )
    .unwrap();
    std::fs::write(root.join("billing/handlers.go"), HANDLERS).unwrap();
    std::fs::write(
        root.join("shared/h.go"),
        HANDLERS.replace("package billing", "package shared"),
    )
    .unwrap();

    let output = run(root, &["check", "--fix", "--format", "compact", "."]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "shared/ stays unfixed: {stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "fixed 2 findings in 1 file\n  billing/handlers.go:7: added `// @oncall-team payments`\n  billing/handlers.go:11: added `// @oncall-team payments`\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "  not fixed: shared/h.go:7: handler-oncall: CODEOWNERS names several teams (identity, payments): pick one by hand\n"
        ),
        "{stderr}"
    );
    assert!(
        stdout.lines().all(|l| l.starts_with("shared/h.go")),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 2);

    let fixed = std::fs::read_to_string(root.join("billing/handlers.go")).unwrap();
    assert!(
        fixed.contains(
            "// Pay takes a payment.\n// It is idempotent.\n//\n// @oncall-team payments\nfunc Pay("
        ),
        "{fixed}"
    );
    assert!(
        fixed.contains("\tif mux != nil {\n\t\t// @oncall-team payments\n\t\tmux.HandleFunc"),
        "{fixed}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("shared/h.go")).unwrap(),
        HANDLERS.replace("package billing", "package shared")
    );
    let again = run(root, &["check", "--format", "compact", "billing"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[test]
fn fix_refuses_a_commit_or_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["check", "--fix", "--staged"]);
    assert_eq!(output.status.code(), Some(2));
}
