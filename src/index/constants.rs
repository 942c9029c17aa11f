//! The strings metric declarations are written with, resolved across files and packages:
//! literals, constants and package-level string variables of any file of the package, members
//! of the repository's other packages (`constants.Loki`, through `go.mod`), `+`,
//! `prometheus.BuildFQName` and `fmt.Sprintf("%s_x", ...)`; inside a metric builder, its
//! parameters stand for the arguments of one call of it.

// The index hashes call and identifier names by the hundred thousand: a fast hasher.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::Modules;
use crate::go::{Composite, Expr, Facts, FuncKind};
use crate::walk::parent_dir;

/// How deep identifiers are followed (constants defined through constants).
const MAX_DEPTH: usize = 16;

/// One file the resolver reads.
#[derive(Debug, Clone, Copy)]
pub struct ViewFile<'a> {
    pub rel: &'a str,
    pub facts: &'a Facts,
}

#[derive(Debug, Default)]
struct Consts<'a> {
    /// Package-level bindings by name: (file, binding index).
    bindings: HashMap<&'a str, Vec<(usize, usize)>>,
    /// Names assigned with `=` somewhere in the package: their value is not a constant.
    reassigned: HashSet<&'a str>,
}

/// A set of Go files (one version of a repository, or the part of it a run read), with their
/// package-level bindings by package folder.
pub struct View<'a> {
    pub files: Vec<ViewFile<'a>>,
    packages: HashMap<&'a str, Consts<'a>>,
    /// Files by package folder.
    pub by_dir: HashMap<&'a str, Vec<usize>>,
    pub modules: &'a Modules,
    pub prometheus_import: &'a str,
}

/// Where an expression is evaluated: a file, the function it is in, and the call of a metric
/// builder whose parameters it may name.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub file: usize,
    pub func: Option<usize>,
    pub frame: Option<&'a Frame<'a>>,
}

impl At<'_> {
    pub fn top(file: usize, func: Option<usize>) -> At<'static> {
        At {
            file,
            func,
            frame: None,
        }
    }
}

/// One call of a builder: its parameters stand for the call's arguments.
#[derive(Debug)]
pub struct Frame<'a> {
    /// The builder: its file and function.
    pub file: usize,
    pub func: usize,
    pub args: &'a [Expr],
    /// Where the call is written.
    pub caller: At<'a>,
}

