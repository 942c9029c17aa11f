//! GitHub Actions output: workflow-command annotations (within GitHub's per-step caps)
//! and a Markdown job summary for `$GITHUB_STEP_SUMMARY`.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::markdown::{self as md, Context::Inline, Context::TableCell as Cell};
use super::{plural, statistics, Report};
use crate::finding::{Finding, Severity};

/// GitHub shows at most this many `error` and, separately, `warning` annotations per step.
pub const MAX_ANNOTATIONS_PER_LEVEL: usize = 10;

/// GitHub rejects a step summary larger than 1 MiB; stay a little below it.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024 - 1024;

/// At most ten `::error` and ten `::warning` commands, findings on changed lines first;
/// then a `::notice` for what was left out and one for files that were not checked.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut errors_shown = 0;
    let mut warnings_shown = 0;
    let (mut errors_left, mut warnings_left) = (0usize, 0usize);
    for finding in annotation_order(report.findings) {
        let (shown, left) = match finding.severity {
            Severity::Error => (&mut errors_shown, &mut errors_left),
            Severity::Warning => (&mut warnings_shown, &mut warnings_left),
        };
        if *shown < MAX_ANNOTATIONS_PER_LEVEL {
            *shown += 1;
            out.push_str(&annotation(finding));
        } else {
            *left += 1;
        }
    }
    if errors_left + warnings_left > 0 {
        let mut left_out = Vec::new();
        if errors_left > 0 {
            left_out.push(plural(errors_left, "error"));
        }
        if warnings_left > 0 {
            left_out.push(plural(warnings_left, "warning"));
        }
        let text = format!(
            "{} more not annotated (GitHub shows at most {MAX_ANNOTATIONS_PER_LEVEL} errors and \
             {MAX_ANNOTATIONS_PER_LEVEL} warnings per step): see the job summary or the SARIF \
             report for every finding",
            left_out.join(" and ")
        );
        let _ = writeln!(out, "::notice title=sre-policy::{}", escape_data(&text));
    }
    let skipped = &report.stats.skipped;
    if !skipped.is_empty() {
        let mut text = format!("{} not checked:", plural(skipped.len(), "file"));
        for file in skipped.iter().take(MAX_ANNOTATIONS_PER_LEVEL) {
            let _ = write!(text, "\n{}: {}", file.path, file.reason);
        }
        if skipped.len() > MAX_ANNOTATIONS_PER_LEVEL {
            let _ = write!(
                text,
                "\n… and {} more (see the job summary)",
                skipped.len() - MAX_ANNOTATIONS_PER_LEVEL
            );
        }
        let _ = writeln!(out, "::notice title=sre-policy::{}", escape_data(&text));
    }
    out
}

/// Findings on changed lines first, then the rest, each part in the report's sorted
/// order (a stable sort keeps it): deterministic, and the change's own problems win the
/// limited annotation slots.
fn annotation_order(findings: &[Finding]) -> Vec<&Finding> {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|f| !f.on_changed_line);
    ordered
}

fn annotation(finding: &Finding) -> String {
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let message = match &finding.help {
        Some(help) => format!("{} ({})", finding.message, help),
        None => finding.message.clone(),
    };
    let line = finding.line.max(1);
    let column = finding.column.max(1);
    format!(
        "::{command} file={},line={line},endLine={},col={column},endColumn={},title={}::{}\n",
        escape_property(&finding.path),
        finding.end_line.max(line),
        finding.end_column.max(1),
        escape_property(finding.rule),
        escape_data(&message),
    )
}

/// actions/toolkit `escapeData`: the message of a command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// actions/toolkit `escapeProperty`: a `key=value` of a command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A rule's findings listed in the step summary beyond this many are counted, not listed:
/// the SARIF or JSON report has them all.
pub const MAX_SUMMARY_ROWS_PER_RULE: usize = 200;

