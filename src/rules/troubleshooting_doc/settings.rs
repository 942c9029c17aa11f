//! Settings that on-call tunes: a changed line that declares, sets or fills in a timeout, an
//! address, a body or buffer size, a retry policy, a TLS or proxy setting, a data directory or
//! an encoding, judged by the name of what it sets.
//!
//! Three shapes of line count: a struct field with a configuration tag (`json:`, `yaml:`,
//! `toml:`, `mapstructure:`, an annotation key), a keyed element of a composite literal
//! (`Timeout: 5 * time.Second,`) and an assignment (`ipAddr = n.GlobalIPv6Address.String()`).

use super::signal::{Area, Signal};
use crate::go::tokens::{Token, TokenKind};

/// Struct tag keys that make a field a configuration setting read from a file, flags or
/// annotations.
const TAG_KEYS: &[&str] = &[
    "json",
    "yaml",
    "toml",
    "mapstructure",
    "annotation",
    "description",
    "koanf",
    "env",
    "flag",
];

/// Struct tag keys that map a field to a database column, document attribute or file column
/// (gorm, bun, go-pg, sqlx, MongoDB, DynamoDB, Firestore, Datastore, Spanner, parquet): a
/// changed value changes what is stored or how (a column type, an index, a key name).
const STORAGE_TAG_KEYS: &[&str] = &[
    "gorm",
    "bun",
    "pg",
    "db",
    "sql",
    "xorm",
    "bson",
    "dynamodbav",
    "firestore",
    "datastore",
    "spanner",
    "parquet",
];

/// A struct field whose storage mapping is new or changed: a tag key of
/// [`STORAGE_TAG_KEYS`] whose `key:"value"` the other side of the hunk does not have.
pub fn storage_mapping(text: &[u8], tokens: &[Token], other_side: &str) -> Option<Signal> {
    let (field, key, value) = changed_tag(text, tokens, other_side, |key| {
        STORAGE_TAG_KEYS.contains(&key)
    })?;
    Some(Signal {
        area: Area::Storage,
        what: format!("changes how the field `{field}` is stored (`{key}:\"{value}\"`)"),
    })
}

/// A struct field declared with a tag of which a `key:"value"` pair that `keys` accepts is
/// new or changed (the other side of the hunk does not have it): the field's name, the key
/// and the value.
pub fn changed_tag<'t>(
    text: &'t [u8],
    tokens: &[Token],
    other_side: &str,
    keys: impl Fn(&str) -> bool,
) -> Option<(&'t str, &'t str, &'t str)> {
    let word = |i: usize| -> Option<&'t str> {
        let t = tokens.get(i)?;
        std::str::from_utf8(&text[t.start..t.end]).ok()
    };
    let last = tokens.len().checked_sub(1)?;
    let tag = word(last).filter(|tag| {
        tokens[last].kind == TokenKind::Text && tag.starts_with('`') && tokens.len() >= 3
    })?;
    let field = word(0).filter(|_| tokens[0].kind == TokenKind::Ident)?;
    let (key, value) = tag_pairs(tag.trim_matches('`'))
        .find(|(key, value)| keys(key) && !other_side.contains(&format!("{key}:\"{value}\"")))?;
    Some((field, key, value))
}

/// The `key:"value"` pairs of a struct tag, by Go's convention.
fn tag_pairs(tag: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = tag;
    std::iter::from_fn(move || {
        rest = rest.trim_start();
        let (key, after) = rest.split_once(":\"")?;
        let end = after.find('"')?;
        rest = &after[end + 1..];
        Some((key, &after[..end]))
    })
}

/// The last word of a setting's name → what it is and its area.
const LAST_WORDS: &[(&str, &str, Area)] = &[
    ("timeout", "timeout", Area::Network),
    ("timeouts", "timeout", Area::Network),
    ("deadline", "deadline", Area::Network),
    ("keepalive", "keep-alive", Area::Network),
    ("addr", "address", Area::Network),
    ("addrs", "address", Area::Network),
    ("address", "address", Area::Network),
    ("addresses", "address", Area::Network),
    ("url", "URL", Area::Network),
    ("urls", "URL", Area::Network),
    ("endpoint", "endpoint", Area::Network),
    ("endpoints", "endpoint", Area::Network),
    ("port", "port", Area::Network),
    ("ports", "port", Area::Network),
    ("proxy", "proxy", Area::Network),
    ("buffer", "buffering", Area::Network),
    ("buffering", "buffering", Area::Network),
    ("retries", "retry", Area::Network),
    ("backoff", "retry", Area::Network),
    ("conns", "connection limit", Area::Network),
    ("connections", "connection limit", Area::Network),
    ("encoding", "encoding", Area::Storage),
];

