//! metric-duplicate: two constructor calls declare the same full name. Registering the second
//! collector panics at run time (`duplicate metrics collector registration attempted`).
//!
//! A repo-level rule over the metric declarations of every checked file. Only complete names
//! count (Namespace, Subsystem and Name all constants). Not duplicates: two declarations in
//! `_test.go` files, metrics registered nowhere (`promauto.With(nil)`), and two `package main`
//! declarations in different folders (different programs never share a registry).

use std::collections::{BTreeMap, HashMap};

use super::{Kind, Needs, ProjectContext, RuleInfo};
use crate::finding::{Finding, Severity};
use crate::go::metric_decl::MetricDecl;
use crate::index::Role;

pub const ID: &str = "metric-duplicate";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Error,
    summary: "Two constructors declare the same metric name (registration panics)",
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
            package: file.facts.package.as_deref(),
            reportable: file.role == Role::Checked,
            metrics: &file.metrics,
        })
        .collect();
    check(&files, severity).into_values().flatten().collect()
}

/// The declarations of one file.
#[derive(Debug, Clone, Copy)]
pub struct FileMetrics<'a> {
    pub path: &'a str,
    /// The file's package clause.
    pub package: Option<&'a str>,
    /// Findings may be reported in this file (false for files read only for context).
    pub reportable: bool,
    pub metrics: &'a [MetricDecl],
}

struct Site<'a> {
    file: FileMetrics<'a>,
    decl: &'a MetricDecl,
}

impl Site<'_> {
    fn is_test(&self) -> bool {
        self.file.path.ends_with("_test.go")
    }

    fn main_dir(&self) -> Option<&str> {
        (self.file.package == Some("main")).then(|| crate::walk::parent_dir(self.file.path))
    }

    /// Whether `self` and `other` can end up in one registry.
    fn can_collide(&self, other: &Site) -> bool {
        if self.is_test() && other.is_test() {
            return false;
        }
        match (self.main_dir(), other.main_dir()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    fn location(&self) -> String {
        format!("{}:{}", self.file.path, self.decl.name_at.line)
    }
}

/// The findings, by path. Each reportable declaration that repeats an earlier one (by path
/// and line) points at the first declaration of the name; when some declarations are in
/// files read only for context (diff mode: the unchanged rest of the repository), the first
/// of those is the one the others point at.
pub fn check(files: &[FileMetrics], severity: Severity) -> HashMap<String, Vec<Finding>> {
    let mut by_name: BTreeMap<&str, Vec<Site>> = BTreeMap::new();
    for file in files {
        for decl in file.metrics {
            if decl.registered_nowhere {
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
            // The earliest other declaration this one collides with: one in a context file
            // first, else an earlier one.
            let anchor = sites
                .iter()
                .find(|o| !o.file.reportable && site.can_collide(o))
                .or_else(|| sites[..i].iter().find(|o| site.can_collide(o)));
            let Some(anchor) = anchor else {
                continue;
            };
            let d = site.decl;
            let message = format!(
                "`{name}` is also declared at {}: registering both panics",
                anchor.location()
            );
            let help = format!(
                "a registry accepts one collector per name (`duplicate metrics collector \
                 registration attempted`); reuse the {} declared at {}, or give this {} another name",
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
    use crate::go::metric_decl::Position;
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
            help: None,
            labels: Some(Vec::new()),
            const_labels: Vec::new(),
            registered_nowhere: false,
            call: at,
            name_at: at,
            scope: None,
            ordinal: 0,
        }
    }

    fn file<'a>(path: &'a str, package: &'a str, m: &'a [MetricDecl]) -> FileMetrics<'a> {
        FileMetrics {
            path,
            package: Some(package),
            reportable: true,
            metrics: m,
        }
    }

    #[test]
    fn later_declaration_points_at_the_first() {
        let a = [decl("x_total", 12)];
        let b = [decl("x_total", 3), decl("y_total", 4)];
        let found = check(
            &[file("b/metrics.go", "b", &b), file("a/metrics.go", "a", &a)],
            Severity::Error,
        );
        assert_eq!(found.len(), 1);
        let f = &found["b/metrics.go"][0];
        assert_eq!(f.line, 3);
        assert!(
            f.message.contains("also declared at a/metrics.go:12"),
            "{}",
            f.message
        );
    }

    #[test]
    fn partial_names_tests_and_separate_programs_are_not_duplicates() {
        let mut partial = decl("x_total", 1);
        partial.complete = false;
        let p1 = [partial.clone()];
        let p2 = [partial];
        let t1 = [decl("t_total", 1)];
        let t2 = [decl("t_total", 2)];
        let m1 = [decl("m_total", 1)];
        let m2 = [decl("m_total", 1)];
        let found = check(
            &[
                file("a/x.go", "a", &p1),
                file("b/x.go", "b", &p2),
                file("a/x_test.go", "a", &t1),
                file("b/x_test.go", "b", &t2),
                file("cmd/one/main.go", "main", &m1),
                file("cmd/two/main.go", "main", &m2),
            ],
            Severity::Error,
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn context_files_are_the_anchor_and_not_reported() {
        let old = [decl("x_total", 50)];
        let new = [decl("x_total", 2)];
        let mut context = file("z/old.go", "z", &old);
        context.reportable = false;
        let found = check(&[file("a/new.go", "a", &new), context], Severity::Error);
        assert_eq!(found.len(), 1);
        assert!(found["a/new.go"][0].message.contains("z/old.go:50"));
    }
}
