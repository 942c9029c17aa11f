//! Diff mode: which files a change needs read (the changed Go files, the unchanged neighbours
//! that may hold what their checks need, and what rules ask for), and the change as change
//! rules see it.

use std::collections::{BTreeSet, HashMap, HashSet};

use aho_corasick::AhoCorasick;

use super::read::{Content, Input, Parse, Previous, MAX_FILE_BYTES};
use crate::config::Settings;
use crate::data::RuleData;
use crate::git::{ChangeRequest, ChangeSet, ChangedFile, FileScope, Gate, Repo};
use crate::go::prometheus::mentions_client;
use crate::go::skeleton;
use crate::index::{Bodies, ProjectIndex, Role};
use crate::rules::{self, HeadFiles};
use crate::source::LineIndex;
use crate::walk;

/// The first test of the searches for metrics: the bytes import the Prometheus client.
const IMPORTS_CLIENT: Gate = Gate {
    name: "imports-prometheus-client",
    passes: mentions_client,
};

/// What the enabled rules need prepared, merged.
pub fn needs(settings: &Settings) -> rules::Needs {
    let mut needs = rules::Needs::default();
    for rule in rules::RULES
        .iter()
        .filter(|r| settings.severity(r.id).is_some())
    {
        needs.old_versions |= rule.needs.old_versions;
        needs.repository_metrics |= rule.needs.repository_metrics;
        needs.imported_packages |= rule.needs.imported_packages;
    }
    needs
}

/// The changed Go files as inputs that are checked. With `bodies` (the bodies the change
/// touches or may call, by file), a file is parsed with those and the ones a rule or the
/// index reads; without, whole. With `previous`, a file's version before the change is parsed
/// beside it (unless that version is generated).
pub fn changed_inputs(
    changed: &[&ChangedFile],
    role: Role,
    bodies: Option<&HashMap<String, BTreeSet<String>>>,
    previous: bool,
) -> Vec<Input> {
    changed
        .iter()
        .filter_map(|file| {
            let parse = match bodies.and_then(|bodies| bodies.get(&file.path)) {
                Some(names) => Parse::Declarations(names.clone()),
                None => Parse::Whole,
            };
            let previous = file
                .old_content
                .as_ref()
                .filter(|old| previous && !walk::is_generated(old))
                .map(|old| Previous {
                    src: old.clone(),
                    removed_lines: file.removed_lines.clone(),
                    added_lines: file.added_lines.clone(),
                });
            Some(Input {
                rel: file.path.clone(),
                content: Content::Bytes(file.new_content.clone()?),
                role,
                parse,
                previous,
                earlier: None,
            })
        })
        .collect()
}

/// Whether a changed file is parsed whole, whatever the change touches: an added or deleted
/// file. A kept file that uses the Prometheus client is parsed with the bodies that declare,
/// register or collect its metrics and the helpers they name (descriptions, group lists and
/// the functions that fill them), which the metric rules compare and resolve: parsing all of
/// a big one, such as a query engine whose constructor declares a few metrics, was most of a
/// change's cost.
pub fn parsed_whole(file: &ChangedFile) -> bool {
    file.new_content.is_none() || file.old_content.is_none()
}

