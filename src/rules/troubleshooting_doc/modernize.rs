//! The older idioms that `go fix`'s modernizers rewrite, read in their modern form, so that a
//! change that only modernizes code compares equal to the code it replaces: `interface{}` is
//! `any`, a counted loop is a range over an int, a clamp written with `if` is `max` or `min`,
//! a `HasPrefix` test followed by `TrimPrefix` is `CutPrefix`, and `[]byte(fmt.Sprintf(…))`
//! is `fmt.Appendf(nil, …)`. Each rewrite keeps what the code does.

use crate::go::tokens::{tokens, Token, TokenKind};
use crate::source::LineIndex;

/// A token by its kind and text.
type Word = (TokenKind, Vec<u8>);

/// The tokens of the 1-based lines `numbers`, rewritten in their modern form, with the text
/// they were read from.
pub fn modernized(src: &[u8], lines: &LineIndex, numbers: &[usize]) -> (Vec<u8>, Vec<Token>) {
    let rows: Vec<Vec<Word>> = numbers
        .iter()
        .map(|&n| {
            crate::go::tokens::line_tokens(src, lines, n)
                .iter()
                .map(|t| (t.kind, t.text(src).to_vec()))
                .collect::<Vec<Word>>()
        })
        .filter(|row| !row.is_empty())
        .collect();
    let words: Vec<Word> = cuts(clamps(rows)).into_iter().flatten().collect();
    let words = ranged_lengths(rewritten(&words));
    let mut text = Vec::new();
    for (_, word) in &words {
        text.extend_from_slice(word);
        text.push(b' ');
    }
    let read = tokens(&text, 0, text.len());
    (text, read)
}

fn is(word: Option<&Word>, text: &str) -> bool {
    word.is_some_and(|w| w.1 == text.as_bytes())
}

fn ident(text: &str) -> Word {
    (TokenKind::Ident, text.as_bytes().to_vec())
}

fn operator(text: &str) -> Word {
    (TokenKind::Operator, text.as_bytes().to_vec())
}

/// How many words the selector chain at `at` takes (`a . b . c` is 5), 0 when none starts there.
fn chain_len(words: &[Word], at: usize) -> usize {
    let mut i = at;
    while words.get(i).is_some_and(|w| w.0 == TokenKind::Ident) {
        if !is(words.get(i + 1), ".") || words.get(i + 2).is_none_or(|w| w.0 != TokenKind::Ident) {
            return i + 1 - at;
        }
        i += 2;
    }
    i - at
}