/// Last words that name a setting only where it is declared as one (a tagged field): a
/// process's working `Dir` or a local `dir` is not a data directory.
const DECLARED_LAST_WORDS: &[(&str, &str, Area)] = &[
    ("dir", "directory", Area::Storage),
    ("directory", "directory", Area::Storage),
];

/// Last words of TLS settings (`TLSConfig`, `tlsOptionsForHostSNI`), as opposed to the
/// objects that hold them (`tlsManager`).
const TLS_LAST_WORDS: &[&str] = &[
    "config",
    "configs",
    "options",
    "opts",
    "sni",
    "version",
    "cert",
    "certs",
    "certificate",
    "certificates",
    "ciphers",
    "insecure",
    "verify",
];

/// Words before `URL` that make it a link to show, not an address to reach (`SchemaURL`,
/// `DocsURL`, `IconURL`).
const METADATA_URL_WORDS: &[&str] = &[
    "schema",
    "doc",
    "docs",
    "documentation",
    "help",
    "icon",
    "image",
    "logo",
    "avatar",
    "homepage",
    "home",
    "source",
    "repo",
    "repository",
    "reference",
    "license",
    "support",
];

/// Words that make a size or count a network limit (`ProxyBodySize`, `ProxyBuffersNumber`).
const SIZED_WORDS: &[&str] = &[
    "body", "buffer", "buffers", "header", "headers", "conn", "conns", "request", "response",
    "message", "msg", "frame", "window",
];
const SIZE_WORDS: &[&str] = &["size", "bytes", "number", "count", "len", "length"];

/// The words of an identifier: `ProxyBodySize` → proxy, body, size; `read_timeout` → read,
/// timeout; `AuthSigninURL` → auth, signin, url.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The last word of an identifier, lower-cased (`UserDatabase` → `database`).
pub fn last_word(name: &str) -> Option<String> {
    words(name).pop()
}

/// What kind of setting `name` names, if any; `declared` when it is a tagged struct field.
fn setting_kind(name: &str, declared: bool) -> Option<(&'static str, Area)> {
    let words = words(name);
    let last = words.last()?;
    let table = LAST_WORDS
        .iter()
        .chain(DECLARED_LAST_WORDS.iter().filter(|_| declared));
    if let Some(&(_, kind, area)) = table.clone().find(|(w, _, _)| w == last) {
        let metadata = kind == "URL"
            && words[..words.len() - 1]
                .iter()
                .any(|w| METADATA_URL_WORDS.contains(&w.as_str()));
        return (!metadata).then_some((kind, area));
    }
    if words.iter().any(|w| w == "tls") && TLS_LAST_WORDS.contains(&last.as_str()) {
        return Some(("TLS configuration", Area::Network));
    }
    if SIZE_WORDS.contains(&last.as_str())
        && words[..words.len() - 1]
            .iter()
            .any(|w| SIZED_WORDS.contains(&w.as_str()))
    {
        return Some(("size limit", Area::Network));
    }
    None
}

/// The setting a keyed element sets (`retries: 5` of a `Client` literal), when its key names one.
pub fn keyed_setting(key: &str, type_name: Option<&str>) -> Option<Signal> {
    let (what, area) = setting_kind(key, false)?;
    Some(Signal {
        area,
        what: match type_name {
            Some(type_name) => format!("sets the {what} `{key}` of a `{type_name}`"),
            None => format!("sets the {what} `{key}`"),
        },
    })
}

/// A keyed element on its own row (`Key: value,`) of the innermost composite literal covering
/// it (`composite`, by its type as written when it has one), when its key names a setting.
pub fn keyed_element(
    text: &[u8],
    tokens: &[Token],
    composite: Option<Option<String>>,
) -> Option<Signal> {
    let composite = composite?;
    let word = |i: usize| -> Option<&str> {
        let t = tokens.get(i)?;
        std::str::from_utf8(&text[t.start..t.end]).ok()
    };
    let first = word(0).filter(|w| {
        tokens[0].kind == TokenKind::Ident && !crate::go::tokens::is_keyword(w.as_bytes())
    })?;
    if word(1) != Some(":") || word(2).is_none_or(|w| w == "=") {
        return None;
    }
    keyed_setting(first, composite.as_deref())
}