impl<'a> View<'a> {
    pub fn new(files: Vec<ViewFile<'a>>, modules: &'a Modules, prometheus_import: &'a str) -> Self {
        let mut packages: HashMap<&str, Consts> = HashMap::default();
        let mut by_dir: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, file) in files.iter().enumerate() {
            let dir = parent_dir(file.rel);
            by_dir.entry(dir).or_default().push(i);
            let consts = packages.entry(dir).or_default();
            for (b, binding) in file.facts.bindings.iter().enumerate() {
                if binding.func.is_none() {
                    consts
                        .bindings
                        .entry(binding.name.as_str())
                        .or_default()
                        .push((i, b));
                }
            }
            consts
                .reassigned
                .extend(file.facts.reassigned.iter().map(String::as_str));
        }
        View {
            files,
            packages,
            by_dir,
            modules,
            prometheus_import,
        }
    }

    pub fn facts(&self, file: usize) -> &'a Facts {
        self.files[file].facts
    }

    /// The string `expr` denotes at `at`, when it is a constant.
    pub fn string(&self, at: At, expr: &Expr) -> Option<String> {
        self.string_at(at, expr, 0)
    }

    fn string_at(&self, at: At, expr: &Expr, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match expr {
            Expr::Str(value) => Some(value.clone()),
            Expr::Concat(parts) => {
                let mut out = String::new();
                for part in parts {
                    out.push_str(&self.string_at(at, part, depth + 1)?);
                }
                Some(out)
            }
            Expr::Ident(_) | Expr::Selector(..) => {
                let (at, value) = self.denotes(at, expr, depth)?;
                self.string_at(at, value, depth + 1)
            }
            Expr::Call { callee, args } => self.call_string(at, callee, args, depth),
            _ => None,
        }
    }

    /// The end of a name whose namespace is not a constant (a parameter filled at run time):
    /// `prometheus.BuildFQName(system, "server", "bytes_total")` ends with
    /// `server_bytes_total`, written in place or bound to a name.
    pub fn name_tail(&self, at: At, expr: &Expr) -> Option<String> {
        let mut at = at;
        let mut expr = expr;
        for depth in 0..MAX_DEPTH {
            match expr {
                Expr::Ident(_) | Expr::Selector(..) => {
                    (at, expr) = self.denotes(at, expr, depth)?
                }
                Expr::Call { callee, args }
                    if self.calls(at, callee, self.prometheus_import, "BuildFQName") =>
                {
                    let [_, subsystem, name] = &args[..] else {
                        return None;
                    };
                    let name = self.string(at, name).filter(|n| !n.is_empty())?;
                    return Some(match self.string(at, subsystem) {
                        Some(subsystem) if !subsystem.is_empty() => format!("{subsystem}_{name}"),
                        _ => name,
                    });
                }
                _ => return None,
            }
        }
        None
    }

    /// Whether `callee`, written at `at`, is function `function` of the package `path`.
    fn calls(&self, at: At, callee: &Expr, path: &str, function: &str) -> bool {
        let facts = self.facts(at.file);
        match callee {
            Expr::Selector(operand, name) if name == function => operand
                .as_ident()
                .is_some_and(|p| facts.import_path_of(p) == Some(path) && !self.is_local(at, p)),
            Expr::Ident(name) => name == function && facts.dot_imports(path),
            _ => false,
        }
    }

    /// `prometheus.BuildFQName(namespace, subsystem, name)` and `fmt.Sprintf` with `%s`/`%v`.
    fn call_string(&self, at: At, callee: &Expr, args: &[Expr], depth: usize) -> Option<String> {
        if self.calls(at, callee, self.prometheus_import, "BuildFQName") {
            let [namespace, subsystem, name] = args else {
                return None;
            };
            let name = self.string_at(at, name, depth + 1)?;
            if name.is_empty() {
                return Some(String::new());
            }
            let parts = [
                self.string_at(at, namespace, depth + 1)?,
                self.string_at(at, subsystem, depth + 1)?,
                name,
            ];
            return Some(
                parts
                    .iter()
                    .filter(|p| !p.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("_"),
            );
        }
        if self.calls(at, callee, "fmt", "Sprintf") {
            let (format, rest) = args.split_first()?;
            let format = self.string_at(at, format, depth + 1)?;
            let mut values = rest.iter();
            let mut out = String::new();
            let mut chars = format.chars();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                match chars.next()? {
                    '%' => out.push('%'),
                    's' | 'v' => out.push_str(&self.string_at(at, values.next()?, depth + 1)?),
                    _ => return None,
                }
            }
            return values.next().is_none().then_some(out);
        }
        None
    }

    /// True when `name` is a parameter or a local binding visible at `at` (it then shadows a
    /// package name).
    fn is_local(&self, at: At, name: &str) -> bool {
        let facts = self.facts(at.file);
        let mut scope = at.func;
        while let Some(f) = scope {
            let Some(func) = facts.funcs.get(f) else {
                return false;
            };
            if func.param_names.iter().any(|p| p == name)
                || facts
                    .bindings
                    .iter()
                    .any(|b| b.func == Some(f) && b.name == name)
            {
                return true;
            }
            scope = func.enclosing;
        }
        false
    }

    /// What an identifier or a `pkg.Member` selector stands for: the expression it is bound to
    /// and where that is written. `None` for parameters outside a builder call, values that are
    /// reassigned, bound more than once, or not found.
    pub fn denotes<'e>(
        &'e self,
        at: At<'e>,
        expr: &'e Expr,
        depth: usize,
    ) -> Option<(At<'e>, &'e Expr)>
    where
        'a: 'e,
    {
        if depth > MAX_DEPTH {
            return None;
        }
        let facts = self.facts(at.file);
        match expr {
            Expr::Ident(name) => {
                // Innermost function first: its parameters (in a builder call) and bindings.
                let mut scope = at.func;
                while let Some(f) = scope {
                    let func = facts.funcs.get(f)?;
                    let mut found = facts
                        .bindings
                        .iter()
                        .filter(|b| b.func == Some(f) && b.name == *name);
                    match (found.next(), found.next()) {
                        (Some(b), None) => {
                            return Some((
                                At {
                                    file: at.file,
                                    func: Some(f),
                                    frame: at.frame,
                                },
                                &b.value,
                            ))
                        }
                        (Some(_), Some(_)) => return None,
                        (None, _) => {}
                    }
                    if let Some(p) = func.param_names.iter().position(|p| p == name) {
                        let frame = at.frame.filter(|fr| fr.file == at.file && fr.func == f)?;
                        return Some((frame.caller, frame.args.get(p)?));
                    }
                    scope = func.enclosing;
                }
                self.package_member(parent_dir(self.files[at.file].rel), name, at.file)
            }
            Expr::Selector(operand, member) => {
                let package = operand.as_ident()?;
                if self.is_local(at, package) {
                    return None;
                }
                let path = facts.import_path_of(package)?;
                let dir = self.modules.folder_of(path)?;
                let dir = self.by_dir.get_key_value(dir.as_str())?.0;
                self.package_member(dir, member, at.file)
            }
            _ => None,
        }
    }

    /// The single package-level binding of `name` in the package in folder `dir`; test files
    /// count only for a use in a test file.
    fn package_member(&self, dir: &str, name: &str, from: usize) -> Option<(At<'static>, &Expr)> {
        let consts = self.packages.get(dir)?;
        if consts.reassigned.contains(name) {
            return None;
        }
        let from_test = self.files[from].rel.ends_with("_test.go");
        let mut found = consts
            .bindings
            .get(name)?
            .iter()
            .filter(|(f, _)| from_test || !self.files[*f].rel.ends_with("_test.go"));
        let (file, binding) = match (found.next(), found.next()) {
            (Some(one), None) => *one,
            _ => return None,
        };
        let value = &self.facts(file).bindings[binding].value;
        Some((At::top(file, None), value))
    }

    /// The composite literal `expr` denotes: written in place, taken by address, or bound to
    /// an identifier (a local whose fields are not assigned later, or a builder's parameter).
    pub fn composite<'e>(&'e self, at: At<'e>, expr: &'e Expr) -> Option<(At<'e>, &'e Composite)>
    where
        'a: 'e,
    {
        let mut at = at;
        let mut expr = expr;
        for depth in 0..MAX_DEPTH {
            match expr {
                Expr::Composite(c) => return Some((at, c)),
                Expr::AddrOf(inner) => expr = inner,
                Expr::Ident(name) => {
                    let (next, value) = self.denotes(at, expr, depth)?;
                    // A local opts value whose fields are set later is not guessed at; a
                    // builder's parameter is the literal of its call.
                    let is_param = next.file != at.file || next.func != at.func;
                    if !is_param && self.facts(at.file).field_assigned.iter().any(|n| n == name) {
                        return None;
                    }
                    at = next;
                    expr = value;
                }
                Expr::Selector(..) => {
                    let (next, value) = self.denotes(at, expr, depth)?;
                    at = next;
                    expr = value;
                }
                _ => return None,
            }
        }
        None
    }

    /// A `[]string{...}` whose every element is a constant; `nil` is the empty list.
    pub fn strings(&self, at: At, expr: &Expr) -> Option<Vec<String>> {
        if matches!(expr, Expr::Ident(n) if n == "nil") {
            return Some(Vec::new());
        }
        let (at, list) = self.composite(at, expr)?;
        if !list.fields.is_empty() {
            return None;
        }
        list.elements.iter().map(|e| self.string(at, e)).collect()
    }

    /// The keys and values of a `prometheus.Labels{...}` (or `map[string]string{...}`) whose keys
    /// are constants; a value that is not a constant is `None`.
    pub fn labels(&self, at: At, expr: &Expr) -> Option<Vec<(String, Option<String>)>> {
        if matches!(expr, Expr::Ident(n) if n == "nil") {
            return Some(Vec::new());
        }
        let (at, map) = self.composite(at, expr)?;
        let mut out = Vec::new();
        for (key, value) in &map.fields {
            let key = self.key(at, key)?;
            out.push((key, self.string(at, value)));
        }
        out.sort();
        Some(out)
    }

    /// A map key as written (`"code"`, `` `code` ``, or a constant identifier).
    pub fn key(&self, at: At, key: &str) -> Option<String> {
        if key.starts_with('"') {
            return Some(crate::go::extract::string_value(
                key,
                "interpreted_string_literal",
            ));
        }
        if key.starts_with('`') {
            return Some(crate::go::extract::string_value(key, "raw_string_literal"));
        }
        if let Some((package, member)) = key.split_once('.') {
            let expr = Expr::Selector(
                Box::new(Expr::Ident(package.to_string())),
                member.to_string(),
            );
            return self.string(at, &expr);
        }
        if !key.is_empty() && key.chars().all(|c| c == '_' || c.is_alphanumeric()) {
            return self.string(at, &Expr::Ident(key.to_string()));
        }
        None
    }

    /// Whether `expr`, evaluated at `at` without a builder call, depends on a parameter of the
    /// function it is in (or of an enclosing one): the mark of a metric builder.
    pub fn mentions_param(&self, at: At, expr: &Expr) -> bool {
        self.mentions_param_at(at, expr, 0)
    }

    fn mentions_param_at(&self, at: At, expr: &Expr, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let facts = self.facts(at.file);
        match expr {
            Expr::Ident(name) => {
                let mut scope = at.func;
                while let Some(f) = scope {
                    let Some(func) = facts.funcs.get(f) else {
                        return false;
                    };
                    let mut found = facts
                        .bindings
                        .iter()
                        .filter(|b| b.func == Some(f) && b.name == *name);
                    if let Some(b) = found.next() {
                        return found.next().is_none()
                            && self.mentions_param_at(
                                At {
                                    file: at.file,
                                    func: Some(f),
                                    frame: None,
                                },
                                &b.value,
                                depth + 1,
                            );
                    }
                    if func.param_names.iter().any(|p| p == name) {
                        return true;
                    }
                    scope = func.enclosing;
                }
                false
            }
            Expr::Concat(parts) => parts
                .iter()
                .any(|p| self.mentions_param_at(at, p, depth + 1)),
            Expr::Call { args, .. } => args
                .iter()
                .any(|a| self.mentions_param_at(at, a, depth + 1)),
            Expr::AddrOf(inner) => self.mentions_param_at(at, inner, depth + 1),
            Expr::Composite(c) => c
                .fields
                .iter()
                .filter(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "Namespace" | "Subsystem" | "Name" | "Help" | "ConstLabels"
                    )
                })
                .map(|(_, v)| v)
                .chain(&c.elements)
                .any(|v| self.mentions_param_at(at, v, depth + 1)),
            _ => false,
        }
    }

    /// The top-level function or method declaration `func` is (or is inside).
    pub fn top_level(&self, file: usize, func: usize) -> Option<usize> {
        let facts = self.facts(file);
        let mut index = func;
        for _ in 0..64 {
            let f = facts.funcs.get(index)?;
            match f.enclosing {
                Some(outer) => index = outer,
                None => return (!matches!(f.kind, FuncKind::Literal)).then_some(index),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::GoParser;

    fn parse(src: &str) -> Facts {
        GoParser::new()
            .unwrap()
            .parse(src.as_bytes())
            .unwrap()
            .facts
    }

    #[test]
    fn resolves_across_files_packages_concatenation_and_fq_names() {
        let modules = Modules::new(&[(String::new(), "module example.com/shop\n".to_string())]);
        let constants = parse("package constants\n\nconst Shop = \"shop\"\n");
        let a = parse(
            "package api\n\nimport (\n\t\"fmt\"\n\t\"example.com/shop/constants\"\n\t\"github.com/prometheus/client_golang/prometheus\"\n)\n\nvar (\n\tx = prometheus.BuildFQName(namespace, \"api\", \"requests_total\")\n\ty = namespace + \"_\" + sub\n\tz = fmt.Sprintf(\"%s_%s_up\", namespace, sub)\n\tmoved = \"a\"\n)\n\nconst namespace = constants.Shop\n\nfunc init() { moved = \"b\" }\n",
        );
        let b = parse("package api\n\nconst sub = \"http\"\n");
        let view = View::new(
            vec![
                ViewFile {
                    rel: "constants/c.go",
                    facts: &constants,
                },
                ViewFile {
                    rel: "api/a.go",
                    facts: &a,
                },
                ViewFile {
                    rel: "api/b.go",
                    facts: &b,
                },
            ],
            &modules,
            "github.com/prometheus/client_golang/prometheus",
        );
        let value = |name: &str| view.string(At::top(1, None), &Expr::Ident(name.to_string()));
        assert_eq!(value("x").as_deref(), Some("shop_api_requests_total"));
        assert_eq!(value("y").as_deref(), Some("shop_http"));
        assert_eq!(value("z").as_deref(), Some("shop_http_up"));
        assert_eq!(value("moved"), None);
        assert_eq!(value("missing"), None);
    }
}