/// Where the bracket opened at `open` closes.
fn closing(words: &[Word], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, word) in words.iter().enumerate().skip(open) {
        match word.1.as_slice() {
            b"(" | b"[" | b"{" => depth += 1,
            b")" | b"]" | b"}" => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `v := a` / `if v < b {` / `v = b` / `}` is `v := max(a, b)` (`>`: `min`).
fn clamps(rows: Vec<Vec<Word>>) -> Vec<Vec<Word>> {
    let mut out: Vec<Vec<Word>> = Vec::with_capacity(rows.len());
    let mut k = 0;
    while k < rows.len() {
        if let Some(row) = rows.get(k..k + 4).and_then(clamp) {
            out.push(row);
            k += 4;
            continue;
        }
        out.push(rows[k].clone());
        k += 1;
    }
    out
}

fn clamp(rows: &[Vec<Word>]) -> Option<Vec<Word>> {
    let [first, test, set, close] = rows else {
        return None;
    };
    let n = chain_len(first, 0);
    let target = first.get(..n).filter(|t| !t.is_empty())?;
    let op = match (first.get(n), first.get(n + 1)) {
        (Some(c), Some(e)) if c.1 == b":" && e.1 == b"=" => 2,
        (Some(e), next) if e.1 == b"=" && !is(next, "=") => 1,
        _ => return None,
    };
    let value = first.get(n + op..).filter(|v| !v.is_empty())?;
    let function = match test.get(1 + n) {
        Some(w) if w.1 == b"<" => "max",
        Some(w) if w.1 == b">" => "min",
        _ => return None,
    };
    let bound = test.get(2 + n..test.len().checked_sub(1)?)?;
    let tests_target = is(test.first(), "if") && test.get(1..1 + n) == Some(target);
    let sets_bound =
        set.get(..n) == Some(target) && is(set.get(n), "=") && set.get(n + 1..) == Some(bound);
    let closed = close.len() == 1 && is(close.first(), "}");
    if bound.is_empty() || is(bound.first(), "=") || !is(test.last(), "{") {
        return None;
    }
    if !(tests_target && sets_bound && closed) {
        return None;
    }
    let mut row: Vec<Word> = first[..n + op].to_vec();
    row.push(ident(function));
    row.push(operator("("));
    row.extend_from_slice(value);
    row.push(operator(","));
    row.extend_from_slice(bound);
    row.push(operator(")"));
    Some(row)
}

/// `if after, ok := strings.CutPrefix(s, p); ok {` is `if strings.HasPrefix(s, p) {`, and
/// `after` on the lines after it is `strings.TrimPrefix(s, p)` (the same for suffixes and
/// `bytes`).
fn cuts(rows: Vec<Vec<Word>>) -> Vec<Vec<Word>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut bound: Option<Binding> = None;
    for row in rows {
        if let Some((row, binding)) = cut(&row) {
            out.push(row);
            bound = Some(binding);
            continue;
        }
        let Some((name, value)) = &bound else {
            out.push(row);
            continue;
        };
        let mut replaced = Vec::with_capacity(row.len());
        for (i, word) in row.iter().enumerate() {
            let after_dot = i > 0 && row[i - 1].1 == b".";
            if word.0 == TokenKind::Ident && word.1 == *name && !after_dot {
                replaced.extend_from_slice(value);
            } else {
                replaced.push(word.clone());
            }
        }
        out.push(replaced);
    }
    out
}

/// The variable a cut binds, and what it stands for.
type Binding = (Vec<u8>, Vec<Word>);

fn cut(row: &[Word]) -> Option<(Vec<Word>, Binding)> {
    let at = row.iter().position(|w| w.1 == b"if")?;
    let w = |i: usize| row.get(at + i);
    let (name, ok) = (w(1)?, w(3)?);
    let shape = name.0 == TokenKind::Ident
        && is(w(2), ",")
        && ok.0 == TokenKind::Ident
        && is(w(4), ":")
        && is(w(5), "=")
        && (is(w(6), "strings") || is(w(6), "bytes"))
        && is(w(7), ".")
        && is(w(9), "(");
    if !shape {
        return None;
    }
    let (has, trim) = match w(8)?.1.as_slice() {
        b"CutPrefix" => ("HasPrefix", "TrimPrefix"),
        b"CutSuffix" => ("HasSuffix", "TrimSuffix"),
        _ => return None,
    };
    let close = closing(row, at + 9)?;
    let tail = row.get(close + 1..)?;
    if tail.len() != 3 || tail[0].1 != b";" || tail[1] != *ok || tail[2].1 != b"{" {
        return None;
    }
    let package = w(6)?.clone();
    let arguments = &row[at + 9..=close];
    let call = |function: &str| {
        let mut call = vec![package.clone(), operator("."), ident(function)];
        call.extend_from_slice(arguments);
        call
    };
    let mut out = row[..=at].to_vec();
    out.extend(call(has));
    out.push(operator("{"));
    Some((out, (name.1.clone(), call(trim))))
}

/// The one-line rewrites: `interface{}`, counted loops, `[]byte(fmt.Sprintf(…))`.
fn rewritten(words: &[Word]) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = |k: usize| words.get(i + k);
        if is(w(0), "interface") && is(w(1), "{") && is(w(2), "}") {
            out.push(ident("any"));
            i += 3;
            continue;
        }
        if let Some((rewrite, taken)) = counted_loop(&words[i..]) {
            out.extend(rewrite);
            i += taken;
            continue;
        }
        // `for i := range n` reads as `for range n`: the index is only a name for the count.
        let single_index = w(1).is_some_and(|x| x.0 == TokenKind::Ident);
        if is(w(0), "for") && single_index && is(w(2), ":") && is(w(3), "=") && is(w(4), "range") {
            out.push(ident("for"));
            i += 4;
            continue;
        }
        if let Some((rewrite, taken)) = appended_format(&words[i..]) {
            out.extend(rewrite);
            i += taken;
            continue;
        }
        out.push(words[i].clone());
        i += 1;
    }
    out
}

/// `for i := 0; i < n; i++ {` is `for range n {`: what it takes and what it reads as.
fn counted_loop(words: &[Word]) -> Option<(Vec<Word>, usize)> {
    let index = words.get(1)?;
    let opens = is(words.first(), "for")
        && index.0 == TokenKind::Ident
        && is(words.get(2), ":")
        && is(words.get(3), "=")
        && is(words.get(4), "0")
        && is(words.get(5), ";")
        && words.get(6) == Some(index)
        && is(words.get(7), "<")
        && !is(words.get(8), "=");
    if !opens {
        return None;
    }
    let end = (8..words.len()).find(|&j| is(words.get(j), ";"))?;
    let steps = words.get(end + 1) == Some(index)
        && is(words.get(end + 2), "+")
        && is(words.get(end + 3), "+")
        && is(words.get(end + 4), "{");
    if !steps || end == 8 {
        return None;
    }
    let mut out = vec![ident("for"), ident("range")];
    out.extend_from_slice(&words[8..end]);
    out.push(operator("{"));
    Some((out, end + 5))
}

