//! The project index: what rules know beyond one file, built once per run from the files
//! that were parsed.
//!
//! Per package (a folder): its files' facts, the doc comments of its types, the struct fields
//! typed by imported packages, its package-level string constants, and its metric
//! declarations; and the import graph between the repository's own packages (module paths
//! from `go.mod`, or the `use` folders of `go.work`). In diff mode the index holds what the
//! change needs (the changed files, their neighbours and what a rule asked for), so its cost
//! follows the change.

mod modules;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::go::metric_decl::MetricDecl;
use crate::go::prometheus::resolve_string;
use crate::go::{Facts, TypeDecl};
use crate::walk::parent_dir;

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
    /// Its Prometheus metric declarations.
    pub metrics: Vec<MetricDecl>,
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
    /// Package-level identifiers bound to a string constant in its files.
    pub strings: HashMap<String, String>,
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
            for binding in file.facts.bindings.iter().filter(|b| b.func.is_none()) {
                if let Some(value) = resolve_string(&file.facts, &binding.value, None) {
                    package.strings.insert(binding.name.clone(), value);
                }
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

    /// The index of these files and `more` (files already present keep their first version).
    pub fn with_files(self, more: Vec<ParsedFile>) -> ProjectIndex {
        let mut files = self.files;
        let present: std::collections::HashSet<String> =
            files.iter().map(|f| f.rel.clone()).collect();
        files.extend(more.into_iter().filter(|f| !present.contains(&f.rel)));
        ProjectIndex::new(files, self.modules)
    }

    /// The parsed file at repo-relative `rel`.
    pub fn file(&self, rel: &str) -> Option<&ParsedFile> {
        self.by_path.get(rel).map(|&i| &self.files[i])
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
