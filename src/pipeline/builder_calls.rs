//! Where a file calls one of the repository's metric builders, found from its bytes: such a
//! file declares metrics with no constructor of its own for the prefilter to see.

use std::collections::{BTreeSet, HashMap};

use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::data::MetricTable;
use crate::go::skeleton::{function_bodies, is_word_byte, word_start, FunctionBody};
use crate::index::metrics::BuilderName;
use crate::index::Modules;
use crate::walk::parent_dir;

/// A search for calls of some metric builders.
pub struct BuilderCalls {
    /// By name: the builders of that name.
    builders: FxHashMap<Vec<u8>, Vec<Callee>>,
}

struct Callee {
    dir: String,
    method: bool,
    /// `"import/path"` of a function's package, when a module of the repository holds it.
    quoted_import: Option<String>,
}

/// The functions of `files` (path, bytes) that may be metric builders, read from their bytes:
/// those whose bodies hold a constructor of `table` as a word of its own. A superset of the
/// builders the index finds once they are parsed (a builder passes its parameters into a
/// constructor), known before any parse, so that the bodies that call one are parsed the first
/// time.
pub fn candidates(files: &[(&str, &[u8])], table: &MetricTable) -> BTreeSet<BuilderName> {
    let mut words: Vec<&str> = table
        .constructors
        .iter()
        .chain(&table.gokit_constructors)
        .map(String::as_str)
        .collect();
    words.push("NewDesc");
    // Plain strings always build. The longest word at a place, so that `NewCounterVec` is
    // one word and `NewHistogramChunk` (a chunk encoding's) none.
    let constructors = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&words)
        .unwrap_or_else(|_| unreachable!());
    let holds_constructor = |text: &[u8]| {
        constructors.find_iter(text).any(|found| {
            word_start(text, found.end()) == found.start()
                && text.get(found.end()).is_none_or(|&b| !is_word_byte(b))
        })
    };
    files
        .par_iter()
        .filter(|(_, src)| holds_constructor(src))
        .flat_map_iter(|&(rel, src)| {
            function_bodies(src)
                .into_iter()
                .filter(|body| holds_constructor(&src[body.interior.clone()]))
                .map(move |body| BuilderName {
                    dir: parent_dir(rel).to_string(),
                    name: body.name,
                    method: body.method,
                })
        })
        .collect()
}

impl BuilderCalls {
    /// A search for calls of `builders`; `None` when there are none.
    pub fn new(builders: &BTreeSet<BuilderName>, modules: &Modules) -> Option<BuilderCalls> {
        let mut by_name: FxHashMap<Vec<u8>, Vec<Callee>> = FxHashMap::default();
        for builder in builders {
            by_name
                .entry(builder.name.as_bytes().to_vec())
                .or_default()
                .push(Callee {
                    dir: builder.dir.clone(),
                    method: builder.method,
                    quoted_import: modules
                        .import_path_of(&builder.dir)
                        .map(|path| format!("\"{path}\"")),
                });
        }
        if by_name.is_empty() {
            return None;
        }
        Some(BuilderCalls { builders: by_name })
    }

