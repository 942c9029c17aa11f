//! Which changed lines are changes of behaviour at all: not blank or comment-only, not a
//! rename (the same tokens up to a consistent renaming of identifiers), not a move (the same
//! line removed elsewhere in the change), not only the text of a string.

use std::collections::{HashMap, HashSet};

use super::modernize::modernized;
pub use crate::git::{hunks, Hunk};
use crate::go::tokens::{is_member, line_tokens, same_up_to_renaming, Token, TokenKind};
use crate::source::LineIndex;

/// The tokens of several lines joined by single spaces, padded with a space at both ends, for
/// asking whether a piece of code appears among them.
pub fn joined(src: &[u8], lines: &LineIndex, numbers: &[usize]) -> String {
    let mut out = String::from(" ");
    push_all_comparable(&mut out, src, &lines_tokens(src, lines, numbers));
    out
}

/// Appends tokens as [`push_comparable`] does, and a request's context (`r.Context()`) as the
/// context variable it is often put in (`ctx, span := tracer.Start(r.Context(), "get")`, then
/// `store.Get(ctx, id)` for `store.Get(r.Context(), id)`: the same deadline).
pub fn push_all_comparable(out: &mut String, src: &[u8], tokens: &[Token]) {
    let mut i = 0;
    while i < tokens.len() {
        let context_call = tokens[i].kind == TokenKind::Ident
            && tokens.len() >= i + 5
            && [".", "Context", "(", ")"]
                .iter()
                .zip(&tokens[i + 1..i + 5])
                .all(|(word, t)| t.text(src) == word.as_bytes());
        if context_call {
            out.push_str("ctx ");
            i += 5;
            continue;
        }
        push_comparable(out, src, tokens[i]);
        i += 1;
    }
}

/// Appends a token and a space, as code is compared across the two sides of a change: an
/// address-of or a dereference is left out, and a context variable counts as any other (`receiveFile(spanCtx, ...)` for
/// `receiveFile(ctx, ...)` hands the call the same deadline; a new deadline is a changed line
/// of its own).
pub fn push_comparable(out: &mut String, src: &[u8], token: Token) {
    let text = String::from_utf8_lossy(&src[token.start..token.end]);
    // Handing a pointer instead of a value (`Process(ctx, &m)` for `Process(ctx, m)`,
    // `Recover(s)` for `Recover(*s)`) sends the same data.
    if text == "&" || text == "*" {
        return;
    }
    let context = token.kind == TokenKind::Ident
        && (text == "ctx" || text.ends_with("Ctx") || text == "context");
    out.push_str(if context { "ctx" } else { &text });
    out.push(' ');
}

/// The tokens of several lines, in order.
fn lines_tokens(src: &[u8], lines: &LineIndex, numbers: &[usize]) -> Vec<Token> {
    numbers
        .iter()
        .flat_map(|&n| line_tokens(src, lines, n))
        .collect()
}

/// What a hunk changes, told from its tokens alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HunkKind {
    /// Only white space or comments.
    Nothing,
    /// The same code with identifiers consistently renamed.
    Rename,
    /// The same code but for the contents of string literals.
    TextOnly,
    Code,
}

/// Whether an identifier names a package of the repository in one version of a file or the
/// other (its import's local name).
pub type OwnPackage<'a> = &'a dyn Fn(&[u8]) -> bool;

pub fn kind(
    old: (&[u8], &LineIndex),
    new: (&[u8], &LineIndex),
    hunk: &Hunk,
    own: OwnPackage,
) -> HunkKind {
    let before = lines_tokens(old.0, old.1, &hunk.removed);
    let after = lines_tokens(new.0, new.1, &hunk.added);
    let kind = kind_of(old.0, &before, new.0, &after);
    if kind != HunkKind::Code {
        return kind;
    }
    // The same code but for a context or a pointer handed on (see [`push_all_comparable`]).
    if joined(old.0, old.1, &hunk.removed) == joined(new.0, new.1, &hunk.added) {
        return HunkKind::Nothing;
    }
    let (before, after) = comparable(old.0, before, new.0, after, own);
    if matches!(
        kind_of(old.0, &before, new.0, &after),
        HunkKind::Rename | HunkKind::Nothing
    ) {
        return HunkKind::Rename;
    }
    // Code that `go fix` modernized (`for range n` for a counted loop) does what it did.
    let (old_text, before) = modernized(old.0, old.1, &hunk.removed);
    let (new_text, after) = modernized(new.0, new.1, &hunk.added);
    match kind_of(&old_text, &before, &new_text, &after) {
        HunkKind::Rename | HunkKind::Nothing => HunkKind::Rename,
        _ => HunkKind::Code,
    }
}