/// What a changed line sets, when it names a setting. `tokens` are the row's tokens,
/// `composite` is the innermost composite literal covering the row, by its type as written
/// when it has one (so `Key: value` is a keyed element, not a label or a case).
pub fn setting(text: &[u8], tokens: &[Token], composite: Option<Option<String>>) -> Option<Signal> {
    let in_composite = composite.is_some();
    let composite = composite.flatten();
    let word = |i: usize| -> Option<&str> {
        let t = tokens.get(i)?;
        std::str::from_utf8(&text[t.start..t.end]).ok()
    };
    let kind = |i: usize| tokens.get(i).map(|t| t.kind);
    let first = word(0)?;
    if kind(0) != Some(TokenKind::Ident) || crate::go::tokens::is_keyword(first.as_bytes()) {
        return None;
    }
    // A struct field with a configuration tag: `Name Type `json:"name"``.
    if let (Some(TokenKind::Text), Some(tag)) = (kind(tokens.len() - 1), word(tokens.len() - 1)) {
        let tagged = tag.starts_with('`')
            && TAG_KEYS
                .iter()
                .any(|key| tag.contains(&format!("{key}:\"")));
        if tokens.len() >= 3 && tagged {
            let (what, area) = setting_kind(first, true)?;
            return Some(Signal {
                area,
                what: format!("declares the {what} setting `{first}`"),
            });
        }
    }
    if in_composite {
        if let Some(signal) = keyed_element(text, tokens, Some(composite)) {
            return Some(signal);
        }
    }
    assigned_setting(text, tokens)
}

/// A constant or variable declared with a value on a line of its own (`const maxPartBufferSize
/// int64 = 1<<32 - 1`), named as a setting, whose value changes: the other side of the change
/// (`other_side`, its tokens joined by spaces) declares the same name. As in a `const (...)`
/// block; a name declared anew sets nothing until code uses it, and that code is judged.
pub fn declared_setting(text: &[u8], tokens: &[Token], other_side: &str) -> Option<Signal> {
    let word = |i: usize| -> Option<&str> {
        let t = tokens.get(i)?;
        std::str::from_utf8(&text[t.start..t.end]).ok()
    };
    let kind = |i: usize| tokens.get(i).map(|t| t.kind);
    if !matches!(word(0), Some("const" | "var")) {
        return None;
    }
    // `const a, b T = x`: the names, then the type (any expression), then the value.
    let mut names = Vec::new();
    let mut i = 1;
    while kind(i) == Some(TokenKind::Ident) {
        names.extend(word(i));
        if word(i + 1) != Some(",") {
            break;
        }
        i += 2;
    }
    let valued = (i + 1..tokens.len()).any(|j| word(j) == Some("="));
    names
        .iter()
        .filter(|name| valued && other_side.contains(&format!(" {name} ")))
        .find_map(|name| {
            let (what, area) = setting_kind(name, false)?;
            Some(Signal {
                area,
                what: format!("sets the {what} `{name}`"),
            })
        })
}

