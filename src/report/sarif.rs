//! SARIF 2.1.0 for GitHub code scanning: every rule with its manual, results with
//! repo-relative percent-encoded URIs, and fingerprints that survive lines inserted above.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::Report;
use crate::finding::{Finding, Severity};
use crate::rules::RuleInfo;

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key; bump the suffix if the hashed inputs ever change.
pub const FINGERPRINT_KEY: &str = "sre-policy/v1";

/// The SARIF log, ending with a newline.
pub fn render(report: &Report) -> String {
    let mut rules: Vec<Value> = report.rules.iter().map(rule_descriptor).collect();
    let mut rule_index: HashMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    // A finding of a rule missing from `report.rules` still gets a descriptor, so that
    // every result can name its rule by index.
    for finding in report.findings {
        if !rule_index.contains_key(finding.rule) {
            rule_index.insert(finding.rule, rules.len());
            rules.push(json!({
                "id": finding.rule,
                "name": finding.rule,
                "defaultConfiguration": {"level": level(finding.severity)},
            }));
        }
    }

    let fingerprints = fingerprints(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(finding, fingerprint)| {
            let mut result = result(finding, &fingerprint);
            if let Some(&index) = rule_index.get(finding.rule) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();

    let mut notifications: Vec<Value> = report
        .stats
        .skipped
        .iter()
        .map(|skipped| {
            json!({
                "level": "warning",
                "message": {"text": format!("{} was not checked: {}", skipped.path, skipped.reason)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact(&skipped.path)}}],
            })
        })
        .collect();
    notifications.extend(
        report
            .stats
            .notes
            .iter()
            .map(|note| json!({"level": "note", "message": {"text": note}})),
    );
    let mut invocation = json!({"executionSuccessful": true});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }

    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sre-policy",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule_descriptor(rule: &RuleInfo) -> Value {
    let what_it_does = doc_section(rule.doc, "What it does");
    let full_description = if what_it_does.is_empty() {
        rule.summary
    } else {
        what_it_does
    };
    json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full_description},
        "help": {"text": rule.doc.trim(), "markdown": rule.doc.trim()},
        "defaultConfiguration": {"level": level(rule.default_severity)},
    })
}

/// The trimmed body of the `## <title>` section of a rule's Markdown manual, or "".
pub(crate) fn doc_section<'a>(doc: &'a str, title: &str) -> &'a str {
    let mut body_start = None;
    let mut offset = 0;
    let mut in_fence = false;
    for line in doc.split_inclusive('\n') {
        let trimmed = line.trim_end();
        // A `## ` inside a fenced example is not a heading.
        if trimmed.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && trimmed.starts_with("## ") {
            if let Some(start) = body_start {
                return doc[start..offset].trim();
            }
            if trimmed[3..].trim() == title {
                body_start = Some(offset + line.len());
            }
        } else if !in_fence && trimmed.starts_with("# ") && body_start.is_some() {
            break;
        }
        offset += line.len();
    }
    match body_start {
        Some(start) => doc[start..offset].trim(),
        None => "",
    }
}

fn result(finding: &Finding, fingerprint: &str) -> Value {
    let text = match &finding.help {
        Some(help) => format!("{}\nHelp: {}", finding.message, help),
        None => finding.message.clone(),
    };
    let start_line = finding.line.max(1);
    let start_column = finding.column.max(1);
    // SARIF regions must not end before they start.
    let (end_line, end_column) = if finding.end_line < start_line
        || (finding.end_line == start_line && finding.end_column < start_column)
    {
        (start_line, start_column)
    } else {
        (finding.end_line, finding.end_column.max(1))
    };
    let mut result = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": {"text": text},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact(&finding.path),
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            },
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    });
    if !finding.related.is_empty() {
        let related: Vec<Value> = finding
            .related
            .iter()
            .enumerate()
            .map(|(id, place)| {
                let mut location = json!({"artifactLocation": artifact(&place.path)});
                if place.line > 0 {
                    location["region"] = json!({"startLine": place.line});
                }
                json!({
                    "id": id,
                    "physicalLocation": location,
                    "message": {"text": place.message},
                })
            })
            .collect();
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

fn artifact(path: &str) -> Value {
    json!({"uri": percent_encode_path(path), "uriBaseId": "%SRCROOT%"})
}

/// RFC 3986 percent-encoding of a relative path: unreserved characters and `/` stay,
/// every other byte of the UTF-8 text becomes `%XX`.
pub fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0xf));
        }
    }
    out
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0xf)])
}

