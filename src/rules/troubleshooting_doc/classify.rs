//! Whether one changed line performs or configures network or storage I/O, and why.
//!
//! The line is judged by what is written on it, not by the declaration it sits in: a call
//! that does I/O (a package function of a network or storage library, a method of a field or
//! variable of such a type, a file write, a function of the repository's own packages that
//! does any of these), a composite literal or field assignment that configures a client,
//! server, transport or store, a route registration, what a handler writes, or a field or
//! parameter whose type is a client, server or store.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::config::Settings;
use crate::data::RuleData;
use crate::go::tokens::{Token, TokenKind};
use crate::go::{Call, Expr, Facts, FuncKind, Span, TypeRef};
use crate::index::ProjectIndex;
use crate::source::LineIndex;

use super::flow;
use super::signal::{Area, Signal};

/// What a handler calls on its ResponseWriter to write the response.
const WRITER_METHODS: &[&str] = &["Write", "WriteHeader", "WriteString", "Flush", "Hijack"];
const HEADER_METHODS: &[&str] = &["Set", "Add", "Del"];
/// Reads of a file kept open at a position: how a storage engine reads its segments and
/// indexes (a file opened and read once, such as a configuration read at start-up, is not).
const FILE_HANDLE_READS: &[&str] = &["ReadAt", "Seek"];

/// Of one package: whether a function does I/O, by its name, whether it is a method, and the
/// search depth.
type IoFunctions = HashMap<(String, bool, usize), Option<Signal>>;

/// The calls of a function's body that do I/O: their indices and what they do.
type Sinks = Vec<(usize, Signal)>;

/// Byte ranges (start, end) of a file's text.
type ByteRanges = Vec<(usize, usize)>;

/// The last words of the names of a listed library's own client types, whose exported
/// methods its users call to reach the server or the store.
const LIBRARY_CLIENT_WORDS: &[&str] = &[
    "conn",
    "client",
    "db",
    "pool",
    "session",
    "tx",
    "bucket",
    "store",
    "producer",
    "consumer",
    "publisher",
    "subscriber",
];

/// What a function of a listed library's own repository does with what the library
/// exchanges with its server or keeps on disk, by a word of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum WireRole {
    Encodes,
    /// Reads it: a reading word outweighs a writing one (`UnmarshalJSON`).
    Decodes,
    /// Chooses the server a request goes to: outweighs both.
    Picks,
}

/// Words of a function's name that say it encodes or decodes what a library exchanges with
/// its server or keeps on disk: its messages, packets, frames and records (`MarshalJSON`,
/// `encode(pe packetEncoder)`, `DecodeStr`, `readHandshakePacket`, `parseSlots` reading a
/// cluster's reply, `parseKeywordValueSettings` reading a connection string, `startup`
/// writing the first message of a connection, and a driver's `interpolateParams`,
/// `bindNamed`, `arrayElemAppender`, `formatTime` and `quote`, which write the values of a
/// query into the text it sends, and a client's `handleReqRespBatch`, which decides what a
/// batch's answer makes it do, and a host policy's `Pick`, which chooses the server each
/// request goes to). `header`, `cmd`, `request`, `decompress`, `commit` and `offset` are not
/// among them: each turned a judged commit that changes nothing on the wire into a finding.
const WIRE_CODEC_WORDS: &[(&str, WireRole)] = &[
    ("marshal", WireRole::Encodes),
    ("unmarshal", WireRole::Decodes),
    ("encode", WireRole::Encodes),
    ("decode", WireRole::Decodes),
    ("serialize", WireRole::Encodes),
    ("deserialize", WireRole::Decodes),
    ("packet", WireRole::Encodes),
    ("frame", WireRole::Encodes),
    ("handshake", WireRole::Encodes),
    ("startup", WireRole::Encodes),
    ("parse", WireRole::Decodes),
    ("interpolate", WireRole::Encodes),
    ("bind", WireRole::Encodes),
    ("appender", WireRole::Encodes),
    ("format", WireRole::Encodes),
    ("quote", WireRole::Encodes),
    ("batch", WireRole::Encodes),
    ("pick", WireRole::Picks),
];

/// How many uses of a changed package-level value are followed into the functions of its file.
const MAX_FOLLOWED_USES: usize = 8;

/// The longest block of a changed condition whose assignments are followed to later I/O.
const MAX_FOLLOWED_BLOCK_ROWS: usize = 20;

/// How many levels of the repository's own functions a changed call is followed through.
pub const FOLLOWED_CALLS: usize = 3;

pub struct Classifier<'a> {
    data: &'a RuleData,
    settings: &'a Settings,
    index: &'a ProjectIndex,
    /// Repository folders of packages known to do I/O, by function or method name and the
    /// depth it was searched from (a search cut short deeper says less).
    io_functions: RefCell<HashMap<String, IoFunctions>>,
    /// Whether a function's body does I/O, by (facts address, function index, whether calls
    /// were followed).
    io_bodies: RefCell<HashMap<(usize, usize, bool), Option<Signal>>>,
    /// The calls that do I/O in a function's body, by (facts address, function index).
    io_sinks: RefCell<HashMap<(usize, usize), Sinks>>,
    /// How many repository functions deep the current search is: calls are followed
    /// [`FOLLOWED_CALLS`] levels (a changed call of a store method that calls a helper that
    /// writes the file), and not at all while the enclosing function's own body is searched.
    depth: std::cell::Cell<usize>,
    /// The byte ranges of the string literals that read as SQL, by (facts address, start of
    /// the top-level declaration).
    sql_strings: RefCell<HashMap<(usize, usize), ByteRanges>>,
}

