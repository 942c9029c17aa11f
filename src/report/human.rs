//! Human output: miette snippets per finding, a summary that never hides an unchecked file,
//! then the findings per rule and the files with most findings.

use std::fmt::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{plural, printable, Report};
use crate::finding::{Finding, Severity};

/// Width used for wrapping messages; fixed because reporters do not query the terminal.
const WRAP_WIDTH: usize = 100;

/// Every finding as a snippet (or one line when its source is unavailable), then the summary
/// line, notes, skipped files, and last the per-rule table and the files with most findings.
pub fn render(report: &Report) -> String {
    let handler = handler(report.color);
    let mut out = String::new();
    let mut snippets = 0;
    for finding in report.findings {
        let rendered = report
            .sources
            .get(&finding.path)
            .filter(|source| snippets < MAX_SNIPPETS && source.len() <= MAX_SNIPPET_SOURCE)
            .and_then(|source| snippet(&handler, finding, source));
        snippets += usize::from(rendered.is_some());
        match rendered {
            Some(text) => out.push_str(&text),
            None => out.push_str(&one_line(finding)),
        }
        for place in &finding.related {
            let at = match place.line {
                0 => printable(&super::compact::one_line(&place.path)),
                line => format!(
                    "{}:{line}",
                    printable(&super::compact::one_line(&place.path))
                ),
            };
            let _ = writeln!(
                out,
                "  also: {at}: {}",
                printable(&super::compact::one_line(&place.message))
            );
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push_str(&statistics_table(report));
    defuse_workflow_commands(&out)
}

/// `check --statistics`: the per-rule table, the files with most findings and the summary,
/// without the findings themselves.
pub fn render_statistics(report: &Report) -> String {
    defuse_workflow_commands(&(summary(report) + &statistics_table(report)))
}

/// A blank line, then the per-rule table and the files with most findings: what a long run
/// ends with, where the reader's eyes are.
fn statistics_table(report: &Report) -> String {
    let color = report.color;
    let table = super::statistics::text(report, &|severity, text| match severity {
        Severity::Error => paint(color, RED, text),
        Severity::Warning => paint(color, YELLOW, text),
    });
    if table.is_empty() {
        table
    } else {
        "\n".to_string() + &table
    }
}

/// The GitHub Actions runner takes a line a step prints that starts with `::` as a workflow
/// command; text from the repository (a config key, a file name, a message) may hold a
/// newline followed by `::error …`. Such a line is printed with a backslash in front, which
/// shows what it was and commands nothing.
pub fn defuse_workflow_commands(text: &str) -> String {
    if !text.contains("::") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("::") {
            out.push('\\');
        }
        out.push_str(line);
    }
    out
}

/// Snippets cost a scan of the file up to the finding: beyond this many, or in files larger
/// than this, findings are shown on one line (a hostile file may hold 20,000 handlers).
const MAX_SNIPPETS: usize = 1_000;
const MAX_SNIPPET_SOURCE: usize = 1024 * 1024;

/// A line longer than this is not shown as a snippet (a 5 MB line would be printed whole).
const MAX_SNIPPET_LINE: usize = 1_000;

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        // ASCII art without escape codes: safe for logs, pipes and old terminals.
        GraphicalTheme::none()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(WRAP_WIDTH)
        .without_syntax_highlighting()
}

/// The miette rendering of `finding`, or `None` when its position does not fit `source`.
fn snippet(handler: &GraphicalReportHandler, finding: &Finding, source: &str) -> Option<String> {
    let span = span_in(finding, source)?;
    let line_start = source[..span.offset()].rfind('\n').map_or(0, |i| i + 1);
    let line_len = source[line_start..]
        .find('\n')
        .unwrap_or(source.len() - line_start);
    if line_len > MAX_SNIPPET_LINE || span.len() > 64 * MAX_SNIPPET_LINE {
        return None;
    }
    let name = printable(&super::compact::one_line(&finding.path));
    let source = without_control_bytes(source);
    let diagnostic = FindingDiagnostic {
        finding,
        message: printable(&finding.message),
        help: finding.help.as_deref().map(printable),
        source: NamedText {
            name: &name,
            text: &source,
        },
        span,
    };
    let mut out = String::new();
    handler.render_report(&mut out, &diagnostic).ok()?;
    Some(out)
}