/// One fingerprint per finding, in order. It hashes what identifies a finding without
/// its line number, so inserting lines above does not change it: rule id, path, the
/// whitespace-normalised source line, and which occurrence of that triple it is.
pub(crate) fn fingerprints(report: &Report) -> Vec<String> {
    let mut seen: HashMap<(&str, &str, String), usize> = HashMap::new();
    // Lines of each file, split once: a file may have thousands of findings.
    let mut lines_by_path: HashMap<&str, Vec<&str>> = HashMap::new();
    report
        .findings
        .iter()
        .map(|finding| {
            let lines = lines_by_path
                .entry(finding.path.as_str())
                .or_insert_with(|| match report.sources.get(&finding.path) {
                    Some(source) => source.split('\n').collect(),
                    None => Vec::new(),
                });
            // Splitting on whitespace also drops a CRLF's `\r`.
            let line_text = finding
                .line
                .checked_sub(1)
                .and_then(|index| lines.get(index))
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            let key = (finding.rule, finding.path.as_str(), line_text);
            let occurrence = seen.entry(key.clone()).or_insert(0);
            let index = *occurrence;
            *occurrence += 1;
            let mut hash = Fnv1a64::new();
            hash.write(key.0.as_bytes());
            hash.write(&[0]);
            hash.write(key.1.as_bytes());
            hash.write(&[0]);
            hash.write(key.2.as_bytes());
            hash.write(&[0]);
            hash.write(index.to_string().as_bytes());
            format!("{:016x}", hash.finish())
        })
        .collect()
}