impl<'a> Classifier<'a> {
    /// The rows (0-based) of the head version of `path` where a metric is declared.
    pub fn metric_rows(&self, path: &str) -> BTreeSet<usize> {
        self.index
            .file(path)
            .map(|file| {
                file.metrics
                    .iter()
                    .map(|m| m.call.line.saturating_sub(1))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn new(data: &'a RuleData, settings: &'a Settings, index: &'a ProjectIndex) -> Self {
        Classifier {
            data,
            settings,
            index,
            io_functions: RefCell::new(HashMap::new()),
            io_bodies: RefCell::new(HashMap::new()),
            io_sinks: RefCell::new(HashMap::new()),
            depth: std::cell::Cell::new(0),
            sql_strings: RefCell::new(HashMap::new()),
        }
    }

    /// Whether an import path names a package of the repository.
    pub fn is_repository_package(&self, path: &str) -> bool {
        self.index.modules.folder_of(path).is_some()
    }

    /// The area of an import path: its own entry, or an entry it is a sub-package of (for
    /// paths outside the standard library).
    pub fn area_of(&self, path: &str) -> Option<Area> {
        // A library's command-line programs (`go.etcd.io/bbolt/cmd/bbolt`) are not its client.
        // Asked for every call and composite of a changed line, against every listed entry:
        // the cheap prefix test first.
        let matches = |entry: &String| {
            path == entry
                || (path.starts_with(entry.as_str())
                    && path.as_bytes().get(entry.len()) == Some(&b'/')
                    && outside_standard_library(entry)
                    && !path[entry.len()..].split('/').any(|part| part == "cmd"))
        };
        self.listed_area(matches)
    }

    /// [`Self::area_of`] for a package that is not the repository's own: in a listed
    /// library's repository, its packages are judged as the repository's code.
    fn library_area_of(&self, path: &str) -> Option<Area> {
        self.area_of(path)
            .filter(|_| !self.is_repository_package(path))
    }

    /// The area of the first list, built-in or configured, storage before network, that holds
    /// an entry `matches` accepts.
    fn listed_area(&self, matches: impl Fn(&String) -> bool) -> Option<Area> {
        let config = &self.settings.troubleshooting;
        let table = &self.data.troubleshooting;
        let listed = |built_in: &[String], configured: &[String]| {
            built_in.iter().chain(configured).any(&matches)
        };
        if listed(&table.storage_imports, &config.storage_imports) {
            Some(Area::Storage)
        } else if listed(&table.network_imports, &config.network_imports) {
            Some(Area::Network)
        } else {
            None
        }
    }

    /// The area of a listed network or storage library when folder `dir` of the repository is
    /// one of its packages: the repository is that library (`go.etcd.io/bbolt`, `minio-go/v7`).
    pub fn listed_library_area(&self, dir: &str) -> Option<Area> {
        let path = self.index.modules.import_path_of(dir)?;
        let within = |entry: &String| {
            path.strip_prefix(entry.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                && outside_standard_library(entry)
        };
        self.listed_area(within)
    }

    /// An exported method of a client type of the repository's own package, when the
    /// repository is a listed network or storage library (`js.nc.RequestWithContext` on the
    /// library's own `Conn`): what its users' calls of that method do, its own calls do too.
    /// A method whose parsed body calls nothing (`func (cn *Conn) GetID() uint64 { return
    /// cn.id }`) reads or sets a field and does no I/O.
    fn library_client_method(&self, dir: &str, type_name: &str, name: &str) -> Option<Signal> {
        let client = super::settings::last_word(type_name)
            .is_some_and(|word| LIBRARY_CLIENT_WORDS.contains(&word.as_str()));
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) || !client {
            return None;
        }
        let area = self.listed_library_area(dir)?;
        let is_method = |func: &crate::go::Func| {
            matches!(&func.kind, FuncKind::Method { receiver, name: n }
                if receiver == type_name && n == name)
        };
        let calls_nothing = self.index.package_files(dir).any(|file| {
            if !file.facts.funcs.iter().any(is_method) {
                return false;
            }
            let Some(facts) = self.index.facts_with_bodies(file, &[name]) else {
                return false;
            };
            facts.funcs.iter().enumerate().any(|(index, func)| {
                is_method(func) && !facts.calls.iter().any(|c| facts.is_within(c.func, index))
            })
        });
        if calls_nothing {
            return None;
        }
        let through = match area {
            Area::Network => "talks to the server",
            Area::Storage => "reaches the store",
        };
        Some(Signal {
            area,
            what: format!("{through} through the library's own `{type_name}`"),
        })
    }

    /// A method promoted from a client the repository's type embeds (`r.Create(ctx, job)` on
    /// a reconciler that embeds `client.Client`). `facts` are the file's, in the version read
    /// (a previous version may declare what the package no longer does).
    fn embedded_client(
        &self,
        facts: &Facts,
        dir: &str,
        type_name: &str,
        name: &str,
    ) -> Option<Signal> {
        let table = &self.data.troubleshooting;
        // Only an exported method the package does not declare itself is promoted.
        let declares = |facts: &Facts| {
            facts
                .funcs
                .iter()
                .any(|f| matches!(&f.kind, FuncKind::Method { name: n, .. } if n == name))
        };
        let declared = declares(facts)
            || self
                .index
                .package_files(dir)
                .any(|file| declares(&file.facts));
        if declared || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        let embedded: Vec<&(String, String, String)> = self
            .index
            .fields(dir, type_name)
            .iter()
            .filter(|(field, path, field_type)| field == field_type && !path.is_empty())
            .collect();
        embedded
            .iter()
            .filter(|(_, _, field_type)| self.is_client_type(field_type))
            .find_map(|(_, path, field_type)| {
                let area = self.area_of(path)?;
                // Which embedded type has the method: the listed methods of its client say,
                // or it is the only type embedded.
                let has_method = match table.client_methods.get(path.as_str()) {
                    Some(methods) => methods.iter().any(|m| m == name),
                    None => embedded.len() == 1,
                };
                if !has_method
                    || Self::listed(&table.local_methods, path, name)
                    || Self::listed(&table.value_types, path, field_type)
                {
                    return None;
                }
                Some(Signal {
                    area,
                    what: format!(
                        "calls `{name}` of the embedded `{}.{field_type}`",
                        short(path)
                    ),
                })
            })
    }

    fn listed(
        map: &std::collections::BTreeMap<String, Vec<String>>,
        path: &str,
        name: &str,
    ) -> bool {
        map.get(path)
            .is_some_and(|names| names.iter().any(|n| n == name || n == "*"))
    }

    /// A type that is a client, server, connection or store, by its name.
    fn is_client_type(&self, type_name: &str) -> bool {
        self.data
            .troubleshooting
            .client_type_words
            .iter()
            .any(|w| type_name.contains(w.as_str()))
    }

    /// A request or response type of an API package outside the standard library, by the
    /// suffixes of generated message types (`WatchResponse`, `PushRequest`). A type named
    /// `Request` alone is another library's value (a reconciler's `ctrl.Request`), but in a
    /// listed library's own protocol packages it is the message (`metadata.Request`).
    fn is_wire_message(&self, path: &str, type_name: &str) -> bool {
        // Asked only of a type named `Request` (or `Response`, `Reply`) alone.
        let protocol = || self.area_of(path).is_some() && self.is_repository_package(path);
        outside_standard_library(path)
            && self
                .data
                .troubleshooting
                .message_type_suffixes
                .iter()
                .any(|suffix| {
                    type_name.ends_with(suffix.as_str()) && (type_name != suffix || protocol())
                })
    }

    /// A query type of the repository's own storage layer (`tracestore.TraceQueryParams`): a
    /// type named for a query, in a package of the repository whose path names a store.
    fn is_storage_query(&self, path: &str, type_name: &str) -> bool {
        type_name.contains("Query")
            && self.index.modules.folder_of(path).is_some_and(|folder| {
                folder.split('/').any(|part| {
                    let part = part.to_ascii_lowercase();
                    part.contains("store") || part.contains("storage")
                })
            })
    }

    /// A changed struct tag of a field in a listed network or storage library's own repository
    /// (`kafka:"min=v0,max=v5"`, `xml:"Key"`): the library's tags say how its messages are
    /// encoded for the server (a library reads no configuration files of its own), so what it
    /// sends or accepts changes.
    fn library_tag(
        &self,
        dir: &str,
        text: &[u8],
        tokens: &[Token],
        other_side: &str,
    ) -> Option<Signal> {
        let area = self.listed_library_area(dir)?;
        let (field, key, value) =
            super::settings::changed_tag(text, tokens, other_side, |key| key != "description")?;
        // A field added with its tag extends a type (often one the library hands its users);
        // a field whose tag changes is encoded differently.
        if !other_side.contains(&format!(" {field} ")) {
            return None;
        }
        Some(Signal {
            area,
            what: format!(
                "changes how the library encodes the field `{field}` (`{key}:\"{value}\"`)"
            ),
        })
    }

    /// A changed line of a string literal that reads as SQL (`WHERE parent.typtype = 'b'` in
    /// a catalog query): what the program asks its database changes.
    fn sql_text(&self, file: &FileView, row: usize) -> Option<Signal> {
        let facts = file.facts;
        let lines = file.lines;
        // A blank line or a comment of the query (`-- why`) asks nothing new.
        let own = String::from_utf8_lossy(lines.line_text(row + 1));
        let own = own.trim();
        if own.is_empty() || own.starts_with("--") {
            return None;
        }
        let (line_start, line_end) = (
            lines.line_start(row + 1)?,
            lines.line_start(row + 1)? + lines.line_text(row + 1).len(),
        );
        let decl = facts
            .decls
            .iter()
            .find(|d| d.span.start <= line_start && line_end <= d.span.end && !d.is_import)?;
        let key = (facts as *const Facts as usize, decl.span.start);
        let mut cache = self.sql_strings.borrow_mut();
        let strings = cache.entry(key).or_insert_with(|| {
            let text = lines.text();
            crate::go::tokens::tokens(text, decl.span.start, decl.span.end)
                .into_iter()
                .filter(|t| t.kind == TokenKind::Text)
                .filter(|t| reads_as_sql(&String::from_utf8_lossy(&text[t.start..t.end])))
                .map(|t| (t.start, t.end))
                .collect()
        });
        strings
            .iter()
            .any(|&(start, end)| start < line_end && line_start < end)
            .then(|| Signal {
                area: Area::Storage,
                what: "changes the text of a SQL query".to_string(),
            })
    }

    /// A call of what an observability package made (`promhttp.Handler().ServeHTTP`).
    fn observability_root(&self, facts: &Facts, call: &Call) -> bool {
        let Expr::Selector(receiver, _) = &call.callee else {
            return false;
        };
        receiver
            .as_ident()
            .or_else(|| receiver_root(receiver))
            .and_then(|p| package_path(facts, p, call))
            .is_some_and(|path| {
                self.data
                    .troubleshooting
                    .observability_packages
                    .iter()
                    .any(|o| o == path)
            })
    }

    /// A method call that only logs, traces or counts (`logger.Info`, `span.End`).
    fn is_observability(&self, name: &str) -> bool {
        self.data
            .troubleshooting
            .observability_calls
            .iter()
            .any(|c| c == name)
    }

    /// What `row` (0-based) of the file does, if it is network or storage I/O. `covering`
    /// holds the calls, composite literals and func literals whose spans cover the row.
    pub fn line(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        covering: &Covering,
        hunk: &HunkContext,
    ) -> Option<Signal> {
        let text_only = hunk.text_only;
        let facts = file.facts;
        // A call or type written the same way on the other side of the hunk did not change
        // (the line changed around it: re-indented, a parameter added beside it).
        let unchanged = |span: Span| {
            hunk.rows.0 <= span.start_row
                && span.end_row <= hunk.rows.1
                && hunk.other_side.contains(&span_text(file, span))
        };
        // Header names are case-insensitive: `Set("Www-Authenticate", v)` for
        // `Set("WWW-Authenticate", v)` sets the same header.
        let same_header_key = |call: &Call| {
            let header_call = match &call.callee {
                Expr::Selector(receiver, name) => {
                    matches!(name.as_str(), "Set" | "Add" | "Del" | "Get" | "Values")
                        && matches!(receiver.as_ref(),
                            Expr::Selector(_, field) if field == "Header")
                        || matches!(receiver.as_ref(), Expr::Call { callee, .. }
                            if matches!(callee.as_ref(), Expr::Selector(_, h) if h == "Header"))
                }
                _ => false,
            };
            header_call
                && hunk
                    .other_side
                    .to_ascii_lowercase()
                    .contains(&span_text(file, call.span).to_ascii_lowercase())
        };
        let literals: Vec<Span> = covering
            .literals
            .iter()
            .map(|&i| facts.funcs[i].span)
            .collect();
        // Innermost first: the call or literal written on this line, not one that merely
        // encloses a func literal holding the line.
        for &i in covering.calls.iter().rev() {
            let call = &facts.calls[i];
            if inside_literal(&literals, call.span, row) {
                continue;
            }
            if (text_only && (builds_message(call) || same_header_key(call)))
                || unchanged(call.span)
            {
                continue;
            }
            let answer = error_answer(file, call, hunk.other_side);
            if let Some(ErrorAnswer::TextOnly) = answer {
                continue;
            }
            if let Some(signal) = self.call(facts, dir, call) {
                if let Some(ErrorAnswer::Status(status)) = answer {
                    return Some(Signal {
                        area: signal.area,
                        what: format!("changes the status of an error it answers to `{status}`"),
                    });
                }
                // An accessor that starts a chain (`s.kube.CoreV1()` of
                // `s.kube.CoreV1().Pods(ns).List(o)`): the chain's last call is the request. A
                // call with arguments (`s.db.QueryRowContext(ctx, q).Scan(&v)`) is one itself.
                let last = covering
                    .calls
                    .iter()
                    .map(|&j| &facts.calls[j])
                    .filter(|c| c.span.start == call.span.start && c.span.end > call.span.end)
                    .filter(|_| call.args.is_empty())
                    .max_by_key(|c| c.span.end);
                return Some(
                    last.and_then(|c| self.call(facts, dir, c))
                        .unwrap_or(signal),
                );
            }
            if let Some(signal) = self.wrapped_io(facts, dir, call).filter(|_| !text_only) {
                return Some(signal);
            }
        }
        for &i in covering.composites.iter().rev() {
            let composite = &facts.composites[i];
            if inside_literal(&literals, composite.span, row) {
                continue;
            }
            // A request made up for an observability handler (`promhttp.Handler().ServeHTTP(w,
            // &http.Request{...})`) renders metrics; nothing is sent.
            let observed = covering.calls.iter().any(|&c| {
                let call = &facts.calls[c];
                call.span.start <= composite.span.start
                    && composite.span.end <= call.span.end
                    && self.observability_root(facts, call)
            });
            if !unchanged(composite.span) && !observed {
                if let Some(signal) = request_literal(file, composite, row) {
                    return Some(signal);
                }
            }
            let Some(Expr::Selector(package, type_name)) = &composite.type_name else {
                continue;
            };
            let Some(path) = package.as_ident().and_then(|p| facts.import_path_of(p)) else {
                continue;
            };
            // In a listed library's own repository, its packages' types are its code
            // (pebble's `base.InternalKV{...}`), judged by what the line does with them.
            let Some(area) = self.library_area_of(path) else {
                // A request or response message of an API package (`pb.WatchResponse{...}`):
                // what goes over the wire changes.
                if !text_only && !unchanged(composite.span) && self.is_wire_message(path, type_name)
                {
                    return Some(Signal {
                        area: Area::Network,
                        what: format!(
                            "changes the `{}.{type_name}` message it builds",
                            short(path)
                        ),
                    });
                }
                if !text_only
                    && !unchanged(composite.span)
                    && self.is_storage_query(path, type_name)
                {
                    return Some(Signal {
                        area: Area::Storage,
                        what: format!(
                            "changes the `{}.{type_name}` query it hands to the storage layer",
                            short(path)
                        ),
                    });
                }
                continue;
            };
            // The same literal on the other side: what changed on the row is around it.
            if Self::listed(&self.data.troubleshooting.value_types, path, type_name)
                || unchanged(composite.span)
            {
                continue;
            }
            let keys = changed_keys_on_row(file, row, composite.span, hunk.other_side);
            let key = match keys.is_empty() {
                true => key_on_row(file, row).map(|k| format!("`{k}` of ")),
                false => Some(format!("`{}` of ", keys.join("`, `"))),
            }
            .unwrap_or_default();
            return Some(Signal {
                area,
                what: format!("configures the {key}`{}.{type_name}`", short(path)),
            });
        }
        if !text_only {
            let calls: Vec<&Call> = covering
                .calls
                .iter()
                .map(|&i| &facts.calls[i])
                .filter(|c| !inside_literal(&literals, c.span, row))
                .collect();
            if let Some(signal) = self.deadline(file, dir, row, &calls, &unchanged, hunk.other_side)
            {
                return Some(signal);
            }
            if let Some(signal) = self.typed_site(facts, row, &unchanged) {
                return Some(signal);
            }
            let row_tokens = crate::go::tokens::line_tokens(file.lines.text(), file.lines, row + 1);
            if let Some(signal) = stops_handler(file, row, &row_tokens) {
                return Some(signal);
            }
            if let Some(signal) = rejects_request(file, row, &row_tokens) {
                return Some(signal);
            }
            if let Some(signal) = self.status_handling(file, &row_tokens) {
                return Some(signal);
            }
            if let Some(signal) = self.error_handling(file, &row_tokens, hunk.other_side) {
                return Some(signal);
            }
            if let Some(signal) = self.block_header(file, dir, row, &row_tokens) {
                return Some(signal);
            }
            if let Some(signal) = self.retry_wait(file, dir, row, &calls) {
                return Some(signal);
            }
            if let Some(signal) =
                self.io_error_handling(file, dir, row, &row_tokens, hunk.other_side)
            {
                return Some(signal);
            }
        }
        // A package-level value is often string text (a pattern, a header value, a key), and
        // the code that uses it still reads it.
        let row_tokens = crate::go::tokens::line_tokens(file.lines.text(), file.lines, row + 1);
        if let Some(signal) = self.constant_argument(file, dir, row, &row_tokens, hunk.other_side) {
            return Some(signal);
        }
        // An import path is string text, and still names another library.
        if let Some(signal) = self.client_import(file, row, hunk.other_side) {
            return Some(signal);
        }
        // A tag edit is an edit of string text, and still changes the stored schema.
        if let Some(signal) =
            super::settings::storage_mapping(file.lines.text(), &row_tokens, hunk.other_side)
        {
            return Some(signal);
        }
        if let Some(signal) = self.library_tag(dir, file.lines.text(), &row_tokens, hunk.other_side)
        {
            return Some(signal);
        }
        // A field's tag or type is string text or a declaration, and still the stored format.
        if let Some(signal) = self.stored_record_field(file, dir, row, &row_tokens, hunk.other_side)
        {
            return Some(signal);
        }
        if let Some(signal) = self.field_assignment(file, row) {
            return Some(signal);
        }
        // A query's text is string text, and still changes what the database is asked.
        if let Some(signal) = self
            .sql_text(file, row)
            .filter(|_| !self.only_observes(facts, covering, &literals, row))
        {
            return Some(signal);
        }
        if !text_only {
            if let Some(signal) = self.client_field_assignment(file, dir, row, &row_tokens) {
                return Some(signal);
            }
            if let Some(signal) = self.message_field_assignment(file, row, &row_tokens) {
                return Some(signal);
            }
        }
        let composite = covering.composites.last().map(|&i| {
            facts.composites[i]
                .type_name
                .as_ref()
                .map(written)
                .filter(|t| !t.contains('…'))
        });
        // The attributes of a trace span (`nexusrpc.ServerSpanAttributes{Endpoint: ...}`)
        // describe the I/O to a tracer; they configure nothing.
        let span_attributes = composite.as_ref().is_some_and(|t| {
            t.as_deref()
                .is_some_and(|t| super::settings::words(t).iter().any(|w| w == "span"))
        });
        let settable = !file.metric_rows.contains(&row) && !span_attributes;
        // A literal written on the row (`return &Client{retries: 5}`): its changed keys.
        let inline = || {
            covering.composites.iter().rev().find_map(|&i| {
                let literal = &facts.composites[i];
                let type_name = literal.type_name.as_ref().map(written);
                changed_keys_on_row(file, row, literal.span, hunk.other_side)
                    .iter()
                    .find_map(|key| super::settings::keyed_setting(key, type_name.as_deref()))
            })
        };
        // A setting's value written as a string (`Addr: ":9090"`) is string text, and still
        // the setting: where the service listens, what it calls.
        if text_only && settable && !self.only_observes(facts, covering, &literals, row) {
            let keyed =
                super::settings::keyed_element(file.lines.text(), &row_tokens, composite.clone());
            if let Some(signal) = keyed.or_else(inline) {
                return Some(signal);
            }
        }
        if text_only || self.only_observes(facts, covering, &literals, row) {
            return None;
        }
        if settable {
            if let Some(signal) =
                super::settings::setting(file.lines.text(), &row_tokens, composite)
            {
                return Some(signal);
            }
            if let Some(signal) = inline() {
                return Some(signal);
            }
            if let Some(signal) =
                super::settings::declared_setting(file.lines.text(), &row_tokens, hunk.other_side)
            {
                return Some(signal);
            }
        }
        if let Some(signal) = self.wire_encoding(facts, dir, row) {
            return Some(signal);
        }
        self.inside_io_function(file, dir, row, covering, &literals, hunk.other_side)
    }

    /// A field of a struct type, added, removed or changed (its type or tag), where a function
    /// of the package encodes a value of the type and writes to storage (`json.Marshal(r)`
    /// then `os.WriteFile`): the type is the stored record, its fields the stored format.
    /// Encoding alone is not enough: a configuration read and decoded from a file is not
    /// written, and its new keys change no stored data.
    fn stored_record_field(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        tokens: &[Token],
        other_side: &str,
    ) -> Option<Signal> {
        let text = file.lines.text();
        let [first, _, ..] = tokens else {
            return None;
        };
        let field = std::str::from_utf8(first.text(text)).ok()?;
        if first.kind != TokenKind::Ident || matches!(field, "type" | "struct" | "func") {
            return None;
        }
        let mut written = String::from(" ");
        super::hunks::push_all_comparable(&mut written, text, tokens);
        if other_side.contains(&written) {
            return None;
        }
        let record = record_of_row(file, row)?;
        let (function, sink) = self.index.package_files(dir).find_map(|neighbour| {
            let src = neighbour.src.as_slice();
            let naming: Vec<&str> = neighbour
                .facts
                .funcs
                .iter()
                .filter(|func| names_type(src, func, &record))
                .filter_map(|func| func.name())
                .collect();
            if naming.is_empty() {
                return None;
            }
            let with_bodies = self.index.facts_with_bodies(neighbour, &naming)?;
            let facts: &Facts = &with_bodies;
            facts.funcs.iter().enumerate().find_map(|(index, func)| {
                if !names_type(src, func, &record) {
                    return None;
                }
                let sinks = self.body_sinks(facts, dir, index);
                let stored: Vec<&(&Call, Signal)> = sinks
                    .iter()
                    .filter(|(_, signal)| signal.area == Area::Storage)
                    .collect();
                let writer = response_writer(facts, index);
                let (_, sink) = facts
                    .calls
                    .iter()
                    .filter(|call| facts.is_within(call.func, index))
                    .find_map(|call| {
                        let sink_text = |(sink, _): &&(&Call, Signal)| {
                            String::from_utf8_lossy(&src[sink.span.start..sink.span.end])
                                .into_owned()
                        };
                        let packages = &self.data.troubleshooting.encoding_packages;
                        match encoding(src, facts, call, packages)? {
                            // The encoded bytes are what a storage call is handed.
                            Encoding::Bytes(Some(bytes)) => stored.iter().copied().find(|sink| {
                                let text = sink_text(sink);
                                crate::go::tokens::tokens(text.as_bytes(), 0, text.len())
                                    .iter()
                                    .any(|t| t.text(text.as_bytes()) == bytes.as_bytes())
                            }),
                            Encoding::Bytes(None) => None,
                            // An encoder writes to a stream: any but the handler's response.
                            Encoding::Stream(stream) => stored
                                .first()
                                .copied()
                                .filter(|_| writer.is_none_or(|w| stream.as_deref() != Some(w))),
                        }
                    })?;
                Some((func.display_name(), sink.what.clone()))
            })
        })?;
        Some(Signal {
            area: Area::Storage,
            what: format!(
                "changes the stored field `{field}` of `{record}` (`{function}` encodes it and {sink})"
            ),
        })
    }

    /// A line of a function that encodes or decodes the library's messages or records
    /// (`UnmarshalJSON`, `encode(pe packetEncoder)`, `DecodeStr`, `writeCommandPacket`) in a
    /// listed network or storage library's own repository: there that code is the protocol
    /// or the storage format, so what the library sends, accepts or stores changes.
    fn wire_encoding(&self, facts: &Facts, dir: &str, row: usize) -> Option<Signal> {
        let (index, func) = enclosing_declaration(facts, row)?;
        let name = func.name()?;
        let role = match wire_role(name) {
            Some(role) => role,
            None if streams_codec(facts, index, name) => WireRole::Encodes,
            None => return None,
        };
        let area = self.listed_library_area(dir)?;
        let verb = match role {
            WireRole::Picks => {
                return Some(Signal {
                    area,
                    what: format!(
                        "changes how the library picks the server a request goes to (`{}`)",
                        func.display_name()
                    ),
                })
            }
            WireRole::Decodes => "decodes",
            WireRole::Encodes => "encodes",
        };
        let what = match &func.kind {
            FuncKind::Method { receiver, name } => {
                format!("changes how the library {verb} `{receiver}` (`{name}`)")
            }
            _ => format!("changes how the library {verb} its data (`{name}`)"),
        };
        Some(Signal { area, what })
    }

    /// A named call handed a func literal that does I/O (`retry.Do(ctx, func() error { return
    /// client.Do(req) })`, `wg.Go(func() { fd.Sync() })`, `d.RunHook(func() error { return
    /// fs.MkdirAll(p) }, ...)`): how often, when or beside what the I/O runs changes, even
    /// where the I/O's own line only moved into the literal.
    fn wrapped_io(&self, facts: &Facts, dir: &str, call: &Call) -> Option<Signal> {
        if !matches!(call.callee, Expr::Selector(..) | Expr::Ident(_)) {
            return None;
        }
        let literals = facts.funcs.iter().enumerate().filter(|(_, f)| {
            matches!(f.kind, FuncKind::Literal)
                && f.enclosing == call.func
                && call.span.start < f.span.start
                && f.span.end <= call.span.end
        });
        for (index, _) in literals {
            let inner = facts
                .calls
                .iter()
                .filter(|c| facts.is_within(c.func, index))
                .find_map(|c| self.call_of(facts, dir, c, true));
            if let Some(inner) = inner {
                return Some(Signal {
                    area: inner.area,
                    what: format!(
                        "hands `{}` a function that {}",
                        written(&call.callee),
                        inner.what
                    ),
                });
            }
        }
        None
    }

    /// `req.StartTime = start`: a field set on a request or response message of an API package
    /// that the function builds: what goes over the wire changes.
    fn message_field_assignment(
        &self,
        file: &FileView,
        row: usize,
        tokens: &[Token],
    ) -> Option<Signal> {
        let facts = file.facts;
        let text = file.lines.text();
        let word = |i: usize| tokens.get(i).map(|t| &text[t.start..t.end]);
        // `x.A = ...` or `x.A.B = ...`: identifiers and dots, then `=` (not `==`).
        let equals = tokens.iter().position(|t| &text[t.start..t.end] == b"=")?;
        if equals < 3 || word(equals + 1) == Some(b"=") || word(1) != Some(b".") {
            return None;
        }
        let plain = tokens[..equals]
            .iter()
            .enumerate()
            .all(|(i, t)| match i % 2 {
                0 => t.kind == TokenKind::Ident,
                _ => &text[t.start..t.end] == b".",
            });
        if !plain {
            return None;
        }
        let variable = std::str::from_utf8(word(0)?).ok()?;
        // A message the function builds, not one it was handed (a server's incoming request).
        let binding = facts.unique_binding(variable, innermost_function(facts, row))?;
        let composite = match &binding.value {
            Expr::Composite(c) => c,
            Expr::AddrOf(inner) => match inner.as_ref() {
                Expr::Composite(c) => c,
                _ => return None,
            },
            _ => return None,
        };
        let Some(Expr::Selector(package, type_name)) = composite.type_name.as_deref() else {
            return None;
        };
        let path = facts.import_path_of(package.as_ident()?)?;
        if self.area_of(path).is_some() || !self.is_wire_message(path, type_name) {
            return None;
        }
        let target = tokens[..equals]
            .iter()
            .map(|t| String::from_utf8_lossy(&text[t.start..t.end]))
            .collect::<String>();
        Some(Signal {
            area: Area::Network,
            what: format!(
                "sets `{target}` of the `{}.{type_name}` message it builds",
                short(path)
            ),
        })
    }

    /// `c.httpClient.Jar = jar`, `srv.ConnState = f`: a field set on a client, server,
    /// transport or store of a network or storage package (a field of the receiver's type, a
    /// parameter, a value it built): how that client or server behaves changes, whatever the
    /// field's name.
    fn client_field_assignment(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        tokens: &[Token],
    ) -> Option<Signal> {
        let facts = file.facts;
        let text = file.lines.text();
        let word = |i: usize| tokens.get(i).map(|t| &text[t.start..t.end]);
        let equals = tokens.iter().position(|t| &text[t.start..t.end] == b"=")?;
        if equals < 3 || word(equals + 1) == Some(b"=") {
            return None;
        }
        let mut path = Vec::new();
        for (i, token) in tokens[..equals].iter().enumerate() {
            match i % 2 {
                0 if token.kind == TokenKind::Ident => {
                    path.push(std::str::from_utf8(&text[token.start..token.end]).ok()?)
                }
                1 if &text[token.start..token.end] == b"." => {}
                _ => return None,
            }
        }
        let (field, owner) = path.split_last()?;
        let (root, fields) = owner.split_first()?;
        let func = innermost_function(facts, row);
        let (package_path, type_name) = match fields.split_last() {
            None => match parameter_type(facts, func, root) {
                Some((package, type_name)) => (facts.import_path_of(&package)?, type_name),
                None => {
                    let binding = facts.unique_binding(root, func)?;
                    let built = match &binding.value {
                        Expr::AddrOf(inner) => inner.as_ref(),
                        value => value,
                    };
                    let Expr::Composite(composite) = built else {
                        return None;
                    };
                    let Some(Expr::Selector(package, type_name)) = composite.type_name.as_deref()
                    else {
                        return None;
                    };
                    (
                        facts.import_path_of(package.as_ident()?)?,
                        type_name.clone(),
                    )
                }
            },
            Some((last, inner)) => {
                let base = inner.iter().fold(Expr::Ident(root.to_string()), |base, f| {
                    Expr::Selector(Box::new(base), f.to_string())
                });
                let (owner_dir, owner_type) = self.value_type(facts, dir, func, &base)?;
                let (path, type_name) = self.index.field_type(&owner_dir, &owner_type, last)?;
                (path, type_name.to_string())
            }
        };
        let area = self.area_of(package_path)?;
        let table = &self.data.troubleshooting;
        if !self.is_client_type(&type_name)
            || Self::listed(&table.value_types, package_path, &type_name)
        {
            return None;
        }
        Some(Signal {
            area,
            what: format!(
                "sets `{field}` of the `{}.{type_name}` `{}`",
                short(package_path),
                owner.join(".")
            ),
        })
    }

    /// A type of the repository named for a database or store (`UserDatabase`,
    /// `storage.Store`), or for a client or server (a generated gRPC `IngesterClient`), that
    /// declares no method `name` in the loaded files: an interface over the storage layer or
    /// a remote service, whose implementations are not followed.
    fn io_interface(&self, dir: &str, type_name: &str, name: &str) -> Option<Area> {
        let last = super::settings::last_word(type_name)?;
        let area = if STORE_TYPE_WORDS.contains(&last.as_str()) {
            Area::Storage
        } else if matches!(last.as_str(), "client" | "server") {
            Area::Network
        } else {
            return None;
        };
        let declared = self.index.package_files(dir).any(|file| {
            file.facts.funcs.iter().any(|f| {
                matches!(&f.kind, FuncKind::Method { receiver, name: n } if receiver == type_name && n == name)
            })
        });
        (!declared).then_some(area)
    }

    /// Whether every call written on the row logs, traces, counts or reads the clock: such a
    /// line changes what is observed, not what is done.
    fn only_observes(
        &self,
        facts: &Facts,
        covering: &Covering,
        literals: &[Span],
        row: usize,
    ) -> bool {
        let table = &self.data.troubleshooting;
        let calls: Vec<&Call> = covering
            .calls
            .iter()
            .map(|&i| &facts.calls[i])
            .filter(|c| !inside_literal(literals, c.span, row))
            .collect();
        // The outermost calls: what a call nested in a log call computes is logged too.
        let outermost: Vec<&&Call> = calls
            .iter()
            .filter(|c| {
                !calls.iter().any(|o| {
                    o.span != c.span && o.span.start <= c.span.start && c.span.end <= o.span.end
                })
            })
            .collect();
        if outermost.is_empty() {
            return false;
        }
        outermost.iter().all(|call| match &call.callee {
            Expr::Selector(receiver, name) => {
                // `promhttp.Handler().ServeHTTP(w, r)` observes too.
                let package = receiver
                    .as_ident()
                    .or_else(|| receiver_root(receiver))
                    .and_then(|p| facts.import_path_of(p));
                match package {
                    Some("time") => matches!(name.as_str(), "Now" | "Since" | "Until"),
                    Some(path) => {
                        table.observability_packages.iter().any(|o| o == path)
                            || configures_observability(name)
                    }
                    None => self.is_observability(name) || configures_observability(name),
                }
            }
            _ => false,
        })
    }

    /// An import of a client library (outside the standard library) swapped in an existing
    /// file: for another library of its area (`go-redis/redis/v8` for `redis/go-redis/v9`) or
    /// for another major version of itself, when the file uses a client type of it
    /// (`naming_client.INamingClient` of `nacos-sdk-go/v2`): how the store or service is
    /// reached changes. An import merely added or dropped serves code judged on its own lines
    /// (a server framework imported to read a request value); a new file's imports serve its
    /// code, often moved there.
    fn client_import(&self, file: &FileView, row: usize, other_side: &str) -> Option<Signal> {
        if file.added {
            return None;
        }
        let import = file
            .facts
            .imports
            .iter()
            .find(|i| i.span.start_row <= row && row <= i.span.end_row)?;
        if !outside_standard_library(&import.path) {
            return None;
        }
        let others: Vec<&str> = other_side
            .split(' ')
            .filter_map(|t| t.strip_prefix('"')?.strip_suffix('"'))
            .filter(|other| *other != import.path && outside_standard_library(other))
            .collect();
        let same_library = |other: &str| unversioned(other) == unversioned(&import.path);
        let area = match self.area_of(&import.path) {
            Some(area) => others
                .iter()
                .any(|o| same_library(o) || self.area_of(o) == Some(area))
                .then_some(area)?,
            None => {
                let local = import.local_name()?;
                let client = file
                    .facts
                    .typed_sites
                    .iter()
                    .any(|s| s.package == local && self.is_client_type(&s.type_name));
                (client && others.iter().any(|o| same_library(o))).then_some(Area::Network)?
            }
        };
        Some(Signal {
            area,
            what: format!("switches to the {} client `{}`", area.as_str(), import.path),
        })
    }

    /// A changed line of code in a function that itself does network or storage I/O, when
    /// what it changes reaches that I/O: it sets a value that the I/O call, or a value
    /// computed from it later in the function, reads (a request's parameters, what a write
    /// stores), or it reads what the I/O call returned (its answer, not only its error). A
    /// line that merely sits in the same function does not count.
    fn inside_io_function(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        covering: &Covering,
        literals: &[Span],
        other_side: &str,
    ) -> Option<Signal> {
        let facts = file.facts;
        let (index, func) = enclosing_declaration(facts, row)?;
        let sinks = self.body_sinks(facts, dir, index);
        // A value handed to a function of the repository may reach I/O there.
        let hands_on = facts.calls.iter().any(|c| {
            let plain = match &c.callee {
                Expr::Ident(_) => true,
                Expr::Selector(package, _) => package.as_ident().is_some(),
                _ => false,
            };
            plain && !c.args.is_empty() && facts.is_within(c.func, index)
        });
        if sinks.is_empty() && response_writer(facts, index).is_none() && !hands_on {
            return None;
        }
        let text = file.lines.text();
        let tokens_of = |row: usize| crate::go::tokens::line_tokens(text, file.lines, row + 1);
        // The statement's first line: where the outermost call or literal holding the row
        // starts (`topic := Topic{` for a changed `Name: name,` under it).
        let head = covering
            .calls
            .iter()
            .map(|&i| facts.calls[i].span)
            .chain(
                covering
                    .composites
                    .iter()
                    .map(|&i| facts.composites[i].span),
            )
            .filter(|&span| !inside_literal(literals, span, row))
            .map(|span| span.start_row)
            .filter(|&start| start > func.span.start_row)
            .min()
            .unwrap_or(row)
            .min(row);
        let head_tokens = tokens_of(head);
        let head_statement = flow::statement(text, &head_tokens);
        // What the function got from an earlier I/O call, other than its error.
        for (call, inner) in sinks.iter().filter(|(c, _)| c.span.end_row < head) {
            let answer = |defined: Vec<flow::Path>| {
                defined
                    .into_iter()
                    .filter(|p| p.len() == 1 && p[0] != "err")
                    .collect::<Vec<_>>()
            };
            let direct = answer(flow::statement(text, &tokens_of(call.span.start_row)).defined);
            let mut results = direct.clone();
            // A part of the answer taken before the line (`authData := data[i:]`, `v, ok :=
            // it.(T)`) is the answer too; a value another call computes from it is that call's.
            for between in call.span.end_row + 1..head {
                if results.is_empty() {
                    break;
                }
                let tokens = tokens_of(between);
                let next = flow::statement(text, &tokens);
                let value = &tokens[next.value_from.min(tokens.len())..];
                // A method of the answer itself (`resp.Header.Get(k)`) reads a part of it.
                let of_answer = value
                    .first()
                    .is_some_and(|t| results.iter().any(|p| p[0].as_bytes() == t.text(text)));
                let calls = !of_answer
                    && value
                        .windows(2)
                        .any(|pair| pair[1].text(text) == b"(" && pair[0].text(text) != b".");
                if !next.defined.is_empty()
                    && !calls
                    && flow::reads(text, value, &results).is_some()
                {
                    results.extend(answer(next.defined));
                }
            }
            // Such a part counts where the line tests it or takes a value of its own from it
            // (`parts := re.FindStringSubmatch(v)`), not where it adds it to another value
            // (`stats.Bytes += e.Size`).
            let defined = &head_statement.defined;
            let results = match defined.iter().all(|p| p.len() == 1) {
                true => results,
                false => direct,
            };
            if let Some(read) = flow::reads(text, &head_tokens, &results) {
                return Some(Signal {
                    area: inner.area,
                    what: format!(
                        "changes how `{}` handles `{}`, which it gets where it {}",
                        func.display_name(),
                        read.join("."),
                        inner.what
                    ),
                });
            }
        }
        // A condition whose block leaves early (`if tbf.err != nil { return ... }`) decides
        // whether the I/O after it happens.
        let word = |i: usize| head_tokens.get(i).map(|t| &text[t.start..t.end]);
        let header = word(0) == Some(b"if") || (word(0) == Some(b"}") && word(1) == Some(b"else"));
        if header {
            let (open, close) = block_of(text, file.lines.line_start(head + 1)?)?;
            let leaves = crate::go::tokens::tokens(text, open, close)
                .iter()
                .any(|t| matches!(&text[t.start..t.end], b"return" | b"goto" | b"panic"));
            if let Some((_, inner)) = sinks
                .iter()
                .find(|(c, _)| c.span.start >= close)
                .filter(|_| leaves)
            {
                return Some(Signal {
                    area: inner.area,
                    what: format!(
                        "changes a condition under which `{}` stops before it {}",
                        func.display_name(),
                        inner.what
                    ),
                });
            }
        }
        // A field added to what the handler answers (`Name: svc.Name,` beside the old ones)
        // extends the answer; a value handed to a call is not set for the response.
        let added_field =
            key_on_row(file, row).is_some_and(|key| !other_side.contains(&format!("{key}:")));
        let response = head_statement.value_from < head_tokens.len() && !added_field;
        // A keyed element of the literal the statement assigns (`Index: newIndex(opt),` under
        // `db := &DB{`) changes that field of the value: the I/O that reads another field
        // (`os.MkdirAll(db.opt.Dir, ...)`) does not get it.
        let literal = covering
            .composites
            .last()
            .map(|&i| facts.composites[i].span)
            .filter(|span| span.start_row == head);
        // Not a literal handed to a call (`x := wrap(&DB{...})`): a call in the element is fine.
        let assigned = literal.is_some_and(|literal| {
            covering.calls.iter().all(|&i| {
                let call = facts.calls[i].span;
                call.start >= literal.start || inside_literal(literals, call, row)
            })
        });
        match key_on_row(file, row) {
            Some(key) if row != head && assigned => {
                let fields = head_statement
                    .defined
                    .into_iter()
                    .map(|mut path| {
                        path.push(key.clone());
                        path
                    })
                    .collect();
                let changed = flow::Changed {
                    paths: fields,
                    fields: true,
                    assigned: true,
                };
                self.flows_to_io(file, dir, index, head, changed, response)
            }
            _ => {
                // What a call statement hands on (`r.Eventf(obj, ...)`) is not followed into
                // other calls: only what the line assigns.
                let assigns = head_statement.value_from < head_tokens.len();
                let changed = flow::Changed::assigned(head_statement.defined, assigns);
                self.flows_to_io(file, dir, index, head, changed, response)
            }
        }
    }

    /// Whether what the statement on row `head` of function `index` sets (`changed`) reaches,
    /// directly or through values computed from it later in the function, a call that does
    /// I/O or writes the handler's response; for values the line assigns, also I/O inside
    /// a function of the repository that the value is handed to.
    fn flows_to_io(
        &self,
        file: &FileView,
        dir: &str,
        index: usize,
        head: usize,
        changed: flow::Changed,
        response: bool,
    ) -> Option<Signal> {
        let names: Vec<String> = changed.paths.iter().map(|p| p.join(".")).collect();
        let func = file.facts.funcs[index].display_name();
        let (sink, handed_to) = self.reaching_sink(file, dir, index, head, changed, response)?;
        let what = match handed_to {
            Some(callee) => format!(
                "changes `{}`, which `{func}` hands to `{callee}`, where it reaches code that {}",
                names.join("`, `"),
                sink.what
            ),
            None => format!(
                "changes `{}`, used where `{func}` {}",
                names.join("`, `"),
                sink.what
            ),
        };
        Some(Signal {
            area: sink.area,
            what,
        })
    }

    /// The first call that what `changed` (set on row `head` of function `index`) reaches,
    /// directly or through values computed from it later in the function, that does I/O or
    /// writes the handler's response; with the name of the repository function the value
    /// was handed to on the way, when it reached the I/O inside that function.
    fn reaching_sink(
        &self,
        file: &FileView,
        dir: &str,
        index: usize,
        head: usize,
        changed: flow::Changed,
        response: bool,
    ) -> Option<(Signal, Option<String>)> {
        let flow::Changed {
            paths: changed,
            fields,
            assigned,
        } = changed;
        if changed.is_empty() {
            return None;
        }
        let responses = match response {
            true => response_writes(file.facts, index),
            false => Vec::new(),
        };
        let facts = file.facts;
        let func = &facts.funcs[index];
        let text = file.lines.text();
        let mut reached: Vec<flow::Path> = changed.clone();
        // What the handler writes to its client is what it answers.
        let mut sinks: Vec<(&Call, Signal)> = self
            .body_sinks(facts, dir, index)
            .into_iter()
            .chain(responses)
            .filter(|(c, _)| c.span.start_row > head)
            .collect();
        sinks.sort_by_key(|(c, _)| c.span.start);
        // Calls of the repository's own functions that do no I/O on their line: a value
        // handed to one may reach I/O inside it.
        let mut handoffs: Vec<&Call> = match assigned {
            false => Vec::new(),
            true => facts
                .calls
                .iter()
                .filter(|c| facts.is_within(c.func, index) && c.span.start_row > head)
                .filter(|c| !c.args.is_empty())
                .filter(|c| !sinks.iter().any(|(s, _)| s.span == c.span))
                .collect(),
        };
        handoffs.sort_by_key(|c| c.span.start);
        let mut handoffs = handoffs.into_iter().peekable();
        let mut sinks = sinks.iter().peekable();
        for later in head + 1..=func.span.end_row {
            while let Some((call, inner)) = sinks.next_if(|(c, _)| c.span.start_row <= later) {
                let call_tokens = crate::go::tokens::tokens(text, call.span.start, call.span.end);
                if flow::reads_as(text, &call_tokens, &reached, fields).is_some() {
                    return Some((inner.clone(), None));
                }
            }
            while let Some(call) = handoffs.next_if(|c| c.span.start_row <= later) {
                if let Some(found) = self.handed_on(facts, text, dir, call, &reached, fields) {
                    return Some(found);
                }
            }
            let tokens = crate::go::tokens::line_tokens(text, file.lines, later + 1);
            let next = flow::statement(text, &tokens);
            if !next.defined.is_empty()
                && flow::reads_as(text, &tokens[next.value_from..], &reached, fields).is_some()
            {
                reached.extend(next.defined);
            }
        }
        None
    }

    /// A call of a function of the repository (`buildExporter(ctx, cfg, headers)`,
    /// `batch.Create(ctx, conn, rows, opts...)`) whose argument reads a value of `reached`:
    /// the I/O that the matching parameter reaches inside that function, and its name.
    fn handed_on(
        &self,
        facts: &Facts,
        text: &[u8],
        dir: &str,
        call: &Call,
        reached: &[flow::Path],
        fields: bool,
    ) -> Option<(Signal, Option<String>)> {
        let (target, name) = match &call.callee {
            Expr::Ident(name) => (dir.to_string(), name),
            Expr::Selector(package, name) => {
                let path = package_path(facts, package.as_ident()?, call)?;
                (self.repository_folder(String::new(), path)?, name)
            }
            _ => return None,
        };
        let tokens = crate::go::tokens::tokens(text, call.span.start, call.span.end);
        let position = call_arguments(text, &tokens)
            .iter()
            .position(|arg| flow::reads_as(text, arg, reached, fields).is_some())?;
        let file = self.index.package_files(&target).find(|file| {
            file.facts
                .funcs
                .iter()
                .any(|f| matches!(&f.kind, FuncKind::Function { name: n } if n == name))
        })?;
        let with_body = self.index.facts_with_bodies(file, &[name])?;
        let facts: &Facts = &with_body;
        let (callee, func) = facts
            .funcs
            .iter()
            .enumerate()
            .find(|(_, f)| matches!(&f.kind, FuncKind::Function { name: n } if n == name))?;
        // A variadic parameter takes every argument from its position on.
        let parameter = func
            .param_names
            .get(position)
            .or_else(|| func.param_names.last())
            .filter(|p| !p.is_empty() && p.as_str() != "_")?;
        let lines = LineIndex::new(&file.src);
        let view = FileView {
            facts,
            lines: &lines,
            added: false,
            metric_rows: BTreeSet::new(),
        };
        // One function deep: inside it the parameter is not handed on again, so that the
        // search stays within the two functions a reviewer reads.
        let found = self.reaching_sink(
            &view,
            &target,
            callee,
            func.span.start_row,
            flow::Changed::values(vec![vec![parameter.clone()]]),
            false,
        );
        let (sink, _) = found?;
        Some((sink, Some(written(&call.callee))))
    }

    /// The calls of the body of function `index` that do I/O themselves, in order; memoized
    /// per function, as every changed line of a function asks.
    fn body_sinks<'f>(&self, facts: &'f Facts, dir: &str, index: usize) -> Vec<(&'f Call, Signal)> {
        let key = (facts as *const Facts as usize, index);
        if let Some(known) = self.io_sinks.borrow().get(&key) {
            return known
                .iter()
                .map(|(i, signal)| (&facts.calls[*i], signal.clone()))
                .collect();
        }
        let in_body = |call: &Call| facts.is_within(call.func, index);
        let depth = self.depth.replace(FOLLOWED_CALLS);
        let mut sinks: Sinks = facts
            .calls
            .iter()
            .enumerate()
            .filter(|(_, call)| in_body(call))
            .filter_map(|(i, call)| {
                let found = self
                    .call_of(facts, dir, call, true)
                    .or_else(|| self.store_method(facts, dir, call))
                    .or_else(|| self.codec_call(facts, dir, call));
                Some((i, found?))
            })
            .collect();
        self.depth.set(depth);
        // Where calls start together, the innermost first: the one that reads a value
        // (`Select` of `st.db.Select(q).First(&u)`).
        sinks.sort_by_key(|(i, _)| (facts.calls[*i].span.start, facts.calls[*i].span.end));
        let out = sinks
            .iter()
            .map(|(i, signal)| (&facts.calls[*i], signal.clone()))
            .collect();
        self.io_sinks.borrow_mut().insert(key, sinks);
        out
    }

    /// In a listed network or storage library's own repository, a call of a function named
    /// for its messages or records (`mc.readPacket()`, `decodeHeader(buf)`): there what it
    /// reads or writes is the protocol or the storage format, so what its caller hands it or
    /// does with its answer is what the library exchanges with the server or the disk.
    fn codec_call(&self, facts: &Facts, dir: &str, call: &Call) -> Option<Signal> {
        // The library's own code: a function of the package, or a method of the receiver.
        let name = match &call.callee {
            Expr::Ident(name) => name,
            Expr::Selector(receiver, name)
                if receiver
                    .as_ident()
                    .is_some_and(|r| receiver_type_of(facts, call.func, r).is_some()) =>
            {
                name
            }
            _ => return None,
        };
        wire_role(name)?;
        let area = self.listed_library_area(dir)?;
        Some(Signal {
            area,
            what: format!(
                "calls `{}` of the library's protocol",
                written(&call.callee)
            ),
        })
    }

    /// A package-level constant or variable whose value changes (`tokenMaxCount = 60`), handed
    /// as an argument to a call of the same file that does I/O (`tx.Exec(deleteExcess, id,
    /// tokenMaxCount)`): what the program asks the server or store changes (a limit, a name, a
    /// key).
    fn constant_argument(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        tokens: &[Token],
        other_side: &str,
    ) -> Option<Signal> {
        let facts = file.facts;
        let text = file.lines.text();
        let word = |i: usize| tokens.get(i).map(|t| &text[t.start..t.end]);
        let first = match word(0)? {
            b"const" | b"var" => 1,
            _ => 0,
        };
        let name_token = tokens.get(first)?;
        let equals = (first + 1..tokens.len().min(first + 3))
            .find(|&i| word(i) == Some(b"=") && word(i + 1) != Some(b"="))?;
        if name_token.kind != TokenKind::Ident
            || equals + 1 >= tokens.len()
            || innermost_function(facts, row).is_some()
            || facts.funcs.iter().any(|f| covers(f.span, row))
        {
            return None;
        }
        let name = std::str::from_utf8(&text[name_token.start..name_token.end]).ok()?;
        let depth = self.depth.replace(FOLLOWED_CALLS);
        let found = facts
            .calls
            .iter()
            .filter(|call| {
                call.args
                    .iter()
                    .any(|a| matches!(a, Expr::Ident(n) if n == name))
            })
            .find_map(|call| Some((call, self.call_of(facts, dir, call, false)?)));
        self.depth.set(depth);
        if let Some((_, inner)) = found {
            return Some(Signal {
                area: inner.area,
                what: format!(
                    "changes `{name}`, which it hands on where it {}",
                    inner.what
                ),
            });
        }
        // A line of a function that reads it (`contentRangeRegexp.FindStringSubmatch(v)` on
        // the header of a response) and that way reaches I/O, or handles its answer. A name
        // declared anew sets nothing until code uses it, and that code is judged.
        if !other_side.contains(name) {
            return None;
        }
        let lines = file.lines;
        let uses: Vec<usize> = facts
            .funcs
            .iter()
            .filter(|f| f.enclosing.is_none())
            .flat_map(|f| f.span.start_row + 1..=f.span.end_row)
            .filter(|&r| {
                crate::go::tokens::line_tokens(text, lines, r + 1)
                    .iter()
                    .any(|t| t.text(text) == name.as_bytes())
            })
            .take(MAX_FOLLOWED_USES)
            .collect();
        let covered = covering(facts, &uses);
        uses.iter().zip(&covered).find_map(|(&r, cover)| {
            let literals: Vec<Span> = cover
                .literals
                .iter()
                .map(|&i| facts.funcs[i].span)
                .collect();
            if self.only_observes(facts, cover, &literals, r) {
                return None;
            }
            let inner = self.inside_io_function(file, dir, r, cover, &literals, "")?;
            Some(Signal {
                area: inner.area,
                what: format!("changes `{name}`, and so {}", inner.what),
            })
        })
    }

    /// `store.CreateFeed(feed)` on a value of the repository's own type named for a store
    /// (`*storage.Storage`, `s.db` of a `*database.DB`), whose method does I/O: what the
    /// function hands its storage layer. Followed only for such types: the name of the type
    /// says the function reaches storage there.
    fn store_method(&self, facts: &Facts, dir: &str, call: &Call) -> Option<Signal> {
        let Expr::Selector(receiver, name) = &call.callee else {
            return None;
        };
        let (target, type_name) = self.value_type(facts, dir, call.func, receiver)?;
        let last = super::settings::last_word(&type_name)?;
        if !STORE_TYPE_WORDS.contains(&last.as_str()) {
            return None;
        }
        let depth = self.depth.replace(0);
        let inner = self.repository_function(&target, name, Some(&type_name));
        self.depth.set(depth);
        if let Some(inner) = inner {
            return Some(Signal {
                area: inner.area,
                what: calls_then(&written(&call.callee), &inner.what),
            });
        }
        // The file that declares the type's fields may not be loaded: a method that calls a
        // method of a field of its receiver (`s.db.QueryRow(...)`) hands the work to what the
        // store holds.
        let declares = |func: &crate::go::Func| {
            matches!(&func.kind, FuncKind::Method { receiver: of, name: n }
                if of == &type_name && n == name)
        };
        let delegates = self.index.package_files(&target).any(|file| {
            if !file.facts.funcs.iter().any(declares) {
                return false;
            }
            let Some(with_body) = self.index.facts_with_bodies(file, &[name]) else {
                return false;
            };
            let facts: &Facts = &with_body;
            facts.funcs.iter().enumerate().any(|(index, func)| {
                let FuncKind::Method {
                    receiver: of,
                    name: n,
                } = &func.kind
                else {
                    return false;
                };
                let Some(receiver_name) = facts
                    .decls
                    .iter()
                    .find(|d| d.span.start <= func.span.start && func.span.end <= d.span.end)
                    .and_then(|d| d.receiver.as_ref())
                    .map(|(r, _)| r.as_str())
                else {
                    return false;
                };
                of == &type_name
                    && n == name
                    && facts.calls.iter().any(|c| {
                        facts.is_within(c.func, index)
                            && matches!(&c.callee, Expr::Selector(field, _)
                                if matches!(field.as_ref(), Expr::Selector(base, _)
                                    if base.as_ident() == Some(receiver_name)))
                    })
            })
        });
        delegates.then(|| Signal {
            area: Area::Storage,
            what: format!(
                "calls `{}` of the store `{type_name}`",
                written(&call.callee)
            ),
        })
    }

    /// The first I/O of the body of function `index`: written in it, or with `follow` also
    /// through the repository's functions it calls.
    fn body_io(&self, facts: &Facts, dir: &str, index: usize, follow: bool) -> Option<Signal> {
        let key = (facts as *const Facts as usize, index, follow);
        if let Some(known) = self.io_bodies.borrow().get(&key) {
            return known.clone();
        }
        let in_body = |call: &&Call| facts.is_within(call.func, index);
        let depth = match follow {
            true => self.depth.get(),
            false => self.depth.replace(FOLLOWED_CALLS),
        };
        let found = facts
            .calls
            .iter()
            .filter(in_body)
            .find_map(|call| self.call_of(facts, dir, call, true));
        self.depth.set(depth);
        self.io_bodies.borrow_mut().insert(key, found.clone());
        found
    }

    /// A changed deadline (`context.WithTimeout(ctx, 2*time.Second)`) in a function that does
    /// I/O, itself or through the repository's functions it calls: how long the I/O may take.
    /// A new parent context with the same deadline (a tracing span) changes no deadline.
    fn deadline(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        calls: &[&Call],
        unchanged: &dyn Fn(Span) -> bool,
        other_side: &str,
    ) -> Option<Signal> {
        let facts = file.facts;
        let call = calls.iter().find(|call| {
            let Expr::Selector(package, name) = &call.callee else {
                return false;
            };
            DEADLINE_FUNCTIONS.contains(&name.as_str())
                && package
                    .as_ident()
                    .and_then(|p| package_path(facts, p, call))
                    == Some("context")
                && !unchanged(call.span)
                && !same_deadline(&span_text(file, call.span), name, other_side)
        })?;
        let (index, func) = enclosing_declaration(facts, row)?;
        let inner = self.body_io(facts, dir, index, true)?;
        Some(Signal {
            area: inner.area,
            what: format!(
                "changes a deadline (`{}`) of `{}`, which {}",
                written(&call.callee),
                func.display_name(),
                inner.what
            ),
        })
    }

    /// A changed condition on a response's status (`if resp.StatusCode == http.StatusConflict`,
    /// `case codes.Unavailable:`): it changes how the program reacts to what a server answers
    /// (a retry, an error treated as success).
    fn status_handling(&self, file: &FileView, tokens: &[Token]) -> Option<Signal> {
        let facts = file.facts;
        let text = file.lines.text();
        let word = |i: usize| tokens.get(i).map(|t| &text[t.start..t.end]);
        let header = matches!(word(0), Some(b"if" | b"case" | b"switch"))
            || (word(0) == Some(b"}") && word(1) == Some(b"else"));
        if !header {
            return None;
        }
        // `<package>.<Status constant>` of net/http or of gRPC's codes, beside a status read.
        let reads_status = (1..tokens.len()).any(|i| {
            word(i - 1) == Some(b".")
                && matches!(word(i), Some(b"StatusCode" | b"Status" | b"Code"))
        });
        (2..tokens.len()).find_map(|i| {
            if word(i - 1) != Some(b".") {
                return None;
            }
            let package = std::str::from_utf8(word(i - 2)?).ok()?;
            let constant = std::str::from_utf8(word(i)?).ok()?;
            let path = facts.import_path_of(package)?;
            let status = match path {
                "net/http" => constant.starts_with("Status") && constant != "StatusText",
                "google.golang.org/grpc/codes" => true,
                _ => false,
            };
            let compared = reads_status || word(0) == Some(b"case");
            (status && compared).then(|| Signal {
                area: Area::Network,
                what: format!(
                    "changes how it handles a `{}.{constant}` answer",
                    short(path)
                ),
            })
        })
    }

    /// A newly written error of a network or storage package (`sql.ErrNoRows`,
    /// `*types.ConditionalCheckFailedException`, `*pgconn.PgError`): how the program tells a
    /// store's or server's failures apart changes (a retry, a conflict taken as success).
    fn error_handling(
        &self,
        file: &FileView,
        tokens: &[Token],
        other_side: &str,
    ) -> Option<Signal> {
        let text = file.lines.text();
        let word = |i: usize| {
            tokens
                .get(i)
                .and_then(|t| std::str::from_utf8(&text[t.start..t.end]).ok())
        };
        (2..tokens.len()).find_map(|i| {
            if word(i - 1) != Some(".") {
                return None;
            }
            let (package, name) = (word(i - 2)?, word(i)?);
            // `http.StatusInternalServerError` is a status to answer, not an error received.
            let is_error = !name.starts_with("Status") && name.ends_with("Error")
                || name.ends_with("Exception")
                || name
                    .strip_prefix("Err")
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()));
            if !is_error || other_side.contains(&format!(" {package} . {name} ")) {
                return None;
            }
            let path = file.facts.import_path_of(package)?;
            let area = self.area_of(path)?;
            Some(Signal {
                area,
                what: format!("changes how it handles the `{package}.{name}` error"),
            })
        })
    }

