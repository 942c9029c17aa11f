//! The byte-level prefilter: which files could produce a finding of a per-file rule, decided
//! from their bytes before any parse.
//!
//! Exact by construction: every rule needs certain words in the file. A net/http handler needs
//! the import path and the `ResponseWriter` type name; a framework handler its import path and
//! its type name; a metric the Prometheus import path and a constructor name; a suppression its
//! directive; a receiver type's annotation the `@oncall-team` tag. A file with none of these
//! combinations cannot produce a finding, so it is not parsed. The rule-fixture tests run every
//! fixture with and without the prefilter and compare.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::config::Settings;
use crate::data::RuleData;

/// The needle sets; a file is relevant when every needle of one set occurs in it.
pub struct Prefilter {
    needles: AhoCorasick,
    /// Each set lists needle indices that must all occur; `any_of` sets need only one.
    all_of: Vec<Vec<usize>>,
    /// Needle-index groups of alternatives, used as one member of an `all_of` set through a
    /// virtual index `needle_count + group`.
    any_of: Vec<Vec<usize>>,
    needle_count: usize,
}

impl Prefilter {
    pub fn new(data: &RuleData, settings: &Settings) -> Prefilter {
        let mut needles: Vec<String> = Vec::new();
        let mut index = |needle: &str| match needles.iter().position(|n| n == needle) {
            Some(i) => i,
            None => {
                needles.push(needle.to_string());
                needles.len() - 1
            }
        };
        let type_word = |type_name: &str| type_name.trim_start_matches('*').to_string();
        let mut all_of = vec![
            vec![index("net/http"), index("ResponseWriter")],
            vec![index("sre-policy:ignore")],
            vec![index("@oncall-team")],
        ];
        for framework in &data.frameworks {
            all_of.push(vec![
                index(&framework.import),
                index(&type_word(&framework.type_name)),
            ]);
        }
        for extra in &settings.extra_handlers {
            all_of.push(vec![
                index(&extra.import),
                index(&type_word(&extra.type_name)),
            ]);
        }
        let constructors: Vec<usize> = data.metrics.constructors.iter().map(|c| index(c)).collect();
        let prometheus = index("client_golang/prometheus");
        let needle_count = needles.len();
        all_of.push(vec![prometheus, needle_count]);
        // Leftmost-first, non-overlapping search is the fast one; no needle can start inside
        // another's match except a longer constructor name after a shorter one (`NewCounter`,
        // `NewCounterVec`), and either one serves. The patterns are plain strings, which
        // always build.
        let needles = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&needles)
            .unwrap_or_else(|_| unreachable!());
        Prefilter {
            needles,
            all_of,
            any_of: vec![constructors],
            needle_count,
        }
    }

    /// Whether `src` could produce a finding of a per-file rule.
    pub fn is_relevant(&self, src: &[u8]) -> bool {
        let mut seen = vec![false; self.needle_count + self.any_of.len()];
        for found in self.needles.find_iter(src) {
            let id = found.pattern().as_usize();
            if seen[id] {
                continue;
            }
            seen[id] = true;
            for (group, members) in self.any_of.iter().enumerate() {
                if members.contains(&id) {
                    seen[self.needle_count + group] = true;
                }
            }
            if self.all_of.iter().any(|set| set.iter().all(|&i| seen[i])) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relevant(src: &str) -> bool {
        Prefilter::new(RuleData::builtin(), &Settings::default()).is_relevant(src.as_bytes())
    }

    #[test]
    fn needs_both_halves_of_a_set() {
        assert!(!relevant("import \"net/http\"\nfunc f() { http.Get(u) }"));
        assert!(relevant(
            "import \"net/http\"\nfunc f(w http.ResponseWriter, r *http.Request) {}"
        ));
        assert!(!relevant("import \"github.com/prometheus/client_golang/prometheus\"\nvar d = prometheus.NewDesc()"));
        assert!(relevant("import \"github.com/prometheus/client_golang/prometheus/promauto\"\nvar c = promauto.NewCounterVec()"));
        assert!(relevant(
            "import \"github.com/gin-gonic/gin\"\nfunc h(c *gin.Context) {}"
        ));
        assert!(relevant("// @oncall-team payments\ntype S struct{}"));
        assert!(relevant("//sre-policy:ignore x -- y"));
        assert!(!relevant("package x\nfunc f() {}"));
    }
}
