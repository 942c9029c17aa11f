//! Property-based fuzzing on stable Rust: arbitrary bytes and mutated real Go files (the
//! fixtures, with random insertions, deletions, splices and hostile tokens) go through parse,
//! every rule and every reporter. Properties: no panic anywhere (the engine would report a
//! contained panic as an internal error, so that counts as a failure too), JSON and SARIF
//! stay valid JSON, compact stays one line per finding, every position is 1-based.
//!
//! The suite runs a short bounded run; a longer one:
//! `SRE_POLICY_FUZZ_CASES=200000 cargo test --release --test fuzz_pipeline -- --nocapture`.
//! Inputs that once failed are kept in `fixtures/robustness/crashers/` (as `*.go.crash`) and replayed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sre_policy::config::Settings;
use sre_policy::index::{Modules, Role};
use sre_policy::pipeline::read::{Content, Input, Parse};
use sre_policy::pipeline::{self, CheckOutcome};
use sre_policy::report::{self, Format, Report};

fn fixtures() -> &'static Vec<Vec<u8>> {
    static FIXTURES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "go"))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        let contents: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
        assert!(contents.len() > 20, "fixtures found: {}", contents.len());
        contents
    })
}

/// Tokens that stress a Go parser and the extraction around them.
const TOKENS: &[&[u8]] = &[
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b"func",
    b"func(w http.ResponseWriter, r *http.Request)",
    b"\"",
    b"`",
    b"/*",
    b"*/",
    b"//",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xe2\x80\xae",
    b"// @oncall-team ",
    b"//sre-policy:ignore ",
    b" -- why",
    b"promauto.",
    b"prometheus.NewCounterVec(",
    b"Help: ",
    b"Name: ",
    b"import \"net/http\"\n",
    b"package ",
    b"type T struct{}",
    b"\\",
    b"'",
    b"...",
    b":=",
    b";",
    b",",
    b"*",
    b"&",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, Vec<u8>),
    Token(usize, usize),
    Delete(usize, usize),
    /// Copy a range of another fixture into this one.
    Splice(usize, usize, usize, usize),
    /// Repeat a range (deep or long structures).
    Repeat(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), any::<usize>()).prop_map(|(at, t)| Mutation::Token(at, t)),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<usize>(), any::<usize>(), any::<usize>(), 1usize..256)
            .prop_map(|(at, other, from, len)| Mutation::Splice(at, other, from, len)),
        (any::<usize>(), 1usize..16, 1usize..200)
            .prop_map(|(at, len, times)| Mutation::Repeat(at, len, times)),
    ]
}

fn apply(base: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let fixtures = fixtures();
    let mut bytes = base.to_vec();
    for m in mutations {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Insert(i, ins) => {
                let p = at(*i, bytes.len());
                bytes.splice(p..p, ins.iter().copied());
            }
            Mutation::Token(i, t) => {
                let p = at(*i, bytes.len());
                bytes.splice(p..p, TOKENS[t % TOKENS.len()].iter().copied());
            }
            Mutation::Delete(i, len) => {
                let p = at(*i, bytes.len());
                let end = (p + len).min(bytes.len());
                bytes.drain(p..end);
            }
            Mutation::Splice(i, other, from, len) => {
                let src = &fixtures[other % fixtures.len()];
                let s = at(*from, src.len());
                let e = (s + len).min(src.len());
                let p = at(*i, bytes.len());
                bytes.splice(p..p, src[s..e].iter().copied());
            }
            Mutation::Repeat(i, len, times) => {
                let p = at(*i, bytes.len());
                let e = (p + len).min(bytes.len());
                let chunk = bytes[p..e].to_vec();
                for _ in 0..*times {
                    bytes.splice(e..e, chunk.iter().copied());
                }
            }
        }
    }
    bytes
}

