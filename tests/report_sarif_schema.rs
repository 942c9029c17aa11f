//! The SARIF reporter's output validates against the official SARIF 2.1.0 schema (vendored
//! in `tests/schemas/`, see its README), for clean runs and for awkward inputs: non-ASCII
//! and reserved characters in paths, multibyte text before a finding, missing help, unknown
//! rules, skipped files, odd positions.

use std::collections::HashMap;

use serde_json::Value;
use sre_policy::finding::{Finding, Severity, SkippedFile, Stats};
use sre_policy::report::{render, Format, Report};

const SCHEMA_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/schemas/sarif-schema-2.1.0.json"
);

fn validator() -> jsonschema::Validator {
    let text = match std::fs::read_to_string(SCHEMA_PATH) {
        Ok(text) => text,
        Err(e) => panic!("cannot read the SARIF schema at {SCHEMA_PATH}: {e}"),
    };
    let schema: Value = match serde_json::from_str(&text) {
        Ok(schema) => schema,
        Err(e) => panic!("the SARIF schema is not JSON: {e}"),
    };
    match jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
    {
        Ok(validator) => validator,
        Err(e) => panic!("the SARIF schema does not compile: {e}"),
    }
}

fn errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn sarif(findings: &[Finding], stats: &Stats, sources: &HashMap<String, String>) -> Value {
    let report = Report {
        findings,
        stats,
        rules: sre_policy::rules::RULES,
        sources,
        diff_mode: false,
        color: false,
        baseline: None,
        compact_help: false,
    };
    let bytes = render(Format::Sarif, &report);
    match serde_json::from_slice(&bytes) {
        Ok(log) => log,
        Err(e) => panic!(
            "SARIF output is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        ),
    }
}

fn finding(
    rule: &'static str,
    severity: Severity,
    path: &str,
    line: usize,
    column: usize,
) -> Finding {
    Finding {
        rule,
        severity,
        path: path.to_string(),
        line,
        column,
        end_line: line,
        end_column: column + 4,
        start_byte: 0,
        end_byte: 0,
        message: format!("{rule}: something is wrong"),
        help: Some("do the right thing".to_string()),
        fix: None,
        on_changed_line: false,
        related: Vec::new(),
        context_lines: None,
    }
}

#[test]
fn clean_run_is_valid_sarif() {
    let validator = validator();
    let log = sarif(&[], &Stats::default(), &HashMap::new());
    assert_eq!(errors(&validator, &log), Vec::<String>::new());
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
}

#[test]
fn awkward_findings_and_skipped_files_are_valid_sarif() {
    let path = "svc/naïve dir/ünïcödé #1?%.go";
    let source = "package svc\n\n// 日本語のコメント 🚀 über\nfunc Handler(w http.ResponseWriter, r *http.Request) {}\n";
    let mut handler = finding("handler-oncall", Severity::Error, path, 4, 1);
    handler.start_byte = source.find("func").unwrap_or(0);
    handler.end_byte = handler.start_byte + 4;
    let mut in_comment = finding("invalid-suppression", Severity::Warning, path, 3, 7);
    in_comment.message = "quotes \"x\", <tags> & newlines\nand\ttabs".to_string();
    in_comment.help = None;
    let mut odd = finding("future-rule", Severity::Warning, "z.go", 0, 0);
    odd.end_line = 0;
    odd.end_column = 0;
    let findings = vec![in_comment, handler, odd];
    let stats = Stats {
        files_checked: 3,
        files_skipped: 2,
        parse_errors: 1,
        elapsed_ms: 5,
        skipped: vec![
            SkippedFile {
                path: "vendor/ß big.go".to_string(),
                reason: "larger than 10 MiB".to_string(),
            },
            SkippedFile {
                path: "bad\nname.go".to_string(),
                reason: "not UTF-8".to_string(),
            },
        ],
        notes: vec!["troubleshooting-doc: not run without --base".to_string()],
        phases: Default::default(),
    };
    let sources = HashMap::from([(path.to_string(), source.to_string())]);
    let log = sarif(&findings, &stats, &sources);
    let validator = validator();
    assert_eq!(errors(&validator, &log), Vec::<String>::new());

    let run = &log["runs"][0];
    assert_eq!(
        run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "svc/na%C3%AFve%20dir/%C3%BCn%C3%AFc%C3%B6d%C3%A9%20%231%3F%25.go"
    );
    let notifications = &run["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(
        notifications[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "bad%0Aname.go"
    );
    assert_eq!(
        run["results"][2]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );

    // Draft-04's schema does not check URI syntax, so check RFC 3986 here: only
    // unreserved characters, `/` and well-formed percent-escapes.
    let uri_syntax = regex::Regex::new(r"^(?:[A-Za-z0-9._~/-]|%[0-9A-F]{2})+$").ok();
    let mut uris = Vec::new();
    collect_uris(&log, &mut uris);
    assert_eq!(uris.len(), 5, "{uris:?}");
    for uri in uris {
        assert!(
            uri_syntax.as_ref().is_some_and(|re| re.is_match(&uri)),
            "{uri}"
        );
    }
}

fn collect_uris(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("uri", Value::String(uri)) => out.push(uri.clone()),
                    _ => collect_uris(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_uris(item, out)),
        _ => {}
    }
}

#[test]
fn the_validator_rejects_a_broken_log() {
    // Guards the two tests above against a validator that accepts anything.
    let validator = validator();
    let mut log = sarif(
        &[finding("metric-help", Severity::Error, "a.go", 1, 1)],
        &Stats::default(),
        &HashMap::new(),
    );
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!errors(&validator, &log).is_empty());
    let mut log = sarif(&[], &Stats::default(), &HashMap::new());
    log["version"] = Value::from("2.0.0");
    assert!(!errors(&validator, &log).is_empty());
}