    /// The calls in `src` of a name of these builders: where each name starts, and its
    /// builders. A call is a name written right before `(`: every file that imports the client
    /// is scanned once per round of builders, and looking up the word before each `(` costs
    /// less than searching for every name.
    fn named_calls<'s>(&'s self, src: &'s [u8]) -> impl Iterator<Item = (usize, &'s [Callee])> {
        memchr::memchr_iter(b'(', src).filter_map(move |paren| {
            let start = word_start(src, paren);
            let callees = self.builders.get(&src[start..paren])?;
            Some((start, callees.as_slice()))
        })
    }

    /// Whether `src` names one of these builders followed by `(`: the cheap test before
    /// [`Self::calling_bodies`].
    pub fn mentioned(&self, src: &[u8]) -> bool {
        self.named_calls(src).next().is_some()
    }

    /// The names of the top-level functions of `src` (the file at `rel`) whose bodies call
    /// one of these builders.
    pub fn calling_bodies(&self, rel: &str, src: &[u8]) -> BTreeSet<String> {
        self.bodies_calling(rel, src)
            .into_iter()
            .map(|body| body.name)
            .collect()
    }

    /// The top-level function bodies of `src` (the file at `rel`) that call one of these
    /// builders; its bodies are not even listed when it calls none.
    fn bodies_calling(&self, rel: &str, src: &[u8]) -> Vec<FunctionBody> {
        let found = self.in_file(rel, src);
        if found.is_empty() {
            return Vec::new();
        }
        function_bodies(src)
            .into_iter()
            .filter(|body| found.iter().any(|at| body.interior.contains(at)))
            .collect()
    }

    /// The functions of `files` (path, bytes) whose bodies call one of these builders.
    pub fn callers(&self, files: &[(&str, &[u8])]) -> BTreeSet<BuilderName> {
        files
            .par_iter()
            .flat_map_iter(|&(rel, src)| {
                self.bodies_calling(rel, src)
                    .into_iter()
                    .map(move |body| BuilderName {
                        dir: parent_dir(rel).to_string(),
                        name: body.name,
                        method: body.method,
                    })
            })
            .collect()
    }

    /// The byte offsets in `src` (the file at `rel`) of calls that can reach a builder: a
    /// method's by selector, a function's by its bare name in its own package and through a
    /// selector elsewhere, in a file that imports its package.
    pub fn in_file(&self, rel: &str, src: &[u8]) -> Vec<usize> {
        let dir = parent_dir(rel);
        let mut imports: HashMap<&str, bool> = HashMap::new();
        let mut found = Vec::new();
        for (at, callees) in self.named_calls(src) {
            let before = at.checked_sub(1).map(|i| src[i]);
            let selected = before == Some(b'.');
            let bare = !selected;
            let reaches =
                callees
                    .iter()
                    .any(|callee| match (callee.method, &callee.quoted_import) {
                        (true, _) => selected,
                        (false, _) if callee.dir == dir => bare,
                        (false, None) => selected,
                        (false, Some(quoted)) => {
                            selected
                                && *imports.entry(quoted).or_insert_with(|| {
                                    memchr::memmem::find(src, quoted.as_bytes()).is_some()
                                })
                        }
                    });
            if reaches {
                found.push(at);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(dir: &str, name: &str, method: bool) -> BuilderName {
        BuilderName {
            dir: dir.to_string(),
            name: name.to_string(),
            method,
        }
    }

    fn search(builders: &[BuilderName]) -> BuilderCalls {
        let modules = Modules::new(&[(String::new(), "module example.com/app\n".to_string())]);
        BuilderCalls::new(&builders.iter().cloned().collect(), &modules).expect("builders")
    }

    #[test]
    fn a_function_is_called_bare_in_its_package_and_through_its_import_elsewhere() {
        let calls = search(&[builder("pkg/metrics", "New", false)]);
        let own = b"package metrics\nfunc f() { c := New(reg, \"x\"); e := errors.New(\"y\"); renew(c); n := New }";
        assert_eq!(calls.in_file("pkg/metrics/a.go", own).len(), 1);
        let importer =
            b"import \"example.com/app/pkg/metrics\"\nfunc f() { metrics.New(reg, \"x\") }";
        assert_eq!(calls.in_file("pkg/server/s.go", importer).len(), 1);
        // errors.New and a bare New of another package reach no builder.
        let other = b"import \"errors\"\nfunc f() { errors.New(\"x\"); New() }";
        assert!(calls.in_file("pkg/server/s.go", other).is_empty());
    }

    #[test]
    fn candidates_are_the_functions_whose_bodies_hold_a_constructor_as_a_word() {
        let src = b"package m\nfunc newCounter(name string) prometheus.Counter { return promauto.NewCounter(opts(name)) }\nfunc (f *Factory) Desc(n string) *prometheus.Desc { return prometheus.NewDesc(n, \"h\", nil, nil) }\nfunc other() { run() }\nfunc chunk() { chunkenc.NewHistogramChunk() }\nfunc vec() { promauto.NewCounterVec(o, l) }\n";
        let found = candidates(
            &[("pkg/m/m.go", src.as_slice())],
            &crate::data::RuleData::builtin().metrics,
        );
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            [
                builder("pkg/m", "Desc", true),
                builder("pkg/m", "newCounter", false),
                builder("pkg/m", "vec", false)
            ]
        );
    }

    #[test]
    fn callers_are_the_functions_whose_bodies_call_a_builder() {
        let calls = search(&[builder("pkg/metrics", "NewQueueMetrics", false)]);
        let src = b"package ingest\nimport \"example.com/app/pkg/metrics\"\nfunc newQueue(reg Registerer) *Queue { return &Queue{m: metrics.NewQueueMetrics(reg, \"ingest\")} }\nfunc (s *Service) start() { s.q = newQueue(s.reg) }\nfunc other() { metrics.Describe() }\n";
        let found = calls.callers(&[("pkg/ingest/queue.go", src.as_slice())]);
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            [builder("pkg/ingest", "newQueue", false)]
        );
    }

    #[test]
    fn a_method_is_called_through_a_selector_anywhere() {
        let calls = search(&[builder("pkg/metrics", "Counter", true)]);
        let user = b"func f(f *metrics.Factory) { f.Counter(\"x\"); NewCounter(); Counter() }";
        assert_eq!(calls.in_file("cmd/app/main.go", user).len(), 1);
    }
}