/// Markdown for `$GITHUB_STEP_SUMMARY`: a heading, a table of findings by rule, the files
/// with most findings, then per rule a collapsed `<details>` with its findings (messages with
/// their quotes as code spans), notes and the files not checked; kept under GitHub's 1 MiB
/// limit.
pub fn step_summary_markdown(report: &Report) -> String {
    let stats = report.stats;
    let rows = statistics::rule_rows(report.findings);
    let errors: usize = rows.iter().map(|r| r.errors).sum();
    let warnings: usize = rows.iter().map(|r| r.warnings).sum();

    let mut head = String::new();
    if report.findings.is_empty() {
        head.push_str("## sre-policy: no findings\n\n");
    } else {
        let _ = writeln!(head, "## sre-policy: {}\n", counts(errors, warnings));
    }
    let _ = write!(head, "{} checked", plural(stats.files_checked, "file"));
    let skipped_count = stats.files_skipped.max(stats.skipped.len());
    if skipped_count > 0 {
        let _ = write!(head, ", {skipped_count} not checked");
    }
    if report.diff_mode {
        head.push_str(" (diff mode: findings of the change)");
    }
    let _ = writeln!(head, " in {} ms.\n", stats.elapsed_ms);

    if !rows.is_empty() {
        head.push_str(
            "| Rule | Severity | Findings | Fixable with `--fix` |\n| --- | --- | ---: | ---: |\n",
        );
        for row in &rows {
            let _ = writeln!(
                head,
                "| {} | {} | {} | {} |",
                md::text(row.rule, Cell),
                row.severity(),
                row.count(),
                row.fixable
            );
        }
        head.push('\n');
        let files = statistics::top_files(report.findings, statistics::TOP_FILES);
        if files.len() > 1 {
            let list: Vec<String> = files
                .iter()
                .map(|(path, count)| format!("{} ({count})", md::code(path, Inline)))
                .collect();
            let _ = writeln!(head, "**Files with most findings:** {}\n", list.join(", "));
        }
    }

    let footer = summary_footer(report, STEP_SUMMARY_LIMIT / 4);

    let mut body = String::new();
    let mut rows_cut = 0;
    // Room for the closing tags and the note about cut rows.
    let budget = STEP_SUMMARY_LIMIT.saturating_sub(head.len() + footer.len() + 512);
    let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in report.findings {
        by_rule.entry(finding.rule).or_default().push(finding);
    }
    for row in &rows {
        let findings = by_rule.remove(row.rule).unwrap_or_default();
        let mut section = format!(
            "<details><summary><code>{}</code>: {}</summary>\n\n\
             | Location | Severity | Message |\n| --- | --- | --- |\n",
            md::text(row.rule, Inline),
            counts(row.errors, row.warnings)
        );
        let closing_room = 64;
        let mut listed = 0;
        for finding in &findings {
            if listed == MAX_SUMMARY_ROWS_PER_RULE {
                break;
            }
            let line = format!(
                "| {} | {} | {} |\n",
                md::code(&format!("{}:{}", finding.path, finding.line), Cell),
                finding.severity.as_str(),
                md::message(&finding.message, Cell),
            );
            if body.len() + section.len() + line.len() + closing_room > budget {
                break;
            }
            section.push_str(&line);
            listed += 1;
        }
        if listed < findings.len() {
            let _ = writeln!(
                section,
                "\n{} more: the SARIF or JSON report has every finding.",
                findings.len() - listed
            );
        }
        section.push_str("\n</details>\n\n");
        if listed == 0 && body.len() + section.len() > budget {
            rows_cut += findings.len();
            continue;
        }
        rows_cut += findings.len() - listed;
        body.push_str(&section);
    }
    if rows_cut > 0 {
        let _ = writeln!(
            body,
            "**{} not listed**: the summary stays readable and under GitHub's 1 MiB limit; the \
             SARIF or JSON report has every finding.\n",
            plural(rows_cut, "finding")
        );
    }
    head + &body + &footer
}

/// "2 errors, 1 warning".
fn counts(errors: usize, warnings: usize) -> String {
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(plural(errors, "error"));
    }
    if warnings > 0 {
        parts.push(plural(warnings, "warning"));
    }
    parts.join(", ")
}

