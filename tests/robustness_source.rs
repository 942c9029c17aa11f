//! Hostile source files, through the binary: each run ends in bounded time with exit 0 or 1,
//! no panic text, the bad file handled as documented, and the good file beside it reported.

mod robustness_common;

use robustness_common::*;

fn write(dir: &std::path::Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).expect("write");
}

fn rules_of(json: &serde_json::Value, path: &str) -> Vec<(u64, String)> {
    findings(json)
        .into_iter()
        .filter(|(p, _, _)| p == path)
        .map(|(_, line, rule)| (line, rule))
        .collect()
}

fn parse_error_message(json: &serde_json::Value, path: &str) -> String {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path && f["rule"] == "parse-error")
        .and_then(|f| f["message"].as_str())
        .unwrap_or_else(|| panic!("no parse-error for {path}: {json}"))
        .to_string()
}

#[test]
fn syntax_errors_give_one_warning_and_the_rest_is_checked() {
    let dir = tree_with_good_file();
    // An ERROR node inside a handler, a MISSING `}` at the end; handlers around both.
    write(
        dir.path(),
        "error.go",
        "package x\n\nimport \"net/http\"\n\nfunc Bad(w http.ResponseWriter, r *http.Request) {\n\tx := (\n}\n\nfunc Later(w http.ResponseWriter, r *http.Request) {}\n\nfunc Broken() {\n\tif true {\n",
    );
    write(
        dir.path(),
        "missing.go",
        "package x\n\nimport \"net/http\"\n\nfunc M(w http.ResponseWriter, r *http.Request) {\n\tcall(1, 2\n}\n",
    );
    let (_, json) = check_json(dir.path());
    let error_rules = rules_of(&json, "error.go");
    assert_eq!(
        error_rules
            .iter()
            .filter(|(_, r)| r == "parse-error")
            .count(),
        1,
        "{error_rules:?}"
    );
    assert!(
        error_rules.contains(&(5, "handler-oncall".into())),
        "{error_rules:?}"
    );
    assert!(
        error_rules.contains(&(9, "handler-oncall".into())),
        "{error_rules:?}"
    );
    let missing_rules = rules_of(&json, "missing.go");
    assert!(
        missing_rules.contains(&(5, "handler-oncall".into())),
        "{missing_rules:?}"
    );
    assert!(
        missing_rules
            .iter()
            .any(|(line, r)| r == "parse-error" && *line >= 6),
        "{missing_rules:?}"
    );
    assert_eq!(json["stats"]["parse_errors"], 2);
    let message = parse_error_message(&json, "error.go");
    assert!(message.starts_with("syntax error: "), "{message}");
}

#[test]
fn a_file_that_is_one_big_error_still_gets_its_warning() {
    // 900 unclosed parentheses: tree-sitter makes the root itself an ERROR node.
    let dir = tree_with_good_file();
    // (A handler makes the file relevant to the prefilter, so it is parsed.)
    let text = |depth: usize| {
        format!(
            "package x\nimport \"net/http\"\nfunc H(w http.ResponseWriter, r *http.Request) {{}}\nvar v = {}\n",
            "(".repeat(depth)
        )
    };
    write(dir.path(), "unclosed.go", text(900));
    // 100,000 are not parsed (recovering from them takes minutes): listed as not checked.
    write(dir.path(), "bomb.go", text(100_000));
    let (_, json) = check_json(dir.path());
    let found = rules_of(&json, "unclosed.go");
    assert!(found.contains(&(4, "parse-error".to_string())), "{found:?}");
    let skipped = skipped(&json);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].0, "bomb.go");
    assert!(skipped[0].1.contains("not balanced"), "{skipped:?}");
}

#[test]
fn invalid_utf8_nul_bytes_and_control_characters() {
    let dir = tree_with_good_file();
    let mut latin1 = HANDLER.as_bytes().to_vec();
    latin1.extend_from_slice(b"// caf\xe9 \xff\xfe\n");
    write(dir.path(), "latin1.go", latin1);
    write(
        dir.path(),
        "nul.go",
        "package x\nimport \"net/http\"\nfunc A(w http.ResponseWriter, r *http.Request) {}\x00\x00\x1b[31m\n",
    );
    let (run, json) = check_json(dir.path());
    assert_eq!(
        rules_of(&json, "latin1.go"),
        vec![(3, "handler-oncall".into())]
    );
    let nul = rules_of(&json, "nul.go");
    assert!(nul.contains(&(3, "handler-oncall".into())), "{nul:?}");
    let message = parse_error_message(&json, "nul.go");
    assert!(
        !message.contains('\0') && !message.contains('\x1b'),
        "{message:?}"
    );
    assert!(message.contains("\\u{0}"), "{message:?}");
    assert!(!run.stdout.contains("\\u0000"), "raw NUL escaped into JSON");
    // Every format stays free of raw control bytes.
    for format in ["compact", "human", "github"] {
        let out = sre_policy(dir.path(), &["check", ".", "--format", format]);
        out.assert_source_level();
        assert!(
            !out.stdout.contains('\0') && !out.stdout.contains('\x1b'),
            "{format}: {:?}",
            out.stdout
        );
    }
}