    /// A test, case or return that newly names an error (`io.ErrUnexpectedEOF`,
    /// `context.Canceled`, the package's own `errBrokerDead`) in a function that does network
    /// or storage I/O: which of that I/O's failures it tells apart, retries, or hands its
    /// callers as another error changes (a dropped connection now retried, a failed read now
    /// reported as a network failure).
    fn io_error_handling(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        tokens: &[Token],
        other_side: &str,
    ) -> Option<Signal> {
        let text = file.lines.text();
        let word = |i: usize| {
            tokens
                .get(i)
                .and_then(|t| std::str::from_utf8(&text[t.start..t.end]).ok())
        };
        let decides = matches!(word(0), Some("if" | "case" | "return" | "switch"))
            || (word(0) == Some("}") && word(1) == Some("else"));
        if !decides {
            return None;
        }
        let named = (0..tokens.len()).find_map(|i| {
            let name = word(i)?;
            let qualifier = i
                .checked_sub(2)
                .filter(|_| word(i - 1) == Some("."))
                .and_then(word);
            let sentinel = name
                .strip_prefix("Err")
                .or_else(|| name.strip_prefix("err"))
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
                || (name == "EOF" && qualifier == Some("io"));
            if !sentinel {
                return None;
            }
            // A package's error, or the package's own; not a field or method of a value.
            let first = match qualifier {
                Some(package) => {
                    file.facts.import_path_of(package)?;
                    i - 2
                }
                None if i > 0 && word(i - 1) == Some(".") => return None,
                None => i,
            };
            let mut written = String::from(" ");
            super::hunks::push_all_comparable(&mut written, text, &tokens[first..=i]);
            (!other_side.contains(&written)).then(|| written.trim().replace(" . ", "."))
        })?;
        let (index, func) = enclosing_declaration(file.facts, row)?;
        let io = self.body_io(file.facts, dir, index, true)?;
        Some(Signal {
            area: io.area,
            what: format!(
                "changes how `{}` handles the `{named}` error; it {}",
                func.display_name(),
                io.what
            ),
        })
    }