/// For each changed file the change keeps (neither added nor deleted), the names of its
/// functions and methods whose declaration holds a changed line in either version or uses a
/// name declared on one, read from the tokens. Both
/// versions are parsed with these bodies and those a rule or the index reads in either
/// version: the change rules compare the touched declarations, and every other body of the
/// file is the same on both sides. A body a rule follows a call into is parsed when it asks
/// ([`ProjectIndex::facts_with_bodies`]).
pub fn touched_in_change(changed: &[&ChangedFile]) -> HashMap<String, BTreeSet<String>> {
    let mut touched = HashMap::new();
    for file in changed {
        let (Some(new), Some(old)) = (&file.new_content, &file.old_content) else {
            continue;
        };
        if parsed_whole(file) {
            continue;
        }
        let mut names = BTreeSet::new();
        for (src, lines) in [(new, &file.added_lines), (old, &file.removed_lines)] {
            let index = LineIndex::new(src);
            let bodies = skeleton::function_bodies(src);
            let rows: Vec<(usize, usize)> = bodies
                .iter()
                .map(|body| {
                    let (first, _) = index.position(body.start);
                    let (last, _) = index.position(body.interior.end);
                    (first, last)
                })
                .collect();
            // A changed constant, variable, type or field is followed to where the file uses it.
            let mut declared = BTreeSet::new();
            let mut records = BTreeSet::new();
            for &line in lines.iter() {
                if !rows
                    .iter()
                    .any(|&(first, last)| (first..=last).contains(&line))
                {
                    let start = index.line_start(line).unwrap_or(src.len());
                    let end = index.line_start(line + 1).unwrap_or(src.len());
                    skeleton::plain_words(src, start..end, &mut declared);
                    records.extend(skeleton::enclosing_struct(src, start));
                }
            }
            let uses = (!declared.is_empty())
                .then(|| AhoCorasick::new(&declared).unwrap_or_else(|_| unreachable!()));
            let records = (!records.is_empty())
                .then(|| AhoCorasick::new(&records).unwrap_or_else(|_| unreachable!()));
            let named = |searcher: &Option<AhoCorasick>, text: &[u8]| {
                searcher.as_ref().is_some_and(|searcher| {
                    searcher
                        .find_iter(text)
                        .any(|m| skeleton::is_whole_word(text, m.range()))
                })
            };
            for (body, (first, last)) in bodies.into_iter().zip(rows) {
                let text = &src[body.interior.clone()];
                let holds_changed_line = lines.iter().any(|line| (first..=last).contains(line));
                // A changed field changes its struct: the functions that take or build a value
                // of it read the field (a method of the struct is not one by its receiver).
                let uses_record =
                    named(&records, &src[body.after_receiver(src)..body.interior.end]);
                if holds_changed_line || named(&uses, text) || uses_record {
                    names.insert(body.name);
                }
            }
        }
        touched.insert(file.path.clone(), names);
    }
    touched
}

/// The context words of the enabled rules that `wanted` accepts.
fn context_words(settings: &Settings, wanted: impl Fn(&rules::RuleInfo) -> bool) -> Vec<String> {
    let data = RuleData::builtin();
    rules::RULES
        .iter()
        .filter(|r| settings.severity(r.id).is_some() && wanted(r))
        .flat_map(|r| (r.context_words)(data, settings))
        .collect()
}

/// The unchanged Go files of the changed files' folders whose bytes hold a word some enabled
/// rule asks for (a receiver type's annotation, an import whose types fields may use), each to
/// be parsed for what it declares.
pub fn neighbour_inputs(
    repo: &Repo,
    request: &ChangeRequest,
    change: &ChangeSet,
    changed: &[&ChangedFile],
    is_go_file: &dyn Fn(&str) -> bool,
    settings: &Settings,
) -> miette::Result<Vec<Input>> {
    let words = context_words(settings, |_| true);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    // Plain strings always build.
    let wanted = AhoCorasick::new(&words).unwrap_or_else(|_| unreachable!());
    let changed_paths: HashSet<&str> = change.files.iter().map(|f| f.path.as_str()).collect();
    let dirs: BTreeSet<&str> = changed.iter().map(|f| walk::parent_dir(&f.path)).collect();
    let unchanged_go = |rel: &str| is_go_file(rel) && !changed_paths.contains(rel);
    let dirs: Vec<&str> = dirs.into_iter().collect();
    let files = repo.new_side_files(
        request,
        FileScope::Folders(&dirs),
        &unchanged_go,
        &|bytes| wanted.is_match(bytes),
        MAX_FILE_BYTES,
    )?;
    Ok(files
        .into_iter()
        .map(|(rel, bytes)| Input::neighbour(rel, bytes, BTreeSet::new()))
        .collect())
}

