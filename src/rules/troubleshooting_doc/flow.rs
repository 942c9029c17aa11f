//! Which values a statement line defines or changes, and whether a piece of code reads them:
//! enough to tell whether a changed line of a function reaches the function's I/O, without
//! a full data-flow analysis. Values are selector paths (`opts.Timeout`, `data`): setting
//! `s.count` does not change `s.db`, while handing `opts` to a call hands `opts.Timeout` too.

use crate::go::tokens::{Token, TokenKind};

/// A selector path: `["opts", "Timeout"]`.
pub type Path = Vec<String>;

/// The values a changed line changes, and whether they are fields of a value that its
/// methods read (see [`reads_as`]).
pub struct Changed {
    pub paths: Vec<Path>,
    pub fields: bool,
    /// The line assigns them (a call statement only hands them on): they are followed into
    /// the repository's functions they are handed to.
    pub assigned: bool,
}

impl Changed {
    /// Whole values (`db`), or selector paths a statement assigns (`opts.Timeout`).
    pub fn values(paths: Vec<Path>) -> Changed {
        Changed {
            paths,
            fields: false,
            assigned: false,
        }
    }

    /// As [`Changed::values`], assigned by the line when `assigned`.
    pub fn assigned(paths: Vec<Path>, assigned: bool) -> Changed {
        Changed {
            assigned,
            ..Changed::values(paths)
        }
    }
}

/// What one statement line does with values.
#[derive(Debug, Default)]
pub struct Statement {
    /// The paths it assigns (`a, b := ...`, `x.f = ...`, `n++`, `var v T`).
    pub defined: Vec<Path>,
    /// Where the value it assigns starts in the tokens (their length when none).
    pub value_from: usize,
}

fn text_of<'s>(src: &'s [u8], token: &Token) -> &'s [u8] {
    &src[token.start..token.end]
}

/// The statement written on one line, from its tokens.
pub fn statement(src: &[u8], tokens: &[Token]) -> Statement {
    let word = |i: usize| tokens.get(i).map(|t| text_of(src, t));
    if word(0) == Some(b"var") {
        // `var a, b T = x` or `var a T`.
        let mut defined = Vec::new();
        let mut i = 1;
        while let Some(t) = tokens.get(i).filter(|t| t.kind == TokenKind::Ident) {
            defined.push(vec![String::from_utf8_lossy(text_of(src, t)).into_owned()]);
            if word(i + 1) != Some(b",") {
                break;
            }
            i += 2;
        }
        let value_from = (0..tokens.len())
            .find(|&i| word(i) == Some(b"="))
            .map_or(tokens.len(), |i| i + 1);
        return Statement {
            defined,
            value_from,
        };
    }
    // `n++`, `s.n--`.
    let len = tokens.len();
    if len >= 3
        && matches!(
            (word(len - 2), word(len - 1)),
            (Some(b"+"), Some(b"+")) | (Some(b"-"), Some(b"-"))
        )
    {
        return Statement {
            defined: paths(src, &tokens[..len - 2]),
            value_from: len,
        };
    }
    let Some((lhs_end, value_from)) = assignment(src, tokens) else {
        return Statement {
            defined: handed_to_call(src, tokens),
            value_from: len,
        };
    };
    // An `if v, err := f(); ...` or `for i := 0; ...` header assigns too.
    let lhs_start = match word(0) {
        Some(b"if" | b"for" | b"switch") => 1,
        _ => 0,
    };
    let mut value_from = value_from;
    if word(value_from) == Some(b"range") {
        value_from += 1;
    }
    Statement {
        defined: paths(src, &tokens[lhs_start.min(lhs_end)..lhs_end]),
        value_from,
    }
}

/// The variables a call statement hands on (`canonicalize(req)`, `fill(&opts)`): a call whose
/// result is dropped is made for what it does, often to what it is handed.
fn handed_to_call(src: &[u8], tokens: &[Token]) -> Vec<Path> {
    let word = |i: usize| tokens.get(i).map(|t| text_of(src, t));
    let callee = chain(src, tokens);
    let Some(open) = (2 * callee.len()).checked_sub(1) else {
        return Vec::new();
    };
    if word(open) != Some(b"(") || tokens.last().map(|t| text_of(src, t)) != Some(b")") {
        return Vec::new();
    }
    tokens[open + 1..tokens.len() - 1]
        .split(|t| text_of(src, t) == b",")
        .filter_map(|argument| {
            let argument = match argument.first().map(|t| text_of(src, t)) {
                Some(b"&") => &argument[1..],
                _ => argument,
            };
            let path = chain(src, argument);
            (!path.is_empty() && 2 * path.len() - 1 == argument.len()).then_some(path)
        })
        .collect()
}

/// The first assignment operator at the top level of the tokens: where its left side ends
/// and its value starts.
fn assignment(src: &[u8], tokens: &[Token]) -> Option<(usize, usize)> {
    let word = |i: usize| tokens.get(i).map(|t| text_of(src, t));
    let mut depth = 0i32;
    for (i, token) in tokens.iter().enumerate() {
        match text_of(src, token) {
            b"(" | b"[" | b"{" => depth += 1,
            b")" | b"]" | b"}" => depth -= 1,
            b"=" if depth == 0 && word(i + 1) != Some(b"=") => {
                let previous = i.checked_sub(1).and_then(word);
                let op_start = match previous {
                    // `==`, `!=`, `<=`, `>=`: comparisons; `<<=`, `>>=`: assignments.
                    Some(b"=" | b"!") => return None,
                    Some(b"<" | b">") => {
                        if i >= 2 && word(i - 2) == previous {
                            i - 2
                        } else {
                            return None;
                        }
                    }
                    Some(b":" | b"+" | b"-" | b"*" | b"/" | b"%" | b"|" | b"^") => i - 1,
                    Some(b"&") if i >= 2 && word(i - 2) == Some(b"&") => i - 2,
                    Some(b"&") => i - 1,
                    _ => i,
                };
                return Some((op_start, i + 1));
            }
            _ => {}
        }
    }
    None
}