    /// A changed `for`, `if`, `switch` or `select` header whose block does I/O: it changes how
    /// often or when the I/O happens (a retry loop, a new condition).
    fn block_header(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        tokens: &[Token],
    ) -> Option<Signal> {
        let facts = file.facts;
        let start = file.lines.line_start(row + 1)?;
        let text = file.lines.text();
        // The keyword is on the row itself: only a header row's block is read further.
        let first = tokens.first()?;
        let keyword = &text[first.start..first.end];
        let what = match keyword {
            b"for" => "changes a loop that",
            b"if" | b"switch" | b"select" => "changes the condition under which it",
            b"}" if tokens
                .get(1)
                .is_some_and(|t| &text[t.start..t.end] == b"else") =>
            {
                "changes the condition under which it"
            }
            _ => return None,
        };
        let (open, close) = block_of(text, start)?;
        let from = facts.calls.partition_point(|c| c.span.start < open);
        let inner = facts.calls[from..]
            .iter()
            .take_while(|c| c.span.start < close)
            .find_map(|call| self.call(facts, dir, call))
            .or_else(|| {
                // A block that sets an address, a timeout or another setting on-call tunes:
                // the condition decides which value is used.
                let lines = file.lines;
                let (first, last) = (lines.position(open).0 - 1, lines.position(close).0 - 1);
                (first + 1..last)
                    .filter(|row| !file.metric_rows.contains(row))
                    .find_map(|row| {
                        let tokens = crate::go::tokens::line_tokens(text, lines, row + 1);
                        super::settings::assigned_setting(text, &tokens)
                    })
            })
            .or_else(|| reports_bad_connection(facts, &text[open..close]))
            .or_else(|| {
                // A block that sets a value the I/O after it, or the response, uses
                // (`if tags != nil { filled = tags }` before `enc.Encode(resp{Tags: filled})`).
                let lines = file.lines;
                let (first, last) = (lines.position(open).0 - 1, lines.position(close).0 - 1);
                if keyword == b"for" || last - first > MAX_FOLLOWED_BLOCK_ROWS {
                    return None;
                }
                let (index, _) = enclosing_declaration(facts, row)?;
                (first + 1..last).find_map(|inner| {
                    let tokens = crate::go::tokens::line_tokens(text, lines, inner + 1);
                    let statement = flow::statement(text, &tokens);
                    let assigned = statement.value_from < tokens.len();
                    self.flows_to_io(
                        file,
                        dir,
                        index,
                        last,
                        flow::Changed::assigned(statement.defined, assigned),
                        assigned,
                    )
                })
            })?;
        Some(Signal {
            area: inner.area,
            what: format!("{what} {}", inner.what),
        })
    }

