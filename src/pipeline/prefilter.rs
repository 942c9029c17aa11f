//! The byte-level prefilter: which files could produce a finding of a per-file rule, decided
//! from their bytes before any parse.
//!
//! Exact by construction: each rule of the registry names the word sets a file must contain
//! for it to report there (a net/http handler needs the import path and `ResponseWriter`; a
//! metric the Prometheus import path and a constructor name; a suppression its directive). A
//! file that completes no set of an enabled rule cannot produce a finding, so it is not
//! parsed. The rule-fixture tests run every fixture with and without the prefilter and compare.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::config::Settings;
use crate::data::RuleData;
use crate::rules::{self, Trigger};

/// The triggers of the enabled rules, compiled into one automaton.
pub struct Prefilter {
    needles: AhoCorasick,
    needle_count: usize,
    /// For each needle, the groups (alternatives) it satisfies.
    groups_of: Vec<Vec<usize>>,
    /// Each trigger: the groups that must all be satisfied.
    triggers: Vec<Vec<usize>>,
    group_count: usize,
}

impl Prefilter {
    /// The prefilter of the rules `settings` enables.
    pub fn new(data: &RuleData, settings: &Settings) -> Prefilter {
        let triggers: Vec<Trigger> = rules::RULES
            .iter()
            .filter(|rule| settings.severity(rule.id).is_some())
            .flat_map(|rule| (rule.triggers)(data, settings))
            .collect();
        Prefilter::from_triggers(&triggers)
    }

    /// A prefilter of the given triggers.
    pub fn from_triggers(triggers: &[Trigger]) -> Prefilter {
        let mut needles: Vec<String> = Vec::new();
        let mut groups_of: Vec<Vec<usize>> = Vec::new();
        let mut compiled = Vec::new();
        let mut group_count = 0;
        for trigger in triggers {
            let mut groups = Vec::new();
            for alternatives in trigger {
                let group = group_count;
                group_count += 1;
                groups.push(group);
                for word in alternatives {
                    let at = match needles.iter().position(|n| n == word) {
                        Some(at) => at,
                        None => {
                            needles.push(word.clone());
                            groups_of.push(Vec::new());
                            needles.len() - 1
                        }
                    };
                    groups_of[at].push(group);
                }
            }
            if !groups.is_empty() {
                compiled.push(groups);
            }
        }
        // Leftmost-first, non-overlapping search is the fast one. A needle that starts inside
        // another's match is missed only when it is a longer alternative of the same group
        // (`NewCounter`, `NewCounterVec`), and either one serves; words of different groups
        // never overlap in the rules' triggers. Plain strings always build.
        let needle_count = needles.len();
        let needles = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&needles)
            .unwrap_or_else(|_| unreachable!());
        Prefilter {
            needles,
            needle_count,
            groups_of,
            triggers: compiled,
            group_count,
        }
    }

    /// The words of the triggers `src` holds whole (a word of every group): the words that can
    /// matter to a rule inside one of its bodies. A framework's `Context` is a handler's word only
    /// in a file that imports the framework; elsewhere it is Go's `context.Context`.
    pub fn active_words(&self, src: &[u8]) -> ActiveWords<'_> {
        let mut seen_group = vec![false; self.group_count];
        for found in self.needles.find_iter(src) {
            for &group in &self.groups_of[found.pattern().as_usize()] {
                seen_group[group] = true;
            }
        }
        let mut active_group = vec![false; self.group_count];
        for groups in &self.triggers {
            if groups.iter().all(|&g| seen_group[g]) {
                for &group in groups {
                    active_group[group] = true;
                }
            }
        }
        ActiveWords {
            prefilter: self,
            active: self
                .groups_of
                .iter()
                .map(|groups| groups.iter().any(|&g| active_group[g]))
                .collect(),
        }
    }

    /// Whether `src` could produce a finding of a per-file rule.
    pub fn is_relevant(&self, src: &[u8]) -> bool {
        if self.triggers.is_empty() {
            return false;
        }
        let mut seen_needle = vec![false; self.needle_count];
        let mut seen_group = vec![false; self.group_count];
        for found in self.needles.find_iter(src) {
            let id = found.pattern().as_usize();
            if std::mem::replace(&mut seen_needle[id], true) {
                continue;
            }
            for &group in &self.groups_of[id] {
                seen_group[group] = true;
            }
            if self
                .triggers
                .iter()
                .any(|groups| groups.iter().all(|&g| seen_group[g]))
            {
                return true;
            }
        }
        false
    }
}