/// The byte span of the finding in `source`. The byte range is trusted only when it is
/// valid and starts on the finding's line; otherwise it is derived from line and column.
fn span_in(finding: &Finding, source: &str) -> Option<SourceSpan> {
    let (start, end) = (finding.start_byte, finding.end_byte);
    let bytes_valid = start <= end
        && end <= source.len()
        && source.is_char_boundary(start)
        && source.is_char_boundary(end)
        && line_of(source, start) == finding.line;
    if bytes_valid {
        return Some(SourceSpan::new(start.into(), end - start));
    }
    let start = offset_of(source, finding.line, finding.column)?;
    let end = offset_of(source, finding.end_line, finding.end_column)
        .filter(|&end| end >= start)
        .unwrap_or(start);
    Some(SourceSpan::new(start.into(), end - start))
}

/// 1-based line number of byte `offset`.
fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Byte offset of 1-based `line` and character `column`; a column past the end of the
/// line is clamped to the line's end.
fn offset_of(source: &str, line: usize, column: usize) -> Option<usize> {
    let line_index = line.checked_sub(1)?;
    let mut line_start = 0;
    for _ in 0..line_index {
        line_start += source[line_start..].find('\n')? + 1;
    }
    let rest = &source[line_start..];
    let line_len = rest.find('\n').unwrap_or(rest.len());
    let line_text = &rest[..line_len];
    let within = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(line_len);
    Some(line_start + within)
}

/// The source with its ASCII control characters other than tab and line breaks shown as `?`,
/// byte for byte (offsets stay valid): a snippet must not write a NUL or a terminal escape
/// sequence from the checked file to the terminal.
fn without_control_bytes(source: &str) -> std::borrow::Cow<'_, str> {
    let is_bad = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f;
    if !source.bytes().any(is_bad) {
        return std::borrow::Cow::Borrowed(source);
    }
    let cleaned: String = source
        .chars()
        .map(|c| {
            if c.is_ascii() && is_bad(c as u8) {
                '?'
            } else {
                c
            }
        })
        .collect();
    std::borrow::Cow::Owned(cleaned)
}

/// `path:line:col: severity[rule] message` and the help, for findings without a snippet.
fn one_line(finding: &Finding) -> String {
    let mut out = format!(
        "{}:{}:{}: {}[{}] {}\n",
        printable(&super::compact::one_line(&finding.path)),
        finding.line,
        finding.column,
        finding.severity.as_str(),
        finding.rule,
        printable(&super::compact::one_line(&finding.message)),
    );
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "  help: {}", printable(help));
    }
    out
}

/// The closing lines: counts, notes and every file that was not checked.
fn summary(report: &Report) -> String {
    let stats = report.stats;
    let errors = count(report, Severity::Error);
    let warnings = count(report, Severity::Warning);
    let skipped = stats.files_skipped.max(stats.skipped.len());

    let mut files = format!("{} checked", plural(stats.files_checked, "file"));
    if skipped > 0 {
        let _ = write!(files, " ({skipped} skipped)");
    }
    if stats.parse_errors > 0 {
        let _ = write!(files, " ({} with syntax errors)", stats.parse_errors);
    }
    let counts = if errors + warnings == 0 {
        paint(report.color, GREEN, "No findings")
    } else {
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(paint(report.color, RED, &plural(errors, "error")));
        }
        if warnings > 0 {
            parts.push(paint(report.color, YELLOW, &plural(warnings, "warning")));
        }
        parts.join(", ")
    };
    let mut out = format!("{counts} in {files} in {} ms\n", stats.elapsed_ms);
    for note in &stats.notes {
        let _ = writeln!(out, "note: {}", printable(note));
    }
    if !stats.skipped.is_empty() {
        let heading = format!("Not checked ({}):", stats.skipped.len());
        let _ = writeln!(out, "{}", paint(report.color, YELLOW, &heading));
        for file in &stats.skipped {
            let _ = writeln!(
                out,
                "  {}: {}",
                printable(&super::compact::one_line(&file.path)),
                printable(&super::compact::one_line(&file.reason))
            );
        }
    }
    out
}

