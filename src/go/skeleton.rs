//! The bodies of a file's top-level functions, found from its tokens: a file read only for
//! what its package declares (constants, variables, types, signatures) is parsed without
//! them, which saves most of its parse.

use std::collections::BTreeSet;
use std::ops::Range;

/// The body of a top-level function or method declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionBody {
    /// The function's or method's name.
    pub name: String,
    /// Whether it is a method (it has a receiver).
    pub method: bool,
    /// Where its declaration starts: its `func`.
    pub start: usize,
    /// Between its `{` and `}`.
    pub interior: Range<usize>,
}

impl FunctionBody {
    /// Where the declaration's signature starts after its receiver (`(s *Store)` of a method):
    /// its name, parameters and results, then its body.
    pub fn after_receiver(&self, src: &[u8]) -> usize {
        if !self.method {
            return self.start;
        }
        let signature = &src[self.start..self.interior.start];
        memchr::memchr(b')', signature).map_or(self.start, |at| self.start + at + 1)
    }
}

/// The bodies of the top-level function and method declarations of Go source, in order. A
/// declaration whose body cannot be matched (unclosed brackets) ends the list: what follows
/// is left to the parser.
pub fn function_bodies(src: &[u8]) -> Vec<FunctionBody> {
    let mut bodies = Vec::new();
    let mut tokens = Tokens { src, at: 0 };
    let mut line_start = true;
    while let Some(token) = tokens.next() {
        match token.kind {
            Kind::Newline => line_start = true,
            Kind::Word if line_start && &src[token.range.clone()] == b"func" => {
                line_start = false;
                match body_of_declaration(src, &mut tokens) {
                    Declaration::Body {
                        name,
                        method,
                        interior,
                    } => bodies.push(FunctionBody {
                        name: String::from_utf8_lossy(&src[name]).into_owned(),
                        method,
                        start: token.range.start,
                        interior,
                    }),
                    Declaration::NoBody => line_start = true,
                    Declaration::Unmatched => break,
                }
            }
            Kind::Open(_) => {
                line_start = false;
                if tokens.skip_group().is_none() {
                    break;
                }
            }
            _ => line_start = false,
        }
    }
    bodies
}

/// What the statements in `range` of `src` assign with `=` or an operator-assignment (`+=`),
/// read from their tokens: the identifiers assigned (`x = v`, `a, b = f()`), and those whose
/// field is (`opts.Help = h`). A body left out of a parse still tells the index which package
/// variables are not constants. `:=` declares (its names are local), `==`, `!=`, `<=` and
/// `>=` compare.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Assigned {
    pub identifiers: Vec<String>,
    pub fields_of: Vec<String>,
}

pub fn assignments(src: &[u8], range: Range<usize>) -> Assigned {
    let mut assigned = Assigned::default();
    // The words of the statement so far, while it can still be an assignment's targets.
    let mut targets: Vec<Range<usize>> = Vec::new();
    // The statement assigns no identifier: it declares (`var x = v`) or assigns through a
    // pointer (`*p = v`).
    let mut skip = false;
    let tokens = Tokens {
        src: &src[..range.end],
        at: range.start,
    };
    for token in tokens {
        let byte = src[token.range.start];
        match token.kind {
            Kind::Word if targets.is_empty() && !skip => {
                let word = &src[token.range.clone()];
                skip = word == b"var" || word == b"const";
                if !skip && !KEYWORDS.contains(&word) {
                    targets.push(token.range);
                }
            }
            Kind::Word => targets.push(token.range),
            Kind::Other if byte == b',' => {}
            Kind::Other if byte == b'*' && targets.is_empty() => skip = true,
            // The first byte of an operator-assignment (`+=`, `<<=`).
            Kind::Other if b"+-*/%&|^<>".contains(&byte) && !targets.is_empty() => {}
            Kind::Other if byte == b'=' => {
                let at = token.range.start;
                let before = |back: usize| at.checked_sub(back).map(|i| src[i]);
                let compares = src.get(at + 1) == Some(&b'=')
                    || matches!(before(1), Some(b'=' | b'!' | b':'))
                    || matches!(before(1), Some(b @ (b'<' | b'>')) if before(2) != Some(b));
                if !compares && !skip {
                    for target in &targets {
                        let text = String::from_utf8_lossy(&src[target.clone()]).into_owned();
                        match text.split_once('.') {
                            None => assigned.identifiers.push(text),
                            Some((operand, field)) if !field.contains('.') => {
                                assigned.fields_of.push(operand.to_string());
                            }
                            Some(_) => {}
                        }
                    }
                }
                targets.clear();
                skip = false;
            }
            // `a[i] = v` and `*p = v` assign no identifier; brackets, literals, comments and
            // line ends end what can be a statement's targets.
            _ => {
                targets.clear();
                if matches!(
                    token.kind,
                    Kind::Newline | Kind::Open(b'{') | Kind::Close(b'}')
                ) || byte == b';'
                {
                    skip = false;
                }
            }
        }
    }
    assigned
}