#[test]
fn bom_crlf_lone_cr_empty_and_no_final_newline() {
    let dir = tree_with_good_file();
    // BOM: the handler on line 1 is at column 1, not 2.
    write(
        dir.path(),
        "bom.go",
        "\u{feff}package x; import \"net/http\"; func B(w http.ResponseWriter, r *http.Request) {}\n",
    );
    write(dir.path(), "crlf.go", HANDLER.replace('\n', "\r\n"));
    // Lone CR is not a line break in Go: everything is on line 1.
    write(
        dir.path(),
        "cr.go",
        "package x\r\rimport \"net/http\"\r\n\nfunc C(w http.ResponseWriter, r *http.Request) {}\n",
    );
    write(dir.path(), "empty.go", "");
    write(dir.path(), "nonewline.go", HANDLER.trim_end());
    let (_, json) = check_json(dir.path());
    let column_of = |path: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path && f["rule"] == "handler-oncall")
            .map(|f| (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
    };
    // `package x; import "net/http"; ` is 30 characters: `func` is at column 31 (32 if the
    // BOM counted).
    assert_eq!(column_of("bom.go"), Some((1, 31)));
    assert_eq!(column_of("crlf.go"), Some((3, 1)));
    assert_eq!(column_of("cr.go"), Some((3, 1)));
    assert_eq!(column_of("nonewline.go"), Some((3, 1)));
    assert!(rules_of(&json, "empty.go")
        .iter()
        .all(|(_, r)| r == "parse-error"));
    assert!(json["skipped"].as_array().unwrap().is_empty(), "{json}");
}

#[test]
fn deep_nesting_is_truncated_with_a_warning_not_a_stack_overflow() {
    let dir = tree_with_good_file();
    let deep = 100_000;
    write(
        dir.path(),
        "parens.go",
        format!(
            "package x\nimport \"net/http\"\nfunc H(w http.ResponseWriter, r *http.Request) {{}}\nvar v = {}1{}\n",
            "(".repeat(deep),
            ")".repeat(deep)
        ),
    );
    write(
        dir.path(),
        "braces.go",
        format!(
            "package x\nimport \"net/http\"\nfunc H(w http.ResponseWriter, r *http.Request) {{}}\nfunc f() {{\n\tvar _ http.ResponseWriter\n{}{}\n}}\n",
            "{".repeat(deep),
            "}".repeat(deep)
        ),
    );
    // The same nesting in a body no rule reads is never parsed: nothing there goes unchecked.
    write(
        dir.path(),
        "unread.go",
        format!(
            "package x\nimport \"net/http\"\nfunc H(w http.ResponseWriter, r *http.Request) {{}}\nfunc f() {}{}\n",
            "{".repeat(deep),
            "}".repeat(deep)
        ),
    );
    // 100,000 pointer stars in a receiver: the type walks must not recurse per star.
    write(
        dir.path(),
        "pointers.go",
        format!(
            "package x\nimport \"net/http\"\nfunc (x {}T) ServeHTTP(w http.ResponseWriter, r *http.Request) {{}}\n",
            "*".repeat(deep)
        ),
    );
    let (_, json) = check_json(dir.path());
    for path in ["parens.go", "braces.go", "pointers.go"] {
        let message = parse_error_message(&json, path);
        assert!(message.contains("nesting deeper than"), "{path}: {message}");
    }
    assert_eq!(
        rules_of(&json, "unread.go"),
        [(3, "handler-oncall".to_string())]
    );
}

#[test]
fn a_5mb_single_line_is_checked() {
    let dir = tree_with_good_file();
    let text = format!(
        "package x\nimport \"net/http\"\nfunc A(w http.ResponseWriter, r *http.Request) {{ _ = \"{}\" }}\n",
        "a".repeat(5 * 1024 * 1024)
    );
    write(dir.path(), "line.go", text);
    let (_, json) = check_json(dir.path());
    assert_eq!(
        rules_of(&json, "line.go"),
        vec![(3, "handler-oncall".into())]
    );
    // The human report does not print the 5 MB line as a snippet.
    let human = sre_policy(dir.path(), &["check", ".", "--format", "human"]);
    human.assert_source_level();
    assert!(human.stdout.len() < 100_000, "{} bytes", human.stdout.len());
    assert!(human.stdout.contains("line.go:3:1"), "{}", human.stdout);
}

fn big_file(dir: &std::path::Path, name: &str, header: &str, size: usize) {
    use std::io::Write;
    let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join(name)).unwrap());
    file.write_all(header.as_bytes()).unwrap();
    let line = "func init() { _ = http.StatusOK }\n";
    let mut written = header.len();
    while written < size {
        file.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    file.flush().unwrap();
}