/// Notes and the files that were not checked, within `budget` bytes.
fn summary_footer(report: &Report, budget: usize) -> String {
    let stats = report.stats;
    let mut out = String::new();
    if !stats.notes.is_empty() {
        out.push_str("### Notes\n\n");
        for note in &stats.notes {
            let _ = writeln!(out, "- {}", md::code(note, Inline));
        }
        out.push('\n');
    }
    if !stats.skipped.is_empty() {
        let _ = writeln!(out, "### Not checked ({})\n", stats.skipped.len());
        for (i, file) in stats.skipped.iter().enumerate() {
            let item = format!(
                "- {}: {}\n",
                md::code(&file.path, Inline),
                md::code(&file.reason, Inline)
            );
            if out.len() + item.len() > budget {
                let _ = writeln!(out, "- … and {} more", stats.skipped.len() - i);
                break;
            }
            out.push_str(&item);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::report::test_support::{finding, report, stats};

    /// A workflow command parsed the way the runner does: `::name props::data`.
    #[derive(Debug, PartialEq)]
    struct Command {
        name: String,
        properties: Vec<(String, String)>,
        data: String,
    }

    fn unescape(text: &str, property: bool) -> String {
        let mut out = text.replace("%0D", "\r").replace("%0A", "\n");
        if property {
            out = out.replace("%3A", ":").replace("%2C", ",");
        }
        out.replace("%25", "%")
    }

    fn parse_line(line: &str) -> Option<Command> {
        let rest = line.strip_prefix("::")?;
        let end = rest.find("::")?;
        let (info, data) = (&rest[..end], &rest[end + 2..]);
        let (name, props) = match info.find(' ') {
            Some(i) => (&info[..i], &info[i + 1..]),
            None => (info, ""),
        };
        let properties = props
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), unescape(v, true))
            })
            .collect();
        Some(Command {
            name: name.to_string(),
            properties,
            data: unescape(data, false),
        })
    }

    fn commands(out: &str) -> Vec<Command> {
        out.lines()
            .map(|line| match parse_line(line) {
                Some(command) => command,
                None => panic!("not a workflow command: {line:?}"),
            })
            .collect()
    }

    fn property<'a>(command: &'a Command, key: &str) -> Option<&'a str> {
        command
            .properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn escaping_matches_the_toolkit() {
        assert_eq!(escape_data("50%\r\n::x"), "50%25%0D%0A::x");
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn annotation_has_position_title_and_help() {
        let mut f = finding("metric-help", Severity::Error, "pkg/x/metrics.go", 12);
        f.column = 5;
        f.end_line = 13;
        f.end_column = 40;
        f.message = "no Help".into();
        f.help = Some("add Help: \"...\"".into());
        let findings = vec![f];
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert_eq!(
            out,
            "::error file=pkg/x/metrics.go,line=12,endLine=13,col=5,endColumn=40,title=metric-help::no Help (add Help: \"...\")\n"
        );
    }

    #[test]
    fn hostile_paths_and_messages_cannot_forge_or_break_commands() {
        let hostile_path = "evil,line=1::x\n::error file=forged.go::pwned%0A,title=y:z\r.go";
        let hostile_message = "msg\n::error file=forged.go::forged\r\n%0A::warning::x, a:b";
        let mut f = finding("handler-oncall", Severity::Error, hostile_path, 3);
        f.message = hostile_message.into();
        f.help = Some("help\n::notice::fake".into());
        let mut w = finding("unused-suppression", Severity::Warning, "ok.go", 1);
        w.message = "%25 stays %25".into();
        w.help = None;
        let findings = vec![f, w];
        let stats = stats(2, &[("skip\n::error::x.go", "reason\r\n::error::y")]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        let parsed = commands(&out);
        assert_eq!(parsed.len(), 3, "{out}");
        assert_eq!(parsed[0].name, "error");
        assert_eq!(property(&parsed[0], "file"), Some(hostile_path));
        assert_eq!(property(&parsed[0], "line"), Some("3"));
        assert_eq!(property(&parsed[0], "title"), Some("handler-oncall"));
        assert_eq!(parsed[0].properties.len(), 6);
        assert_eq!(
            parsed[0].data,
            format!("{hostile_message} (help\n::notice::fake)")
        );
        assert_eq!(parsed[1].name, "warning");
        assert_eq!(parsed[1].data, "%25 stays %25");
        assert_eq!(parsed[2].name, "notice");
        assert!(parsed[2]
            .data
            .contains("skip\n::error::x.go: reason\r\n::error::y"));
    }

    #[test]
    fn at_most_ten_per_level_changed_lines_first_then_a_notice() {
        let mut findings = Vec::new();
        for i in 1..=15 {
            let mut f = finding("handler-oncall", Severity::Error, "a.go", i);
            // Lines 14 and 15 are the change's own: they must be annotated.
            f.on_changed_line = i >= 14;
            findings.push(f);
        }
        for i in 1..=12 {
            findings.push(finding("unused-suppression", Severity::Warning, "b.go", i));
        }
        let stats = stats(2, &[]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        let parsed = commands(&out);
        let errors: Vec<&str> = parsed
            .iter()
            .filter(|c| c.name == "error")
            .filter_map(|c| property(c, "line"))
            .collect();
        assert_eq!(errors, ["14", "15", "1", "2", "3", "4", "5", "6", "7", "8"]);
        assert_eq!(parsed.iter().filter(|c| c.name == "warning").count(), 10);
        let notices: Vec<&Command> = parsed.iter().filter(|c| c.name == "notice").collect();
        assert_eq!(notices.len(), 1);
        assert!(notices[0]
            .data
            .starts_with("5 errors and 2 warnings more not annotated"));
        assert!(notices[0].data.contains("job summary"));
        assert_eq!(parsed.len(), 21);
        // Deterministic.
        assert_eq!(out, render(&report(&findings, &stats, &sources)));
    }

    #[test]
    fn no_notice_when_everything_fits() {
        let findings: Vec<Finding> = (1..=10)
            .map(|i| finding("handler-oncall", Severity::Error, "a.go", i))
            .collect();
        let stats = stats(1, &[]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert_eq!(out.lines().count(), 10);
        assert!(!out.contains("::notice"));
    }

    #[test]
    fn step_summary_has_heading_counts_table_and_skipped() {
        let mut a = finding("handler-oncall", Severity::Error, "api/a|b.go", 7);
        a.message = "handler <Health> has no team\nat all".into();
        let b = finding("handler-oncall", Severity::Error, "api/c.go", 2);
        let c = finding("unused-suppression", Severity::Warning, "api/c.go", 9);
        let findings = vec![a, b, c];
        let mut stats = stats(14, &[("big.go", "too large")]);
        stats.notes.push("troubleshooting-doc: needs --base".into());
        let sources = HashMap::new();
        let md = step_summary_markdown(&report(&findings, &stats, &sources));
        assert!(
            md.starts_with("## sre-policy: 2 errors, 1 warning\n"),
            "{md}"
        );
        assert!(
            md.contains("14 files checked, 1 not checked in 12 ms."),
            "{md}"
        );
        assert!(md.contains("| handler-oncall | error | 2 | 0 |\n"), "{md}");
        assert!(
            md.contains("| unused-suppression | warning | 1 | 0 |\n"),
            "{md}"
        );
        assert!(
            md.contains("**Files with most findings:** `api/c.go` (2), `api/a|b.go` (1)\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "<details><summary><code>handler-oncall</code>: 2 errors</summary>\n\n\
                 | Location | Severity | Message |\n| --- | --- | --- |\n\
                 | `api/a\\|b.go:7` | error | handler &lt;Health&gt; has no team at all |\n"
            ),
            "{md}"
        );
        assert!(
            md.contains("| `api/c.go:9` | warning | unused-suppression problem |\n\n</details>\n"),
            "{md}"
        );
        assert!(
            md.contains("- `troubleshooting-doc: needs --base`\n"),
            "{md}"
        );
        assert!(
            md.contains("### Not checked (1)\n\n- `big.go`: `too large`\n"),
            "{md}"
        );
        assert!(!md.contains("not shown"), "{md}");
    }

    #[test]
    fn clean_step_summary_says_so_and_lists_skipped() {
        let stats = stats(3, &[("x.go", "permission denied")]);
        let sources = HashMap::new();
        let md = step_summary_markdown(&report(&[], &stats, &sources));
        assert!(
            md.starts_with("## sre-policy: no findings\n\n3 files checked, 1 not checked"),
            "{md}"
        );
        assert!(md.contains("- `x.go`: `permission denied`"), "{md}");
        assert!(!md.contains("| Location"), "{md}");
    }

    #[test]
    fn step_summary_stays_under_one_mebibyte_and_says_what_was_cut() {
        let long_message = "m".repeat(1000);
        // 250 findings of every rule: each rule lists its first 200, until the budget ends.
        let findings: Vec<Finding> = crate::rules::RULES
            .iter()
            .flat_map(|rule| {
                let long_message = long_message.clone();
                (1..=250).map(move |i| {
                    let mut f = finding(rule.id, Severity::Error, "pkg/metrics.go", i);
                    f.message = long_message.clone();
                    f
                })
            })
            .collect();
        let total = findings.len();
        let skipped: Vec<(String, String)> = (0..50_000)
            .map(|i| (format!("gen/file{i}.go"), "generated".to_string()))
            .collect();
        let skipped_refs: Vec<(&str, &str)> = skipped
            .iter()
            .map(|(p, r)| (p.as_str(), r.as_str()))
            .collect();
        let stats = stats(3000, &skipped_refs);
        let sources = HashMap::new();
        let md = step_summary_markdown(&report(&findings, &stats, &sources));
        assert!(md.len() <= 1024 * 1024, "{}", md.len());
        let shown = md.matches("| `pkg/metrics.go:").count();
        assert!(shown > 3 * MAX_SUMMARY_ROWS_PER_RULE, "{shown}");
        assert!(md.contains("\n50 more: the SARIF or JSON report"), "{md}");
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
        assert!(
            md.contains(&format!("**{} findings not listed**", total - shown)),
            "{}",
            &md[md.len().saturating_sub(2000)..]
        );
        assert!(md.contains("- … and "), "skipped list must say it was cut");
        assert!(md.contains("gen/file0.go"));
    }
}