/// An assignment that sets a setting: `a.b.Name = value`, `name := value`, `x, name := value`.
pub fn assigned_setting(text: &[u8], tokens: &[Token]) -> Option<Signal> {
    let word = |i: usize| -> Option<&str> {
        let t = tokens.get(i)?;
        std::str::from_utf8(&text[t.start..t.end]).ok()
    };
    let kind = |i: usize| tokens.get(i).map(|t| t.kind);
    let first = word(0)?;
    if kind(0) != Some(TokenKind::Ident) || crate::go::tokens::is_keyword(first.as_bytes()) {
        return None;
    }
    // The lexer's operators are single characters: `:=` is `:` `=`, `==` is `=` `=`.
    let equals = (1..tokens.len()).find(|&i| {
        word(i) == Some("=")
            && word(i + 1).is_some_and(|w| w != "=")
            && !matches!(word(i - 1), Some("=" | "!" | "<" | ">"))
    })?;
    let assign = if word(equals - 1) == Some(":") {
        equals - 1
    } else {
        equals
    };
    let targets: Vec<&str> = (0..assign)
        .filter(|&i| kind(i) == Some(TokenKind::Ident) && word(i + 1) != Some("."))
        .filter_map(word)
        .collect();
    // Only a plain target list: no index expressions or calls on the left.
    let plain = (0..assign)
        .all(|i| kind(i) == Some(TokenKind::Ident) || matches!(word(i), Some("." | ",")));
    if !plain {
        return None;
    }
    // Allocating an empty container (`addrs = make([]Addr, 0, n)`) sets no value yet.
    if matches!(word(equals + 1), Some("make" | "new")) {
        return None;
    }
    let written: String = (0..assign).filter_map(word).collect::<Vec<_>>().join("");
    targets.iter().find_map(|target| {
        let (what, area) = setting_kind(target, false)?;
        Some(Signal {
            area,
            what: format!("sets the {what} `{}`", written.replace(',', ", ")),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, in_composite: bool) -> Option<String> {
        let text = line.as_bytes();
        let tokens = crate::go::tokens::tokens(text, 0, text.len());
        setting(text, &tokens, in_composite.then_some(None)).map(|s| s.what)
    }

    #[test]
    fn words_split_camel_and_snake_case() {
        assert_eq!(words("ProxyBodySize"), ["proxy", "body", "size"]);
        assert_eq!(words("AuthSigninURL"), ["auth", "signin", "url"]);
        assert_eq!(words("ipAddr"), ["ip", "addr"]);
        assert_eq!(words("TLSConfig"), ["tls", "config"]);
        assert_eq!(words("read_timeout"), ["read", "timeout"]);
    }

    #[test]
    fn settings_by_their_names() {
        assert_eq!(
            check(
                "ProxyBodySize int64 `json:\"proxyBodySize,omitempty\"`",
                false
            )
            .as_deref(),
            Some("declares the size limit setting `ProxyBodySize`")
        );
        assert_eq!(
            check("AuthSigninURL: ptr.Deref(cfg.AuthSignin, \"\"),", true).as_deref(),
            Some("sets the URL `AuthSigninURL`")
        );
        assert_eq!(
            check("ipAddr = n.GlobalIPv6Address.String()", false).as_deref(),
            Some("sets the address `ipAddr`")
        );
        assert_eq!(
            check("SkillsDir string `mapstructure:\"skills_dir\"`", false).as_deref(),
            Some("declares the directory setting `SkillsDir`")
        );
        assert_eq!(
            check("tlsOptionsForHostSNI := map[string]string{}", false).as_deref(),
            Some("sets the TLS configuration `tlsOptionsForHostSNI`")
        );
    }

    #[test]
    fn settings_declared_on_a_line_of_their_own() {
        let check = |line: &str, other: &str| {
            let text = line.as_bytes();
            let tokens = crate::go::tokens::tokens(text, 0, text.len());
            declared_setting(text, &tokens, other).map(|s| s.what)
        };
        assert_eq!(
            check(
                "const maxRDMABufferSize int64 = 1<<32 - 1",
                " const maxRDMABufferSize int64 = 4 << 30 "
            )
            .as_deref(),
            Some("sets the size limit `maxRDMABufferSize`")
        );
        assert_eq!(
            check(
                "var dialTimeout, retries = 5 * time.Second, 3",
                " var dialTimeout , retries = time . Second , 3 "
            )
            .as_deref(),
            Some("sets the timeout `dialTimeout`")
        );
        // Declared anew, or without a value: nothing is set yet.
        assert_eq!(check("const sampleHashBufferSize = 768", ""), None);
        assert_eq!(
            check("var proxyURL *url.URL", " var proxyURL string "),
            None
        );
    }

    #[test]
    fn storage_mappings_by_their_tags() {
        let check = |line: &str, other: &str| {
            let text = line.as_bytes();
            let tokens = crate::go::tokens::tokens(text, 0, text.len());
            storage_mapping(text, &tokens, other).map(|s| s.what)
        };
        let before = " SortKey string `gorm:\"uniqueIndex:uix\" json:\"sortKey\"` ";
        assert_eq!(
            check(
                "SortKey string `gorm:\"type:bytes;uniqueIndex:uix\" json:\"sortKey\"`",
                before
            )
            .as_deref(),
            Some(
                "changes how the field `SortKey` is stored (`gorm:\"type:bytes;uniqueIndex:uix\"`)"
            )
        );
        // Only the JSON name changed: the column is the same.
        assert_eq!(
            check(
                "SortKey string `gorm:\"uniqueIndex:uix\" json:\"sort_key\"`",
                before
            ),
            None
        );
        assert_eq!(check("Name string `json:\"name\" yaml:\"name\"`", ""), None);
    }

    #[test]
    fn other_lines_are_not_settings() {
        // A field without a configuration tag, a label, a comparison, a name that only
        // contains a word.
        assert_eq!(check("Timeout time.Duration", false), None);
        assert_eq!(check("Timeout: 5,", false), None);
        assert_eq!(check("if addr == \"\" {", false), None);
        assert_eq!(check("report := build()", false), None);
        assert_eq!(check("Size int `json:\"size\"`", false), None);
        assert_eq!(check("m[addr] = x", false), None);
        // A working directory and an object that holds TLS settings are not settings.
        assert_eq!(check("cmd.Dir = root", false), None);
        assert_eq!(check("Dir: root,", true), None);
        assert_eq!(check("h.tlsManager = m", false), None);
        // A link shown to people is not an address the program reaches.
        assert_eq!(check("SchemaURL: semconv.SchemaURL,", true), None);
        // Allocating the container the addresses go into sets none of them.
        assert_eq!(
            check("u.netAddrs = make([]Addr, 0, len(u.Addresses))", false),
            None
        );
        assert_eq!(check("addrs := make([]string, 0, 4)", false), None);
    }
}
