//! Which function bodies of a checked file are parsed: those that hold a word of an enabled
//! rule (a handler's `ResponseWriter`, a metric constructor, a suppression) or one the index
//! reads there (a registration, a call into the Prometheus client's packages). The other
//! bodies can hold nothing a rule reports or the index needs, and leaving them out is most of
//! what a big file costs to parse.

use std::collections::BTreeSet;
use std::ops::Range;

use aho_corasick::AhoCorasick;

use super::builder_calls::BuilderCalls;
use super::prefilter::Prefilter;
use crate::go::prometheus::IMPORT_NEEDLE;
use crate::go::skeleton::{function_bodies, is_whole_word, is_word_byte, word_start, FunctionBody};
use crate::index::Bodies;

/// The names besides the rules' words that put a body in: registering a metric
/// (`MustRegister`, `Register`, on any registry) decides which registry serves it.
const REGISTRATIONS: &[&[u8]] = &[b"Register", b"MustRegister"];

/// Whether a selection follows a file's metric bodies into the helpers they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Helpers {
    /// The bodies that declare, register or collect metrics are enough: the file's other
    /// declarations are read by the index's own searches.
    Unfollowed,
    /// A changed file, whose metric declarations the change rules compare in full: the
    /// functions its metric bodies name, and those these name in turn, are parsed too (a
    /// description built by a helper, a group list filled by another).
    Followed,
}

/// The bodies of `src` (the file at `rel`) to parse, with those named in `also` and those
/// that call a builder `builder_calls` searches for, and the byte ranges of the bodies left
/// out (sorted).
pub fn select(
    src: &[u8],
    prefilter: &Prefilter,
    also: &BTreeSet<String>,
    builder_calls: Option<&BuilderCalls>,
    rel: &str,
    helpers: Helpers,
) -> (Bodies, Vec<Range<usize>>) {
    let selectors = client_selectors(src);
    let calls = builder_calls.map_or_else(Vec::new, |calls| calls.in_file(rel, src));
    let bodies = function_bodies(src);
    let words = prefilter.active_words(src);
    let mut kept = also.clone();
    let mut read = BTreeSet::new();
    for body in &bodies {
        let text = &src[body.interior.clone()];
        let reads = calls.iter().any(|at| body.interior.contains(at))
            || words.mentioned_in(text)
            || registers(text)
            || selectors.iter().any(|selector| uses_client(text, selector));
        if reads {
            read.insert(body.name.clone());
        }
    }
    if helpers == Helpers::Followed && uses_client_beyond_registries(src) {
        read = named_from(src, &bodies, read);
    }
    kept.extend(read);
    // Bodies are kept by name: every method of a kept name is parsed (two receivers' `String`),
    // as later steps that ask for a name's body take it as parsed.
    let left_out: Vec<Range<usize>> = bodies
        .into_iter()
        .filter(|body| !kept.contains(&body.name))
        .map(|body| body.interior)
        .collect();
    let left_out_bytes: usize = left_out.iter().map(Range::len).sum();
    // A file left out of little is parsed whole: the parse costs little more, and no later
    // step that follows a call into one of its other bodies parses the file again.
    if left_out_bytes * MOSTLY_PARSED_SHARE <= src.len() {
        return (Bodies::All, Vec::new());
    }
    (Bodies::Of(kept), left_out)
}

/// A file whose bodies left out hold at most one byte in this many is parsed whole.
const MOSTLY_PARSED_SHARE: usize = 5;