/// Every Go file at the head of the change that mentions the Prometheus packages and a metric
/// name the change adds or drops, and is not already an input: only those can collide with,
/// or have taken over, a changed metric.
pub fn repository_metric_inputs(
    repo: &Repo,
    request: &ChangeRequest,
    changed: &[&ChangedFile],
    present: &HashSet<String>,
    is_go_file: &dyn Fn(&str) -> bool,
    go_folders: &dyn Fn(&str) -> bool,
) -> miette::Result<Vec<Input>> {
    let needles = changed_name_literals(changed);
    // A change that may stop an endpoint serving the default registry needs every metric the
    // repository registers, to tell which ones are no longer served.
    let every_metric = may_stop_serving_default(changed);
    // A change that drops calls of functions that register the client library's own metrics
    // needs the files that still call them, to tell whether those metrics remain.
    let library_calls: Vec<String> = crate::data::RuleData::builtin()
        .metrics
        .library_functions
        .iter()
        .map(|f| format!("prometheus.{f}("))
        .collect();
    let calls_library = |bytes: &[u8]| mentions(bytes, &library_calls);
    let drops_library = mentioned_less(changed, |_| true, calls_library);
    if needles.is_empty() && !every_metric && !drops_library {
        return Ok(Vec::new());
    }
    // A name written whole in one file may be written in parts in another (`Namespace: ns,
    // Name: "failures_total"`), and the other way round: a literal that ends a name, or a
    // name that ends a literal, at a `_`. A last word alone (`"total"`, `"seconds"`) is not
    // looked for: it is in too many files to say anything.
    let mut quoted: BTreeSet<String> = BTreeSet::new();
    for name in &needles {
        quoted.insert(format!("\"{name}\""));
        quoted.insert(format!("_{name}\""));
        let mut rest = name.as_str();
        while let Some((_, tail)) = rest.split_once('_') {
            if !tail.contains('_') {
                break;
            }
            quoted.insert(format!("\"{tail}\""));
            rest = tail;
        }
    }
    let names = AhoCorasick::new(&quoted)
        .map_err(|e| miette::miette!("internal error building a search for metric names: {e}"))?;
    let wanted_bytes = |bytes: &[u8]| {
        mentions_client(bytes)
            && (every_metric
                || names.is_match(bytes)
                || (drops_library && calls_library(bytes) > 0))
    };
    // Tests are linked into no program: a metric they declare is never exposed.
    let want_path =
        |rel: &str| is_go_file(rel) && !rel.ends_with("_test.go") && !present.contains(rel);
    let files = repo.new_side_files_passing(
        request,
        FileScope::Everywhere(go_folders),
        &want_path,
        IMPORTS_CLIENT,
        &wanted_bytes,
        MAX_FILE_BYTES,
    )?;
    Ok(files
        .into_iter()
        .map(|(rel, bytes)| Input::context(rel, bytes))
        .collect())
}

/// The Go files at the head of the change, not tests and not already read (`present`), that
/// import the Prometheus client and call one of the builders of `calls`, in `folders` or
/// anywhere: each is parsed with the bodies that call one.
pub fn builder_caller_inputs(
    repo: &Repo,
    request: &ChangeRequest,
    calls: &super::builder_calls::BuilderCalls,
    folders: Option<&BTreeSet<String>>,
    present: &HashSet<String>,
    is_go_file: &dyn Fn(&str) -> bool,
    go_folders: &dyn Fn(&str) -> bool,
) -> miette::Result<Vec<Input>> {
    let want_path =
        |rel: &str| is_go_file(rel) && !rel.ends_with("_test.go") && !present.contains(rel);
    let dirs: Vec<&str> = folders.into_iter().flatten().map(String::as_str).collect();
    let scope = match folders {
        Some(_) => FileScope::Folders(&dirs),
        None => FileScope::Everywhere(go_folders),
    };
    let files = repo.new_side_files_passing(
        request,
        scope,
        &want_path,
        IMPORTS_CLIENT,
        &|bytes: &[u8]| mentions_client(bytes) && calls.mentioned(bytes),
        MAX_FILE_BYTES,
    )?;
    Ok(files
        .into_iter()
        .filter_map(|(rel, bytes)| {
            let callers = calls.calling_bodies(&rel, &bytes);
            (!callers.is_empty()).then(|| Input::neighbour(rel, bytes, callers))
        })
        .collect())
}

