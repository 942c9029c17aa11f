//! A Go lexer for comparing lines of code: identifiers, literals and operators with their
//! byte offsets; comments and white space dropped. It never fails: an unknown byte is an
//! operator of its own, an unterminated literal ends at the end of the line or text.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An identifier (keywords included: they never rename).
    Ident,
    /// A string or rune literal.
    Text,
    Number,
    Operator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token's bytes in `src`, the source it was read from.
    pub fn text<'s>(&self, src: &'s [u8]) -> &'s [u8] {
        &src[self.start..self.end]
    }
}

const KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// Whether the identifier token text is a Go keyword.
pub fn is_keyword(text: &[u8]) -> bool {
    KEYWORDS.iter().any(|k| k.as_bytes() == text)
}

/// The tokens of 1-based `line` of `src`.
pub fn line_tokens(src: &[u8], lines: &crate::source::LineIndex, line: usize) -> Vec<Token> {
    let Some(start) = lines.line_start(line) else {
        return Vec::new();
    };
    let end = start + lines.line_text(line).len();
    tokens(src, start, end)
}

/// The tokens of `src[from..to]`. A comment or literal that starts before `from` is not
/// seen as such, so callers pass whole lines or statements.
pub fn tokens(src: &[u8], from: usize, to: usize) -> Vec<Token> {
    let to = to.min(src.len());
    let mut out = Vec::new();
    let mut i = from.min(to);
    while i < to {
        let b = src[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let kind = if b == b'/' && src.get(i + 1) == Some(&b'/') {
            i = memchr::memchr(b'\n', &src[i..to]).map_or(to, |n| i + n);
            continue;
        } else if b == b'/' && src.get(i + 1) == Some(&b'*') {
            i = memchr::memmem::find(&src[i + 2..to], b"*/").map_or(to, |n| i + 2 + n + 2);
            continue;
        } else if b == b'_' || b.is_ascii_alphabetic() || b >= 0x80 {
            while i < to && (src[i] == b'_' || src[i].is_ascii_alphanumeric() || src[i] >= 0x80) {
                i += 1;
            }
            TokenKind::Ident
        } else if b.is_ascii_digit()
            || (b == b'.' && src.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < to && (src[i].is_ascii_alphanumeric() || src[i] == b'.' || src[i] == b'_') {
                i += 1;
            }
            TokenKind::Number
        } else if b == b'"' || b == b'\'' {
            i += 1;
            while i < to && src[i] != b && src[i] != b'\n' {
                i += if src[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(to);
            TokenKind::Text
        } else if b == b'`' {
            i = memchr::memchr(b'`', &src[i + 1..to]).map_or(to, |n| i + 1 + n + 1);
            TokenKind::Text
        } else {
            i += 1;
            TokenKind::Operator
        };
        out.push(Token {
            kind,
            start,
            end: i.min(to),
        });
    }
    out
}

/// Whether the identifier at `i` names a member (a field or method): it follows a `.`
/// (`s.items`), or is a key of a composite literal (`{Timeout: d`, `, Addr: a`, or first on
/// its line: `Timeout: d,`). Members and
/// the names in scope are two namespaces: `items := s.items` → `listed := s.items` renames a
/// variable and keeps the field.
pub fn is_member(src: &[u8], tokens: &[Token], i: usize) -> bool {
    let text = |j: usize| tokens.get(j).map(|t| t.text(src));
    let previous = i.checked_sub(1).and_then(text);
    previous == Some(b".")
        || (matches!(previous, None | Some(b"{" | b","))
            && text(i + 1) == Some(b":")
            && text(i + 2) != Some(b"="))
}

/// Whether two token sequences are the same code up to a consistent renaming of
/// identifiers (each identifier of one side maps to exactly one of the other, both ways, in
/// each namespace: members apart from the names in scope, see [`is_member`]).
pub fn same_up_to_renaming(a_src: &[u8], a: &[Token], b_src: &[u8], b: &[Token]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    type Map<'s> = std::collections::HashMap<(bool, &'s [u8]), &'s [u8]>;
    let mut forward: Map = Map::new();
    let mut backward: Map = Map::new();
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let (tx, ty) = (&a_src[x.start..x.end], &b_src[y.start..y.end]);
        if x.kind != y.kind {
            return false;
        }
        if x.kind != TokenKind::Ident || is_keyword(tx) || is_keyword(ty) {
            if tx != ty {
                return false;
            }
            continue;
        }
        let member = is_member(a_src, a, i);
        if member != is_member(b_src, b, i) {
            return false;
        }
        if *forward.entry((member, tx)).or_insert(ty) != ty
            || *backward.entry((member, ty)).or_insert(tx) != tx
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        tokens(src.as_bytes(), 0, src.len())
            .iter()
            .map(|t| &src[t.start..t.end])
            .collect()
    }

    #[test]
    fn lexes_go_and_drops_comments() {
        assert_eq!(
            texts("c := &http.Client{Timeout: 5 * time.Second} // why\n/* x */ s := `a\nb` + \"q\\\"\""),
            [
                "c", ":", "=", "&", "http", ".", "Client", "{", "Timeout", ":", "5", "*", "time",
                ".", "Second", "}", "s", ":", "=", "`a\nb`", "+", "\"q\\\"\""
            ]
        );
        assert_eq!(
            texts("x := 0x1F + 1.5e3 + .5"),
            ["x", ":", "=", "0x1F", "+", "1.5e3", "+", ".5"]
        );
    }

    #[test]
    fn renaming_is_consistent_and_keywords_never_rename() {
        let same = |a: &str, b: &str| {
            let (ta, tb) = (
                tokens(a.as_bytes(), 0, a.len()),
                tokens(b.as_bytes(), 0, b.len()),
            );
            same_up_to_renaming(a.as_bytes(), &ta, b.as_bytes(), &tb)
        };
        assert!(same(
            "rows, err := s.db.Query(q)",
            "res, err := s.store.Query(q)"
        ));
        assert!(!same("a := f(a)", "a := f(b)"));
        assert!(!same(
            "c.Timeout = 5 * time.Second",
            "c.Timeout = 10 * time.Second"
        ));
        assert!(!same("return x", "defer x"));
        assert!(!same("f(\"a\")", "f(\"b\")"));
        // A variable renamed beside the field of the same name, which stays.
        assert!(same("items := s.items", "listed := s.items"));
        assert!(same("x := T{items: items}", "x := T{items: listed}"));
        assert!(!same("x := s.items", "x := s.items()"));
    }
}