/// The two sides' tokens as a move or a refactor leaves them when it keeps what the code does:
/// a field read replaced by its getter (`m.fmt.ChangeLog` → `m.getFormat().ChangeLog`), a
/// name moved to another package of the repository (`redirectURIOOB` →
/// `oauth2.RedirectURIOOB`).
fn comparable(
    old: &[u8],
    before: Vec<Token>,
    new: &[u8],
    after: Vec<Token>,
    own: OwnPackage,
) -> (Vec<Token>, Vec<Token>) {
    let before_moved = without_moved_qualifiers(old, &before, new, &after, own);
    let after_moved = without_moved_qualifiers(new, &after, old, &before, own);
    (
        without_getter_calls(old, before_moved),
        without_getter_calls(new, after_moved),
    )
}

/// The tokens without the qualifier of `pkg.Name` when `pkg` is a package of the repository
/// that the other side does not name, and the other side names `Name` (or `name`)
/// unqualified, or `Name` is not called (`errServerError` → `oauth2.ServerError`): the name
/// moved there. A call of another function (`validate(a)` → `store.Save(a)`) is another call.
fn without_moved_qualifiers(
    src: &[u8],
    tokens: &[Token],
    other_src: &[u8],
    other: &[Token],
    own: OwnPackage,
) -> Vec<Token> {
    let text = |src: &'_ [u8], t: &Token| -> Vec<u8> { src[t.start..t.end].to_vec() };
    let folded = |mut word: Vec<u8>| {
        if let Some(first) = word.first_mut() {
            first.make_ascii_lowercase();
        }
        word
    };
    let after_dot =
        |src: &[u8], tokens: &[Token], i: usize| i > 0 && text(src, &tokens[i - 1]) == b".";
    let bare: HashSet<Vec<u8>> = other
        .iter()
        .enumerate()
        .filter(|(i, t)| t.kind == TokenKind::Ident && !after_dot(other_src, other, *i))
        .map(|(_, t)| folded(text(other_src, t)))
        .collect();
    let other_qualifiers: HashSet<Vec<u8>> = other
        .windows(2)
        .filter(|pair| pair[0].kind == TokenKind::Ident && text(other_src, &pair[1]) == b".")
        .map(|pair| text(other_src, &pair[0]))
        .collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let word = text(src, &tokens[i]);
        let moved = tokens[i].kind == TokenKind::Ident
            && !after_dot(src, tokens, i)
            && tokens.get(i + 1).is_some_and(|t| text(src, t) == b".")
            && !other_qualifiers.contains(&word)
            && own(&word)
            && tokens.get(i + 2).is_some_and(|t| {
                let called = tokens.get(i + 3).is_some_and(|n| text(src, n) == b"(");
                t.kind == TokenKind::Ident && (!called || bare.contains(&folded(text(src, t))))
            });
        if moved {
            i += 2;
            continue;
        }
        out.push(tokens[i]);
        i += 1;
    }
    out
}

/// The tokens without the empty argument lists of method calls (`m.getFormat()` is read as
/// `m.getFormat`).
fn without_getter_calls(src: &[u8], tokens: Vec<Token>) -> Vec<Token> {
    let text = |t: &Token| &src[t.start..t.end];
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let getter = text(&tokens[i]) == b"("
            && tokens.get(i + 1).is_some_and(|t| text(t) == b")")
            && out.len() >= 2
            && out[out.len() - 1].kind == TokenKind::Ident
            && text(&out[out.len() - 2]) == b".";
        if getter {
            i += 2;
            continue;
        }
        out.push(tokens[i]);
        i += 1;
    }
    out
}

fn kind_of(old: &[u8], before: &[Token], new: &[u8], after: &[Token]) -> HunkKind {
    if before.is_empty() && after.is_empty() {
        return HunkKind::Nothing;
    }
    let same_text = before.len() == after.len()
        && before
            .iter()
            .zip(after)
            .all(|(x, y)| x.text(old) == y.text(new));
    if same_text {
        return HunkKind::Nothing;
    }
    if same_up_to_renaming(old, before, new, after) {
        return HunkKind::Rename;
    }
    let only_strings_differ = before.len() == after.len()
        && before.iter().zip(after).all(|(x, y)| {
            x.kind == y.kind && (x.kind == TokenKind::Text || x.text(old) == y.text(new))
        });
    if only_strings_differ {
        return HunkKind::TextOnly;
    }
    HunkKind::Code
}