/// The paths of a comma-separated left side: `a.b[i]` is `a.b`, `*p` is `p`, `_` is nothing.
fn paths(src: &[u8], tokens: &[Token]) -> Vec<Path> {
    tokens
        .split(|t| text_of(src, t) == b",")
        .filter_map(|part| {
            let start = part.iter().position(|t| t.kind == TokenKind::Ident)?;
            let path = chain(src, &part[start..]);
            (path.first().is_some_and(|p| p != "_")).then_some(path)
        })
        .collect()
}

/// The selector chain that starts at the first token: `a . b . c` is `[a, b, c]`.
fn chain(src: &[u8], tokens: &[Token]) -> Path {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(t) = tokens.get(i).filter(|t| t.kind == TokenKind::Ident) {
        out.push(String::from_utf8_lossy(text_of(src, t)).into_owned());
        if tokens.get(i + 1).map(|t| text_of(src, t)) != Some(b".") {
            break;
        }
        i += 2;
    }
    out
}

/// The first of `paths` that the tokens read: an identifier chain (not a field or method
/// name after a dot) that starts with the path (`opts.Timeout.Seconds`) or is a beginning
/// of it handed on whole (`f(opts)` for `opts.Timeout`).
pub fn reads<'p>(src: &[u8], tokens: &[Token], paths: &'p [Path]) -> Option<&'p Path> {
    reads_as(src, tokens, paths, false)
}

/// As [`reads`]; with `methods`, a method called on a beginning of a path reads the path too
/// (`db.start()` reads `db.Index`), as a method sees every field of its receiver.
pub fn reads_as<'p>(
    src: &[u8],
    tokens: &[Token],
    paths: &'p [Path],
    methods: bool,
) -> Option<&'p Path> {
    (0..tokens.len()).find_map(|i| {
        let token = &tokens[i];
        let after_dot = i > 0 && text_of(src, &tokens[i - 1]) == b".";
        if token.kind != TokenKind::Ident || after_dot {
            return None;
        }
        let read = chain(src, &tokens[i..]);
        let next = tokens.get(i + 2 * read.len() - 1).map(|t| text_of(src, t));
        // The value a method is called on (`db` of `db.compact()`).
        let receiver = match methods && next == Some(b"(") {
            true => &read[..read.len() - 1],
            false => &[],
        };
        paths.iter().find(|path| {
            let of_receiver = !receiver.is_empty()
                && receiver.len() < path.len()
                && path[..receiver.len()] == *receiver;
            if read.len() >= path.len() {
                read[..path.len()] == path[..] || of_receiver
            } else {
                // A beginning of the path: handed on whole, not used to call a method or
                // reach another field.
                (path[..read.len()] == read[..] && next != Some(b".")) || of_receiver
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> Vec<Token> {
        crate::go::tokens::tokens(src.as_bytes(), 0, src.len())
    }

    fn defined(src: &str) -> Vec<String> {
        statement(src.as_bytes(), &tokens(src))
            .defined
            .iter()
            .map(|p| p.join("."))
            .collect()
    }

    #[test]
    fn statements_define_their_left_side() {
        assert_eq!(defined("data, err := json.Marshal(m)"), ["data", "err"]);
        assert_eq!(defined("opts.Timeout = 5 * time.Second"), ["opts.Timeout"]);
        assert_eq!(defined("buf[i] += 1"), ["buf"]);
        assert_eq!(defined("var m Metadata"), ["m"]);
        assert_eq!(defined("s.n++"), ["s.n"]);
        assert_eq!(defined("for _, t := range topics {"), ["t"]);
        assert_eq!(defined("x <<= 2"), ["x"]);
        assert!(defined("if a == b {").is_empty());
        assert!(defined("if a <= b {").is_empty());
        assert!(defined("Name: topic.name,").is_empty());
        assert!(defined("s.mu.Lock()").is_empty());
        assert_eq!(defined("canonicalize(req)"), ["req"]);
        assert_eq!(defined("s.fill(&opts, r.URL, 3)"), ["opts", "r.URL"]);
        assert!(defined("f(g(x))").is_empty());
        assert!(defined("(x)").is_empty());
        assert!(defined("}").is_empty());
    }

    #[test]
    fn reads_follow_paths() {
        let paths = vec![vec!["opts".to_string(), "Timeout".to_string()]];
        let read = |src: &str| reads(src.as_bytes(), &tokens(src), &paths).is_some();
        assert!(read("client.Dial(opts)"));
        assert!(read("client.Dial(opts.Timeout.Seconds())"));
        assert!(!read("client.Dial(opts.Address)"));
        assert!(!read("opts.Apply()"));
        assert!(!read("x.opts"));
    }

    #[test]
    fn a_field_is_read_by_its_receivers_methods_when_asked() {
        let paths = vec![vec!["db".to_string(), "index".to_string()]];
        let read = |src: &str| reads_as(src.as_bytes(), &tokens(src), &paths, true).is_some();
        assert!(read("go db.compact()"));
        assert!(read("save(db)"));
        assert!(read("db.index.Flush()"));
        assert!(!read("os.MkdirAll(db.opt.Dir, 0o755)"));
        assert!(!read("db.opt.Apply()"));
        assert!(reads(
            "go db.compact()".as_bytes(),
            &tokens("go db.compact()"),
            &paths
        )
        .is_none());
    }
}