    /// A changed wait (`time.Sleep(d)`, `<-time.After(d)`, `b.Backoff()`) in a loop that does
    /// network or storage I/O: the pause between attempts, what a retry policy is made of.
    fn retry_wait(
        &self,
        file: &FileView,
        dir: &str,
        row: usize,
        calls: &[&Call],
    ) -> Option<Signal> {
        let facts = file.facts;
        let waits = |call: &&&Call| match &call.callee {
            Expr::Selector(package, name) => {
                let time = package
                    .as_ident()
                    .is_some_and(|p| facts.import_path_of(p) == Some("time"));
                (time && WAITS.contains(&name.as_str()))
                    || super::settings::words(name)
                        .iter()
                        .any(|w| w == "backoff" || w == "sleep")
            }
            Expr::Ident(name) => super::settings::words(name)
                .iter()
                .any(|w| w == "backoff" || w == "sleep"),
            _ => false,
        };
        let wait = calls.iter().find(waits)?;
        let (_, func) = enclosing_declaration(facts, row)?;
        let (text, lines) = (file.lines.text(), file.lines);
        let at = lines.line_start(row + 1)?;
        // The loops around the wait, innermost first.
        for header in (func.span.start_row + 1..row).rev() {
            let tokens = crate::go::tokens::line_tokens(text, lines, header + 1);
            if tokens.first().map(|t| t.text(text)) != Some(b"for") {
                continue;
            }
            let (open, close) = block_of(text, lines.line_start(header + 1)?)?;
            if !(open < at && at < close) {
                continue;
            }
            let from = facts.calls.partition_point(|c| c.span.start < open);
            let io = facts.calls[from..]
                .iter()
                .take_while(|c| c.span.start < close)
                .filter(|c| c.span != wait.span)
                .find_map(|call| self.call(facts, dir, call));
            if let Some(io) = io {
                return Some(Signal {
                    area: io.area,
                    what: format!(
                        "changes how long a loop that {} waits between attempts (`{}`)",
                        io.what,
                        written(&wait.callee)
                    ),
                });
            }
        }
        None
    }

    /// A field or parameter declared on `row` whose type is a client, server or store.
    fn typed_site(
        &self,
        facts: &Facts,
        row: usize,
        unchanged: &dyn Fn(Span) -> bool,
    ) -> Option<Signal> {
        facts
            .typed_sites
            .iter()
            .filter(|t| t.span.start_row == row && !unchanged(t.span))
            .find_map(|site| {
                let path = facts.import_path_of(&site.package)?;
                let area = self.library_area_of(path)?;
                let table = &self.data.troubleshooting;
                if !self.is_client_type(&site.type_name)
                    || Self::listed(&table.value_types, path, &site.type_name)
                {
                    return None;
                }
                Some(Signal {
                    area,
                    what: format!("declares a `{}.{}`", short(path), site.type_name),
                })
            })
    }

    /// `x.Timeout = ...` and the like, in a file that uses a network or storage package.
    fn field_assignment(&self, file: &FileView, row: usize) -> Option<Signal> {
        let area = file
            .facts
            .imports
            .iter()
            .filter_map(|i| self.area_of(&i.path))
            .min()?;
        let text = line_text(file, row)?;
        let (left, _) = text.split_once('=')?;
        if left.ends_with([':', '!', '<', '>']) || text.contains("==") {
            return None;
        }
        let field = left.trim().rsplit('.').next()?.trim();
        if !left.contains('.')
            || !self
                .data
                .troubleshooting
                .config_fields
                .iter()
                .any(|f| f == field)
        {
            return None;
        }
        Some(Signal {
            area,
            what: format!("sets `{}`", left.trim()),
        })
    }

    /// Whether `call` does network or storage I/O.
    fn call(&self, facts: &Facts, dir: &str, call: &Call) -> Option<Signal> {
        self.call_of(facts, dir, call, false)
    }

    /// Whether `call` does I/O; with `io_only`, routes and response writes do not count.
    fn call_of(&self, facts: &Facts, dir: &str, call: &Call, io_only: bool) -> Option<Signal> {
        let table = &self.data.troubleshooting;
        match &call.callee {
            Expr::Selector(receiver, name) => {
                // `pkg.Func(...)`.
                if let Some(path) = receiver
                    .as_ident()
                    .and_then(|p| package_path(facts, p, call))
                {
                    if table.observability_packages.iter().any(|o| o == path) {
                        return None;
                    }
                    // In a listed library's own repository, its packages are its code
                    // (`internal/pgio`, `pkg/set`): judged by what their functions do.
                    if let Some(area) = self.library_area_of(path) {
                        // `http.HandleFunc("GET /readyz", h)` on the default mux.
                        if let Some(signal) = self.route(call, name).filter(|_| !io_only) {
                            return Some(signal);
                        }
                        if Self::listed(&table.pure_functions, path, name)
                            || (io_only && builds_message(call))
                            || configures_observability(name)
                        {
                            return None;
                        }
                        return Some(Signal {
                            area,
                            what: format!("calls `{}.{name}`", short(path)),
                        });
                    }
                    if Self::listed(&table.file_functions, path, name) {
                        return Some(Signal {
                            area: Area::Storage,
                            what: format!("calls `{}.{name}`", short(path)),
                        });
                    }
                    if let Some(target) = self.index.modules.folder_of(path) {
                        return self
                            .repository_function(&target, name, None)
                            .map(|inner| Signal {
                                area: inner.area,
                                what: calls_then(&format!("{}.{name}", short(path)), &inner.what),
                            });
                    }
                    // `io.ReadFull(p.conn, buf)` reads the connection as `p.conn.Read` would.
                    let methods = stream_methods(path, name)?;
                    return call.args.iter().zip(methods).find_map(|(stream, method)| {
                        let signal =
                            self.method_on_typed_value(facts, dir, call, stream, method, io_only)?;
                        let as_method = format!("`{}.{method}`", written(stream));
                        let as_written =
                            format!("`{}.{name}` of `{}`", short(path), written(stream));
                        Some(Signal {
                            what: signal.what.replacen(&as_method, &as_written, 1),
                            ..signal
                        })
                    });
                }
                // A method of what an observability package made (`promhttp.Handler()`,
                // `otel.Tracer(name)`) observes.
                let root = receiver_root(receiver).and_then(|p| package_path(facts, p, call));
                if root.is_some_and(|path| table.observability_packages.iter().any(|o| o == path)) {
                    return None;
                }
                // Before the log and metric names: a header `Set` or `Add` is not a gauge's.
                if !io_only {
                    if let Some(signal) = self.route(call, name) {
                        return Some(signal);
                    }
                    if let Some(signal) = self.handler_write(facts, call, receiver, name) {
                        return Some(signal);
                    }
                }
                if let Expr::Selector(base, field) = receiver.as_ref() {
                    let variable = base
                        .as_ident()
                        .filter(|_| field == "Header" && HEADER_METHODS.contains(&name.as_str()));
                    if let Some(signal) =
                        variable.and_then(|v| self.request_header(facts, call, v, name))
                    {
                        return Some(signal);
                    }
                }
                if self.is_observability(name) {
                    return None;
                }
                if name == "ServeHTTP" {
                    return Some(Signal {
                        area: Area::Network,
                        what: format!("serves requests through `{}`", written(&call.callee)),
                    });
                }
                self.method_on_typed_value(facts, dir, call, receiver, name, io_only)
                    .or_else(|| {
                        // A request built from a client, step by step
                        // (`s.kube.AppsV1().Deployments(ns).Get(...)`): the client's call.
                        // Not through the repository's own types: the chain's later calls
                        // are methods of what the first returns (`c.QueryRow(q).Scan(&v)`).
                        let root = chained_from(receiver).filter(|root| {
                            self.value_type(facts, dir, call.func, root).is_none()
                        })?;
                        let signal =
                            self.method_on_typed_value(facts, dir, call, root, name, io_only)?;
                        let short_form = format!("`{}.{name}`", written(root));
                        let chain = format!("`{}`", written(&call.callee));
                        Some(Signal {
                            what: signal.what.replacen(&short_form, &chain, 1),
                            ..signal
                        })
                    })
            }
            Expr::Ident(name) => {
                // A function of this package.
                let signal = self.repository_function(dir, name, None)?;
                Some(Signal {
                    area: signal.area,
                    what: calls_then(name, &signal.what),
                })
            }
            _ => None,
        }
    }

    /// `r.HandleFunc("/path", h)`, `e.GET("/path", h)`, `mux.Handle("GET /x", h)`.
    fn route(&self, call: &Call, name: &str) -> Option<Signal> {
        // A local helper spelled like a router method (`aH.handleFunc(router, h, "/x")`)
        // registers routes too.
        if !crate::go::routes::is_register_method(name, true) {
            return None;
        }
        let pattern = call.args.iter().find_map(|a| match a {
            Expr::Str(s) if is_route_pattern(s) => Some(s),
            _ => None,
        })?;
        Some(Signal {
            area: Area::Network,
            what: format!("registers the route `{pattern}`"),
        })
    }

    /// `w.WriteHeader(...)`, `w.Write(...)`, `w.Header().Set(...)` on the ResponseWriter of the
    /// enclosing handler.
    fn handler_write(
        &self,
        facts: &Facts,
        call: &Call,
        receiver: &Expr,
        name: &str,
    ) -> Option<Signal> {
        let writer = match receiver {
            Expr::Ident(w) if WRITER_METHODS.contains(&name) => w,
            Expr::Call { callee, .. } if HEADER_METHODS.contains(&name) => match callee.as_ref() {
                Expr::Selector(w, header) if header == "Header" => w.as_ident()?,
                _ => return None,
            },
            // A wrapper of the response (`w.ResponseWriter.WriteHeader(code)` in a type that
            // embeds `http.ResponseWriter`) writes the response too.
            Expr::Selector(base, field)
                if field == "ResponseWriter"
                    && WRITER_METHODS.contains(&name)
                    && facts.imports.iter().any(|i| i.path == "net/http") =>
            {
                return Some(Signal {
                    area: Area::Network,
                    what: format!("writes the response through `{}.{name}`", written(receiver)),
                })
                .filter(|_| base.as_ident().is_some());
            }
            _ => return None,
        };
        let mut scope = call.func;
        while let Some(index) = scope {
            let func = facts.funcs.get(index)?;
            let is_writer = func
                .params
                .iter()
                .zip(&func.param_names)
                .any(|(ty, param)| {
                    param == writer
                        && matches!(ty, TypeRef::Named { package: Some(p), name, pointer: false }
                        if name == "ResponseWriter" && facts.import_path_of(p) == Some("net/http"))
                });
            if is_writer || (scope == call.func && asserted_writer(facts, scope, writer)) {
                return Some(Signal {
                    area: Area::Network,
                    what: format!(
                        "changes what `{}` writes (`{writer}.{}{name}`)",
                        func.display_name(),
                        if matches!(receiver, Expr::Call { .. }) {
                            "Header()."
                        } else {
                            ""
                        }
                    ),
                });
            }
            scope = func.enclosing;
        }
        None
    }