/// The identifiers a rename hunk renames, old name → new name (only those that differ).
pub fn renames(
    old: (&[u8], &LineIndex),
    new: (&[u8], &LineIndex),
    hunk: &Hunk,
    own: OwnPackage,
) -> Vec<(String, String)> {
    let mut before = lines_tokens(old.0, old.1, &hunk.removed);
    let mut after = lines_tokens(new.0, new.1, &hunk.added);
    if !same_up_to_renaming(old.0, &before, new.0, &after) {
        (before, after) = comparable(old.0, before, new.0, after, own);
    }
    if !same_up_to_renaming(old.0, &before, new.0, &after) {
        let (old_text, before) = modernized(old.0, old.1, &hunk.removed);
        let (new_text, after) = modernized(new.0, new.1, &hunk.added);
        return renamed((&old_text, &before), (&new_text, &after));
    }
    renamed((old.0, &before), (new.0, &after))
}

/// The identifiers that differ between two token sequences of the same shape, old → new; a
/// member's (see [`is_member`]) with a leading `.` (`.Timeout`), apart from the names in
/// scope, unless one side calls it as a getter.
fn renamed(old: (&[u8], &[Token]), new: (&[u8], &[Token])) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = old
        .1
        .iter()
        .zip(new.1)
        .enumerate()
        .filter(|(_, (x, _))| x.kind == TokenKind::Ident)
        .map(|(i, (x, y))| {
            // A field read for its getter (`m.fmt.X` → `m.getFormat().X`) reads the same value.
            let getter = |src: &[u8], t: &Token| src[t.end..].starts_with(b"()");
            let member = is_member(old.0, old.1, i) && !getter(old.0, x) && !getter(new.0, y);
            let dot = if member { "." } else { "" };
            (
                format!("{dot}{}", String::from_utf8_lossy(x.text(old.0))),
                format!("{dot}{}", String::from_utf8_lossy(y.text(new.0))),
            )
        })
        .filter(|(a, b)| a != b)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a rename hunk swaps one member of a library's package for another, under the same
/// qualifier (`blob.BlobTypeBlockBlob` → `blob.BlobTypeAppendBlob`, `time.Second` →
/// `time.Millisecond`): a change cannot rename what a library declares, so the code now names
/// another value, and is judged as changed code.
pub fn swaps_library_member(
    old: (&[u8], &LineIndex),
    new: (&[u8], &LineIndex),
    hunk: &Hunk,
    library: LibraryPackage,
) -> bool {
    let before = lines_tokens(old.0, old.1, &hunk.removed);
    let after = lines_tokens(new.0, new.1, &hunk.added);
    if before.len() != after.len() {
        return false;
    }
    (2..before.len()).any(|i| {
        let (x, y) = (&before[i], &after[i]);
        let (qualifier, dot) = (&before[i - 2], &before[i - 1]);
        x.kind == TokenKind::Ident
            && x.text(old.0) != y.text(new.0)
            && dot.text(old.0) == b"."
            && after[i - 1].text(new.0) == b"."
            && qualifier.kind == TokenKind::Ident
            && qualifier.text(old.0) == after[i - 2].text(new.0)
            && (i < 3 || before[i - 3].text(old.0) != b".")
            && library(qualifier.text(old.0))
    })
}

/// Of the renamings of a file's rename hunks, those that are not renames: a predeclared
/// value replaced or put in (`f(nil)` → `f(args)`), or a renaming that is not one to one
/// across the file: two old names that become one (`UpdateUser(internal)` →
/// `UpdateUser(dbUser)` beside `oldUser` → `dbUser`) or one that becomes two. A hunk that
/// holds one hands a call another value.
pub fn false_renames(renames: &[(String, String)]) -> HashSet<(String, String)> {
    const PREDECLARED: &[&str] = &["nil", "true", "false", "iota"];
    let mut targets: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut sources: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (a, b) in renames {
        targets.entry(a).or_default().insert(b);
        sources.entry(b).or_default().insert(a);
    }
    renames
        .iter()
        .filter(|(a, b)| {
            targets[a.as_str()].len() > 1
                || sources[b.as_str()].len() > 1
                || PREDECLARED.contains(&a.as_str())
                || PREDECLARED.contains(&b.as_str())
        })
        .cloned()
        .collect()
}