#[test]
fn a_50mb_generated_file_is_skipped_silently() {
    let dir = tree_with_good_file();
    big_file(
        dir.path(),
        "gen.pb.go",
        "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage x\n\nimport \"net/http\"\n\nfunc G(w http.ResponseWriter, r *http.Request) {}\n",
        50 * 1024 * 1024,
    );
    let (_, json) = check_json(dir.path());
    assert!(rules_of(&json, "gen.pb.go").is_empty());
    assert!(json["skipped"].as_array().unwrap().is_empty(), "{json}");
}

#[test]
fn a_50mb_file_is_skipped_as_too_large_in_every_format() {
    let dir = tree_with_good_file();
    big_file(
        dir.path(),
        "huge.go",
        "package x\n\nimport \"net/http\"\n\n",
        50 * 1024 * 1024,
    );
    let (_, json) = check_json(dir.path());
    assert_eq!(json["stats"]["files_skipped"], 1);
    assert_eq!(json["stats"]["files_checked"], 1);
    let skipped = skipped(&json);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].0, "huge.go");
    assert!(
        skipped[0].1.starts_with("skipped: too large (5"),
        "{skipped:?}"
    );
    assert_every_format_lists(dir.path(), "huge.go", "skipped: too large");
}

/// The skipped file and its reason appear in every format (compact: on stderr).
pub fn assert_every_format_lists(dir: &std::path::Path, path: &str, reason: &str) {
    let sarif = sre_policy(dir, &["check", ".", "--format", "sarif"]);
    sarif.assert_source_level();
    let sarif = sarif.json();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications")
        .clone();
    assert!(
        notes.iter().any(|n| {
            let text = n["message"]["text"].as_str().unwrap_or("");
            text.contains(path) && text.contains(reason)
        }),
        "{notes:?}"
    );
    let human = sre_policy(dir, &["check", ".", "--format", "human"]);
    human.assert_source_level();
    let listed = human
        .stdout
        .split("Not checked (")
        .nth(1)
        .unwrap_or_else(|| panic!("no Not checked list: {}", human.stdout));
    assert!(listed.contains(path) && listed.contains(reason), "{listed}");
    let github = sre_policy(dir, &["check", ".", "--format", "github"]);
    github.assert_source_level();
    assert!(
        github
            .stdout
            .lines()
            .any(|l| l.starts_with("::notice") && l.contains(path) && l.contains(reason)),
        "{}",
        github.stdout
    );
    let compact = sre_policy(dir, &["check", ".", "--format", "compact"]);
    compact.assert_source_level();
    assert!(compact.stdout.contains("good.go:5:1"), "{}", compact.stdout);
    assert!(
        compact.stderr.contains(path) && compact.stderr.contains(reason),
        "{}",
        compact.stderr
    );
}

#[test]
fn twenty_thousand_handlers_in_one_file_are_all_checked() {
    let dir = tree_with_good_file();
    let mut text = String::from("package x\n\nimport \"net/http\"\n\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "// H{i} serves.\n// @oncall-team payments\nfunc H{i}(w http.ResponseWriter, r *http.Request) {{}}\n\n"
        ));
    }
    // One without an annotation at the end: the rule really ran over the whole file.
    text.push_str("func Last(w http.ResponseWriter, r *http.Request) {}\n");
    write(dir.path(), "many.go", &text);
    let (_, json) = check_json(dir.path());
    assert_eq!(
        rules_of(&json, "many.go"),
        vec![(80_005, "handler-oncall".to_string())]
    );
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the panic hook is compiled into debug builds only"
)]
fn a_panic_in_one_file_is_contained_and_reported_as_an_internal_error() {
    let dir = tree_with_good_file();
    write(dir.path(), "boom.go", HANDLER);
    for format in ["json", "compact", "human", "sarif", "github"] {
        let run = sre_policy_env(
            dir.path(),
            &["check", ".", "--format", format],
            &[("SRE_POLICY_TEST_PANIC_ON", "boom.go")],
        );
        run.assert_tool_error(&["could not be checked because of an internal error"]);
        assert!(run.stdout.contains("good.go"), "{format}: {}", run.stdout);
        let listed = if format == "compact" {
            &run.stderr
        } else {
            &run.stdout
        };
        assert!(
            listed.contains("boom.go") && listed.contains("internal error"),
            "{format}: {listed}"
        );
        if format == "json" {
            let json = run.json();
            assert_good_reported(&json, "");
            assert_eq!(json["stats"]["files_skipped"], 1);
            assert!(skipped(&json)[0].1.contains("test panic requested"));
        }
    }
}

#[test]
fn inventory_survives_deep_nesting() {
    let dir = tree_with_good_file();
    write(
        dir.path(),
        "deep.go",
        format!(
            "package x\nimport \"net/http\"\nfunc H(w http.ResponseWriter, r *http.Request) {{}}\nvar v = {}1{}\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    let run = sre_policy(dir.path(), &["inventory", ".", "--format", "json"]);
    run.assert_source_level();
    assert!(run.stdout.contains("Good"), "{}", run.stdout);
}