    /// `s.db.Query(...)` (a field of the receiver typed by a network or storage package),
    /// `f.Sync()` (a file opened in the same function), `client.Do(...)` (a variable made by
    /// such a package), `s.flush()` (a method of this package that does I/O).
    #[allow(clippy::too_many_arguments)]
    fn method_on_typed_value(
        &self,
        facts: &Facts,
        dir: &str,
        call: &Call,
        receiver: &Expr,
        name: &str,
        io_only: bool,
    ) -> Option<Signal> {
        let table = &self.data.troubleshooting;
        match receiver {
            Expr::Selector(base, field) => {
                // `s.db.Exec`, or deeper through fields of the repository's types
                // (`o.fs.srv.CallJSON`).
                let variable = &written(base);
                let (owner, owner_type) = self.value_type(facts, dir, call.func, base)?;
                let (path, type_name) = self.index.field_type(&owner, &owner_type, field)?;
                if Self::listed(&table.file_functions, path, "OpenFile")
                    && table.file_methods.iter().any(|m| m == name)
                {
                    return Some(Signal {
                        area: Area::Storage,
                        what: format!("writes a file (`{variable}.{field}.{name}`)"),
                    });
                }
                if path == "os" && type_name == "File" && FILE_HANDLE_READS.contains(&name) {
                    return Some(Signal {
                        area: Area::Storage,
                        what: format!(
                            "reads a file it keeps open at an offset (`{variable}.{field}.{name}`)"
                        ),
                    });
                }
                // A field of a type of this package or of another package of the repository:
                // I/O when that method does I/O (`p.reader.ReadAt` of the repository's own
                // file reader).
                if let Some(target) = self.repository_folder(owner, path) {
                    if let Some(inner) = self
                        .repository_function(&target, name, Some(type_name))
                        .or_else(|| self.library_client_method(&target, type_name, name))
                    {
                        return Some(Signal {
                            area: inner.area,
                            what: calls_then(&format!("{variable}.{field}.{name}"), &inner.what),
                        });
                    }
                    if let Some(area) = self
                        .io_interface(&target, type_name, name)
                        .filter(|_| !io_only)
                    {
                        let what = match area {
                            Area::Storage => "store",
                            Area::Network => "client",
                        };
                        return Some(Signal {
                            area,
                            what: format!(
                                "calls `{variable}.{field}.{name}` of the {what} `{type_name}`"
                            ),
                        });
                    }
                    return None;
                }
                let area = self.area_of(path)?;
                if !self.is_client_type(type_name) || Self::listed(&table.local_methods, path, name)
                {
                    return None;
                }
                Some(Signal {
                    area,
                    what: format!("calls `{variable}.{field}.{name}` ({})", short(path)),
                })
            }
            Expr::Ident(variable) => {
                if let Some((target, type_name)) = self.value_type(facts, dir, call.func, receiver)
                {
                    // The receiver or a value of a type of the repository (`s *Store`,
                    // `st := &store.Store{}`): its method, when that does I/O.
                    let signal = self
                        .repository_function(&target, name, Some(&type_name))
                        .or_else(|| self.library_client_method(&target, &type_name, name))
                        .or_else(|| self.embedded_client(facts, &target, &type_name, name))?;
                    return Some(Signal {
                        area: signal.area,
                        what: calls_then(&format!("{variable}.{name}"), &signal.what),
                    });
                }
                if let Some((package, type_name)) = parameter_type(facts, call.func, variable) {
                    // An iterator or value handed in is not a client the function drives; a
                    // client, server or connection handed in is (`srv.Shutdown(ctx)` of a
                    // `srv *http.Server` parameter).
                    if io_only && !self.is_client_type(&type_name) {
                        return None;
                    }
                    let path = facts.import_path_of(&package)?;
                    let area = self.area_of(path)?;
                    if Self::listed(&table.value_types, path, &type_name)
                        || Self::listed(&table.local_methods, path, name)
                    {
                        return None;
                    }
                    return Some(Signal {
                        area,
                        what: format!(
                            "calls `{variable}.{name}` on a `{}.{type_name}`",
                            short(path)
                        ),
                    });
                }
                let binding = facts.unique_binding(variable, call.func)?;
                let built = match &binding.value {
                    Expr::AddrOf(inner) => inner.as_ref(),
                    value => value,
                };
                if let Expr::Composite(_) = built {
                    return None;
                }
                let Expr::Call { callee, args } = &binding.value else {
                    return None;
                };
                if let Expr::Ident(function) = callee.as_ref() {
                    let (path, type_name) = self.made_client(facts, dir, function, args)?;
                    return Some(Signal {
                        area: self.area_of(&path)?,
                        what: format!(
                            "calls `{variable}.{name}` on the `{}.{type_name}` that `{function}` makes",
                            short(&path)
                        ),
                    });
                }
                let Expr::Selector(package, constructor) = callee.as_ref() else {
                    return None;
                };
                if package.as_ident().is_none() {
                    return self.opened_value(facts, dir, binding, callee, variable, name);
                }
                let path = facts.import_path_of(package.as_ident()?)?;
                if Self::listed(&table.file_functions, path, constructor)
                    && table.file_methods.iter().any(|m| m == name)
                {
                    return Some(Signal {
                        area: Area::Storage,
                        what: format!("writes a file (`{variable}.{name}`)"),
                    });
                }
                let area = self.library_area_of(path)?;
                if Self::listed(&table.pure_functions, path, constructor) {
                    return None;
                }
                Some(Signal {
                    area,
                    what: format!("calls `{variable}.{name}` on a {} value", short(path)),
                })
            }
            _ => None,
        }
    }

    /// The import path and name of the client type of a network or storage library that
    /// `function(args)` makes: `new(dns.Client)`, or a function of the package in `dir`
    /// whose first result is such a client (`func makeClient(...) (*dns.Client, error)`).
    fn made_client(
        &self,
        facts: &Facts,
        dir: &str,
        function: &str,
        args: &[Expr],
    ) -> Option<(String, String)> {
        let table = &self.data.troubleshooting;
        let client = |path: &str, type_name: &str| {
            (self.library_area_of(path).is_some()
                && self.is_client_type(type_name)
                && !Self::listed(&table.value_types, path, type_name))
            .then(|| (path.to_string(), type_name.to_string()))
        };
        if function == "new" {
            let Some(Expr::Selector(package, type_name)) = args.first() else {
                return None;
            };
            return client(facts.import_path_of(package.as_ident()?)?, type_name);
        }
        self.index.package_files(dir).find_map(|file| {
            let made = file.facts.funcs.iter().find_map(|f| {
                let declared = matches!(&f.kind, FuncKind::Function { name } if name == function);
                match f.results.first() {
                    Some(TypeRef::Named {
                        package: Some(package),
                        name,
                        ..
                    }) if declared => Some((package, name)),
                    _ => None,
                }
            });
            let (package, type_name) = made?;
            client(file.facts.import_path_of(package)?, type_name)
        })
    }

    /// `tx.Exec(...)` on `tx, err := a.db.Begin()`: a transaction, connection or session that
    /// a call doing I/O opened, by the opener's last word; its methods reach the same server
    /// or store (rows and results read from it are values, not such openers).
    fn opened_value(
        &self,
        facts: &Facts,
        dir: &str,
        binding: &crate::go::Binding,
        callee: &Expr,
        variable: &str,
        name: &str,
    ) -> Option<Signal> {
        let Expr::Selector(_, opener) = callee else {
            return None;
        };
        let last = super::settings::last_word(opener)?;
        if !OPENER_WORDS.contains(&last.as_str()) {
            return None;
        }
        let call = facts
            .calls
            .iter()
            .find(|c| c.span.start_row == binding.row && &c.callee == callee)?;
        let inner = self.call_of(facts, dir, call, true)?;
        Some(Signal {
            area: inner.area,
            what: format!(
                "calls `{variable}.{name}` on what `{}` opened",
                written(callee)
            ),
        })
    }

    /// `req.Header.Set(...)` on a request the function builds with `http.NewRequest...`: what
    /// it sends changes (authentication, content type, tracing of the call).
    fn request_header(
        &self,
        facts: &Facts,
        call: &Call,
        variable: &str,
        name: &str,
    ) -> Option<Signal> {
        let binding = facts.unique_binding(variable, call.func)?;
        let Expr::Call { callee, .. } = &binding.value else {
            return None;
        };
        let Expr::Selector(package, constructor) = callee.as_ref() else {
            return None;
        };
        let path = package_path(facts, package.as_ident()?, call)?;
        (path == "net/http" && constructor.starts_with("NewRequest")).then(|| Signal {
            area: Area::Network,
            what: format!(
                "changes the headers of the request it sends (`{variable}.Header.{name}`)"
            ),
        })
    }

    /// The repository folder and name of the type of a variable or field chain (`s`,
    /// `o.fs`) when that is a type of the repository's own code.
    fn value_type(
        &self,
        facts: &Facts,
        dir: &str,
        func: Option<usize>,
        value: &Expr,
    ) -> Option<(String, String)> {
        match value {
            Expr::Ident(variable) => match receiver_type_of(facts, func, variable) {
                Some(receiver_type) => Some((dir.to_string(), receiver_type)),
                None => self.own_type_of(facts, dir, func, variable),
            },
            Expr::Selector(base, field) => {
                let (owner, owner_type) = self.value_type(facts, dir, func, base)?;
                let (path, type_name) = self.index.field_type(&owner, &owner_type, field)?;
                let folder = self.repository_folder(owner, path)?;
                Some((folder, type_name.to_string()))
            }
            _ => None,
        }
    }

    /// The folder of a type imported from `path` (`""`: of the package in `owner`, the folder
    /// that uses it) when it is code of the repository: this package, or another package of
    /// the repository that no library area lists.
    fn repository_folder(&self, owner: String, path: &str) -> Option<String> {
        match path {
            "" => Some(owner),
            _ if self.area_of(path).is_none() => self.index.modules.folder_of(path),
            _ => None,
        }
    }

    /// The repository folder and name of the type of `variable` when that is a type of the
    /// repository's own code: a parameter typed `T`, `*T` or `pkg.T` of a repository package,
    /// or a local built as `T{...}` or `&pkg.T{...}`.
    fn own_type_of(
        &self,
        facts: &Facts,
        dir: &str,
        func: Option<usize>,
        variable: &str,
    ) -> Option<(String, String)> {
        let named = |package: Option<&str>, name: &str| -> Option<(String, String)> {
            match package {
                None => Some((dir.to_string(), name.to_string())),
                Some(package) => {
                    let path = facts.import_path_of(package)?;
                    if self.area_of(path).is_some() {
                        return None;
                    }
                    let folder = self.index.modules.folder_of(path)?;
                    Some((folder, name.to_string()))
                }
            }
        };
        let mut scope = func;
        while let Some(i) = scope {
            let f = facts.funcs.get(i)?;
            if let Some(at) = f.param_names.iter().position(|n| n == variable) {
                return match f.params.get(at)? {
                    TypeRef::Named { package, name, .. } => named(package.as_deref(), name),
                    TypeRef::Other => None,
                };
            }
            scope = f.enclosing;
        }
        let binding = facts.unique_binding(variable, func)?;
        let built = match &binding.value {
            Expr::AddrOf(inner) => inner.as_ref(),
            value => value,
        };
        let Expr::Composite(composite) = built else {
            return None;
        };
        match composite.type_name.as_deref()? {
            Expr::Ident(name) => named(None, name),
            Expr::Selector(package, name) => named(Some(package.as_ident()?), name),
            _ => None,
        }
    }

    /// Whether the function `name` (`method` is `None`) or the method `name` of the type
    /// `method` of the repository package in `dir` does I/O, directly or through other
    /// functions of loaded packages; memoized, cycles cut. A type that declares no such method
    /// (an interface, a type that embeds the one that does) stands for every method of that
    /// name in the package.
    fn repository_function(&self, dir: &str, name: &str, method: Option<&str>) -> Option<Signal> {
        if self.depth.get() >= FOLLOWED_CALLS {
            return None;
        }
        let receiver = method.filter(|type_name| {
            self.index.package_files(dir).any(|file| {
                file.facts.funcs.iter().any(|func| {
                    matches!(&func.kind, FuncKind::Method { receiver, name: n }
                        if receiver == type_name && n == name)
                })
            })
        });
        let key_name = match receiver {
            Some(type_name) => format!("{type_name}.{name}"),
            None => name.to_string(),
        };
        let key = (key_name, method.is_some(), self.depth.get());
        if let Some(known) = self
            .io_functions
            .borrow()
            .get(dir)
            .and_then(|functions| functions.get(&key))
        {
            return known.clone();
        }
        // Assume no I/O while looking, so that recursion ends.
        self.io_functions
            .borrow_mut()
            .entry(dir.to_string())
            .or_default()
            .insert(key.clone(), None);
        let mut found = None;
        let mut seen = HashSet::new();
        self.depth.set(self.depth.get() + 1);
        'files: for file in self.index.package_files(dir) {
            let Some(with_body) = self.index.facts_with_bodies(file, &[name]) else {
                continue;
            };
            let facts: &Facts = &with_body;
            for (index, func) in facts.funcs.iter().enumerate() {
                // A plain call names a function (or a builtin such as `delete`), never a method.
                let kind_matches = match (&func.kind, method) {
                    (FuncKind::Method { receiver: of, .. }, Some(_)) => {
                        receiver.is_none_or(|type_name| of == type_name)
                    }
                    (FuncKind::Method { .. }, None) => false,
                    (_, method) => method.is_none(),
                };
                if func.name() != Some(name)
                    || !kind_matches
                    || !seen.insert((file.rel.as_str(), index))
                {
                    continue;
                }
                let in_body = |call: &&Call| facts.is_within(call.func, index);
                for call in facts.calls.iter().filter(in_body) {
                    if let Some(signal) = self.call_of(facts, dir, call, true) {
                        found = Some(signal);
                        break 'files;
                    }
                }
            }
        }
        self.depth.set(self.depth.get() - 1);
        self.io_functions
            .borrow_mut()
            .entry(dir.to_string())
            .or_default()
            .insert(key, found.clone());
        found
    }
}

/// SQL keywords that a query written in capitals shows, two of them at least.
const SQL_KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "JOIN",
    "INSERT",
    "INTO",
    "VALUES",
    "UPDATE",
    "DELETE",
    "RETURNING",
    "UNION",
    "HAVING",
    "CREATE",
    "ALTER",
    "DROP",
    "TABLE",
    "INDEX",
];

/// The verbs a query starts with, and a word it then needs (`delete from ...`).
const SQL_STATEMENTS: &[(&str, &str)] = &[
    ("select", "from"),
    ("insert", "into"),
    ("update", "set"),
    ("delete", "from"),
    ("create", "table"),
    ("create", "index"),
    ("alter", "table"),
    ("drop", "table"),
    ("with", "select"),
];

/// Whether a string literal (quotes included) reads as SQL or a piece of it: two distinct
/// keywords in capitals (`LEFT OUTER JOIN c USING (oid) WHERE ...`), or a statement verb
/// first and its companion word after it (`select id from users`).
fn reads_as_sql(literal: &str) -> bool {
    let words: Vec<&str> = literal
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let capitals: HashSet<&str> = words
        .iter()
        .copied()
        .filter(|w| SQL_KEYWORDS.contains(w))
        .collect();
    if capitals.len() >= 2 {
        return true;
    }
    let Some(first) = words.first().map(|w| w.to_ascii_lowercase()) else {
        return false;
    };
    SQL_STATEMENTS.iter().any(|(verb, companion)| {
        first == *verb && words[1..].iter().any(|w| w.eq_ignore_ascii_case(companion))
    })
}

/// HTTP request methods, as a request's `Method` is written.
const HTTP_METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE",
];

/// A changed element of a composite literal that describes an HTTP request, a route or a
/// client library's request options: one whose `Method` is an HTTP method (`rest.Opts{Method:
/// "POST", Body: in}`, `http.Request{Method: http.MethodGet, ...}`). What is sent, or which
/// requests are answered, changes.
fn request_literal(
    file: &FileView,
    composite: &crate::go::CompositeSite,
    row: usize,
) -> Option<Signal> {
    if !composite.keys.iter().any(|k| k == "Method") {
        return None;
    }
    let text = file.lines.text();
    let tokens = crate::go::tokens::tokens(text, composite.span.start, composite.span.end);
    let word = |i: usize| tokens.get(i).map(|t| &text[t.start..t.end]);
    let mut depth = 0usize;
    let method = (0..tokens.len()).find_map(|i| {
        match word(i)? {
            b"{" | b"(" | b"[" => depth += 1,
            b"}" | b")" | b"]" => depth = depth.saturating_sub(1),
            b"Method" if depth == 1 && word(i + 1) == Some(b":") => {
                let value = std::str::from_utf8(word(i + 2)?).ok()?;
                let quoted = value.trim_matches(|c| c == '"' || c == '`');
                if HTTP_METHODS.contains(&quoted) && quoted.len() + 2 == value.len() {
                    return Some(quoted.to_string());
                }
                let constant = std::str::from_utf8(word(i + 4)?).ok()?;
                let package = std::str::from_utf8(word(i + 2)?).ok()?;
                let is_http = word(i + 3) == Some(b".")
                    && file.facts.import_path_of(package) == Some("net/http");
                let name = constant.strip_prefix("Method")?;
                return (is_http && HTTP_METHODS.contains(&name.to_ascii_uppercase().as_str()))
                    .then(|| name.to_ascii_uppercase());
            }
            _ => {}
        }
        None
    })?;
    let key = key_on_row(file, row)
        .map(|k| format!("the `{k}` of the"))
        .unwrap_or_else(|| "the".to_string());
    let type_name = composite
        .type_name
        .as_ref()
        .map(written)
        .filter(|t| !t.contains('…'))
        .map(|t| format!(" (`{t}`)"))
        .unwrap_or_default();
    Some(Signal {
        area: Area::Network,
        what: format!("changes {key} {method} request it describes{type_name}"),
    })
}