/// The plain words (no selector, keyword or number) in `range` of `src`: on a changed line outside
/// any function, the names a declaration or struct field there may declare.
pub fn plain_words(src: &[u8], range: Range<usize>, into: &mut BTreeSet<String>) {
    let tokens = Tokens {
        src: &src[..range.end],
        at: range.start,
    };
    for token in tokens.filter(|t| t.kind == Kind::Word) {
        let word = &src[token.range];
        let number = word.first().is_some_and(u8::is_ascii_digit);
        if !number && !word.contains(&b'.') && !super::tokens::is_keyword(word) {
            into.insert(String::from_utf8_lossy(word).into_owned());
        }
    }
}

/// The struct type whose declaration holds the line that starts at `line_start` (a field's
/// line), read from the lines above it: the nearest `type Name struct {` or, in a grouped
/// declaration, `Name struct {` line, unless a line that closes a top-level declaration (`}`
/// or `)` at the start of a line) comes first.
pub fn enclosing_struct(src: &[u8], line_start: usize) -> Option<String> {
    let mut end = line_start.checked_sub(1)?;
    loop {
        let start = memchr::memrchr(b'\n', &src[..end]).map_or(0, |at| at + 1);
        let line = &src[start..end];
        if matches!(line.first(), Some(b'}' | b')')) {
            return None;
        }
        let words: Vec<&[u8]> = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        let name = match words.as_slice() {
            [b"type", name, b"struct", b"{"] | [name, b"struct", b"{"] => Some(*name),
            [b"type", name, b"struct{"] | [name, b"struct{"] => Some(*name),
            _ => None,
        };
        if let Some(name) = name.filter(|n| n.iter().all(|&b| is_word_byte(b))) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        end = start.checked_sub(1)?;
    }
}

/// Go's keywords that can precede an assignment's targets on its line (`for i = 0; ...`).
const KEYWORDS: &[&[u8]] = &[b"for", b"if", b"switch", b"else", b"case", b"select"];

enum Declaration {
    Body {
        name: Range<usize>,
        method: bool,
        interior: Range<usize>,
    },
    /// A declaration without a body (implemented in assembly): it ends at its line's end.
    NoBody,
    Unmatched,
}

/// Reads a function declaration's signature after `func` up to its body's `{`, and the body.
fn body_of_declaration(src: &[u8], tokens: &mut Tokens) -> Declaration {
    // Go ends a statement at a newline after these tokens: a signature that ends its line
    // with one has no body.
    let mut ends_statement = false;
    let mut type_keyword = false;
    // The first word after `func` and its receiver.
    let mut name: Option<Range<usize>> = None;
    // A bracket before the name opens a receiver.
    let mut method = false;
    while let Some(token) = tokens.next() {
        match token.kind {
            Kind::Newline if ends_statement => return Declaration::NoBody,
            Kind::Newline | Kind::Comment => {}
            // `struct {` and `interface {` in a signature open a type, not the body.
            Kind::Open(b'{') if !type_keyword => {
                return match tokens.skip_group() {
                    Some(close) => Declaration::Body {
                        name: name.unwrap_or(token.range.start..token.range.start),
                        method,
                        interior: token.range.end..close,
                    },
                    None => Declaration::Unmatched,
                };
            }
            Kind::Open(_) => {
                method |= name.is_none();
                if tokens.skip_group().is_none() {
                    return Declaration::Unmatched;
                }
                type_keyword = false;
                ends_statement = true;
            }
            Kind::Close(_) => return Declaration::Unmatched,
            Kind::Word => {
                if name.is_none() {
                    name = Some(token.range.clone());
                }
                let word = &src[token.range];
                type_keyword = word == b"struct" || word == b"interface";
                ends_statement = true;
            }
            Kind::Literal => ends_statement = true,
            Kind::Other => {
                type_keyword = false;
                ends_statement = false;
            }
        }
    }
    Declaration::Unmatched
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    /// A string, raw string or rune literal.
    Literal,
    Comment,
    Open(u8),
    Close(u8),
    /// A newline outside comments and literals (a block comment that spans lines counts as
    /// one, as in Go).
    Newline,
    Other,
}