fn count(report: &Report, severity: Severity) -> usize {
    report
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .count()
}

const RED: &str = "\u{1b}[1;31m";
const YELLOW: &str = "\u{1b}[1;33m";
const GREEN: &str = "\u{1b}[1;32m";

fn paint(color: bool, style: &str, text: &str) -> String {
    if color {
        format!("{style}{text}\u{1b}[0m")
    } else {
        text.to_string()
    }
}

/// A finding seen through miette's `Diagnostic` trait.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    message: String,
    help: Option<String>,
    source: NamedText<'a>,
    span: SourceSpan,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic")
            .field("finding", self.finding)
            .finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // The severity word labels the span: in the plain theme the icon alone (`x`, `!`)
        // is easy to miss.
        let label = LabeledSpan::new_primary_with_span(
            Some(self.finding.severity.as_str().to_string()),
            self.span,
        );
        Some(Box::new(std::iter::once(label)))
    }
}

/// Source text that carries its file name into the snippet header, without copying.
struct NamedText<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for NamedText<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let contents = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_line_starts_a_workflow_command() {
        let text = "a\n::error file=x::y\n  ::warning::z\nok :: fine\n";
        assert_eq!(
            super::defuse_workflow_commands(text),
            "a\n\\::error file=x::y\n\\  ::warning::z\nok :: fine\n"
        );
    }

    use std::collections::HashMap;

    use super::*;
    use crate::report::test_support::{finding, report, stats};

    const SOURCE: &str = "package api\n\nimport \"net/http\"\n\nfunc Health(w http.ResponseWriter, r *http.Request) {}\n";

    fn handler_finding() -> Finding {
        let start = SOURCE.find("func Health").unwrap_or(0);
        let mut f = finding("handler-oncall", Severity::Error, "api/health.go", 5);
        f.column = 1;
        f.end_column = 5;
        f.start_byte = start;
        f.end_byte = start + 4;
        f.message = "HTTP handler Health has no `// @oncall-team` annotation".into();
        f.help = Some("add `// @oncall-team <team>` above the function".into());
        f
    }

    #[test]
    fn snippet_shows_rule_file_source_line_label_and_help() {
        let findings = vec![handler_finding()];
        let stats = stats(14, &[]);
        let sources = HashMap::from([("api/health.go".to_string(), SOURCE.to_string())]);
        let out = render(&report(&findings, &stats, &sources));
        assert!(out.contains("handler-oncall"), "{out}");
        assert!(out.contains("[api/health.go:5:1]"), "{out}");
        assert!(
            out.contains("func Health(w http.ResponseWriter, r *http.Request) {}"),
            "{out}"
        );
        assert!(out.contains("^^|^\n") || out.contains("^^^^"), "{out}");
        assert!(out.contains("error"), "{out}");
        assert!(
            out.contains("help: add `// @oncall-team <team>` above the function"),
            "{out}"
        );
        assert!(out.contains("x HTTP handler Health has no"), "{out}");
        // No colour codes and only ASCII art in the plain theme.
        assert!(!out.contains('\u{1b}'), "{out}");
        assert!(out.is_ascii(), "{out}");
        assert!(
            out.ends_with(
                "1 error in 14 files checked in 12 ms\n\n\
                 Rule            Severity        Count  Fixable\n\
                 handler-oncall  error               1  -\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn colour_theme_uses_escape_codes() {
        let findings = vec![handler_finding()];
        let stats = stats(1, &[]);
        let sources = HashMap::from([("api/health.go".to_string(), SOURCE.to_string())]);
        let mut report = report(&findings, &stats, &sources);
        report.color = true;
        let out = render(&report);
        assert!(out.contains('\u{1b}'), "{out}");
        assert!(out.contains("func Health"), "{out}");
    }

    #[test]
    fn span_is_derived_from_line_and_column_when_bytes_are_wrong() {
        let source = "package a\n// é\nvar x = 1\n";
        let mut f = finding("metric-help", Severity::Error, "a.go", 3);
        f.column = 5;
        f.end_column = 6;
        f.start_byte = 0; // wrong line: must not be trusted
        f.end_byte = 0;
        let span = span_in(&f, source).map(|s| (s.offset(), s.len()));
        let expected = source.find("x = 1").map(|o| (o, 1));
        assert_eq!(span, expected);
    }

    #[test]
    fn missing_source_falls_back_to_one_line_with_help() {
        let findings = vec![handler_finding()];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert!(out.starts_with(
            "api/health.go:5:1: error[handler-oncall] HTTP handler Health has no `// @oncall-team` annotation\n  help: add `// @oncall-team <team>` above the function\n"
        ), "{out}");
    }

    #[test]
    fn out_of_range_position_falls_back_instead_of_panicking() {
        let mut f = handler_finding();
        f.line = 99;
        f.start_byte = 10_000;
        f.end_byte = 10_001;
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::from([("api/health.go".to_string(), SOURCE.to_string())]);
        let out = render(&report(&findings, &stats, &sources));
        assert!(
            out.starts_with("api/health.go:99:1: error[handler-oncall]"),
            "{out}"
        );
    }

    #[test]
    fn empty_spans_at_end_of_file_and_in_empty_files_do_not_panic() {
        for (source, line, column) in [("package a\n", 2, 1), ("", 1, 1), ("é", 1, 2)] {
            let mut f = finding("parse-error", Severity::Warning, "a.go", line);
            f.column = column;
            f.end_column = column;
            f.start_byte = 1; // inside `é` or past the end: never trusted
            f.end_byte = 1;
            let findings = vec![f];
            let stats = stats(1, &[]);
            let sources = HashMap::from([("a.go".to_string(), source.to_string())]);
            let out = render(&report(&findings, &stats, &sources));
            assert!(out.contains("parse-error"), "{out}");
            assert!(out.contains("1 warning in 1 file checked"), "{out}");
        }
    }

    #[test]
    fn summary_counts_severities_skips_and_notes() {
        let findings = vec![
            finding("handler-oncall", Severity::Error, "a.go", 1),
            finding("metric-help", Severity::Error, "b.go", 1),
            finding("unused-suppression", Severity::Warning, "c.go", 1),
        ];
        let mut stats = stats(
            14,
            &[("big.go", "larger than 10 MiB"), ("bad.go", "not UTF-8")],
        );
        stats.files_skipped = 3;
        stats
            .notes
            .push("troubleshooting-doc: skipped (no --base)".into());
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert!(
            out.contains("\n2 errors, 1 warning in 14 files checked (3 skipped) in 12 ms\n"),
            "{out}"
        );
        assert!(
            out.contains("\nnote: troubleshooting-doc: skipped (no --base)\n"),
            "{out}"
        );
        assert!(
            out.contains("Not checked (2):\n  big.go: larger than 10 MiB\n  bad.go: not UTF-8\n\n"),
            "{out}"
        );
        // The output ends with the findings per rule and the files with most findings.
        assert!(
            out.ends_with("\nFiles with most findings:\n  1  a.go\n  1  b.go\n  1  c.go\n"),
            "{out}"
        );
    }

    #[test]
    fn clean_run_still_lists_skipped_files() {
        let stats = stats(1, &[("vendor.go", "permission denied")]);
        let sources = HashMap::new();
        let out = render(&report(&[], &stats, &sources));
        assert_eq!(
            out,
            "No findings in 1 file checked (1 skipped) in 12 ms\nNot checked (1):\n  vendor.go: permission denied\n"
        );
    }

    #[test]
    fn terminal_escapes_in_messages_are_neutralised() {
        let mut f = handler_finding();
        f.message = "team \u{1b}[31mred".into();
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::from([("api/health.go".to_string(), SOURCE.to_string())]);
        let out = render(&report(&findings, &stats, &sources));
        assert!(!out.contains('\u{1b}'), "{out}");
        assert!(out.contains("team ?[31mred"), "{out}");
    }
}