/// An added or removed bare `return` in a handler, before a later line that writes the
/// response or hands the ResponseWriter on (`http.Error(w, ...)` then `return`, where the code
/// after it writes another answer): what the handler answers changes.
fn stops_handler(file: &FileView, row: usize, tokens: &[Token]) -> Option<Signal> {
    let text = file.lines.text();
    if tokens.len() != 1 || &text[tokens[0].start..tokens[0].end] != b"return" {
        return None;
    }
    let facts = file.facts;
    let func = innermost_function(facts, row)?;
    let writer = facts.funcs[func]
        .params
        .iter()
        .zip(&facts.funcs[func].param_names)
        .find_map(|(ty, param)| {
            matches!(ty, TypeRef::Named { package: Some(p), name, pointer: false }
                if name == "ResponseWriter" && facts.import_path_of(p) == Some("net/http"))
            .then_some(param.as_str())
        })?;
    let uses_writer = |expr: &Expr| matches!(expr, Expr::Ident(w) if w == writer);
    let later = facts.calls.iter().find(|call| {
        call.span.start_row > row
            && facts.is_within(call.func, func)
            && (call.args.iter().any(uses_writer)
                || matches!(&call.callee, Expr::Selector(receiver, name)
                    if uses_writer(receiver) && WRITER_METHODS.contains(&name.as_str())))
    })?;
    Some(Signal {
        area: Area::Network,
        what: format!(
            "changes where `{}` stops answering, before `{}` writes to `{writer}`",
            facts.funcs[func].display_name(),
            written(&later.callee)
        ),
    })
}

/// `return nil, err` added or removed in a function that reads an HTTP request (`r
/// *http.Request`) and returns an error: which requests it rejects, and so what the client
/// is answered, changes.
fn rejects_request(file: &FileView, row: usize, tokens: &[Token]) -> Option<Signal> {
    let text = file.lines.text();
    let word = |t: &Token| &text[t.start..t.end];
    let (first, last) = (tokens.first()?, tokens.last()?);
    if word(first) != b"return" || tokens.len() < 2 || word(last) == b"nil" {
        return None;
    }
    // The error returned is the last value: after the last top-level comma.
    let mut depth = 0i32;
    let mut from = 1;
    let mut values = 1;
    for (i, token) in tokens.iter().enumerate().skip(1) {
        match word(token) {
            b"(" | b"[" | b"{" => depth += 1,
            b")" | b"]" | b"}" => depth -= 1,
            b"," if depth == 0 => {
                from = i + 1;
                values += 1;
            }
            _ => {}
        }
    }
    if from >= tokens.len() || depth != 0 {
        return None;
    }
    let facts = file.facts;
    let index = innermost_function(facts, row)?;
    let func = &facts.funcs[index];
    // One value per result: `return call(r)` hands on what another function answers.
    let returns_error = values == func.results.len()
        && matches!(func.results.last(),
            Some(TypeRef::Named { package: None, name, .. }) if name == "error");
    let request = func.params.iter().any(|ty| {
        matches!(ty, TypeRef::Named { package: Some(p), name, pointer: true }
            if name == "Request" && facts.import_path_of(p) == Some("net/http"))
    });
    (returns_error && request).then(|| Signal {
        area: Area::Network,
        what: format!(
            "changes which requests `{}` rejects (`{}`)",
            func.display_name(),
            String::from_utf8_lossy(&text[tokens[from].start..last.end])
        ),
    })
}

/// Whether `variable` is a ResponseWriter taken out of another value by a type assertion
/// (`w := v.Interface().(http.ResponseWriter)`, as middleware of injecting frameworks does).
fn asserted_writer(facts: &Facts, func: Option<usize>, variable: &str) -> bool {
    let mut scope = func;
    loop {
        let found = facts
            .asserted
            .iter()
            .find(|(name, f, _)| name == variable && *f == scope);
        if let Some((_, _, type_name)) = found {
            return matches!(type_name, Expr::Selector(package, name)
                if name == "ResponseWriter"
                    && package.as_ident().and_then(|p| facts.import_path_of(p)) == Some("net/http"));
        }
        scope = match scope {
            None => return false,
            Some(i) => facts.funcs.get(i).and_then(|f| f.enclosing),
        };
    }
}

/// The name of the `http.ResponseWriter` parameter of function `index`, a handler.
fn response_writer(facts: &Facts, index: usize) -> Option<&str> {
    let func = facts.funcs.get(index)?;
    func.params
        .iter()
        .zip(&func.param_names)
        .find(|(ty, name)| {
            !name.is_empty()
                && matches!(ty, TypeRef::Named { package: Some(p), name, pointer: false }
                    if name == "ResponseWriter" && facts.import_path_of(p) == Some("net/http"))
        })
        .map(|(_, name)| name.as_str())
}

/// Calls of handler `index` that write its response body, status or headers:
/// `w.Write(b)`, `w.Header().Set(k, v)`, `json.NewEncoder(w).Encode(v)`, `enc.Encode(v)` on
/// an encoder of `w`, and a helper handed `w` (`writeJSON(w, http.StatusOK, v)`); what they
/// are handed is the answer. An error reply (`http.Error(w, msg, code)`) is message text.
fn response_writes(facts: &Facts, index: usize) -> Vec<(&Call, Signal)> {
    let Some(writer) = response_writer(facts, index) else {
        return Vec::new();
    };
    let func = &facts.funcs[index];
    let is_writer = |e: &Expr| e.as_ident() == Some(writer);
    // `enc := json.NewEncoder(w)`: a value that writes to `w`.
    let wraps_writer =
        |e: &Expr| matches!(e, Expr::Call { args, .. } if args.iter().any(is_writer));
    let encoders: Vec<&str> = facts
        .bindings
        .iter()
        .filter(|b| facts.is_within(b.func, index) && wraps_writer(&b.value))
        .map(|b| b.name.as_str())
        .collect();
    facts
        .calls
        .iter()
        .filter(|call| facts.is_within(call.func, index))
        .filter(|call| {
            let error_reply = matches!(&call.callee,
                Expr::Selector(_, name) | Expr::Ident(name)
                    if name.to_ascii_lowercase().contains("error"));
            let writes = match &call.callee {
                Expr::Selector(receiver, name) => match receiver.as_ref() {
                    Expr::Ident(r) if r == writer => WRITER_METHODS.contains(&name.as_str()),
                    Expr::Ident(r) => encoders.contains(&r.as_str()),
                    Expr::Call { callee, args } => {
                        args.iter().any(is_writer)
                            || matches!(callee.as_ref(), Expr::Selector(w, h)
                                if h == "Header" && is_writer(w))
                    }
                    _ => false,
                },
                _ => false,
            };
            !error_reply && (writes || call.args.iter().any(is_writer))
        })
        .map(|call| {
            (
                call,
                Signal {
                    area: Area::Network,
                    what: format!("writes its response through `{}`", written(&call.callee)),
                },
            )
        })
        .filter(|(call, _)| call.span.start > func.span.start)
        .collect()
}

/// Functions of `context` that set a deadline.
const DEADLINE_FUNCTIONS: &[&str] = &[
    "WithTimeout",
    "WithDeadline",
    "WithTimeoutCause",
    "WithDeadlineCause",
];

/// The top-level function or method declaration whose body holds 0-based `row`.
/// The functions of package `time` that wait.
const WAITS: &[&str] = &[
    "Sleep",
    "After",
    "NewTimer",
    "AfterFunc",
    "Tick",
    "NewTicker",
];

fn enclosing_declaration(facts: &Facts, row: usize) -> Option<(usize, &crate::go::Func)> {
    facts.funcs.iter().enumerate().find(|(_, f)| {
        f.enclosing.is_none()
            && !matches!(f.kind, FuncKind::Literal)
            && f.span.start_row < row
            && row < f.span.end_row
    })
}

/// The methods of the streams a function of `io` is handed that it calls, by argument
/// (`io.ReadFull(conn, buf)` reads `conn`; `io.Copy(dst, src)` writes `dst` and reads `src`).
fn stream_methods(path: &str, name: &str) -> Option<&'static [&'static str]> {
    match (path, name) {
        ("io", "ReadFull" | "ReadAll" | "ReadAtLeast") => Some(&["Read"]),
        ("io", "WriteString") => Some(&["Write"]),
        ("io", "Copy" | "CopyN" | "CopyBuffer") => Some(&["Write", "Read"]),
        _ => None,
    }
}

/// Last words of the methods that open a transaction, connection or session on a client
/// (`Begin`, `BeginTx`, `Conn`, `Acquire`, `TxPipeline`), or hand out a client of one of its
/// resources (`NewBlobClient(name)`, `Bucket(name)`, `Collection(name)`).
const OPENER_WORDS: &[&str] = &[
    "client",
    "bucket",
    "collection",
    "begin",
    "tx",
    "conn",
    "acquire",
    "session",
    "pipeline",
    "pipelined",
    "dial",
    "connect",
];

/// Last words of the names of the repository's types that front a database or store.
const STORE_TYPE_WORDS: &[&str] = &[
    "store",
    "storage",
    "database",
    "db",
    "repository",
    "repo",
    "dao",
];

/// Words of an option that hands a client a logger, tracer or meter (`rp.WithLogger(l)`,
/// `otelhttp.WithTracerProvider(tp)`): what is observed changes, not what is done.
const OBSERVABILITY_WORDS: &[&str] = &[
    "logger", "log", "logging", "tracer", "tracing", "trace", "meter", "metrics", "stats",
];

/// `WithLogger`, `SetTracerProvider` and the like.
fn configures_observability(name: &str) -> bool {
    let words = super::settings::words(name);
    matches!(words.first().map(String::as_str), Some("with" | "set"))
        && words[1..]
            .iter()
            .any(|w| OBSERVABILITY_WORDS.contains(&w.as_str()))
}

/// The innermost function (declaration or literal) whose body holds 0-based `row`.
fn innermost_function(facts: &Facts, row: usize) -> Option<usize> {
    facts
        .funcs
        .iter()
        .enumerate()
        .filter(|(_, f)| f.span.start_row < row && row <= f.span.end_row)
        .min_by_key(|(_, f)| f.span.end - f.span.start)
        .map(|(i, _)| i)
}

/// An import path without its major-version elements (`/v2`): the same library at any version.
fn unversioned(path: &str) -> String {
    path.split('/')
        .filter(|part| {
            !part
                .strip_prefix('v')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether an import path is outside the standard library: its first element is a domain.
fn outside_standard_library(path: &str) -> bool {
    path.split('/')
        .next()
        .is_some_and(|first| first.contains('.'))
}

/// The block of the header that starts at byte `start`: the offsets of its first `{` and of
/// the matching `}`, read in growing steps so that the cost is the block's size, not the
/// file's.
fn block_of(text: &[u8], start: usize) -> Option<(usize, usize)> {
    let mut step = 4 * 1024;
    let tokens = loop {
        let end = text.len().min(start + step);
        let tokens = crate::go::tokens::tokens(text, start, end);
        if end == text.len() || block_closes(text, &tokens) {
            break tokens;
        }
        step *= 4;
    };
    let mut depth = 0usize;
    let mut open = None;
    let mut close = None;
    for token in &tokens {
        match &text[token.start..token.end] {
            b"{" => {
                depth += 1;
                open.get_or_insert(token.start);
            }
            b"}" if open.is_some() => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    close = Some(token.end);
                    break;
                }
            }
            _ => {}
        }
    }
    Some((open?, close?))
}

/// Whether the first `{` of `tokens` has its matching `}` among them.
fn block_closes(text: &[u8], tokens: &[Token]) -> bool {
    let mut depth = 0usize;
    for token in tokens {
        match &text[token.start..token.end] {
            b"{" => depth += 1,
            b"}" if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// `/path` or `METHOD /path` (Go 1.22 patterns), and not, say, a MIME type `text/plain`.
fn is_route_pattern(text: &str) -> bool {
    let path = match text.split_once(' ') {
        Some((method, path)) if method.bytes().all(|b| b.is_ascii_uppercase()) => path,
        _ => text,
    };
    path.starts_with('/')
}

/// The value a chain of method calls starts from (`s.kube` of `s.kube.AppsV1().Pods(ns)`,
/// `client` of `client.CoreV1().Pods(ns)`); `None` when `receiver` is no such chain (a field
/// read between two calls, `tx.db.Index.tree.get(k)`, is the repository's own code).
fn chained_from(receiver: &Expr) -> Option<&Expr> {
    let mut link = receiver;
    loop {
        let Expr::Call { callee, .. } = link else {
            return None;
        };
        let Expr::Selector(base, _) = callee.as_ref() else {
            return None;
        };
        match base.as_ref() {
            Expr::Call { .. } => link = base,
            Expr::Ident(_) => return Some(base),
            Expr::Selector(root, _) if matches!(root.as_ref(), Expr::Ident(_)) => {
                return Some(base)
            }
            _ => return None,
        }
    }
}

/// The package name a chain of calls starts from: `promhttp` of `promhttp.Handler()`.
fn receiver_root(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Call { callee, .. } => match callee.as_ref() {
            Expr::Selector(base, _) => base.as_ident().or_else(|| receiver_root(base)),
            _ => None,
        },
        Expr::Selector(base, _) => receiver_root(base),
        _ => None,
    }
}

/// `a.b.c` as written, for messages.
fn written(expr: &Expr) -> String {
    match expr {
        Expr::Ident(name) => name.clone(),
        Expr::Selector(base, name) => format!("{}.{name}", written(base)),
        Expr::Call { callee, .. } => format!("{}(…)", written(callee)),
        _ => "…".to_string(),
    }
}

/// Calls whose string arguments are messages for people: errors, logs, HTTP error bodies.
const MESSAGE_CALLS: &[&str] = &[
    "HTTPResponseFromError",
    "FromError",
    "Convert",
    "Error",
    "Errorf",
    "New",
    "Wrap",
    "Wrapf",
    "WithMessage",
    "WithMessagef",
    "Sprintf",
    "Sprint",
    "Fprintf",
    "Log",
    "Info",
    "Infof",
    "Warn",
    "Warnf",
    "Debug",
    "Debugf",
    "Printf",
    "Println",
];

fn builds_message(call: &Call) -> bool {
    match &call.callee {
        Expr::Selector(_, name) | Expr::Ident(name) => MESSAGE_CALLS.contains(&name.as_str()),
        _ => false,
    }
}

/// The import path of package name `local` at `call`, unless a local variable shadows it.
fn package_path<'f>(facts: &'f Facts, local: &str, call: &Call) -> Option<&'f str> {
    if call.func.is_some()
        && facts
            .unique_binding(local, call.func)
            .is_some_and(|b| b.func.is_some())
    {
        return None;
    }
    facts.import_path_of(local)
}

/// The package and type of `variable` when it is a parameter of `func` or of a function
/// enclosing it, typed by an imported package.
fn parameter_type(facts: &Facts, func: Option<usize>, variable: &str) -> Option<(String, String)> {
    let mut scope = func;
    while let Some(i) = scope {
        let f = facts.funcs.get(i)?;
        if let Some(at) = f.param_names.iter().position(|n| n == variable) {
            return match f.params.get(at)? {
                TypeRef::Named {
                    package: Some(package),
                    name,
                    ..
                } => Some((package.clone(), name.clone())),
                _ => None,
            };
        }
        scope = f.enclosing;
    }
    None
}

/// The type of the method receiver `variable` of the method enclosing `func`, if it is one.
fn receiver_type_of(facts: &Facts, func: Option<usize>, variable: &str) -> Option<String> {
    let method = facts.funcs.get(facts.top_function(func)?)?;
    let FuncKind::Method { receiver, .. } = &method.kind else {
        return None;
    };
    let decl = facts
        .decls
        .iter()
        .find(|d| d.span.start <= method.span.start && method.span.end <= d.span.end)?;
    let (name, _) = decl.receiver.as_ref()?;
    (name == variable).then(|| receiver.clone())
}

fn covers(span: Span, row: usize) -> bool {
    span.start_row <= row && row <= span.end_row
}

/// Whether `row` lies in a func literal written inside `outer` (so `outer` does not own it).
fn inside_literal(literals: &[Span], outer: Span, row: usize) -> bool {
    literals.iter().any(|l| {
        outer.start <= l.start && l.end <= outer.end && covers(*l, row) && l.start_row < row
    })
}

/// What the hunk around a changed line tells.
pub struct HunkContext<'a> {
    /// Only the contents of strings changed: calls that merely build or report a message do
    /// not count then.
    pub text_only: bool,
    /// This side's rows of the hunk (0-based, inclusive).
    pub rows: (usize, usize),
    /// The other side's code of the hunk, tokens joined by single spaces, padded.
    pub other_side: &'a str,
}

/// Whether the other side of the hunk calls the deadline function `name` with the deadline
/// (second argument) of `call`, the call's code as [`span_text`] writes it.
fn same_deadline(call: &str, name: &str, other_side: &str) -> bool {
    let Some(open) = call.find(&format!(" {name} ( ")) else {
        return false;
    };
    let arguments = &call[open + name.len() + 4..];
    let mut depth = 0usize;
    let mut starts = vec![0];
    let mut end = arguments.len();
    for (at, token) in arguments.match_indices(|c| "()[]{},".contains(c)) {
        match token {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" if depth == 0 => {
                end = at;
                break;
            }
            ")" | "]" | "}" => depth -= 1,
            _ if depth == 0 => starts.push(at + 1),
            _ => {}
        }
    }
    let Some(&start) = starts.get(1) else {
        return false;
    };
    let stop = starts.get(2).map_or(end, |&next| next - 1);
    let deadline = arguments[start..stop].trim();
    !deadline.is_empty()
        && other_side.contains(&format!(" {name} ( "))
        && [")", ","]
            .iter()
            .any(|after| other_side.contains(&format!(", {deadline} {after}")))
}