/// The names in scope (not members, see [`is_member`]) on the lines the change removes and
/// on those it adds, in every changed Go file (generated ones too): where a field or method
/// is declared, and so where renaming one shows.
#[derive(Debug, Default)]
pub struct DeclaredNames {
    removed: HashSet<Vec<u8>>,
    added: HashSet<Vec<u8>>,
}

impl DeclaredNames {
    pub fn of(files: &[crate::git::ChangedFile]) -> Self {
        let mut names = Self::default();
        let go = files.iter().filter(|f| f.path.ends_with(".go"));
        for file in go {
            let sides = [
                (&file.old_content, &file.removed_lines, &mut names.removed),
                (&file.new_content, &file.added_lines, &mut names.added),
            ];
            for (content, lines, out) in sides {
                let Some(src) = content else { continue };
                let index = LineIndex::new(src);
                for &line in lines {
                    let tokens = line_tokens(src, &index, line);
                    out.extend(
                        tokens
                            .iter()
                            .enumerate()
                            .filter(|(i, t)| {
                                t.kind == TokenKind::Ident && !is_member(src, &tokens, *i)
                            })
                            .map(|(_, t)| t.text(src).to_vec()),
                    );
                }
            }
        }
        names
    }

    /// Of a file's renamings, the members renamed (`.ReadTimeout` → `.WriteTimeout`) where
    /// the change does not also rename a declaration: a library's field or method, or another
    /// of the repository's, which the code now reads or sets instead.
    pub fn undeclared_member_renames(
        &self,
        renames: &[(String, String)],
    ) -> HashSet<(String, String)> {
        renames
            .iter()
            .filter(|(a, b)| match (a.strip_prefix('.'), b.strip_prefix('.')) {
                (Some(a), Some(b)) => {
                    !(self.removed.contains(a.as_bytes()) && self.added.contains(b.as_bytes()))
                }
                _ => false,
            })
            .cloned()
            .collect()
    }
}

/// Lines removed in one place and added in another, anywhere in the change: moved code.
#[derive(Debug, Default)]
pub struct Moves {
    removed: HashMap<String, usize>,
    added: HashMap<String, usize>,
}

/// A line's tokens joined by single spaces, compared as [`push_comparable`] compares them:
/// the same code however it is indented and whichever context it is handed.
pub fn normalized(src: &[u8], lines: &LineIndex, line: usize) -> String {
    let mut out = String::new();
    let tokens = line_tokens(src, lines, line);
    let kept: Vec<Token> = without_discarded_result(src, &tokens)
        .into_iter()
        .copied()
        .collect();
    push_all_comparable(&mut out, src, &kept);
    out.truncate(out.trim_end().len());
    out
}

/// A line as a move leaves it ([`normalized`], with the variable or package of the
/// repository a selector starts from left out): `s.storage.GetAuthCode(ctx, code)` moved to
/// a handler of another package reads `h.storage.GetAuthCode(ctx, code)`. A library's
/// package (`http.Get` for `client.Get`) is kept.
pub fn moved_form(src: &[u8], lines: &LineIndex, line: usize, library: LibraryPackage) -> String {
    let tokens = line_tokens(src, lines, line);
    let kept = without_discarded_result(src, &tokens);
    let text = |t: &Token| &src[t.start..t.end];
    let mut out = String::new();
    for (i, &token) in kept.iter().enumerate() {
        let root = token.kind == TokenKind::Ident
            && (i == 0 || text(kept[i - 1]) != b".")
            && kept.get(i + 1).is_some_and(|t| text(t) == b".")
            && !library(text(token));
        match root {
            true => out.push_str("_ "),
            false => push_comparable(&mut out, src, *token),
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// Whether an identifier names a library's package (not the repository's) in a file.
pub type LibraryPackage<'a> = &'a dyn Fn(&[u8]) -> bool;

/// A statement that discards a call's result explicitly, as linters ask, is the call:
/// `_ = f.Close()` is `f.Close()`, and `defer func() { _ = f.Close() }()` is
/// `defer f.Close()`.
fn without_discarded_result<'t>(src: &[u8], tokens: &'t [Token]) -> Vec<&'t Token> {
    let text = |t: &Token| &src[t.start..t.end];
    let is = |tokens: &[Token], words: &[&[u8]]| {
        tokens.len() >= words.len() && tokens.iter().zip(words).all(|(t, w)| text(t) == *w)
    };
    let blank = |tokens: &'t [Token]| match is(tokens, &[b"_", b"="]) {
        true => &tokens[2..],
        false => tokens,
    };
    const WRAPPER: &[&[u8]] = &[b"defer", b"func", b"(", b")", b"{"];
    let n = tokens.len();
    if is(tokens, WRAPPER) && n > 8 && tokens[n - 3..].iter().map(text).eq([&b"}"[..], b"(", b")"])
    {
        let inner = blank(&tokens[5..n - 3]);
        return tokens[..1].iter().chain(inner).collect();
    }
    blank(tokens).iter().collect()
}

