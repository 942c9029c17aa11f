//! The project index: what rules know beyond one file, built once per run from the files
//! that were parsed.
//!
//! Per package (a folder): its files' facts, the doc comments of its types, the struct fields
//! typed by imported packages, and its metric declarations with names resolved through the
//! constants of every package (see [`constants`] and [`metrics`]); and the import graph
//! between the repository's own packages (module paths from `go.mod`, or the `use` folders of
//! `go.work`; [`headers`] completes it from files that were not parsed). In diff mode the index
//! holds what the change needs (the changed files, their neighbours and what a rule asked
//! for), so its cost follows the change.

pub mod constants;
pub mod headers;
mod later;
pub mod metrics;
mod modules;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::go::metric_decl::MetricDecl;
use crate::go::{Expr, Facts, TypeDecl};
use crate::walk::parent_dir;

pub use later::FileFacts;
pub use modules::{work_folders, Modules};

/// Why a file was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its findings are reported.
    Checked,
    /// Read only for what it tells about other files; its findings are dropped.
    Context,
}

/// One parsed Go file.
#[derive(Debug)]
pub struct ParsedFile {
    /// Repository-relative, `/`-separated.
    pub rel: String,
    pub facts: Facts,
    pub src: Vec<u8>,
    pub role: Role,
    /// Some per-file rule could report on it (its bytes hold a rule's trigger words).
    pub relevant: bool,
    /// Nesting too deep to walk whole.
    pub too_deep: bool,
    /// The function bodies parsed (a file read for what its package declares has few).
    pub bodies: Bodies,
    /// Its Prometheus metric declarations.
    pub metrics: Vec<MetricDecl>,
    /// The tree of a parse that left bodies out: a parse with more of them reuses it.
    pub tree: Option<tree_sitter::Tree>,
}

/// The files of folders the index may not hold yet that its metric names need.
#[derive(Debug, Default)]
pub struct Needed {
    /// Folders all of whose files are needed.
    pub whole: BTreeSet<String>,
    /// Folders and the package-level names needed from them: only their files that spell
    /// one of the names can bind it.
    pub names: BTreeMap<String, BTreeSet<String>>,
}

impl Needed {
    fn name(&mut self, dir: &str, name: &str) {
        self.names
            .entry(dir.to_string())
            .or_default()
            .insert(name.to_string());
    }

    /// Whether nothing is needed.
    pub fn is_empty(&self) -> bool {
        self.whole.is_empty() && self.names.is_empty()
    }

    /// The folders of the needed files.
    pub fn dirs(&self) -> BTreeSet<String> {
        self.whole
            .iter()
            .chain(self.names.keys())
            .cloned()
            .collect()
    }

    /// Whether the file at `rel`, with these bytes, is needed.
    pub fn wants(&self, rel: &str, bytes: &[u8]) -> bool {
        let dir = parent_dir(rel);
        self.whole.contains(dir)
            || self.names.get(dir).is_some_and(|names| {
                names
                    .iter()
                    .any(|name| memchr::memmem::find(bytes, name.as_bytes()).is_some())
            })
    }

    /// Leaves out what `asked` already holds, and adds the rest to it.
    pub fn not_asked(mut self, asked: &mut Needed) -> Needed {
        self.whole.retain(|dir| !asked.whole.contains(dir));
        for (dir, names) in &mut self.names {
            let already = asked.names.get(dir);
            names.retain(|name| {
                !asked.whole.contains(dir) && !already.is_some_and(|seen| seen.contains(name))
            });
        }
        self.names.retain(|_, names| !names.is_empty());
        asked.whole.extend(self.whole.iter().cloned());
        for (dir, names) in &self.names {
            asked
                .names
                .entry(dir.clone())
                .or_default()
                .extend(names.iter().cloned());
        }
        self
    }
}

/// Which function bodies of a file were parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bodies {
    All,
    /// Those of the functions and methods of these names (none: what the file declares).
    Of(BTreeSet<String>),
}

impl Bodies {
    /// Whether these bodies include every one of `other`'s.
    pub fn covers(&self, other: &Bodies) -> bool {
        match (self, other) {
            (Bodies::All, _) => true,
            (Bodies::Of(_), Bodies::All) => false,
            (Bodies::Of(mine), Bodies::Of(theirs)) => theirs.is_subset(mine),
        }
    }
}

/// Struct fields typed by imported packages: (folder, struct) → (field, import path, type name).
pub type FieldTypes = HashMap<(String, String), Vec<(String, String, String)>>;