/// The whole pipeline on one file; `Err` names the broken property.
fn pipeline(name: &str, bytes: &[u8]) -> Result<(), String> {
    let settings = Settings::builtin(&sre_policy::rules::defaults());
    let inputs = vec![Input {
        rel: format!("pkg/{name}"),
        content: Content::Bytes(bytes.to_vec()),
        role: Role::Checked,
        parse: Parse::Whole,
        previous: None,
        earlier: None,
    }];
    let mut outcome = CheckOutcome::default();
    pipeline::check_inputs(inputs, &settings, false, Modules::default(), &mut outcome);
    if outcome.internal_errors > 0 {
        return Err(format!("internal error: {:?}", outcome.stats.skipped));
    }
    for f in &outcome.findings {
        if f.line == 0 || f.column == 0 || f.end_line < f.line {
            return Err(format!("bad position: {f:?}"));
        }
    }
    let sources: HashMap<String, String> = outcome.sources.clone();
    for diff_mode in [false, true] {
        let report = Report {
            findings: &outcome.findings,
            stats: &outcome.stats,
            rules: sre_policy::rules::RULES,
            sources: &sources,
            diff_mode,
            color: diff_mode,
            baseline: None,
            compact_help: false,
        };
        for format in [
            Format::Human,
            Format::Compact,
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::Gitlab,
            Format::Junit,
            Format::Checkstyle,
            Format::Rdjson,
        ] {
            let out = report::render(format, &report);
            let text = String::from_utf8(out).map_err(|e| format!("{format:?} not UTF-8: {e}"))?;
            match format {
                Format::Json | Format::Sarif | Format::Gitlab | Format::Rdjson => {
                    serde_json::from_str::<serde_json::Value>(&text)
                        .map_err(|e| format!("{format:?} is not valid JSON: {e}"))?;
                }
                Format::Compact => {
                    if text.lines().count() != outcome.findings.len() {
                        return Err(format!("compact: not one line per finding: {text:?}"));
                    }
                }
                Format::Github => {
                    if let Some(line) = text.lines().find(|l| !l.starts_with("::")) {
                        return Err(format!("github: a line that is not a command: {line:?}"));
                    }
                }
                Format::Junit | Format::Checkstyle => {
                    roxmltree::Document::parse(&text)
                        .map_err(|e| format!("{format:?} is not well-formed XML: {e}"))?;
                }
                Format::Human => {
                    if text.contains('\0') {
                        return Err("human: a raw NUL".to_string());
                    }
                }
            }
        }
        let _ = report::step_summary_markdown(&report);
    }
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("SRE_POLICY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

const NAMES: &[&str] = &["metrics.go", "handler.go", "x_test.go"];

#[test]
fn arbitrary_bytes_never_break_the_pipeline() {
    let started = std::time::Instant::now();
    let n = cases(150);
    let strategy = (prop::collection::vec(any::<u8>(), 0..1024), 0..NAMES.len());
    runner(n)
        .run(&strategy, |(bytes, name)| {
            pipeline(NAMES[name], &bytes).map_err(TestCaseError::fail)
        })
        .unwrap();
    eprintln!("arbitrary bytes: {n} cases in {:?}", started.elapsed());
}

#[test]
fn mutated_go_files_never_break_the_pipeline() {
    let started = std::time::Instant::now();
    let n = cases(250);
    let count = fixtures().len();
    let strategy = (
        0..count,
        prop::collection::vec(mutation(), 1..12),
        0..NAMES.len(),
    );
    runner(n)
        .run(&strategy, |(base, mutations, name)| {
            let bytes = apply(&fixtures()[base], &mutations);
            pipeline(NAMES[name], &bytes).map_err(|e| {
                let _ = std::fs::write(
                    std::env::temp_dir().join("sre-policy-fuzz-failure.go"),
                    &bytes,
                );
                TestCaseError::fail(e)
            })
        })
        .unwrap();
    eprintln!("mutated fixtures: {n} cases in {:?}", started.elapsed());
}

#[test]
fn kept_crashers_pass() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/robustness/crashers");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "crash") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for name in NAMES {
            if let Err(e) = pipeline(name, &bytes) {
                panic!("{} as {name}: {e}", path.display());
            }
        }
        seen += 1;
    }
    eprintln!("{seen} crashers replayed");
    assert!(seen >= 3);
}