impl Moves {
    pub fn add_removed(&mut self, line: String) {
        if !line.is_empty() {
            *self.removed.entry(line).or_default() += 1;
        }
    }

    pub fn add_added(&mut self, line: String) {
        if !line.is_empty() {
            *self.added.entry(line).or_default() += 1;
        }
    }

    /// Whether an added line also appears among the removed ones (or the reverse).
    pub fn is_moved(&self, line: &str, added: bool) -> bool {
        let other = if added { &self.removed } else { &self.added };
        other.get(line).is_some_and(|&n| n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_renames_text_and_code_apart() {
        let check = |old: &str, new: &str| {
            let (o, n) = (
                LineIndex::new(old.as_bytes()),
                LineIndex::new(new.as_bytes()),
            );
            let hunk = Hunk {
                removed: vec![1],
                added: vec![1],
                new_start: 1,
            };
            kind((old.as_bytes(), &o), (new.as_bytes(), &n), &hunk, &|q| {
                q == b"oauth2"
            })
        };
        assert_eq!(
            check("x := s.db.Query(q)", "rows := s.store.Query(q)"),
            HunkKind::Rename
        );
        assert_eq!(
            check(
                "return fmt.Errorf(\"bad: %w\", err)",
                "return fmt.Errorf(\"invalid: %w\", err)"
            ),
            HunkKind::TextOnly
        );
        assert_eq!(
            check(
                "c.Timeout = 5 * time.Second",
                "c.Timeout = 10 * time.Second"
            ),
            HunkKind::Code
        );
        assert_eq!(check("x := 1 // a", "x  :=  1 // b"), HunkKind::Nothing);
        assert_eq!(
            check("if m.fmt.ChangeLog {", "if m.getFormat().ChangeLog {"),
            HunkKind::Rename
        );
        assert_eq!(
            check(
                "if u == redirectURIOOB {",
                "if u == oauth2.RedirectURIOOB {"
            ),
            HunkKind::Rename
        );
        assert_eq!(check("x := f(a)", "x := oauth2.F(a)"), HunkKind::Rename);
        assert_eq!(
            check("f(w, errServerError)", "f(w, oauth2.ServerError)"),
            HunkKind::Rename
        );
        assert_eq!(check("x := f(a)", "x := oauth2.Save(a)"), HunkKind::Code);
        assert_eq!(check("x := f(a)", "x := other.F(a)"), HunkKind::Code);
    }

    #[test]
    fn discarding_a_result_explicitly_is_the_same_statement() {
        let normal = |line: &str| {
            let lines = LineIndex::new(line.as_bytes());
            normalized(line.as_bytes(), &lines, 1)
        };
        assert_eq!(normal("_ = f.Close()"), normal("f.Close()"));
        assert_eq!(
            normal("defer func() { _ = f.Close() }()"),
            normal("defer f.Close()")
        );
        assert_ne!(normal("_ = f.Close()"), normal("err = f.Close()"));
        assert_ne!(
            normal("defer func() { f.Close(); os.Remove(p) }()"),
            normal("defer f.Close()")
        );
    }

    #[test]
    fn renamings_that_merge_names_or_replace_nil_are_not_renames() {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        let all = [
            pair("oldUser", "dbUser"),
            pair("internal", "dbUser"),
            pair("user", "updatedUser"),
        ];
        let odd = false_renames(&all);
        assert!(odd.contains(&pair("internal", "dbUser")));
        assert!(odd.contains(&pair("oldUser", "dbUser")));
        assert!(!odd.contains(&pair("user", "updatedUser")));
        // A value handed instead of nil is not a new name for nil.
        assert!(false_renames(&[pair("nil", "args")]).contains(&pair("nil", "args")));
    }
}