struct Token {
    kind: Kind,
    range: Range<usize>,
}

/// Go's tokens, coarsely: enough to tell brackets, words and line ends from the contents of
/// comments and literals. Unterminated literals end at the end of their line (or the file).
struct Tokens<'a> {
    src: &'a [u8],
    at: usize,
}

/// The bytes that can open or close a group, or start a literal or a comment: no other byte
/// inside a group can change where it ends.
const GROUP_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let bytes = b"()[]{}\"'`/";
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

impl Tokens<'_> {
    /// Skips to the bracket that closes the one just read; the offset of that closing
    /// bracket. Inside a group only brackets, literals and comments matter: the bytes between
    /// them are stepped over, not read as tokens (most of a file is function bodies).
    fn skip_group(&mut self) -> Option<usize> {
        let src = self.src;
        let mut depth = 1usize;
        while let Some(offset) = src[self.at..].iter().position(|&b| GROUP_BYTES[b as usize]) {
            let at = self.at + offset;
            match src[at] {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.at = at + 1;
                }
                b')' | b']' | b'}' => {
                    depth -= 1;
                    self.at = at + 1;
                    if depth == 0 {
                        return Some(at);
                    }
                }
                _ => {
                    self.at = at;
                    self.next()?;
                }
            }
        }
        self.at = src.len();
        None
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let src = self.src;
        while self.at < src.len() && matches!(src[self.at], b' ' | b'\t' | b'\r') {
            self.at += 1;
        }
        let start = self.at;
        let byte = *src.get(start)?;
        let after = |from: usize, byte: u8| {
            memchr::memchr(byte, &src[from.min(src.len())..]).map_or(src.len(), |at| from + at + 1)
        };
        let (kind, end) = match byte {
            b'\n' => (Kind::Newline, start + 1),
            b'/' if src.get(start + 1) == Some(&b'/') => (
                Kind::Comment,
                memchr::memchr(b'\n', &src[start..]).map_or(src.len(), |at| start + at),
            ),
            b'/' if src.get(start + 1) == Some(&b'*') => {
                let end = memchr::memmem::find(&src[start + 2..], b"*/")
                    .map_or(src.len(), |at| start + 2 + at + 2);
                let kind = if memchr::memchr(b'\n', &src[start..end]).is_some() {
                    Kind::Newline
                } else {
                    Kind::Comment
                };
                (kind, end)
            }
            b'`' => (Kind::Literal, after(start + 1, b'`')),
            b'"' | b'\'' => {
                let mut end = start + 1;
                while end < src.len() && src[end] != byte && src[end] != b'\n' {
                    end += if src[end] == b'\\' { 2 } else { 1 };
                }
                let end = if src.get(end) == Some(&byte) {
                    end + 1
                } else {
                    end
                };
                (Kind::Literal, end.min(src.len()))
            }
            b'(' | b'[' | b'{' => (Kind::Open(byte), start + 1),
            b')' | b']' | b'}' => (Kind::Close(byte), start + 1),
            _ if is_word_byte(byte) => {
                let len = src[start..]
                    .iter()
                    .position(|&b| !is_word_byte(b) && b != b'.')
                    .unwrap_or(src.len() - start);
                (Kind::Word, start + len)
            }
            _ => (Kind::Other, start + 1),
        };
        self.at = end;
        Some(Token {
            kind,
            range: start..end,
        })
    }
}

/// Whether `byte` can be part of a Go identifier (any byte of a multi-byte UTF-8 letter).
pub fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// Where the word that ends at `end` of `src` starts (`end` itself when no word ends there).
pub fn word_start(src: &[u8], end: usize) -> usize {
    src[..end]
        .iter()
        .rposition(|&b| !is_word_byte(b))
        .map_or(0, |i| i + 1)
}

