//! Checkstyle XML, the lingua franca of lint reports: Jenkins warnings-ng, reviewdog
//! (`-f=checkstyle`), SonarQube importers, Bitbucket and IDE plugins read it.
//!
//! ```xml
//! <checkstyle version="4.3">
//!   <file name="api/orders.go">
//!     <error line="17" column="1" severity="error" message="..." source="sre-policy.handler-oncall"/>
//!   </file>
//! </checkstyle>
//! ```
//! `source` is the rule id prefixed with `sre-policy.`; files that could not be checked get
//! one `info` entry with source `sre-policy.unchecked-file`.

use std::fmt::Write;

use super::{xml_escape, Report};

/// The format version checkstyle itself writes and consumers expect.
pub const CHECKSTYLE_VERSION: &str = "4.3";

/// The XML document, ending with a newline.
pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<checkstyle version=\"{CHECKSTYLE_VERSION}\">");
    // Findings are sorted by path, so each file's entries are contiguous.
    let mut current: Option<&str> = None;
    for finding in report.findings {
        if current != Some(finding.path.as_str()) {
            if current.is_some() {
                out.push_str("  </file>\n");
            }
            let _ = writeln!(out, "  <file name=\"{}\">", xml_escape(&finding.path));
            current = Some(&finding.path);
        }
        let message = match &finding.help {
            Some(help) => format!("{} (help: {help})", finding.message),
            None => finding.message.clone(),
        };
        let _ = writeln!(
            out,
            "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"sre-policy.{}\"/>",
            finding.line.max(1),
            finding.column.max(1),
            finding.severity.as_str(),
            xml_escape(&message),
            xml_escape(finding.rule)
        );
    }
    if current.is_some() {
        out.push_str("  </file>\n");
    }
    for skipped in &report.stats.skipped {
        let _ = writeln!(
            out,
            "  <file name=\"{}\">\n    <error line=\"1\" severity=\"info\" message=\"{}\" source=\"sre-policy.unchecked-file\"/>\n  </file>",
            xml_escape(&skipped.path),
            xml_escape(&format!("not checked: {}", skipped.reason))
        );
    }
    out.push_str("</checkstyle>\n");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::finding::Severity;
    use crate::report::test_support::{finding, report, stats};

    #[test]
    fn one_file_element_per_path_with_an_error_per_finding() {
        let mut first = finding("handler-oncall", Severity::Error, "api/a&b.go", 5);
        first.message = "handler \"A\" has no <team>".into();
        let second = finding("metric-help", Severity::Warning, "api/a&b.go", 9);
        let mut third = finding("metric-help", Severity::Error, "m.go", 2);
        third.column = 7;
        third.help = None;
        let findings = vec![first, second, third];
        let stats = stats(2, &[("big.go", "larger than 8 MiB")]);
        let sources = HashMap::new();
        let out = render(&report(&findings, &stats, &sources));
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<checkstyle version=\"4.3\">\n  \
<file name=\"api/a&amp;b.go\">\n    \
<error line=\"5\" column=\"1\" severity=\"error\" message=\"handler &quot;A&quot; has no &lt;team&gt; (help: fix it)\" source=\"sre-policy.handler-oncall\"/>\n    \
<error line=\"9\" column=\"1\" severity=\"warning\" message=\"metric-help problem (help: fix it)\" source=\"sre-policy.metric-help\"/>\n  \
</file>\n  \
<file name=\"m.go\">\n    \
<error line=\"2\" column=\"7\" severity=\"error\" message=\"metric-help problem\" source=\"sre-policy.metric-help\"/>\n  \
</file>\n  \
<file name=\"big.go\">\n    \
<error line=\"1\" severity=\"info\" message=\"not checked: larger than 8 MiB\" source=\"sre-policy.unchecked-file\"/>\n  \
</file>\n\
</checkstyle>\n"
        );
    }

    #[test]
    fn clean_run_is_an_empty_document() {
        let stats = stats(4, &[]);
        let sources = HashMap::new();
        assert_eq!(
            render(&report(&[], &stats, &sources)),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n</checkstyle>\n"
        );
    }
}