/// A changed file that serves metrics (it names `promhttp`) mentions the default registry
/// (`promhttp.Handler()`, `DefaultGatherer`, `DefaultRegisterer`) fewer times than before.
fn may_stop_serving_default(changed: &[&ChangedFile]) -> bool {
    mentioned_less(
        changed,
        |old| memchr::memmem::find(old, b"promhttp").is_some(),
        |bytes| {
            mentions(
                bytes,
                &["promhttp.Handler()", "DefaultGatherer", "DefaultRegisterer"],
            )
        },
    )
}

/// Whether a changed file whose previous version `applies` to holds fewer of what `count`
/// counts in its new version (none when deleted) than in its previous one.
fn mentioned_less(
    changed: &[&ChangedFile],
    applies: impl Fn(&[u8]) -> bool,
    count: impl Fn(&[u8]) -> usize,
) -> bool {
    changed.iter().any(|file| {
        file.old_content.as_deref().is_some_and(|old| {
            applies(old) && count(old) > file.new_content.as_deref().map_or(0, &count)
        })
    })
}

/// How many times `bytes` holds one of `needles`.
fn mentions(bytes: &[u8], needles: &[impl AsRef<[u8]>]) -> usize {
    needles
        .iter()
        .map(|needle| memchr::memmem::find_iter(bytes, needle.as_ref()).count())
        .sum()
}

/// The `Name`/`Namespace`/`Subsystem` string literals that differ between the old and new
/// versions of the changed Go files that mention Prometheus; when a file's namespace or
/// subsystem changes, every `Name` of its new version too.
fn changed_name_literals(changed: &[&ChangedFile]) -> Vec<String> {
    let mut needles = BTreeSet::new();
    for file in changed {
        let versions = [&file.old_content, &file.new_content];
        if !versions.into_iter().flatten().any(|b| mentions_client(b)) {
            continue;
        }
        let literals =
            |bytes: &Option<Vec<u8>>| bytes.as_deref().map(keyed_literals).unwrap_or_default();
        let (old, new) = (literals(&file.old_content), literals(&file.new_content));
        let prefix_changed = old.symmetric_difference(&new).any(|(key, _)| key != "Name");
        for (key, value) in old.symmetric_difference(&new) {
            if key == "Name" {
                needles.insert(value.clone());
            }
        }
        if prefix_changed {
            needles.extend(
                new.iter()
                    .filter(|(k, _)| k == "Name")
                    .map(|(_, v)| v.clone()),
            );
        }
    }
    needles.into_iter().filter(|n| !n.is_empty()).collect()
}

/// `(key, value)` for every `Name: "..."`, `Namespace: "..."` and `Subsystem: "..."`.
fn keyed_literals(src: &[u8]) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for key in ["Namespace", "Subsystem", "Name"] {
        for start in memchr::memmem::find_iter(src, key.as_bytes()) {
            let preceded_by_ident =
                start > 0 && (src[start - 1].is_ascii_alphanumeric() || src[start - 1] == b'_');
            if preceded_by_ident {
                continue;
            }
            let rest = trim_blank(&src[start + key.len()..]);
            let Some(rest) = rest.strip_prefix(b":") else {
                continue;
            };
            let Some(rest) = trim_blank(rest).strip_prefix(b"\"") else {
                continue;
            };
            let Some(end) = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b == b'\n')
            else {
                continue;
            };
            if rest[end] == b'"' {
                found.insert((
                    key.to_string(),
                    String::from_utf8_lossy(&rest[..end]).into_owned(),
                ));
            }
        }
    }
    found
}

fn trim_blank(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    &bytes[skip..]
}