/// Whether `range` of `text` is a word of its own, not part of a longer one.
pub fn is_whole_word(text: &[u8], range: Range<usize>) -> bool {
    let before = range.start.checked_sub(1).map(|i| text[i]);
    let after = text.get(range.end).copied();
    !before.is_some_and(is_word_byte) && !after.is_some_and(is_word_byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(src: &str) -> Vec<&str> {
        function_bodies(src.as_bytes())
            .into_iter()
            .map(|b| &src[b.interior])
            .collect()
    }

    #[test]
    fn finds_what_statements_assign() {
        let src = "{\n\tx = 1\n\ta, b.c = f()\n\tn += 2; m <<= 1\n\tfor i = 0; i <= n; i++ {\n\t\tif p == q || r != s || t >= u { y = 3 }\n\t}\n\tv := 4\n\tvar w = 5\n\t*ptr = 6\n\tarr[k] = 7\n\td.e.f = 8\n}";
        let assigned = assignments(src.as_bytes(), 1..src.len() - 1);
        assert_eq!(assigned.identifiers, ["x", "a", "n", "m", "i", "y"]);
        assert_eq!(assigned.fields_of, ["b"]);
    }

    #[test]
    fn names_each_body() {
        let src = "package p\n\nfunc f() {}\n\nfunc (r *T[K]) Get(k K) V { return r.m[k] }\n\nfunc G[T any]() {}\n";
        let names: Vec<(String, bool)> = function_bodies(src.as_bytes())
            .into_iter()
            .map(|b| (b.name, b.method))
            .collect();
        assert_eq!(
            names,
            [
                ("f".to_string(), false),
                ("Get".to_string(), true),
                ("G".to_string(), false)
            ]
        );
    }

    #[test]
    fn a_field_line_is_in_the_struct_declared_above_it() {
        let src = "package p\n\ntype Record struct {\n\tID string\n\tName string `json:\"n\"`\n}\n\ntype (\n\tA int\n\tB struct {\n\t\tX int\n\t}\n)\n\nvar v = 1\n";
        let at = |line: &str| src.find(line).unwrap();
        assert_eq!(
            super::enclosing_struct(src.as_bytes(), at("\tName")),
            Some("Record".to_string())
        );
        assert_eq!(
            super::enclosing_struct(src.as_bytes(), at("\t\tX")),
            Some("B".to_string())
        );
        assert_eq!(super::enclosing_struct(src.as_bytes(), at("var v")), None);
        assert_eq!(super::enclosing_struct(src.as_bytes(), at("\tA int")), None);
    }

    #[test]
    fn finds_the_bodies_of_top_level_functions_and_methods() {
        let src = "package p\n\nconst A = \"}\"\n\nfunc f() { a() }\n\nfunc (r *T) M(x struct{ a int }) interface{ N() } {\n\treturn `}`\n}\n\nfunc G[T any](v T) map[string]struct{} { return nil }\n";
        assert_eq!(bodies(src), [" a() ", "\n\treturn `}`\n", " return nil "]);
    }

    #[test]
    fn leaves_function_literals_of_variables_and_bodiless_declarations() {
        let src = "package p\n\nvar f = func() { x() }\n\nfunc asm(x int) int\n\nfunc g(\n\ta int,\n) (\n\tint, error,\n) { /* } */ return 0, nil }\n";
        assert_eq!(bodies(src), [" /* } */ return 0, nil "]);
    }

    #[test]
    fn brackets_in_runes_strings_and_comments_do_not_end_a_body() {
        let src = "package p\n\nfunc f() { r := '}'; s := \"\\\"}\"; x := a / b // }\n\t/* { */ g(r, s[0]) }\n\nfunc h() {}\n";
        assert_eq!(
            bodies(src),
            [
                " r := '}'; s := \"\\\"}\"; x := a / b // }\n\t/* { */ g(r, s[0]) ",
                ""
            ]
        );
    }

    #[test]
    fn stops_at_a_body_that_is_never_closed() {
        assert_eq!(
            bodies("package p\nfunc f() {\n\tif x {\n"),
            Vec::<&str>::new()
        );
    }
}