/// What the index knows of one package (folder).
#[derive(Debug, Default)]
pub struct Package {
    /// Indices into [`ProjectIndex::files`].
    pub files: Vec<usize>,
    /// The package clause of its files.
    pub name: Option<String>,
    /// The folders of the repository's own packages that it imports.
    pub imports: BTreeSet<String>,
}

/// Everything rules know beyond one file.
#[derive(Debug, Default)]
pub struct ProjectIndex {
    pub files: Vec<ParsedFile>,
    pub packages: BTreeMap<String, Package>,
    pub field_types: FieldTypes,
    pub modules: Modules,
    by_path: HashMap<String, usize>,
    later: later::LaterBodies,
}

impl ProjectIndex {
    pub fn new(mut files: Vec<ParsedFile>, modules: Modules) -> ProjectIndex {
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        let mut index = ProjectIndex {
            modules,
            ..ProjectIndex::default()
        };
        for (i, file) in files.iter().enumerate() {
            index.by_path.insert(file.rel.clone(), i);
            let dir = parent_dir(&file.rel);
            for field in &file.facts.struct_fields {
                // A type of the same package has no import path: recorded with an empty one.
                let path = match field.package.as_str() {
                    "" => Some(""),
                    package => file.facts.import_path_of(package),
                };
                if let Some(path) = path {
                    index
                        .field_types
                        .entry((dir.to_string(), field.struct_name.clone()))
                        .or_default()
                        .push((
                            field.field.clone(),
                            path.to_string(),
                            field.type_name.clone(),
                        ));
                }
            }
            let package = index.packages.entry(dir.to_string()).or_default();
            package.files.push(i);
            // An external test package (`x_test`) does not name the package.
            if package.name.is_none() && !file.rel.ends_with("_test.go") {
                package.name = file.facts.package.clone();
            }
            for import in &file.facts.imports {
                if let Some(target) = index.modules.folder_of(&import.path) {
                    package.imports.insert(target);
                }
            }
        }
        index.files = files;
        index
    }

    /// The names of the repository's metric builders among the indexed files: the files that
    /// call one declare metrics too, and need parsing. With `involved`, only those that are,
    /// or call, a builder of a file it accepts.
    pub fn metric_builder_names(
        &self,
        involved: Option<&dyn Fn(&str) -> bool>,
    ) -> BTreeSet<metrics::BuilderName> {
        let table = &crate::data::RuleData::builtin().metrics;
        let view = constants::View::new(
            self.files
                .iter()
                .map(|f| constants::ViewFile {
                    rel: &f.rel,
                    facts: &f.facts,
                })
                .collect(),
            &self.modules,
            &table.prometheus_import,
        );
        metrics::builder_names(&view, table, involved)
    }

    /// Resolves the metric declarations of every file through the whole index (constants of
    /// other files and packages, builders, `NewDesc`). Until then each file holds the
    /// declarations it tells alone.
    pub fn resolve_metrics(&mut self) {
        let table = &crate::data::RuleData::builtin().metrics;
        let declared = {
            let view = constants::View::new(
                self.files
                    .iter()
                    .map(|f| constants::ViewFile {
                        rel: &f.rel,
                        facts: &f.facts,
                    })
                    .collect(),
                &self.modules,
                &table.prometheus_import,
            );
            let sources: Vec<&[u8]> = self.files.iter().map(|f| f.src.as_slice()).collect();
            metrics::declarations(&view, &sources, table)
        };
        for (file, decls) in self.files.iter_mut().zip(declared) {
            file.metrics = decls;
        }
    }

    /// What the metric declarations of the index need from files it may not hold yet: in the
    /// folder of a file whose metric names an identifier bound in none of its files read so
    /// far, that identifier, and in the repository package of each `pkg.Member` it names, that
    /// member; identifiers bound in files already read are followed into their values. Also
    /// every file of the folders of the functions called with a prefixed registerer.
    pub fn constant_folders(&self) -> Needed {
        let table = &crate::data::RuleData::builtin().metrics;
        let mut out = Needed::default();
        for (i, file) in self.files.iter().enumerate() {
            out.whole.extend(metrics::prefixed_callee_folders(
                &file.facts,
                parent_dir(&file.rel),
                &self.modules,
            ));
            if file
                .metrics
                .iter()
                .all(|m| m.complete && m.labels.is_some() && m.const_label_values.is_some())
            {
                continue;
            }
            for call in crate::go::prometheus::metric_calls(&file.facts, table) {
                for arg in call.call.args.iter().take(2) {
                    self.needed_folders(i, arg, 0, &mut out);
                }
            }
        }
        out
    }