/// FNV-1a, 64 bit: tiny, and stable across Rust versions (unlike `DefaultHasher`),
/// which fingerprints stored by GitHub between runs require.
pub(crate) struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub(crate) fn new() -> Self {
        Fnv1a64(Self::OFFSET_BASIS)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::Value;

    use super::*;
    use crate::report::test_support::{finding, parse_json as parse, report, stats};

    #[test]
    fn fnv1a_matches_reference_vectors() {
        let hash = |s: &str| {
            let mut h = Fnv1a64::new();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_eq!(hash(""), 0xcbf29ce484222325);
        assert_eq!(hash("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(hash("foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn percent_encoding_keeps_unreserved_and_slash_only() {
        assert_eq!(percent_encode_path("pkg/x/metrics.go"), "pkg/x/metrics.go");
        assert_eq!(percent_encode_path("a-b_c.d~e/F9"), "a-b_c.d~e/F9");
        assert_eq!(
            percent_encode_path("my dir/50%#1?.go"),
            "my%20dir/50%25%231%3F.go"
        );
        assert_eq!(percent_encode_path("c:x/a+b.go"), "c%3Ax/a%2Bb.go");
        assert_eq!(percent_encode_path("café/ü.go"), "caf%C3%A9/%C3%BC.go");
        assert_eq!(percent_encode_path("a\\b\n.go"), "a%5Cb%0A.go");
    }

    #[test]
    fn doc_section_extracts_the_named_section_only() {
        let doc = "# r\n\n## What it does\n\nFinds things.\nTwice.\n\n## Why\n\nBecause.\n\n## Example\n\n```go\n## not a heading\n```\n";
        assert_eq!(doc_section(doc, "What it does"), "Finds things.\nTwice.");
        assert_eq!(doc_section(doc, "Why"), "Because.");
        assert_eq!(doc_section(doc, "Example"), "```go\n## not a heading\n```");
        assert_eq!(doc_section(doc, "Configuration"), "");
    }

    #[test]
    fn every_rule_is_described_and_results_point_at_them() {
        let mut f = finding("metric-help", Severity::Error, "pkg/x/metrics.go", 2);
        f.column = 3;
        f.end_column = 9;
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let log = parse(&render(&report(&findings, &stats, &sources)));
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SARIF_SCHEMA);
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(run["tool"]["driver"]["name"], "sre-policy");
        assert_eq!(
            run["tool"]["driver"]["semanticVersion"],
            env!("CARGO_PKG_VERSION")
        );
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(rules.len(), crate::rules::RULES.len());
        for (descriptor, info) in rules.iter().zip(crate::rules::RULES) {
            assert_eq!(descriptor["id"], info.id);
            assert_eq!(descriptor["shortDescription"]["text"], info.summary);
            assert_eq!(descriptor["help"]["markdown"], info.doc.trim());
            assert!(descriptor["fullDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty()));
            assert_eq!(
                descriptor["defaultConfiguration"]["level"],
                info.default_severity.as_str()
            );
        }
        let result = &run["results"][0];
        let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(
            rules.get(index).map(|r| &r["id"]),
            Some(&Value::from("metric-help"))
        );
        assert_eq!(result["ruleId"], "metric-help");
        assert_eq!(result["level"], "error");
        assert_eq!(
            result["message"]["text"],
            "metric-help problem\nHelp: fix it"
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "pkg/x/metrics.go");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            location["region"],
            json!({"startLine": 2, "startColumn": 3, "endLine": 2, "endColumn": 9})
        );
        assert_eq!(result["locations"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn clean_run_has_empty_results_and_reports_skipped_files() {
        let stats = stats(3, &[("big dir/huge.go", "larger than 10 MiB")]);
        let sources = HashMap::new();
        let log = parse(&render(&report(&[], &stats, &sources)));
        let run = &log["runs"][0];
        assert_eq!(run["results"], json!([]));
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], true);
        let notification = &invocation["toolExecutionNotifications"][0];
        assert_eq!(notification["level"], "warning");
        assert!(notification["message"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("larger than 10 MiB")));
        assert_eq!(
            notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "big%20dir/huge.go"
        );
    }

    fn fingerprints_of(source: &str, lines: &[usize]) -> Vec<String> {
        let findings: Vec<Finding> = lines
            .iter()
            .map(|&line| finding("handler-oncall", Severity::Error, "api.go", line))
            .collect();
        let stats = stats(1, &[]);
        let sources = HashMap::from([("api.go".to_string(), source.to_string())]);
        let log = parse(&render(&report(&findings, &stats, &sources)));
        log["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                r["partialFingerprints"][FINGERPRINT_KEY]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn fingerprints_survive_lines_inserted_above_and_reindentation() {
        let before = "package api\nfunc A(w http.ResponseWriter, r *http.Request) {}\nfunc B(w http.ResponseWriter, r *http.Request) {}\n";
        let after = "package api\n\nimport \"net/http\"\n\nfunc A(w  http.ResponseWriter, r *http.Request) {}\n\tfunc B(w http.ResponseWriter, r *http.Request) {}\r\n";
        let old = fingerprints_of(before, &[2, 3]);
        let new = fingerprints_of(after, &[5, 6]);
        assert_eq!(old, new);
        assert_ne!(old[0], old[1]);
        assert!(old.iter().all(|f| f.len() == 16));
    }

    #[test]
    fn identical_lines_get_distinct_fingerprints_by_occurrence() {
        let source = "package a\nfunc(w http.ResponseWriter, r *http.Request) {}\nfunc(w http.ResponseWriter, r *http.Request) {}\n";
        let prints = fingerprints_of(source, &[2, 3]);
        assert_ne!(prints[0], prints[1]);
        // The same occurrence order yields the same prints after an insertion above.
        let shifted = format!("// comment\n{source}");
        assert_eq!(fingerprints_of(&shifted, &[3, 4]), prints);
    }

    #[test]
    fn unknown_rule_gets_a_descriptor_and_an_index() {
        let findings = vec![finding("future-rule", Severity::Warning, "a.go", 1)];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let log = parse(&render(&report(&findings, &stats, &sources)));
        let run = &log["runs"][0];
        let index = run["results"][0]["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "future-rule");
    }

    #[test]
    fn inverted_region_is_collapsed_to_its_start() {
        let mut f = finding("metric-help", Severity::Error, "a.go", 4);
        f.column = 7;
        f.end_line = 3;
        f.end_column = 1;
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let log = parse(&render(&report(&findings, &stats, &sources)));
        assert_eq!(
            log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 4, "startColumn": 7, "endLine": 4, "endColumn": 7})
        );
    }
}
