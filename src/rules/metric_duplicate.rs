//! metric-duplicate: two declarations that a program registers in the default registry under
//! one full name, so that registering the second panics (`duplicate metrics collector
//! registration attempted`, or `... has different label names or a different help string`).
//!
//! A project rule over the metric declarations of the index (names resolved through every
//! package's constants). A pair panics only when both are registered with the default registry
//! (`promauto.NewX`, or a `prometheus.NewX` value passed to `prometheus.MustRegister`), in one
//! package or in packages that one `main` package links (the index's import graph), with the
//! same const label values, or with different label names or Help. The same name with other
//! const label values is legal; metrics of custom registries, unregistered ones, `With(nil)`
//! stubs and test files are left alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Kind, Needs, ProjectContext, RuleInfo};
use crate::finding::{Finding, Severity};
use crate::go::metric_decl::{MetricDecl, Origin, Registry};
use crate::index::{ProjectIndex, Role};

pub const ID: &str = "metric-duplicate";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Error,
    summary:
        "Two metrics with one name go to the default registry of one program (registration panics)",
    doc: include_str!("../../rules/metric-duplicate.md"),
    kind: Kind::Project(run),
    triggers: super::metric_triggers,
    context_words: super::no_context_words,
    needs: Needs {
        old_versions: false,
        repository_metrics: true,
        imported_packages: false,
    },
    warning_when_staged: false,
};

fn run(ctx: &ProjectContext) -> Vec<Finding> {
    let Some(severity) = ctx.settings.severity(ID) else {
        return Vec::new();
    };
    let files: Vec<FileMetrics> = ctx
        .index
        .files
        .iter()
        .filter(|file| !file.metrics.is_empty())
        .map(|file| FileMetrics {
            path: &file.rel,
            reportable: file.role == Role::Checked,
            metrics: &file.metrics,
        })
        .collect();
    let linked = Linkage::of(ctx.index);
    check(&files, &linked, severity)
        .into_values()
        .flatten()
        .collect()
}

/// Which packages are linked into one program: for each package folder, the `main` packages
/// that import it (directly or not).
#[derive(Debug, Default)]
pub struct Linkage {
    mains_of: HashMap<String, BTreeSet<String>>,
}

impl Linkage {
    pub fn of(index: &ProjectIndex) -> Linkage {
        let mut mains_of: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (dir, package) in &index.packages {
            if package.name.as_deref() != Some("main") {
                continue;
            }
            for reached in index.reachable_from(dir).into_iter().chain([dir.clone()]) {
                mains_of.entry(reached).or_default().insert(dir.clone());
            }
        }
        Linkage { mains_of }
    }

    /// Whether one program links both folders.
    fn linked(&self, a: &str, b: &str) -> Linked {
        if a == b {
            return Linked::OnePackage;
        }
        if self.mains_of.is_empty() {
            return Linked::Unknown;
        }
        let program = self
            .mains_of
            .get(a)
            .zip(self.mains_of.get(b))
            .and_then(|(x, y)| x.intersection(y).next().cloned());
        match program {
            Some(main) => Linked::Program(main),
            None => Linked::No,
        }
    }
}

/// How two packages end up in one program.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Linked {
    OnePackage,
    /// This `main` package links both.
    Program(String),
    /// No `main` package is known here (a library, or a diff that reads part of the repository).
    Unknown,
    No,
}

/// The declarations of one file.
#[derive(Debug, Clone, Copy)]
pub struct FileMetrics<'a> {
    pub path: &'a str,
    /// Findings may be reported in this file (false for files read only for context).
    pub reportable: bool,
    pub metrics: &'a [MetricDecl],
}

struct Site<'a> {
    file: FileMetrics<'a>,
    decl: &'a MetricDecl,
}

impl Site<'_> {
    fn location(&self) -> String {
        format!("{}:{}", self.file.path, self.decl.name_at.line)
    }

    fn dir(&self) -> &str {
        crate::walk::parent_dir(self.file.path)
    }
}