    fn needed_folders(&self, file: usize, expr: &Expr, depth: usize, out: &mut Needed) {
        if depth > 8 {
            return;
        }
        let facts = &self.files[file].facts;
        let dir = parent_dir(&self.files[file].rel);
        match expr {
            Expr::Ident(name) => {
                if facts
                    .bindings
                    .iter()
                    .any(|b| b.name == *name && b.func.is_some())
                {
                    return;
                }
                let bound = self.package_files_indexed(dir).find_map(|f| {
                    self.files[f]
                        .facts
                        .bindings
                        .iter()
                        .find(|b| b.func.is_none() && b.name == *name)
                        .map(|b| (f, &b.value))
                });
                match bound {
                    Some((f, value)) => self.needed_folders(f, value, depth + 1, out),
                    None => out.name(dir, name),
                }
            }
            Expr::Selector(operand, member) => {
                let Some(target) = operand
                    .as_ident()
                    .and_then(|p| facts.import_path_of(p))
                    .and_then(|path| self.modules.folder_of(path))
                else {
                    self.needed_folders(file, operand, depth + 1, out);
                    return;
                };
                let bound = self.package_files_indexed(&target).find_map(|f| {
                    self.files[f]
                        .facts
                        .bindings
                        .iter()
                        .find(|b| b.func.is_none() && b.name == *member)
                        .map(|b| (f, &b.value))
                });
                match bound {
                    Some((f, value)) => self.needed_folders(f, value, depth + 1, out),
                    None => out.name(&target, member),
                }
            }
            Expr::Concat(parts) => {
                for part in parts {
                    self.needed_folders(file, part, depth + 1, out);
                }
            }
            Expr::Call { args, .. } => {
                for arg in args {
                    self.needed_folders(file, arg, depth + 1, out);
                }
            }
            Expr::AddrOf(inner) => self.needed_folders(file, inner, depth + 1, out),
            Expr::Composite(c) => {
                for (key, value) in &c.fields {
                    if matches!(
                        key.as_str(),
                        "Namespace" | "Subsystem" | "Name" | "ConstLabels"
                    ) || !key.starts_with(|ch: char| ch.is_ascii_uppercase())
                    {
                        self.needed_folders(file, value, depth + 1, out);
                    }
                }
                for element in &c.elements {
                    self.needed_folders(file, element, depth + 1, out);
                }
            }
            _ => {}
        }
    }