/// The code of `span`, tokens joined by single spaces, padded like `HunkContext::other_side`.
fn span_text(file: &FileView, span: Span) -> String {
    let text = file.lines.text();
    let mut out = String::from(" ");
    let tokens = crate::go::tokens::tokens(text, span.start, span.end);
    super::hunks::push_all_comparable(&mut out, text, &tokens);
    out
}

/// A version of a file: its facts and lines.
pub struct FileView<'a> {
    pub facts: &'a Facts,
    pub lines: &'a LineIndex<'a>,
    /// The file is new in the change: its imports serve its code, which is judged itself.
    pub added: bool,
    /// The rows (0-based) where a metric is declared (a constructor or a metric builder's
    /// call): what such a row assigns is a metric, never a setting.
    pub metric_rows: BTreeSet<usize>,
}

/// What a changed `http.Error(w, message, status)` changes, told from the other side of the
/// hunk when that side answers through the same writer too.
enum ErrorAnswer {
    /// Only the error's text (`"not found"` → `fmt.Sprintf("item %q not found", id)`): no one
    /// is paged for its wording.
    TextOnly,
    /// The status, written as in the code (`http.StatusGone`).
    Status(String),
}

fn error_answer(file: &FileView, call: &Call, other_side: &str) -> Option<ErrorAnswer> {
    let Expr::Selector(package, name) = &call.callee else {
        return None;
    };
    let is_http = package
        .as_ident()
        .is_some_and(|p| file.facts.import_path_of(p) == Some("net/http"));
    if !is_http || name != "Error" {
        return None;
    }
    let text = file.lines.text();
    let tokens = crate::go::tokens::tokens(text, call.span.start, call.span.end);
    let arguments = call_arguments(text, &tokens);
    let [writer, _, status] = arguments.as_slice() else {
        return None;
    };
    let written = |tokens: &[Token]| {
        let mut out = String::new();
        super::hunks::push_all_comparable(&mut out, text, tokens);
        out
    };
    let package = written(&tokens[..1]);
    if !other_side.contains(&format!(" {package}. Error ( {}, ", written(writer))) {
        return None;
    }
    match other_side.contains(&format!(", {}) ", written(status))) {
        true => Some(ErrorAnswer::TextOnly),
        false => {
            let code = &text[status.first()?.start..status.last()?.end];
            Some(ErrorAnswer::Status(
                String::from_utf8_lossy(code).into_owned(),
            ))
        }
    }
}

/// The arguments of a call from its tokens (`f(a, g(b, c), d...)` gives `a`, `g(b, c)` and
/// `d...`): split at the commas outside brackets, between the first `(` and its match.
fn call_arguments<'t>(src: &[u8], tokens: &'t [Token]) -> Vec<&'t [Token]> {
    let text = |t: &Token| &src[t.start..t.end];
    let Some(open) = tokens.iter().position(|t| text(t) == b"(") else {
        return Vec::new();
    };
    let mut arguments = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for (i, token) in tokens.iter().enumerate().skip(open + 1) {
        match text(token) {
            b"(" | b"[" | b"{" => depth += 1,
            b")" | b"]" | b"}" if depth == 0 => {
                if start < i {
                    arguments.push(&tokens[start..i]);
                }
                break;
            }
            b")" | b"]" | b"}" => depth -= 1,
            b"," if depth == 0 => {
                arguments.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    arguments
}

/// The struct type whose declaration holds 0-based `row` (a field's line), in a top-level
/// type declaration: see [`crate::go::skeleton::enclosing_struct`].
fn record_of_row(file: &FileView, row: usize) -> Option<String> {
    let (_, decl) = file.facts.decl_at(row)?;
    let text = file.lines.text();
    let opens_type = line_text(file, decl.span.start_row)?
        .trim_start()
        .starts_with("type");
    if !opens_type {
        return None;
    }
    let line_start = file.lines.line_start(row + 1)?;
    crate::go::skeleton::enclosing_struct(text, line_start)
}

/// Where an encoding call puts what it encodes.
enum Encoding {
    /// Into bytes it returns (`b, err := json.Marshal(r)`): the variable that holds them.
    Bytes(Option<String>),
    /// Into a stream (`json.NewEncoder(f).Encode(r)`): the stream's variable, when the call
    /// names the encoder's constructor.
    Stream(Option<String>),
}

/// What `call` of `src` encodes into, when it encodes a value: an encoding package's
/// `Marshal` or `MarshalIndent`, or `Encode` on an encoder.
fn encoding(src: &[u8], facts: &Facts, call: &Call, packages: &[String]) -> Option<Encoding> {
    let Expr::Selector(receiver, name) = &call.callee else {
        return None;
    };
    let of_encoding_package = receiver
        .as_ident()
        .and_then(|p| facts.import_path_of(p))
        .is_some_and(|path| packages.iter().any(|p| p == path));
    match name.as_str() {
        "Marshal" | "MarshalIndent" if of_encoding_package => {
            let line_start = src[..call.span.start]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |at| at + 1);
            let tokens = crate::go::tokens::tokens(src, line_start, call.span.start);
            let statement = flow::statement(src, &tokens);
            let bytes = statement
                .defined
                .first()
                .filter(|path| path.len() == 1)
                .map(|path| path[0].clone());
            Some(Encoding::Bytes(bytes))
        }
        "Encode" if !call.args.is_empty() => {
            let stream = match receiver.as_ref() {
                Expr::Call { callee, args } => match (callee.as_ref(), args.as_slice()) {
                    (Expr::Selector(_, constructor), [stream]) if constructor == "NewEncoder" => {
                        stream
                            .as_ident()
                            .or_else(|| receiver_root(stream))
                            .map(str::to_string)
                    }
                    _ => None,
                },
                _ => None,
            };
            Some(Encoding::Stream(stream))
        }
        _ => None,
    }
}

/// Whether `func` of `src` names the package's type `name` in its parameters, results or
/// body (`Record{`, `var r Record`, `[]Record`), not another package's (`api.Record`); a
/// method's receiver does not count.
fn names_type(src: &[u8], func: &crate::go::Func, name: &str) -> bool {
    // Most functions of a package never spell the name: they are not tokenized.
    let text = src.get(func.span.start..func.span.end).unwrap_or_default();
    if memchr::memmem::find(text, name.as_bytes()).is_none() {
        return false;
    }
    let mut tokens = crate::go::tokens::tokens(src, func.span.start, func.span.end);
    if matches!(func.kind, FuncKind::Method { .. }) {
        let receiver_end = tokens.iter().position(|t| t.text(src) == b")");
        tokens.drain(..receiver_end.map_or(0, |at| at + 1));
    }
    tokens.iter().enumerate().any(|(i, token)| {
        token.kind == TokenKind::Ident
            && token.text(src) == name.as_bytes()
            && (i == 0 || tokens[i - 1].text(src) != b".")
    })
}

/// The text of 0-based `row`, when it is UTF-8.
fn line_text<'s>(file: &FileView<'s>, row: usize) -> Option<&'s str> {
    std::str::from_utf8(file.lines.line_text(row + 1)).ok()
}

/// The key of a keyed element written on `row` (`Timeout` in `Timeout: 5 * time.Second,`).
/// The keys of the keyed elements on `row` whose element (`ReadTimeout: 5 * time.Second`) the
/// other side of the hunk does not hold, each in backquotes: what a literal written on one
/// line changes.
fn changed_keys_on_row(
    file: &FileView,
    row: usize,
    literal: Span,
    other_side: &str,
) -> Vec<String> {
    let text = file.lines.text();
    let tokens = crate::go::tokens::line_tokens(text, file.lines, row + 1);
    let word = |i: usize| tokens.get(i).map(|t| t.text(text));
    // The literal's own elements: those nested in its values are another value's. A row
    // inside a literal written over several lines starts among its elements.
    let multiline = tokens.first().is_some_and(|t| t.start > literal.start);
    let mut depth_in_literal = Vec::with_capacity(tokens.len());
    let mut depth = isize::from(multiline);
    let mut inside = multiline;
    for token in &tokens {
        let within = literal.start <= token.start && token.end <= literal.end;
        if within && !inside && token.text(text) == b"{" {
            inside = true;
            depth = 0;
        }
        depth_in_literal.push(within && inside && depth == 1);
        match token.text(text) {
            b"(" | b"[" | b"{" => depth += 1,
            b")" | b"]" | b"}" => depth -= 1,
            _ => {}
        }
    }
    let mut keys = Vec::new();
    for i in 0..tokens.len() {
        let is_key = depth_in_literal[i]
            && tokens[i].kind == TokenKind::Ident
            && word(i + 1) == Some(b":")
            && crate::go::tokens::is_member(text, &tokens, i);
        if !is_key {
            continue;
        }
        let mut element = String::from(" ");
        let mut depth = 0usize;
        for (j, &token) in tokens.iter().enumerate().skip(i) {
            match token.text(text) {
                b"(" | b"[" | b"{" => depth += 1,
                b")" | b"]" | b"}" if depth == 0 => break,
                b")" | b"]" | b"}" => depth -= 1,
                b"," if depth == 0 && j > i => break,
                _ => {}
            }
            super::hunks::push_comparable(&mut element, text, token);
        }
        if !other_side.contains(&element) {
            keys.push(String::from_utf8_lossy(tokens[i].text(text)).into_owned());
        }
    }
    keys
}

fn key_on_row(file: &FileView, row: usize) -> Option<String> {
    let text = line_text(file, row)?.trim_start();
    let (key, _) = text.split_once(':')?;
    let key = key.trim();
    (!key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then(|| key.to_string())
}

/// The calls, composite literals and func literals whose spans cover one row, outermost first
/// (indices into the facts' lists).
#[derive(Debug, Default, Clone)]
pub struct Covering {
    pub calls: Vec<usize>,
    pub composites: Vec<usize>,
    pub literals: Vec<usize>,
}

/// For each of `rows` (0-based, sorted), what covers it: one sweep over each list of spans,
/// so a file with many changed lines costs what its size costs.
pub fn covering(facts: &Facts, rows: &[usize]) -> Vec<Covering> {
    let calls = sweep(
        &facts.calls.iter().map(|c| c.span).collect::<Vec<_>>(),
        rows,
    );
    let composites = sweep(
        &facts.composites.iter().map(|c| c.span).collect::<Vec<_>>(),
        rows,
    );
    let literal_indices: Vec<usize> = facts
        .funcs
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.kind, FuncKind::Literal))
        .map(|(i, _)| i)
        .collect();
    let literal_spans: Vec<Span> = literal_indices
        .iter()
        .map(|&i| facts.funcs[i].span)
        .collect();
    let literals = sweep(&literal_spans, rows);
    calls
        .into_iter()
        .zip(composites)
        .zip(literals)
        .map(|((calls, composites), literals)| Covering {
            calls,
            composites,
            literals: literals.into_iter().map(|i| literal_indices[i]).collect(),
        })
        .collect()
}

/// For each row, the indices of the spans that cover it, outermost first. Spans of one kind
/// of syntax node nest or are disjoint.
fn sweep(spans: &[Span], rows: &[usize]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| (spans[i].start, std::cmp::Reverse(spans[i].end)));
    let mut out = Vec::with_capacity(rows.len());
    let mut open: Vec<usize> = Vec::new();
    let mut next = 0;
    for &row in rows {
        while next < order.len() && spans[order[next]].start_row <= row {
            let i = order[next];
            next += 1;
            if spans[i].end_row >= row {
                open.retain(|&o| spans[o].end_row >= spans[i].start_row);
                open.push(i);
            }
        }
        open.retain(|&o| spans[o].end_row >= row);
        out.push(open.clone());
    }
    out
}

/// The last element of an import path: what readers call the package.
fn short(path: &str) -> &str {
    crate::go::default_package_name(path)
}

/// "calls `callee`, which {inner}", said once when `inner` starts with the same call: a wrapper
/// that calls the method it wraps (`b.bkt.Upload` in `Upload`, layer upon layer).
fn calls_then(callee: &str, inner: &str) -> String {
    if inner.starts_with(&format!("calls `{callee}`,")) {
        inner.to_string()
    } else {
        format!("calls `{callee}`, which {inner}")
    }
}

/// A function that reads or writes a value on a byte stream it is handed and uses
/// (`writeShortstr(w io.Writer, s string)` calling `w.Write(b)`, `readLongstr(r io.Reader)`
/// calling `binary.Read(r, ...)`): in a library, its wire or disk format.
fn streams_codec(facts: &Facts, index: usize, name: &str) -> bool {
    let words = super::settings::words(name);
    let reads_or_writes = words
        .first()
        .is_some_and(|w| matches!(w.as_str(), "read" | "write"));
    if !reads_or_writes || words.len() < 2 {
        return false;
    }
    let func = &facts.funcs[index];
    let is_stream = |param: &TypeRef| {
        matches!(param, TypeRef::Named { package: Some(package), name, .. }
            if matches!(facts.import_path_of(package), Some("io" | "bufio"))
                && matches!(name.as_str(), "Reader" | "Writer" | "ReadWriter"))
    };
    let handed = |stream: &str| {
        let of_stream =
            |expr: &Expr| expr.as_ident() == Some(stream) || receiver_root(expr) == Some(stream);
        facts.calls.iter().any(|call| {
            facts.is_within(call.func, index)
                && (matches!(&call.callee, Expr::Selector(receiver, _) if of_stream(receiver))
                    || call.args.iter().any(of_stream))
        })
    };
    func.params
        .iter()
        .zip(&func.param_names)
        .any(|(param, stream)| is_stream(param) && !stream.is_empty() && handed(stream))
}

/// A block of a database driver that reports `driver.ErrBadConn`: database/sql then drops
/// the connection from its pool and retries the call on another, so the condition decides
/// which failures a client sees and how often it reconnects.
fn reports_bad_connection(facts: &Facts, block: &[u8]) -> Option<Signal> {
    let reported = facts.local_names("database/sql/driver").any(|local| {
        let needle = format!("{local}.ErrBadConn");
        memchr::memmem::find_iter(block, needle.as_bytes()).any(|at| {
            block
                .get(at + needle.len())
                .is_none_or(|&b| !crate::go::skeleton::is_word_byte(b))
        })
    });
    reported.then(|| Signal {
        area: Area::Storage,
        what: "reports `driver.ErrBadConn` (database/sql then drops the connection and retries on another)"
            .to_string(),
    })
}

/// What a function does with the library's messages or records, when its name says
/// (`readPacket`, `DecodeStr`, `Pick`): the weightiest role among its words.
fn wire_role(name: &str) -> Option<WireRole> {
    super::settings::words(name)
        .iter()
        .filter_map(|word| {
            WIRE_CODEC_WORDS
                .iter()
                .find(|(codec, _)| codec == word)
                .map(|&(_, role)| role)
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::is_route_pattern;

    #[test]
    fn call_arguments_split_at_the_commas_outside_brackets() {
        let src = b"batch.Create(ctx, conn, rows[i:j], opts...)\nf()\ng(h(a, b), T{x, y}, func() { k(1, 2) })";
        let args = |from: usize, to: usize| -> Vec<String> {
            let tokens = crate::go::tokens::tokens(src, from, to);
            super::call_arguments(src, &tokens)
                .iter()
                .map(|arg| {
                    let (first, last) = (arg[0].start, arg[arg.len() - 1].end);
                    String::from_utf8_lossy(&src[first..last]).into_owned()
                })
                .collect()
        };
        assert_eq!(args(0, 43), ["ctx", "conn", "rows[i:j]", "opts..."]);
        assert!(args(44, 47).is_empty());
        assert_eq!(
            args(48, src.len()),
            ["h(a, b)", "T{x, y}", "func() { k(1, 2) }"]
        );
    }

    #[test]
    fn a_wrapper_that_calls_the_method_it_wraps_is_said_once() {
        let inner = "calls `b.bkt.Upload`, which reaches the store";
        assert_eq!(super::calls_then("b.bkt.Upload", inner), inner);
        assert_eq!(
            super::calls_then("s.save", inner),
            "calls `s.save`, which calls `b.bkt.Upload`, which reaches the store"
        );
    }

    #[test]
    fn route_patterns_are_paths_not_media_types() {
        assert!(is_route_pattern("/orders"));
        assert!(is_route_pattern("GET /orders/{id}"));
        assert!(!is_route_pattern("application/json"));
        assert!(!is_route_pattern("text/plain; charset=utf-8"));
    }
}