/// Why registering both declarations panics, when it does.
fn conflict(a: &MetricDecl, b: &MetricDecl) -> Option<&'static str> {
    if let (Some(x), Some(y)) = (&a.const_label_values, &b.const_label_values) {
        if x == y {
            return Some("the same name and const labels");
        }
    }
    let names = |d: &MetricDecl| -> Option<BTreeSet<String>> {
        let mut all: BTreeSet<String> = d.labels.clone()?.into_iter().collect();
        all.extend(d.const_labels.iter().cloned());
        Some(all)
    };
    if let (Some(x), Some(y)) = (names(a), names(b)) {
        if x != y {
            return Some("the same name with other label names");
        }
    }
    if let (Some(x), Some(y)) = (&a.help, &b.help) {
        if x != y {
            return Some("the same name with another Help");
        }
    }
    None
}

/// The findings, by path. Each reportable declaration that conflicts with an earlier one (by
/// path and line) points at the first such declaration; when some declarations are in files
/// read only for context (diff mode: the unchanged rest of the repository), the first of those
/// is the one the others point at.
pub fn check(
    files: &[FileMetrics],
    linked: &Linkage,
    severity: Severity,
) -> HashMap<String, Vec<Finding>> {
    let mut by_name: BTreeMap<&str, Vec<Site>> = BTreeMap::new();
    for file in files {
        if file.path.ends_with("_test.go") {
            continue;
        }
        for decl in file.metrics {
            // The client library registers its own metrics once and reuses them at every
            // later call (`RegisterOrGet`).
            if decl.registry != Registry::Default || decl.origin == Origin::Library {
                continue;
            }
            if let Some(name) = decl.full_name() {
                by_name
                    .entry(name)
                    .or_default()
                    .push(Site { file: *file, decl });
            }
        }
    }
    let mut out: HashMap<String, Vec<Finding>> = HashMap::new();
    for (name, mut sites) in by_name {
        if sites.len() < 2 {
            continue;
        }
        sites.sort_by_key(|s| (s.file.path, s.decl.call.start_byte));
        sites.dedup_by_key(|s| (s.file.path, s.decl.call.start_byte));
        for (i, site) in sites.iter().enumerate() {
            if !site.file.reportable {
                continue;
            }
            let collides = |o: &&Site| -> Option<(Linked, &'static str)> {
                let linked = linked.linked(site.dir(), o.dir());
                if linked == Linked::No {
                    return None;
                }
                Some((linked, conflict(site.decl, o.decl)?))
            };
            let anchor = sites
                .iter()
                .filter(|o| !o.file.reportable)
                .find_map(|o| collides(&o).map(|c| (o, c)))
                .or_else(|| sites[..i].iter().find_map(|o| collides(&o).map(|c| (o, c))));
            let Some((anchor, (how, why))) = anchor else {
                continue;
            };
            let d = site.decl;
            let (message, severity) = match &how {
                Linked::OnePackage | Linked::Program(_) => {
                    let linked_in = match &how {
                        Linked::Program(main) => format!("in packages that `{main}` links"),
                        _ => "in one package".to_string(),
                    };
                    (
                        format!(
                            "`{name}` is also declared at {}: both go to the default registry {linked_in} with {why}, so registering both panics",
                            anchor.location()
                        ),
                        severity,
                    )
                }
                _ => (
                    format!(
                        "`{name}` is also declared at {}, in another package, with {why} and the default registry: a program that links both packages panics when it registers the second",
                        anchor.location()
                    ),
                    Severity::Warning,
                ),
            };
            let help = format!(
                "a registry accepts one collector per name and const label values, with one set \
                 of label names and one Help (`duplicate metrics collector registration \
                 attempted`); reuse the {} declared at {}, give this {} another name or other \
                 const label values, or register it with its own registry (`promauto.With(reg)`)",
                anchor.decl.kind.as_str(),
                anchor.location(),
                d.kind.as_str()
            );
            out.entry(site.file.path.to_string())
                .or_default()
                .push(Finding {
                    rule: ID,
                    severity,
                    path: site.file.path.to_string(),
                    line: d.name_at.line,
                    column: d.name_at.column,
                    end_line: d.name_at.end_line,
                    end_column: d.name_at.end_column,
                    start_byte: d.name_at.start_byte,
                    end_byte: d.name_at.end_byte,
                    message,
                    help: Some(help),
                    fix: None,
                    on_changed_line: false,
                    related: Vec::new(),
                    context_lines: None,
                });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::metric_decl::{Origin, Position};
    use crate::go::prometheus::MetricType;

    fn decl(name: &str, line: usize) -> MetricDecl {
        let at = Position {
            line,
            column: 2,
            end_line: line,
            end_column: 10,
            start_byte: line * 100,
            end_byte: line * 100 + 8,
        };
        MetricDecl {
            name: Some(name.to_string()),
            complete: true,
            kind: MetricType::Counter,
            constructor: "promauto.NewCounter".to_string(),
            origin: Origin::Constructor,
            help: None,
            help_missing: false,
            labels: Some(Vec::new()),
            const_labels: Vec::new(),
            const_label_values: Some(Vec::new()),
            registry: Registry::Default,
            call: at,
            name_at: at,
            scope: None,
            ordinal: 0,
            variable: None,
        }
    }

    fn file<'a>(path: &'a str, m: &'a [MetricDecl]) -> FileMetrics<'a> {
        FileMetrics {
            path,
            reportable: true,
            metrics: m,
        }
    }

    /// Every folder linked into one program `cmd`.
    fn all_linked(dirs: &[&str]) -> Linkage {
        Linkage {
            mains_of: dirs
                .iter()
                .map(|d| (d.to_string(), ["cmd".to_string()].into_iter().collect()))
                .collect(),
        }
    }

    #[test]
    fn later_declaration_points_at_the_first() {
        let a = [decl("x_total", 12)];
        let b = [decl("x_total", 3), decl("y_total", 4)];
        let found = check(
            &[file("b/metrics.go", &b), file("a/metrics.go", &a)],
            &all_linked(&["a", "b"]),
            Severity::Error,
        );
        assert_eq!(found.len(), 1);
        let f = &found["b/metrics.go"][0];
        assert_eq!(f.line, 3);
        assert!(
            f.message.contains("also declared at a/metrics.go:12")
                && f.message.contains("`cmd` links"),
            "{}",
            f.message
        );
    }

    #[test]
    fn what_does_not_panic() {
        let mut partial = decl("x_total", 1);
        partial.complete = false;
        let p1 = [partial.clone()];
        let p2 = [partial];
        let t1 = [decl("t_total", 1)];
        let t2 = [decl("t_total", 2)];
        // Two packages no program links together.
        let u1 = [decl("u_total", 1)];
        let u2 = [decl("u_total", 2)];
        // Other const label values: legal.
        let mut c1 = decl("c_total", 1);
        c1.const_label_values = Some(vec![("slice".into(), "a".into())]);
        c1.const_labels = vec!["slice".into()];
        let mut c2 = c1.clone();
        c2.const_label_values = Some(vec![("slice".into(), "b".into())]);
        c2.call.start_byte += 1;
        let c = [c1, c2];
        // A custom registry.
        let mut r = decl("r_total", 1);
        r.registry = Registry::Other;
        let r1 = [r.clone()];
        let r2 = [r];
        let linked = Linkage {
            mains_of: [
                ("a".to_string(), ["cmd/a".to_string()].into_iter().collect()),
                ("b".to_string(), ["cmd/b".to_string()].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        };
        let found = check(
            &[
                file("a/x.go", &p1),
                file("a/y.go", &p2),
                file("a/x_test.go", &t1),
                file("a/y_test.go", &t2),
                file("a/u.go", &u1),
                file("b/u.go", &u2),
                file("a/c.go", &c),
                file("a/r.go", &r1),
                file("a/s.go", &r2),
            ],
            &linked,
            Severity::Error,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn context_files_are_the_anchor_and_not_reported() {
        let old = [decl("x_total", 50)];
        let new = [decl("x_total", 2)];
        let mut context = file("a/old.go", &old);
        context.reportable = false;
        let found = check(
            &[file("a/new.go", &new), context],
            &Linkage::default(),
            Severity::Error,
        );
        assert_eq!(found.len(), 1);
        assert!(found["a/new.go"][0].message.contains("a/old.go:50"));
    }
}