    fn package_files_indexed(&self, dir: &str) -> impl Iterator<Item = usize> + '_ {
        self.packages
            .get(dir)
            .into_iter()
            .flat_map(|p| p.files.iter().copied())
    }

    /// The index of these files and `more`: a file already present keeps its first version,
    /// unless `more` has it with more function bodies.
    pub fn with_files(self, more: Vec<ParsedFile>) -> ProjectIndex {
        let mut files = self.files;
        let mut by_path: HashMap<String, usize> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.rel.clone(), i))
            .collect();
        for file in more {
            match by_path.get(&file.rel) {
                Some(&i)
                    if file.bodies.covers(&files[i].bodies)
                        && !files[i].bodies.covers(&file.bodies) =>
                {
                    files[i] = file;
                }
                Some(_) => {}
                None => {
                    by_path.insert(file.rel.clone(), files.len());
                    files.push(file);
                }
            }
        }
        ProjectIndex::new(files, self.modules)
    }

    /// The import path (`""` for a type of the same package) and type name of field `field`
    /// of struct `struct_name` of the package in folder `dir`.
    pub fn field_type(&self, dir: &str, struct_name: &str, field: &str) -> Option<(&str, &str)> {
        self.field_types
            .get(&(dir.to_string(), struct_name.to_string()))?
            .iter()
            .find(|(name, _, _)| name == field)
            .map(|(_, path, type_name)| (path.as_str(), type_name.as_str()))
    }

    /// The fields of struct `struct_name` of the package in folder `dir`: name, import path
    /// (`""` for a type of the same package) and type name.
    pub fn fields(&self, dir: &str, struct_name: &str) -> &[(String, String, String)] {
        self.field_types
            .get(&(dir.to_string(), struct_name.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The parsed file at repo-relative `rel`.
    pub fn file(&self, rel: &str) -> Option<&ParsedFile> {
        self.by_path.get(rel).map(|&i| &self.files[i])
    }

    /// The facts of `file`, one of the index's, with the bodies of the functions named `names`
    /// that it declares parsed (`None` when they cannot be): a rule that follows a call into a function reads
    /// its body through this, as a file read for what its package declares has few bodies
    /// parsed.
    pub fn facts_with_bodies<'a>(
        &'a self,
        file: &'a ParsedFile,
        names: &[&str],
    ) -> Option<FileFacts<'a>> {
        let at = *self.by_path.get(&file.rel)?;
        self.later.facts(file, at, names)
    }

    /// The files of the package in folder `dir`.
    pub fn package_files(&self, dir: &str) -> impl Iterator<Item = &ParsedFile> {
        self.packages
            .get(dir)
            .into_iter()
            .flat_map(|p| p.files.iter().map(|&i| &self.files[i]))
    }

    /// The package-level declarations of type `name` in the package in folder `dir`, with the
    /// file that holds each.
    pub fn types_named<'a>(
        &'a self,
        dir: &str,
        name: &'a str,
    ) -> impl Iterator<Item = (&'a ParsedFile, &'a TypeDecl)> + 'a {
        self.package_files(dir).flat_map(move |file| {
            file.facts
                .types
                .iter()
                .filter(move |t| t.scope.is_none() && t.name == name)
                .map(move |t| (file, t))
        })
    }

    /// Every metric declaration of the parsed files, with its file.
    pub fn metrics(&self) -> impl Iterator<Item = (&ParsedFile, &MetricDecl)> {
        self.files
            .iter()
            .flat_map(|file| file.metrics.iter().map(move |m| (file, m)))
    }

    /// Whether two packages declare a metric of one name for the default registry: only then
    /// does metric-duplicate need to know which programs link which packages.
    pub fn needs_import_graph(&self) -> bool {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        for file in self.files.iter().filter(|f| !f.rel.ends_with("_test.go")) {
            let dir = parent_dir(&file.rel);
            for decl in &file.metrics {
                if decl.registry != crate::go::metric_decl::Registry::Default {
                    continue;
                }
                let Some(name) = decl.full_name() else {
                    continue;
                };
                match seen.get(name) {
                    Some(other) if *other != dir => return true,
                    Some(_) => {}
                    None => {
                        seen.insert(name, dir);
                    }
                }
            }
        }
        false
    }

    /// Completes the import graph with the headers (package clause and imports) of Go files
    /// that were not parsed.
    pub fn add_headers(&mut self, files: impl IntoIterator<Item = (String, Vec<u8>)>) {
        for (rel, src) in files {
            if self.by_path.contains_key(&rel) {
                continue;
            }
            let (name, imports) = headers::header(&src);
            let package = self
                .packages
                .entry(parent_dir(&rel).to_string())
                .or_default();
            if package.name.is_none() && !rel.ends_with("_test.go") {
                package.name = name;
            }
            if rel.ends_with("_test.go") {
                continue;
            }
            for path in imports {
                if let Some(target) = self.modules.folder_of(&path) {
                    package.imports.insert(target);
                }
            }
        }
    }

    /// The folders of the repository's packages that `dir` imports, directly or not.
    pub fn reachable_from(&self, dir: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut queue = vec![dir.to_string()];
        while let Some(next) = queue.pop() {
            if let Some(package) = self.packages.get(&next) {
                for target in &package.imports {
                    if seen.insert(target.clone()) {
                        queue.push(target.clone());
                    }
                }
            }
        }
        seen
    }
}

