//! `path:line:col: severity[rule-id] message`, one finding per line, for editors and hooks.

use std::fmt::Write;

use super::Report;

/// One line per finding; with `report.compact_help`, each followed by an indented `help:` line.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for finding in report.findings {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            not_a_command(&one_line(&finding.path)),
            finding.line,
            finding.column,
            finding.severity.as_str(),
            finding.rule,
            one_line(&finding.message),
        );
        if let Some(help) = finding.help.as_deref().filter(|_| report.compact_help) {
            let _ = writeln!(out, "    help: {}", one_line(help));
        }
    }
    out
}

/// A line that starts with `::` is a workflow command to the GitHub Actions runner, which
/// reads every line a step prints: a file named `::error file=x::y.go` would forge an
/// annotation. Such a path is written as `./::error …`, the same file.
pub(crate) fn not_a_command(path: &str) -> String {
    if path.trim_start().starts_with("::") {
        format!("./{path}")
    } else {
        path.to_string()
    }
}

/// Keeps a record on one line: a newline in a path or message would fake a second finding.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::finding::Severity;
    use crate::report::test_support::{finding, report, stats};

    #[test]
    fn one_line_per_finding_in_the_documented_shape() {
        let mut first = finding("metric-help", Severity::Error, "pkg/x/metrics.go", 12);
        first.column = 5;
        first.message = "metric has no Help".into();
        let second = finding("unused-suppression", Severity::Warning, "main.go", 3);
        let findings = vec![first, second];
        let stats = stats(2, &[("big.go", "too large")]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert_eq!(
            out,
            "pkg/x/metrics.go:12:5: error[metric-help] metric has no Help\n\
             main.go:3:1: warning[unused-suppression] unused-suppression problem\n"
        );
    }

    #[test]
    fn newlines_in_path_or_message_stay_on_one_line() {
        let mut hostile = finding(
            "handler-oncall",
            Severity::Error,
            "a\nb.go:1:1: error[x] y",
            1,
        );
        hostile.message = "first\r\nsecond".into();
        let findings = vec![hostile];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert_eq!(out.lines().count(), 1);
        assert_eq!(
            out,
            "a\\nb.go:1:1: error[x] y:1:1: error[handler-oncall] first\\r\\nsecond\n"
        );
    }

    #[test]
    fn help_lines_when_asked() {
        let findings = vec![finding("metric-help", Severity::Error, "m.go", 3)];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let mut report = report(&findings, &stats, &sources);
        report.compact_help = true;
        assert_eq!(
            render(&report),
            "m.go:3:1: error[metric-help] metric-help problem\n    help: fix it\n"
        );
    }

    #[test]
    fn clean_report_prints_nothing() {
        let stats = stats(10, &[]);
        let sources = HashMap::new();
        assert_eq!(render(&report(&[], &stats, &sources)), "");
    }
}
