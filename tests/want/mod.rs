//! The `// want` convention shared by the fixture tests (rule fixtures and diff fixtures).
//!
//! A finding is expected by a comment at the end of its line:
//!
//! ```text
//! func H(w http.ResponseWriter, r *http.Request) {} // want "no `// @oncall-team`"
//! x := promauto.NewCounter(opts) // want 7:"outside the metrics files" `another`
//! ```
//!
//! After `// want` come one or more expectations, each a regexp in double quotes (`\"` and
//! `\\` escape) or backquotes, optionally preceded by `COLUMN:` (the finding's 1-based column
//! must then be that). Each expectation consumes one finding on that line whose message
//! matches. Anything else after `// want` is an error naming the file and line, as is a
//! regexp that does not compile: a typo must never silently expect nothing.

#![allow(dead_code)]

use regex::Regex;

/// One expected finding.
#[derive(Debug)]
pub struct Want {
    /// Repo-relative path.
    pub path: String,
    pub line: usize,
    pub column: Option<usize>,
    pub pattern: Regex,
}

/// A finding as the comparison sees it.
#[derive(Debug, Clone)]
pub struct Got {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub rule: String,
    pub message: String,
}

/// The `// want` comments of `text` (the file at repo-relative `path`), or the problems of
/// the malformed ones as `path:line: ...`.
pub fn wants_in_source(path: &str, text: &str) -> (Vec<Want>, Vec<String>) {
    let mut wants = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find("// want") else {
            continue;
        };
        let rest = &line[at + "// want".len()..];
        // `// wanted` is prose, not an expectation.
        if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        match parse_items(rest) {
            Ok(items) => wants.extend(items.into_iter().map(|(column, pattern)| Want {
                path: path.to_string(),
                line: index + 1,
                column,
                pattern,
            })),
            Err(e) => problems.push(format!("{path}:{}: malformed want: {e}", index + 1)),
        }
    }
    (wants, problems)
}

/// The expectations of one `// want` comment (the text after `// want`).
pub fn parse_items(text: &str) -> Result<Vec<(Option<usize>, Regex)>, String> {
    let mut items = Vec::new();
    let mut rest = text.trim_start();
    if rest.is_empty() {
        return Err("expected at least one quoted regexp after `// want`".to_string());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let column = if digits > 0 && rest[digits..].starts_with(':') {
            let column: usize = rest[..digits]
                .parse()
                .map_err(|e| format!("bad column `{}`: {e}", &rest[..digits]))?;
            if column == 0 {
                return Err("columns are 1-based".to_string());
            }
            rest = &rest[digits + 1..];
            Some(column)
        } else {
            None
        };
        let (pattern, after) = quoted(rest)?;
        let regex = Regex::new(&pattern).map_err(|e| format!("invalid regexp {pattern:?}: {e}"))?;
        items.push((column, regex));
        if !after.is_empty() && !after.starts_with(char::is_whitespace) {
            return Err(format!("expected a space after a regexp, found `{after}`"));
        }
        rest = after.trim_start();
    }
    Ok(items)
}

/// A leading `"..."` or `` `...` `` of `text`: its content and the text after it.
fn quoted(text: &str) -> Result<(String, &str), String> {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, '`')) => {
            let end = text[1..]
                .find('`')
                .ok_or_else(|| format!("unterminated backquote in `{text}`"))?;
            Ok((text[1..1 + end].to_string(), &text[end + 2..]))
        }
        Some((_, '"')) => {
            let mut content = String::new();
            let mut escaped = false;
            for (i, c) in chars {
                match (escaped, c) {
                    (true, '"' | '\\') => {
                        content.push(c);
                        escaped = false;
                    }
                    (true, c) => {
                        // Any other escape is the regexp's own (`\.`, `\d`).
                        content.push('\\');
                        content.push(c);
                        escaped = false;
                    }
                    (false, '\\') => escaped = true,
                    (false, '"') => return Ok((content, &text[i + 1..])),
                    (false, c) => content.push(c),
                }
            }
            Err(format!("unterminated quote in `{text}`"))
        }
        _ => Err(format!(
            "expected a regexp in double quotes or backquotes, optionally after `COLUMN:`, found `{text}`"
        )),
    }
}

/// Compares findings with expectations: every expectation must consume one finding on its
/// line (at its column, when given) whose message matches; every finding must be consumed.
/// Returns the mismatches, one line each.
pub fn compare(wants: &[Want], found: &[Got]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut unmatched: Vec<&Got> = found.iter().collect();
    // Expectations with a column first, so that one without cannot take their finding.
    let mut ordered: Vec<&Want> = wants.iter().collect();
    ordered.sort_by_key(|w| w.column.is_none());
    for want in ordered {
        let on_line = |g: &&Got| {
            g.path == want.path && g.line == want.line && want.pattern.is_match(&g.message)
        };
        let exact = unmatched
            .iter()
            .position(|g| on_line(g) && want.column.is_none_or(|c| c == g.column));
        if let Some(i) = exact {
            unmatched.remove(i);
            continue;
        }
        match (want.column, unmatched.iter().position(on_line)) {
            (Some(column), Some(i)) => {
                let got = unmatched.remove(i);
                problems.push(format!(
                    "{}:{}: want column {column} for {:?}, the finding is at column {}: [{}] {}",
                    want.path,
                    want.line,
                    want.pattern.as_str(),
                    got.column,
                    got.rule,
                    got.message
                ));
            }
            _ => problems.push(format!(
                "{}:{}: no finding matched want {:?}",
                want.path,
                want.line,
                want.pattern.as_str()
            )),
        }
    }
    for got in unmatched {
        problems.push(format!(
            "{}:{}:{}: unexpected finding [{}] {}",
            got.path, got.line, got.column, got.rule, got.message
        ));
    }
    problems
}