/// The folders of the deleted Go files that mention Prometheus, and the repository packages
/// they import: the constants their metric names used. (The head versions of the other files
/// tell the index which folders their names need.)
pub fn metric_folders(
    changed: &[&ChangedFile],
    modules: &crate::index::Modules,
) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for file in changed.iter().filter(|f| f.new_content.is_none()) {
        let versions = [&file.old_content, &file.new_content];
        let versions: Vec<&[u8]> = versions.into_iter().flatten().map(Vec::as_slice).collect();
        if !versions.iter().any(|b| mentions_client(b)) {
            continue;
        }
        dirs.insert(walk::parent_dir(&file.path).to_string());
        for bytes in versions {
            for path in crate::index::headers::header(bytes).1 {
                if let Some(dir) = modules.folder_of(&path) {
                    dirs.insert(dir);
                }
            }
        }
    }
    dirs
}

/// The Go files of these folders at the head of the change.
pub fn folder_inputs(
    repo: &Repo,
    request: &ChangeRequest,
    dirs: &BTreeSet<String>,
    is_go_file: &dyn Fn(&str) -> bool,
) -> miette::Result<Vec<Input>> {
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
    let files = repo.new_side_files(
        request,
        FileScope::Folders(&dirs),
        &|rel| is_go_file(rel) && !rel.ends_with("_test.go"),
        &|_| true,
        MAX_FILE_BYTES,
    )?;
    Ok(files
        .into_iter()
        .map(|(rel, bytes)| Input::context(rel, bytes))
        .collect())
}

/// The Go files at the head of the change that the index does not hold, for their headers.
pub fn unparsed_go_files(
    repo: &Repo,
    request: &ChangeRequest,
    index: &ProjectIndex,
    is_go_file: &dyn Fn(&str) -> bool,
    go_folders: &dyn Fn(&str) -> bool,
) -> miette::Result<Vec<(String, Vec<u8>)>> {
    repo.new_side_files(
        request,
        FileScope::Everywhere(go_folders),
        &|rel| is_go_file(rel) && !rel.ends_with("_test.go") && index.file(rel).is_none(),
        &|_| true,
        MAX_FILE_BYTES,
    )
}

/// The `go.mod` texts of the new side: the root one, and those of the `go.work` folders.
pub fn go_mods(repo: &Repo, request: &ChangeRequest) -> Vec<(String, String)> {
    let read = |dir: &str, name: &str| -> Option<String> {
        let want = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
        let files = repo
            .new_side_files(
                request,
                FileScope::Folders(&[dir]),
                &|rel| rel == want,
                &|_| true,
                1024 * 1024,
            )
            .ok()?;
        let (_, bytes) = files.into_iter().next()?;
        String::from_utf8(bytes).ok()
    };
    super::module_texts(read)
}

/// The Go files of the repository's own packages that the changed files import, when their
/// bytes hold a context word of an enabled rule (one level of imports: what a changed call
/// reaches).
pub fn imported_package_inputs(
    repo: &Repo,
    request: &ChangeRequest,
    index: &ProjectIndex,
    called: &Called,
    is_go_file: &dyn Fn(&str) -> bool,
    settings: &Settings,
) -> miette::Result<Vec<Input>> {
    let words = context_words(settings, |r| r.needs.imported_packages);
    let mut dirs = BTreeSet::new();
    let mut definitions = Vec::new();
    for (path, name) in &called.qualified {
        if let Some(dir) = index.modules.folder_of(path) {
            dirs.insert(dir);
            // The file that defines it: `func Name(` or `func Name[T any](`.
            definitions.extend([format!("func {name}("), format!("func {name}[")]);
        }
    }
    for (path, type_name) in &called.parameter_types {
        if let Some(dir) = index.modules.folder_of(path) {
            dirs.insert(dir);
            definitions.extend(
                called
                    .names
                    .iter()
                    .map(|name| format!("{type_name}) {name}(")),
            );
        }
    }
    if dirs.is_empty() || words.is_empty() {
        return Ok(Vec::new());
    }
    // Plain strings always build.
    let wanted = AhoCorasick::new(&words).unwrap_or_else(|_| unreachable!());
    let defines = AhoCorasick::new(&definitions).unwrap_or_else(|_| unreachable!());
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
    let files = repo.new_side_files(
        request,
        FileScope::Folders(&dirs),
        &|rel| is_go_file(rel) && index.file(rel).is_none_or(|f| f.bodies != Bodies::All),
        &|bytes| wanted.is_match(bytes) && defines.is_match(bytes),
        MAX_FILE_BYTES,
    )?;
    Ok(files
        .into_iter()
        .filter(|(rel, _)| index.file(rel).is_none())
        .map(|(rel, bytes)| Input::neighbour(rel, bytes, BTreeSet::new()))
        .collect())
}

