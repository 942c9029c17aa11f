//! The one escaping of text for Markdown (GitHub's step summary, the inventory, pull request
//! comments). File names, team names, Help strings and messages come from the repository
//! being checked: rendered raw they could inject HTML, links, headings or table columns.
//!
//! - [`code`]: text the repository controls (paths, names, messages), as a code span, in
//!   which Markdown sees no HTML, link, autolink, emphasis or heading. The fence is longer
//!   than any run of backticks inside.
//! - [`text`]: the tool's own words, with every character that could start inline Markdown
//!   escaped (it is never placed at the start of a line).
//!
//! Both keep the text on one line, and with [`Context::TableCell`] escape `|`, which GitHub
//! splits table cells on even inside a code span.

/// Where the text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Inside a `| … |` table row.
    TableCell,
    /// Anywhere else on a line (a list item, a paragraph).
    Inline,
}

/// `raw` as a code span on one line; an empty text is a span of one space.
pub fn code(raw: &str, context: Context) -> String {
    let mut content = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '|' if context == Context::TableCell => content.push_str("\\|"),
            c if c.is_control() => content.push(' '),
            c => content.push(c),
        }
    }
    if content.is_empty() {
        return "` `".to_string();
    }
    let longest_run = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // One space on each side is stripped by Markdown: it lets the content start or end
    // with a backtick, and keeps content that starts and ends with a space as it is.
    let pad = content.starts_with('`')
        || content.ends_with('`')
        || (content.starts_with(' ') && content.ends_with(' ') && content.trim() != "");
    if pad {
        format!("{fence} {content} {fence}")
    } else {
        format!("{fence}{content}{fence}")
    }
}

/// `raw` as plain text on one line: HTML characters as entities, Markdown punctuation
/// backslash-escaped.
pub fn text(raw: &str, context: Context) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' if context == Context::Inline => out.push('|'),
            // `:` and `@` break autolinks (`https://…`, `a@b.c`); the text never starts a
            // line, so list, heading and rule markers need no escape.
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '~' | '!' | '|' | ':' | '@' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A message of the tool, whose `backticked` parts quote the repository (names, paths,
/// comments): the quotes become code spans, the rest is [`text`]. A message with an odd
/// number of backticks has no well-formed quotes and is escaped whole.
pub fn message(raw: &str, context: Context) -> String {
    let parts: Vec<&str> = raw.split('`').collect();
    if parts.len() % 2 == 0 {
        return text(raw, context);
    }
    let mut out = String::with_capacity(raw.len() + 8);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&text(part, context));
        } else {
            out.push_str(&code(part, context));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_backtick_run() {
        assert_eq!(code("a.go", Context::Inline), "`a.go`");
        assert_eq!(code("a`b", Context::Inline), "``a`b``");
        assert_eq!(code("``x", Context::Inline), "``` ``x ```");
        assert_eq!(code(" x ", Context::Inline), "`  x  `");
        assert_eq!(code("", Context::Inline), "` `");
        assert_eq!(code("a|b\nc", Context::TableCell), "`a\\|b c`");
        assert_eq!(code("a|b", Context::Inline), "`a|b`");
    }

    #[test]
    fn text_defuses_html_links_and_emphasis() {
        assert_eq!(
            text("<img src=x> [a](b) ~~s~~ # h https://x", Context::TableCell),
            "&lt;img src=x&gt; \\[a\\]\\(b\\) \\~\\~s\\~\\~ # h https\\://x"
        );
        assert_eq!(text("a|b\r\nc", Context::TableCell), "a\\|b  c");
        assert_eq!(text("a|b", Context::Inline), "a|b");
    }

    #[test]
    fn message_quotes_become_code_spans() {
        assert_eq!(
            message(
                "handler `Get<T>` has no `// @oncall-team <team>` annotation",
                Context::TableCell
            ),
            "handler `Get<T>` has no `// @oncall-team <team>` annotation"
        );
        assert_eq!(
            message("a <b> `x|y` *z*", Context::TableCell),
            "a &lt;b&gt; `x\\|y` \\*z\\*"
        );
        assert_eq!(
            message("odd ` backtick <b>", Context::Inline),
            "odd \\` backtick &lt;b&gt;"
        );
        assert_eq!(message("``", Context::Inline), "` `");
    }
}