/// The trigger words that matter in one file (see [`Prefilter::active_words`]).
pub struct ActiveWords<'a> {
    prefilter: &'a Prefilter,
    /// By needle.
    active: Vec<bool>,
}

impl ActiveWords<'_> {
    /// Whether `text` (a part of the file) holds one of the words.
    pub fn mentioned_in(&self, text: &[u8]) -> bool {
        self.prefilter
            .needles
            .find_iter(text)
            .any(|found| self.active[found.pattern().as_usize()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relevant(src: &str) -> bool {
        let settings = Settings::builtin(&rules::defaults());
        Prefilter::new(RuleData::builtin(), &settings).is_relevant(src.as_bytes())
    }

    #[test]
    fn a_word_matters_in_a_body_only_where_the_file_holds_its_whole_trigger() {
        let settings = Settings::builtin(&rules::defaults());
        let prefilter = Prefilter::new(RuleData::builtin(), &settings);
        let body = b"func run(ctx context.Context) { work(ctx) }";
        let plain = "import (\n\t\"context\"\n\t\"net/http\"\n)\nfunc h(w http.ResponseWriter, r *http.Request) {}\n";
        let words = prefilter.active_words(plain.as_bytes());
        assert!(!words.mentioned_in(body));
        assert!(words.mentioned_in(b"func h(w http.ResponseWriter) {}"));
        let gin =
            format!("import \"github.com/gin-gonic/gin\"\n{plain}func g(c *gin.Context) {{}}\n");
        assert!(prefilter.active_words(gin.as_bytes()).mentioned_in(body));
    }

    #[test]
    fn needs_every_group_of_a_trigger() {
        assert!(!relevant("import \"net/http\"\nfunc f() { http.Get(u) }"));
        assert!(relevant(
            "import \"net/http\"\nfunc f(w http.ResponseWriter, r *http.Request) {}"
        ));
        // A custom collector's Desc is a metric too; other libraries' constructors are not.
        assert!(relevant("import \"github.com/prometheus/client_golang/prometheus\"\nvar d = prometheus.NewDesc()"));
        assert!(!relevant(
            "import \"github.com/go-kit/kit/metrics\"\nvar c = NewCounter()"
        ));
        assert!(relevant("import \"github.com/prometheus/client_golang/prometheus/promauto\"\nvar c = promauto.NewCounterVec()"));
        assert!(relevant(
            "import \"github.com/gin-gonic/gin\"\nfunc h(c *gin.Context) {}"
        ));
        assert!(relevant("// @oncall-team payments\ntype S struct{}"));
        assert!(relevant("//sre-policy:ignore x -- y"));
        assert!(!relevant("package x\nfunc f() {}"));
    }

    #[test]
    fn disabled_rules_trigger_nothing() {
        let mut settings = Settings::builtin(&rules::defaults());
        for rule in rules::RULES {
            if rule.id != rules::handler_oncall::ID {
                settings.disable(rule.id);
            }
        }
        let prefilter = Prefilter::new(RuleData::builtin(), &settings);
        assert!(!prefilter.is_relevant(
            b"import \"github.com/prometheus/client_golang/prometheus/promauto\"\nvar c = promauto.NewCounterVec()"
        ));
        assert!(prefilter.is_relevant(
            b"import \"net/http\"\nfunc f(w http.ResponseWriter, r *http.Request) {}"
        ));
    }
}