/// The commits of the change, for rules whose waivers cover some of them.
pub struct RepoHistory<'a> {
    pub repo: &'a Repo,
    pub request: &'a ChangeRequest,
    pub commit_ids: &'a [String],
    pub is_go_file: &'a dyn Fn(&str) -> bool,
}

impl rules::History for RepoHistory<'_> {
    fn added_since(&self, after: usize) -> Result<HashMap<String, Vec<usize>>, String> {
        let base = self
            .commit_ids
            .get(after)
            .ok_or_else(|| format!("no commit number {after} in the change"))?;
        let later = ChangeRequest {
            base: Some(base.clone()),
            head: self.request.head.clone(),
            staged: false,
        };
        self.repo
            .fetch_missing_objects(&later, self.is_go_file)
            .map_err(|e| e.to_string())?;
        let change = self
            .repo
            .change_set(&later, self.is_go_file)
            .map_err(|e| e.to_string())?;
        Ok(change
            .files
            .into_iter()
            .map(|f| (f.path, f.added_lines))
            .collect())
    }
}

/// The files at the head of the change, for rules that search them.
pub struct RepoHead<'a> {
    pub repo: &'a Repo,
    pub request: &'a ChangeRequest,
    /// The Go files the check reads, and the folders that may hold them.
    pub is_go_file: &'a dyn Fn(&str) -> bool,
    pub go_folders: &'a dyn Fn(&str) -> bool,
}

impl RepoHead<'_> {
    fn search(
        &self,
        scope: FileScope<'_>,
        want_path: &dyn Fn(&str) -> bool,
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
        done: &(dyn Fn() -> bool + Sync),
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.repo
            .new_side_files_until(self.request, scope, want_path, want_bytes, max_bytes, done)
            .map_err(|e| e.to_string())
    }
}

impl HeadFiles for RepoHead<'_> {
    fn find(
        &self,
        want_path: &dyn Fn(&str) -> bool,
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.search(
            FileScope::Everywhere(&|_| true),
            want_path,
            want_bytes,
            max_bytes,
            &|| false,
        )
    }

    fn find_go(
        &self,
        folders: Option<&[&str]>,
        want_path: &dyn Fn(&str) -> bool,
        want_bytes: &(dyn Fn(&[u8]) -> bool + Sync),
        max_bytes: u64,
        done: &(dyn Fn() -> bool + Sync),
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.search(
            folders.map_or(FileScope::Everywhere(self.go_folders), FileScope::Folders),
            &|rel| (self.is_go_file)(rel) && want_path(rel),
            want_bytes,
            max_bytes,
            done,
        )
    }
}

/// The old versions of the changed files that are not generated, to parse.
pub fn old_sources<'a>(changed: &[&'a ChangedFile]) -> Vec<(&'a str, &'a [u8])> {
    changed
        .iter()
        .filter_map(|file| Some((file.path.as_str(), file.old_content.as_deref()?)))
        .filter(|(_, old)| !walk::is_generated(old))
        .collect()
}

/// What the declarations a change touches call.
#[derive(Debug, Default)]
pub struct Called {
    /// The names of the functions and methods called.
    pub names: HashSet<String>,
    /// (import path, name) of the functions called through an imported package's name.
    pub qualified: BTreeSet<(String, String)>,
    /// (import path, type name) of the imported types of the touched functions' parameters:
    /// a method called on one (`st.Save(id)` with `st *orders.Store`) is defined there.
    pub parameter_types: BTreeSet<(String, String)>,
}

/// Parsed previous versions by path.
pub type OldFacts<'a> = HashMap<&'a str, crate::go::Facts>;

