//! `check --fix` as a team adopting the tool sees it: the annotation ends the doc comment (the
//! first sentence `go doc` shows is unchanged, directives stay last), a receiver type whose
//! handler methods all get the same team is annotated once, a person in CODEOWNERS is never
//! written as a team unless configured, and every handler left unfixed is listed with why.

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

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

fn read(dir: &tempfile::TempDir, path: &str) -> String {
    std::fs::read_to_string(dir.path().join(path)).unwrap()
}

const SERVER: &str = "package api

import \"net/http\"

// Server serves the API.
type Server struct{}

// Orders lists orders.
func (s *Server) Orders(w http.ResponseWriter, r *http.Request) {}

// Users lists users.
func (s *Server) Users(w http.ResponseWriter, r *http.Request) {}

func (s *Server) Health(w http.ResponseWriter, r *http.Request) {}

// Admin is the admin page.
//
//go:noinline
func Admin(w http.ResponseWriter, r *http.Request) {}
";

#[test]
fn one_annotation_on_the_receiver_type_and_the_tag_last_in_doc_comments() {
    let dir = tree(&[
        ("CODEOWNERS", "* @acme/payments\n"),
        ("api/server.go", SERVER),
    ]);
    let output = run(dir.path(), &["check", "--fix", "."]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr,
        "fixed 4 findings in 1 file\n\
         \x20 api/server.go:6: added `// @oncall-team payments` (for 3 findings)\n\
         \x20 api/server.go:18: added `// @oncall-team payments`\n"
    );
    assert_eq!(
        read(&dir, "api/server.go"),
        SERVER
            .replace(
                "// Server serves the API.\n",
                "// Server serves the API.\n//\n// @oncall-team payments\n"
            )
            .replace(
                "// Admin is the admin page.\n//\n//go:noinline\n",
                "// Admin is the admin page.\n//\n// @oncall-team payments\n//\n//go:noinline\n"
            )
    );
    let again = run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).starts_with("fixed 0 findings in 0 files"));
}

#[test]
fn methods_of_a_type_spread_over_files_are_annotated_one_by_one() {
    let split = SERVER.replace(
        "func (s *Server) Health(w http.ResponseWriter, r *http.Request) {}\n",
        "",
    );
    let dir = tree(&[
        ("CODEOWNERS", "* @acme/payments\n"),
        ("api/server.go", &split),
        (
            "api/health.go",
            "package api\n\nimport \"net/http\"\n\nfunc (s *Server) Health(w http.ResponseWriter, r *http.Request) {}\n",
        ),
    ]);
    let output = run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(output.status.code(), Some(0));
    let server = read(&dir, "api/server.go");
    assert!(
        server.contains("// Server serves the API.\ntype Server"),
        "{server}"
    );
    assert!(
        server.contains(
            "// Orders lists orders.\n//\n// @oncall-team payments\nfunc (s *Server) Orders"
        ),
        "{server}"
    );
    assert!(
        read(&dir, "api/health.go").contains("\n// @oncall-team payments\nfunc (s *Server) Health")
    );
}

const HANDLER: &str = "package api\n\nimport \"net/http\"\n\n// Pay takes a payment.\nfunc Pay(w http.ResponseWriter, r *http.Request) {}\n";

#[test]
fn a_person_is_never_written_as_a_team_unless_configured() {
    let dir = tree(&[("CODEOWNERS", "/api/ @alice\n"), ("api/pay.go", HANDLER)]);
    let output = run(dir.path(), &["check", "--fix", "--format", "human", "."]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "  not fixed: api/pay.go:6: handler-oncall: CODEOWNERS names @alice: a person, not a team (add the name to `teams` to use it)\n"
        ),
        "{stderr}"
    );
    assert_eq!(read(&dir, "api/pay.go"), HANDLER);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("--fix cannot add it"),
        "the help says why: {stdout}"
    );

    std::fs::write(dir.path().join(".sre-policy.toml"), "teams = [\"alice\"]\n").unwrap();
    let output = run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(output.status.code(), Some(0));
    assert!(read(&dir, "api/pay.go").contains("//\n// @oncall-team alice\nfunc Pay"));
}

#[test]
fn without_codeowners_fix_says_where_it_looks() {
    let dir = tree(&[("api/pay.go", HANDLER)]);
    let output = run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no CODEOWNERS file"), "{stderr}");
    let human = run(dir.path(), &["check", "--format", "human", "."]);
    assert!(
        !String::from_utf8_lossy(&human.stdout).contains("--fix cannot"),
        "no CODEOWNERS: no note in every help"
    );
}

#[test]
fn crlf_files_keep_their_line_breaks() {
    let crlf = SERVER.replace('\n', "\r\n");
    let dir = tree(&[
        ("CODEOWNERS", "* @acme/payments\n"),
        ("api/server.go", &crlf),
    ]);
    let output = run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(output.status.code(), Some(0));
    let written = read(&dir, "api/server.go");
    assert!(
        written
            .contains("// Server serves the API.\r\n//\r\n// @oncall-team payments\r\ntype Server"),
        "{written:?}"
    );
    assert!(
        written.contains("// @oncall-team payments\r\n//\r\n//go:noinline\r\n"),
        "{written:?}"
    );
    assert!(!written.replace("\r\n", "").contains('\n'), "{written:?}");
}