/// `[]byte(fmt.Sprintf(…))` is `fmt.Appendf(nil, …)`.
fn appended_format(words: &[Word]) -> Option<(Vec<Word>, usize)> {
    let prefix = ["[", "]", "byte", "(", "fmt", ".", "Sprintf", "("];
    if !prefix.iter().enumerate().all(|(k, p)| is(words.get(k), p)) {
        return None;
    }
    let close = closing(words, 7)?;
    if !is(words.get(close + 1), ")") || close == 8 {
        return None;
    }
    let mut out = vec![
        ident("fmt"),
        operator("."),
        ident("Appendf"),
        operator("("),
        ident("nil"),
        operator(","),
    ];
    out.extend_from_slice(&words[8..=close]);
    Some((out, close + 2))
}

/// `range len(s) {` is `range s {`: the indices of a slice are its length's.
fn ranged_lengths(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = |k: usize| words.get(i + k);
        if is(w(0), "range") && is(w(1), "len") && is(w(2), "(") {
            let n = chain_len(&words, i + 3);
            if n > 0 && is(w(3 + n), ")") && is(w(4 + n), "{") {
                out.push(words[i].clone());
                out.extend_from_slice(&words[i + 3..i + 3 + n]);
                i += 4 + n;
                continue;
            }
        }
        out.push(words[i].clone());
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modern(code: &str) -> String {
        let lines = LineIndex::new(code.as_bytes());
        let numbers: Vec<usize> = (1..=lines.line_count()).collect();
        let (text, read) = modernized(code.as_bytes(), &lines, &numbers);
        read.iter()
            .map(|t| String::from_utf8_lossy(t.text(&text)).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn old_idioms_read_as_their_modern_forms() {
        let pairs = [
            ("func f(a ...interface{}) {", "func f(a ...any) {"),
            ("for i := 0; i < n; i++ {", "for range n {"),
            ("for i := 0; i < len(s.items); i++ {", "for i := range s.items {"),
            (
                "n := runtime.GOMAXPROCS(0) / 4\nif n < 1 {\n\tn = 1\n}",
                "n := max(runtime.GOMAXPROCS(0)/4, 1)",
            ),
            (
                "t = a * b\n// at least the minimum\nif t > s.limit {\n\tt = s.limit\n}",
                "t = min(\n// at least the minimum\na*b, s.limit)",
            ),
            (
                "if strings.HasPrefix(line, \"a: \") {\n\tinfo := strings.TrimPrefix(line, \"a: \")",
                "if after, ok := strings.CutPrefix(line, \"a: \"); ok {\n\tinfo := after",
            ),
            (
                "} else if bytes.HasSuffix(b, x) {\n\tn := bytes.TrimSuffix(b, x)",
                "} else if rest, found := bytes.CutSuffix(b, x); found {\n\tn := rest",
            ),
            (
                "err = write([]byte(fmt.Sprintf(\"%d\", v)), mode)",
                "err = write(fmt.Appendf(nil, \"%d\", v), mode)",
            ),
        ];
        for (old, new) in pairs {
            assert_eq!(modern(old), modern(new), "{old:?} and {new:?}");
        }
    }

    #[test]
    fn other_changes_still_differ() {
        let pairs = [
            ("for i := 0; i <= n; i++ {", "for range n {"),
            ("for i := 1; i < n; i++ {", "for range n {"),
            ("n := a\nif n < 1 {\n\tn = 2\n}", "n := max(a, 1)"),
            ("n := a\nif n < 1 {\n\tn = 1\n}", "n := min(a, 1)"),
            (
                "if strings.HasPrefix(line, \"a: \") {\n\tinfo := strings.TrimPrefix(line, \"b: \")",
                "if after, ok := strings.CutPrefix(line, \"a: \"); ok {\n\tinfo := after",
            ),
            ("x := []byte(fmt.Sprintf(\"%d\", v))", "x := fmt.Appendf(buf, \"%d\", v)"),
        ];
        for (old, new) in pairs {
            assert_ne!(modern(old), modern(new), "{old:?} and {new:?}");
        }
    }
}
