//! The CI formats through the binary: `gitlab` and `rdjson` validate against their schemas
//! (`tests/schemas/`), `junit` and `checkstyle` are well-formed XML whose elements match the
//! findings one for one (their XSDs are checked by `tests/schemas/validate_xml.sh`); hostile
//! file names keep every document valid; rdjson carries CODEOWNERS fixes as suggestions
//! without editing the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("binary runs")
}

/// Runs `check --format FORMAT` in `dir`, expecting exit 1 (findings), and returns stdout.
fn check(dir: &Path, target: &str, format: &str) -> String {
    let output = run(dir, &["check", target, "--format", format]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{format}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn json(text: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => panic!("not JSON ({e}): {text}"),
    }
}

fn validator(schema_file: &str) -> jsonschema::Validator {
    let path = root().join("tests/schemas").join(schema_file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match jsonschema::validator_for(&json(&text)) {
        Ok(validator) => validator,
        Err(e) => panic!("{schema_file} does not compile: {e}"),
    }
}

fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{document:#}");
}

/// `(path, line, rule)` of every finding of the JSON format, the reference.
fn reference(dir: &Path, target: &str) -> Vec<(String, u64, String)> {
    let value = json(&check(dir, target, "json"));
    let findings = value["findings"].as_array().cloned().unwrap_or_default();
    assert!(!findings.is_empty(), "the reference run found nothing");
    findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn gitlab_findings(text: &str) -> Vec<(String, u64, String)> {
    let value = json(text);
    let issues = value.as_array().cloned().unwrap_or_default();
    let mut prints: Vec<&str> = issues
        .iter()
        .filter_map(|i| i["fingerprint"].as_str())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), issues.len(), "fingerprints are not unique");
    issues
        .iter()
        .map(|i| {
            (
                i["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                i["location"]["lines"]["begin"].as_u64().unwrap_or_default(),
                i["check_name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn rdjson_findings(text: &str) -> Vec<(String, u64, String)> {
    let value = json(text);
    value["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                d["location"]["range"]["start"]["line"]
                    .as_u64()
                    .unwrap_or_default(),
                d["code"]["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    match roxmltree::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => panic!("not well-formed XML ({e}):\n{text}"),
    }
}

fn checkstyle_findings(text: &str) -> Vec<(String, u64, String)> {
    let doc = parse_xml(text);
    assert_eq!(doc.root_element().tag_name().name(), "checkstyle");
    let mut out = Vec::new();
    for file in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("file"))
    {
        for error in file.children().filter(|n| n.has_tag_name("error")) {
            out.push((
                file.attribute("name").unwrap_or_default().to_string(),
                error
                    .attribute("line")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or_default(),
                error
                    .attribute("source")
                    .unwrap_or_default()
                    .trim_start_matches("sre-policy.")
                    .to_string(),
            ));
        }
    }
    out
}

fn junit_findings(text: &str) -> Vec<(String, u64, String)> {
    let doc = parse_xml(text);
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    let mut out = Vec::new();
    for case in suites.descendants().filter(|n| n.has_tag_name("testcase")) {
        for failure in case.children().filter(|n| n.has_tag_name("failure")) {
            // The body starts with `path:line:col:`; the path may itself hold colons.
            let body = failure.text().unwrap_or_default();
            let path = case.attribute("name").unwrap_or_default();
            let line = body
                .strip_prefix(path)
                .and_then(|rest| rest.strip_prefix(':'))
                .and_then(|rest| rest.split(':').next())
                .and_then(|l| l.parse().ok())
                .unwrap_or_default();
            out.push((
                path.to_string(),
                line,
                case.attribute("classname").unwrap_or_default().to_string(),
            ));
        }
    }
    let failures: usize = suites
        .attribute("failures")
        .and_then(|f| f.parse().ok())
        .unwrap_or(usize::MAX);
    assert_eq!(failures, out.len(), "testsuites@failures");
    out
}

fn sorted(mut v: Vec<(String, u64, String)>) -> Vec<(String, u64, String)> {
    v.sort();
    v
}

#[test]
fn demo_findings_are_the_same_in_every_ci_format_and_json_formats_validate() {
    let dir = root();
    let want = sorted(reference(&dir, "fixtures/demo"));

    let gitlab = check(&dir, "fixtures/demo", "gitlab");
    assert_valid(
        &validator("gitlab-codequality.schema.json"),
        &json(&gitlab),
        "gitlab",
    );
    assert_eq!(sorted(gitlab_findings(&gitlab)), want, "gitlab");

    let rdjson = check(&dir, "fixtures/demo", "rdjson");
    assert_valid(
        &validator("rdjson-DiagnosticResult.json"),
        &json(&rdjson),
        "rdjson",
    );
    assert_eq!(sorted(rdjson_findings(&rdjson)), want, "rdjson");

    assert_eq!(
        sorted(checkstyle_findings(&check(
            &dir,
            "fixtures/demo",
            "checkstyle"
        ))),
        want,
        "checkstyle"
    );
    assert_eq!(
        sorted(junit_findings(&check(&dir, "fixtures/demo", "junit"))),
        want,
        "junit"
    );
}

#[test]
fn the_schemas_reject_broken_documents() {
    let gitlab = validator("gitlab-codequality.schema.json");
    let bad = json(
        r#"[{"description":"x","check_name":"r","fingerprint":"f","severity":"error","location":{"path":"a.go","lines":{"begin":1}}}]"#,
    );
    assert!(!gitlab.is_valid(&bad), "severity `error` is not GitLab's");
    let no_line = json(
        r#"[{"description":"x","check_name":"r","fingerprint":"f","severity":"minor","location":{"path":"a.go"}}]"#,
    );
    assert!(!gitlab.is_valid(&no_line), "a location needs lines");
    let rdjson = validator("rdjson-DiagnosticResult.json");
    let bad = json(r#"{"diagnostics":[{"message":"x","severity":"FATAL"}]}"#);
    assert!(!rdjson.is_valid(&bad), "FATAL is not an rdjson severity");
}

const HANDLER: &str = "package api\n\nimport \"net/http\"\n\n// Über is a handler.\nfunc Über(w http.ResponseWriter, r *http.Request) { _ = \"é\" }\n";

#[test]
fn hostile_file_names_keep_every_document_valid() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let names = [
        "a&b <c> \"d\" 'e'.go",
        "ctl\u{1}x.go",
        "]]>.go",
        "ünï cödé.go",
    ];
    for name in names {
        std::fs::write(root.join(name), HANDLER).unwrap();
    }
    let want = sorted(reference(root, "."));
    assert_eq!(want.len(), names.len(), "{want:?}");

    let gitlab = check(root, ".", "gitlab");
    assert_valid(
        &validator("gitlab-codequality.schema.json"),
        &json(&gitlab),
        "gitlab",
    );
    assert_eq!(sorted(gitlab_findings(&gitlab)), want);
    let rdjson = check(root, ".", "rdjson");
    assert_valid(
        &validator("rdjson-DiagnosticResult.json"),
        &json(&rdjson),
        "rdjson",
    );
    assert_eq!(sorted(rdjson_findings(&rdjson)), want);

    // XML cannot carry U+0001 at all: that one name reads with U+FFFD in its place.
    let xml_want: Vec<_> = sorted(
        want.iter()
            .map(|(p, l, r)| (p.replace('\u{1}', "\u{FFFD}"), *l, r.clone()))
            .collect(),
    );
    assert_eq!(
        sorted(checkstyle_findings(&check(root, ".", "checkstyle"))),
        xml_want
    );
    assert_eq!(sorted(junit_findings(&check(root, ".", "junit"))), xml_want);
}

#[test]
fn rdjson_suggests_the_codeowners_fix_without_applying_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("billing")).unwrap();
    std::fs::write(root.join("CODEOWNERS"), "/billing/ @acme/payments\n").unwrap();
    std::fs::write(root.join("billing/h.go"), HANDLER).unwrap();

    let value = json(&check(root, ".", "rdjson"));
    assert_valid(&validator("rdjson-DiagnosticResult.json"), &value, "rdjson");
    let diagnostic = &value["diagnostics"][0];
    assert_eq!(diagnostic["code"]["value"], "handler-oncall");
    // `func` is at byte column 1 of line 6; the multi-byte name does not shift the start.
    assert_eq!(
        diagnostic["location"]["range"]["start"],
        serde_json::json!({"line": 6, "column": 1})
    );
    let suggestions = diagnostic["suggestions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(suggestions.len(), 1, "{diagnostic:#}");
    assert!(
        suggestions[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("@oncall-team payments")),
        "{diagnostic:#}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("billing/h.go")).unwrap(),
        HANDLER,
        "rdjson must not edit the file"
    );
}