/// `names` with the functions of `bodies` that their bodies name as a whole word (called,
/// or handed on as a value), and those these name in turn.
fn named_from(
    src: &[u8],
    bodies: &[FunctionBody],
    mut names: BTreeSet<String>,
) -> BTreeSet<String> {
    let declared: Vec<&str> = bodies
        .iter()
        .map(|body| body.name.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let Ok(searcher) = AhoCorasick::new(&declared) else {
        return names;
    };
    let mut to_read: Vec<&FunctionBody> = bodies
        .iter()
        .filter(|body| names.contains(&body.name))
        .collect();
    while let Some(body) = to_read.pop() {
        let text = &src[body.interior.clone()];
        for found in searcher.find_iter(text) {
            let name = declared[found.pattern().as_usize()];
            if is_whole_word(text, found.range()) && names.insert(name.to_string()) {
                to_read.extend(bodies.iter().filter(|b| b.name == name));
            }
        }
    }
    names
}

/// Whether `text` names `Register` or `MustRegister` as a whole word: `RegisterFlags`,
/// `RegisterModule` and `prometheus.Registerer` register no metric.
fn registers(text: &[u8]) -> bool {
    memchr::memmem::find_iter(text, b"Register").any(|at| {
        let end = at + b"Register".len();
        text.get(end).is_none_or(|&b| !is_word_byte(b))
            && REGISTRATIONS.contains(&&text[word_start(text, at)..end])
    })
}

/// The members of the Prometheus client a body can name without declaring, registering or
/// serving anything: the default registry and the interfaces a registry is passed around as.
const PASSED_ALONG: &[&[u8]] = &[
    b"DefaultRegisterer",
    b"DefaultGatherer",
    b"Registerer",
    b"Gatherer",
];

/// Whether `text` names a member of the client package `selector` (`prometheus.`) other than
/// the registries it passes along: handing `prometheus.DefaultRegisterer` to a constructor
/// declares nothing (the constructor's own body, or the builder call, is what the index reads).
fn uses_client(text: &[u8], selector: &[u8]) -> bool {
    memchr::memmem::find_iter(text, selector).any(|at| {
        let member = &text[at + selector.len()..];
        let end = member
            .iter()
            .position(|&b| !is_word_byte(b))
            .unwrap_or(member.len());
        !PASSED_ALONG.contains(&&member[..end])
    })
}

/// Whether `src` names a member of the Prometheus client other than the registries it passes
/// along (or imports it with a dot, whose names are called bare): a file that only hands
/// `prometheus.Registerer` on declares, registers and serves nothing itself.
fn uses_client_beyond_registries(src: &[u8]) -> bool {
    client_imports(src).iter().any(|import| match import {
        ClientImport::Dot => true,
        ClientImport::Named(selector) => uses_client(src, selector),
    })
}

/// `name.` for each package of the Prometheus client that `src` imports by name.
fn client_selectors(src: &[u8]) -> Vec<Vec<u8>> {
    let mut selectors = Vec::new();
    for import in client_imports(src) {
        if let ClientImport::Named(selector) = import {
            if !selectors.contains(&selector) {
                selectors.push(selector);
            }
        }
    }
    selectors
}

/// How a file imports a package of the Prometheus client.
enum ClientImport {
    /// By the name the file gives it: `prometheus.`, `promauto.`, `promhttp.`, or an alias
    /// such as `prom.`.
    Named(Vec<u8>),
    /// With a dot: its names are called bare (the rules' words find those).
    Dot,
}

/// The imports of the Prometheus client's packages in `src`; a blank import is none, as its
/// names are never called.
fn client_imports(src: &[u8]) -> Vec<ClientImport> {
    let mut imports = Vec::new();
    for at in memchr::memmem::find_iter(src, IMPORT_NEEDLE.as_bytes()) {
        let line_start = memchr::memrchr(b'\n', &src[..at]).map_or(0, |i| i + 1);
        let Some(quote) = memchr::memrchr(b'"', &src[line_start..at]).map(|i| line_start + i)
        else {
            continue;
        };
        let path_end = memchr::memchr(b'"', &src[at..]).map_or(src.len(), |i| at + i);
        // `alias "path"`, `import alias "path"` or a bare `"path"`.
        let alias = src[line_start..quote]
            .split(|b| b.is_ascii_whitespace() || *b == b'(')
            .rfind(|word| !word.is_empty())
            .filter(|word| *word != b"import")
            .unwrap_or_default();
        if alias == b"." {
            imports.push(ClientImport::Dot);
            continue;
        }
        let name = if alias.is_empty() {
            let path = &src[quote + 1..path_end];
            &path[memchr::memrchr(b'/', path).map_or(0, |i| i + 1)..]
        } else {
            alias
        };
        if !name.is_empty() && name != b"_" && name.iter().all(|&b| is_word_byte(b)) {
            let mut selector = name.to_vec();
            selector.push(b'.');
            imports.push(ClientImport::Named(selector));
        }
    }
    imports
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::data::RuleData;
    use crate::rules;

    /// The selection of `src` with the default rules, asked for nothing more.
    fn selected(src: &str, helpers: Helpers) -> (Bodies, Vec<Range<usize>>) {
        let settings = Settings::builtin(&rules::defaults());
        let prefilter = Prefilter::new(RuleData::builtin(), &settings);
        select(
            src.as_bytes(),
            &prefilter,
            &BTreeSet::new(),
            None,
            "p/p.go",
            helpers,
        )
    }

    fn kept(src: &str) -> Bodies {
        selected(src, Helpers::Unfollowed).0
    }

    fn names(list: &[&str]) -> Bodies {
        Bodies::Of(list.iter().map(|s| s.to_string()).collect())
    }

    /// A body no rule reads, big enough that leaving it out is worth a partial parse.
    fn unread_body(name: &str) -> String {
        format!("func {name}() {{\n{}}}\n", "\tstep(1, 2)\n".repeat(100))
    }

    #[test]
    fn a_file_uses_the_client_when_it_names_more_than_a_registry() {
        let file = |imports: &str, body: &str| {
            format!("package p\n\nimport (\n{imports}\n)\n\nfunc f() {{ {body} }}\n")
        };
        let plain = "\t\"github.com/prometheus/client_golang/prometheus\"";
        let passes = file(
            plain,
            "run(prometheus.DefaultRegisterer); var _ prometheus.Registerer",
        );
        assert!(!uses_client_beyond_registries(passes.as_bytes()));
        let declares = file(plain, "prometheus.NewCounter(opts)");
        assert!(uses_client_beyond_registries(declares.as_bytes()));
        let aliased = file(
            "\tprom \"github.com/prometheus/client_golang/prometheus\"",
            "prom.NewGauge(opts)",
        );
        assert!(uses_client_beyond_registries(aliased.as_bytes()));
        let dotted = file(
            "\t. \"github.com/prometheus/client_golang/prometheus\"",
            "NewGauge(opts)",
        );
        assert!(uses_client_beyond_registries(dotted.as_bytes()));
        let blank = file(
            "\t_ \"github.com/prometheus/client_golang/prometheus\"",
            "x()",
        );
        assert!(!uses_client_beyond_registries(blank.as_bytes()));
    }

    #[test]
    fn keeps_the_bodies_with_rule_words_registrations_and_client_calls() {
        let src = r#"package p

import (
	"net/http"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func metrics() { c := prom.NewCounter(prom.CounterOpts{Name: "x"}) }
func register(r Registry) { r.MustRegister(c) }
func serve() { http.Handle("/metrics", promhttp.HandlerFor(reg, opts)) }
func routes() { mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {}) }
func ignored() {
	//sre-policy:ignore metric-help -- reason
	x()
}
"#
        .to_string()
            + &unread_body("unrelated");
        assert_eq!(
            kept(&src),
            names(&["metrics", "register", "serve", "routes", "ignored"])
        );
    }

    #[test]
    fn passing_the_default_registry_along_or_registering_flags_keeps_no_body() {
        let src = r#"package p

import "github.com/prometheus/client_golang/prometheus"

func initServer(t *T) { t.server = server.New(t.cfg, prometheus.DefaultRegisterer) }
func setup(mm *Manager) { mm.RegisterModule(Server, initServer); cfg.RegisterFlags(f) }
func wrap(reg prometheus.Registerer) { r := prometheus.WrapRegistererWithPrefix("p_", reg) }
func register(r Registry) { r.Register(c) }
func mustRegister() { prometheus.DefaultRegisterer.MustRegister(c) }
"#;
        assert_eq!(kept(src), names(&["mustRegister", "register", "wrap"]));
    }

    #[test]
    fn methods_of_one_name_are_kept_together() {
        let src = "package p\nimport \"github.com/prometheus/client_golang/prometheus\"\nfunc (a A) Describe() { run() }\nfunc (b B) Describe() { prometheus.MustRegister(c) }\n".to_string()
            + &unread_body("other");
        let (bodies, left_out) = selected(&src, Helpers::Unfollowed);
        assert_eq!(bodies, names(&["Describe"]));
        assert_eq!(left_out.len(), 1);
        assert!(src[left_out[0].clone()].starts_with("\n\tstep(1, 2)"));
    }

    #[test]
    fn a_file_that_would_leave_out_a_fifth_or_less_is_parsed_whole() {
        let read =
            "package p\nimport \"github.com/prometheus/client_golang/prometheus\"\nfunc a() {\n"
                .to_string()
                + &"\tprometheus.MustRegister(c)\n".repeat(40)
                + "}\n";
        let small = format!("{read}func b() {{ step(1, 2) }}\n");
        assert_eq!(kept(&small), Bodies::All);
        let big = read + &unread_body("b");
        assert_eq!(kept(&big), names(&["a"]));
    }

    #[test]
    fn a_changed_file_follows_its_metric_bodies_into_the_helpers_they_name() {
        let src = r#"package p

import "github.com/prometheus/client_golang/prometheus"

func init() { prometheus.MustRegister(&collector{groups: usageGroups()}) }
func usageGroups() []Group { return []Group{{describe: lastActivity}} }
func lastActivity() Description { return Description{Name: "last_activity_seconds"} }
"#
        .to_string()
            + &unread_body("unrelated");
        assert_eq!(kept(&src), names(&["init"]));
        // `lastActivity` is handed on as a value, not called, by the helper `init` calls.
        assert_eq!(
            selected(&src, Helpers::Followed).0,
            names(&["init", "lastActivity", "usageGroups"])
        );
    }

    #[test]
    fn a_file_whose_every_body_is_read_is_parsed_whole() {
        let src = "package p\nimport \"github.com/prometheus/client_golang/prometheus\"\nfunc a() { prometheus.MustRegister(c) }\n";
        assert_eq!(kept(src), Bodies::All);
    }

    #[test]
    fn an_unaliased_import_gives_its_package_name_and_a_dot_import_none() {
        let src = "import (\n\t. \"github.com/prometheus/client_golang/prometheus/promauto\"\n\t\"github.com/prometheus/client_golang/prometheus\"\n)\n";
        assert_eq!(client_selectors(src.as_bytes()), [b"prometheus.".to_vec()]);
        let single =
            "import promauto \"github.com/prometheus/client_golang/prometheus/promauto\"\n";
        assert_eq!(client_selectors(single.as_bytes()), [b"promauto.".to_vec()]);
    }
}