/// The text files besides Go that a check may read: docs, module files, configs, and the
/// rule and dashboard files searched for references. Only partial clones need the list, to
/// fetch them before reading.
pub fn read_besides_go(rel: &str) -> bool {
    const TEXT_EXTENSIONS: &[&str] = &[
        ".md",
        ".mod",
        ".work",
        ".toml",
        ".yml",
        ".yaml",
        ".json",
        ".rules",
        ".libsonnet",
        ".jsonnet",
    ];
    TEXT_EXTENSIONS.iter().any(|ext| rel.ends_with(ext)) || rel.ends_with("CODEOWNERS")
}

#[cfg(test)]
mod tests {
    use super::{keyed_literals, touched_in_change};
    use crate::git::{ChangedFile, FileStatus};

    fn modified(old: &str, new: &str, removed: Vec<usize>, added: Vec<usize>) -> ChangedFile {
        ChangedFile {
            path: "store/store.go".to_string(),
            old_path: None,
            status: FileStatus::Modified,
            added_lines: added,
            removed_lines: removed,
            old_content: Some(old.as_bytes().to_vec()),
            new_content: Some(new.as_bytes().to_vec()),
        }
    }

    fn touched(file: &ChangedFile) -> Option<Vec<String>> {
        touched_in_change(&[file])
            .remove("store/store.go")
            .map(|names| names.into_iter().collect())
    }

    #[test]
    fn touched_bodies_are_those_that_hold_a_changed_line_or_use_a_changed_declaration() {
        let old = "package store\n\nconst maxRows = 10\n\nfunc (s *Store) Query() {\n\ts.db.Query(q, maxRows)\n}\n\nfunc Open(path string) {\n\tos.Open(path)\n}\n\nfunc Close() {\n\tx()\n}\n\nfunc helper() {\n\ty()\n}\n";
        let new = "package store\n\nconst maxRows = 20\n\nfunc (s *Store) Query() {\n\ts.db.Query(q, maxRows)\n}\n\nfunc Open(path string, mode int) {\n\tos.Open(path)\n}\n\nfunc Close() {\n\tx()\n}\n\nfunc helper() {\n\tz()\n}\n";
        // Line 3 (the constant), 9 (Open's signature) and 18 (helper's body) change.
        let file = modified(old, new, vec![3, 9, 18], vec![3, 9, 18]);
        assert_eq!(
            touched(&file),
            Some(vec![
                "Open".to_string(),
                "Query".to_string(),
                "helper".to_string(),
            ])
        );
        // Only a body changed: the others are left out.
        let file = modified(old, new, vec![18], vec![18]);
        assert_eq!(touched(&file), Some(vec!["helper".to_string()]));
    }

    #[test]
    fn an_added_file_is_parsed_whole() {
        let added = ChangedFile {
            old_content: None,
            status: FileStatus::Added,
            ..modified("", "package store\n", vec![], vec![1])
        };
        assert_eq!(touched(&added), None);
    }

    #[test]
    fn a_kept_file_is_parsed_for_what_the_change_touches_whatever_it_imports() {
        let old = "package store\n\nimport \"github.com/prometheus/client_golang/prometheus\"\n\nfunc a() {\n\tx()\n}\n\nfunc b() {\n\ty(prometheus.NewCounter(opts))\n}\n";
        let file = modified(old, old, vec![6], vec![6]);
        assert_eq!(touched(&file), Some(vec!["a".to_string()]));
    }

    #[test]
    fn reads_keyed_name_literals_only() {
        let src = br#"promauto.NewCounter(prometheus.CounterOpts{Namespace: "shop", Name:  "orders_total", Help: "x"})
            var n = Name{}; NameX: "no"; Subsystem :"api""#;
        let found: Vec<(String, String)> = keyed_literals(src).into_iter().collect();
        let expected = [
            ("Name", "orders_total"),
            ("Namespace", "shop"),
            ("Subsystem", "api"),
        ];
        assert_eq!(
            found,
            expected
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .to_vec()
        );
    }
}
