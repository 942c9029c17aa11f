//! Go source: parsing with tree-sitter-go and the facts model rules read.

pub mod cache;
mod edits;
pub mod extract;
pub mod facts;
mod fields;
pub mod metric_decl;
pub mod parse;
pub mod prometheus;
pub mod routes;
pub mod skeleton;
pub mod tokens;

pub use facts::*;

/// Go's directive comments (`//go:generate`, `//nolint:x`, `//line`): gofmt moves them to the
/// end of a doc comment.
pub fn is_directive(line: &[u8]) -> bool {
    let Some(body) = line.strip_prefix(b"//") else {
        return false;
    };
    if [&b"line "[..], b"extern ", b"export "]
        .iter()
        .any(|p| body.starts_with(p))
    {
        return true;
    }
    let Some(colon) = body.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && body.len() > colon + 1
        && body[..=colon + 1]
            .iter()
            .enumerate()
            .all(|(i, b)| i == colon || b.is_ascii_lowercase() || b.is_ascii_digit())
}