/// `src` parsed with `bodies`, as `store/store.go`, a context file: for tests.
#[cfg(test)]
pub(crate) fn parsed_for_tests(src: &str, bodies: Bodies) -> ParsedFile {
    let mut parser = crate::go::parse::GoParser::new().expect("the grammar loads");
    let parsed = match &bodies {
        Bodies::Of(names) => parser.parse_declarations(src.as_bytes(), names),
        Bodies::All => parser.parse(src.as_bytes()),
    }
    .expect("parses");
    ParsedFile {
        rel: "store/store.go".to_string(),
        facts: parsed.facts,
        src: src.as_bytes().to_vec(),
        role: Role::Context,
        relevant: false,
        too_deep: false,
        bodies,
        metrics: Vec::new(),
        tree: parsed.tree,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(src: &str, bodies: Bodies) -> ParsedFile {
        parsed_for_tests(src, bodies)
    }

    fn of(names: &[&str]) -> Bodies {
        Bodies::Of(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn a_file_gives_way_to_a_parse_with_more_function_bodies() {
        let src = "package store\n\nconst Name = \"s\"\n\nfunc Open(p string) { os.Open(p) }\n\nfunc Sync(p string) { os.Sync(p) }\n";
        let calls = |index: &ProjectIndex| index.file("store/store.go").unwrap().facts.calls.len();
        let index = ProjectIndex::new(vec![parsed(src, of(&[]))], Modules::default());
        assert_eq!(calls(&index), 0);
        let index = index.with_files(vec![parsed(src, of(&["Open"]))]);
        assert_eq!(calls(&index), 1);
        // Fewer bodies never replace more.
        let index = index.with_files(vec![parsed(src, of(&[]))]);
        assert_eq!(calls(&index), 1);
        let index = index.with_files(vec![parsed(src, Bodies::All)]);
        assert_eq!(calls(&index), 2);
        let index = index.with_files(vec![parsed(src, of(&["Open", "Sync"]))]);
        assert_eq!(index.file("store/store.go").unwrap().bodies, Bodies::All);
        assert_eq!(index.files.len(), 1);
    }

    #[test]
    fn a_body_left_out_is_parsed_when_a_rule_asks_for_it() {
        let src = "package store\n\nfunc Open(p string) { os.Open(p) }\n\nfunc Sync(p string) { os.Sync(p); os.Chmod(p) }\n";
        let index = ProjectIndex::new(vec![parsed(src, of(&[]))], Modules::default());
        let file = index.file("store/store.go").unwrap();
        assert!(file.facts.calls.is_empty());
        let callees = |names: &[&str]| -> Vec<String> {
            let facts = index.facts_with_bodies(file, names).expect("parses");
            facts
                .calls
                .iter()
                .map(|call| match &call.callee {
                    Expr::Selector(_, field) => field.clone(),
                    other => format!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(callees(&["Sync"]), ["Sync", "Chmod"]);
        // A later request keeps the bodies asked for before.
        assert_eq!(callees(&["Open"]), ["Open", "Sync", "Chmod"]);
        assert_eq!(callees(&["Sync"]), ["Open", "Sync", "Chmod"]);
        // A name the file does not declare parses nothing.
        let undeclared = index.facts_with_bodies(file, &["Close"]).expect("parses");
        assert!(matches!(undeclared, FileFacts::Indexed(_)));
        // The index's own facts are left as they were.
        assert!(index.file("store/store.go").unwrap().facts.calls.is_empty());
    }

    #[test]
    fn a_file_parsed_whole_answers_from_its_own_facts() {
        let src = "package store\n\nfunc Open(p string) { os.Open(p) }\n";
        let index = ProjectIndex::new(vec![parsed(src, Bodies::All)], Modules::default());
        let file = index.file("store/store.go").unwrap();
        let facts = index.facts_with_bodies(file, &["Open"]).expect("parses");
        assert!(matches!(facts, FileFacts::Indexed(own) if std::ptr::eq(own, &file.facts)));
    }

    #[test]
    fn needed_files_spell_a_needed_name_or_lie_in_a_whole_folder() {
        let mut needed = Needed::default();
        needed.name("pkg/constants", "Loki");
        needed.whole.insert("pkg/prefixed".to_string());
        assert!(needed.wants("pkg/constants/ns.go", b"const Loki = \"loki\""));
        assert!(!needed.wants("pkg/constants/levels.go", b"const Debug = 1"));
        assert!(needed.wants("pkg/prefixed/any.go", b"package prefixed"));
        assert!(!needed.wants("pkg/other/ns.go", b"const Loki = \"loki\""));
        let dirs: Vec<String> = needed.dirs().into_iter().collect();
        assert_eq!(dirs, ["pkg/constants", "pkg/prefixed"]);
    }

    #[test]
    fn a_need_is_asked_once() {
        let mut asked = Needed::default();
        let mut first = Needed::default();
        first.name("a", "X");
        first.whole.insert("b".to_string());
        let first = first.not_asked(&mut asked);
        assert!(!first.is_empty());
        let mut again = Needed::default();
        again.name("a", "X");
        again.name("a", "Y");
        again.name("b", "Z");
        let again = again.not_asked(&mut asked);
        // Only the new name of `a`: `b` was read whole already.
        assert_eq!(again.dirs().into_iter().collect::<Vec<_>>(), ["a"]);
        assert!(again.wants("a/y.go", b"Y") && !again.wants("a/x.go", b"X"));
    }
}
