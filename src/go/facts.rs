//! The Go facts model: what one parse of a file tells every rule. Owned data, no tree.

use serde::{Deserialize, Serialize};

/// A byte range with the 0-based rows it starts and ends on (rows count `\n` only, as Go does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub start_row: usize,
    pub end_row: usize,
}

/// How an import is named in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportName {
    /// No name: the package's own name, guessed from the path once (it is asked for per call
    /// site).
    Default(String),
    Named(String),
    Dot,
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub path: String,
    pub name: ImportName,
    pub span: Span,
}

impl Import {
    /// The identifier that refers to the package in this file; `None` for dot and blank imports.
    pub fn local_name(&self) -> Option<&str> {
        match &self.name {
            ImportName::Named(name) => Some(name),
            ImportName::Default(guessed) => Some(guessed),
            ImportName::Dot | ImportName::Blank => None,
        }
    }
}

/// The package name an import path conventionally declares, as Go's own tools assume it: the
/// last element, without a major-version element (`echo/v4` → `echo`) or a `go-` prefix
/// (`go-redis` → `redis`), up to its first character that cannot be in an identifier
/// (`yaml.v3` → `yaml`, `minio-go` → `minio`, `nats.go` → `nats`).
pub fn default_package_name(path: &str) -> &str {
    let mut elements = path.rsplit('/');
    let mut last = elements.next().unwrap_or(path);
    if is_major_version(last) {
        if let Some(previous) = elements.next() {
            last = previous;
        }
    }
    let last = last.strip_prefix("go-").unwrap_or(last);
    let end = last
        .char_indices()
        .find(|&(_, c)| !(c == '_' || c.is_alphanumeric()))
        .map_or(last.len(), |(at, _)| at);
    &last[..end]
}

fn is_major_version(element: &str) -> bool {
    element.len() > 1
        && element.starts_with('v')
        && element[1..].bytes().all(|b| b.is_ascii_digit())
}

/// A comment; `own_line` is true when no code precedes it on its first line (Go's doc-comment
/// and line-comment distinction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub span: Span,
    pub text: String,
    pub own_line: bool,
}

/// A type as written in a signature, reduced to what rules compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeRef {
    /// `pkg.Name`, `*pkg.Name`, `Name` or `*Name`.
    Named {
        package: Option<String>,
        name: String,
        pointer: bool,
    },
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FuncKind {
    Function { name: String },
    Method { receiver: String, name: String },
    Literal,
}

/// A function declaration, method declaration or function literal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Func {
    pub kind: FuncKind,
    /// The `func` keyword.
    pub keyword: Span,
    pub span: Span,
    /// One entry per parameter (`w, r T` gives two).
    pub params: Vec<TypeRef>,
    /// The parameters' names, parallel to `params` (`""` for an unnamed one).
    pub param_names: Vec<String>,
    pub results: Vec<TypeRef>,
    /// Index of the innermost enclosing function, if any.
    pub enclosing: Option<usize>,
    /// For literals: the rows whose doc comment or trailing comment may annotate it, innermost
    /// first: the literal's own row, then each enclosing statement or var spec.
    pub context_rows: Vec<usize>,
}

impl Func {
    /// The declared name of a function or method; `None` for a literal.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            FuncKind::Function { name } | FuncKind::Method { name, .. } => Some(name),
            FuncKind::Literal => None,
        }
    }

    /// A readable name for messages: `Name`, `Type.Method` or `func literal`.
    pub fn display_name(&self) -> String {
        match &self.kind {
            FuncKind::Function { name } => name.clone(),
            FuncKind::Method { receiver, name } => format!("{receiver}.{name}"),
            FuncKind::Literal => "func literal".to_string(),
        }
    }
}

/// A type declaration and the rows whose doc comment documents it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeDecl {
    pub name: String,
    pub doc_rows: Vec<usize>,
    /// Index of the function it is declared in; `None` at package level.
    pub scope: Option<usize>,
}

/// An expression, reduced to the shapes rules look into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expr {
    Ident(String),
    Selector(Box<Expr>, String),
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Composite(Composite),
    AddrOf(Box<Expr>),
    /// A string literal or a concatenation of them, decoded.
    Str(String),
    /// `a + b + ...` where some operand is not a literal (a constant, a call).
    Concat(Vec<Expr>),
    Other,
}

impl Expr {
    pub fn as_ident(&self) -> Option<&str> {
        match self {
            Expr::Ident(name) => Some(name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composite {
    pub type_name: Option<Box<Expr>>,
    /// Keyed elements: `Key: value`.
    pub fields: Vec<(String, Expr)>,
    /// Unkeyed elements, in order.
    pub elements: Vec<Expr>,
    /// Where each keyed element, `Key: value`, is written (parallel to `fields`).
    pub field_spans: Vec<Span>,
    /// Where each unkeyed element is written (parallel to `elements`).
    pub element_spans: Vec<Span>,
}

impl Composite {
    pub fn field(&self, key: &str) -> Option<&Expr> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Where the element `key: value` is written, when known.
    pub fn field_span(&self, key: &str) -> Option<Span> {
        let index = self.fields.iter().position(|(k, _)| k == key)?;
        self.field_spans.get(index).copied()
    }
}

/// A call expression anywhere in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub callee: Expr,
    pub args: Vec<Expr>,
    pub span: Span,
    /// Index of the innermost enclosing function; `None` at package level.
    pub func: Option<usize>,
}

/// `name := value`, `var name = value`, `const name = value` or `name = value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub name: String,
    pub value: Expr,
    pub func: Option<usize>,
    pub row: usize,
}

/// A use of an imported package's member, `pkg.Member`, inside a top-level declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageUse {
    /// The local name of the package as written.
    pub package: String,
    /// The whole selector expression as written, e.g. `s.db.QueryRowContext` is not one,
    /// but `sql.Open` is.
    pub text: String,
    pub row: usize,
}

/// `recv.field.Member` inside a top-level declaration: a use of a field's type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldUse {
    pub variable: String,
    pub field: String,
    /// The whole selector as written, e.g. `s.db.QueryRowContext`.
    pub text: String,
    pub row: usize,
}

/// A struct field whose type comes from an imported package: `db *sql.DB`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructField {
    pub struct_name: String,
    pub field: String,
    /// The package's local name in the declaring file.
    pub package: String,
    /// The type's name in that package.
    pub type_name: String,
}

/// A composite literal anywhere in the file: `http.Client{Timeout: t}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeSite {
    /// The literal's type as written (`None` for an elided type inside another literal).
    pub type_name: Option<Expr>,
    /// The keys of its keyed elements.
    pub keys: Vec<String>,
    pub span: Span,
    pub func: Option<usize>,
}

/// A composite literal with the keys of a metric description (`Name`, `Help`, and `Namespace`
/// or `Subsystem`): a repository's own metric descriptor type, or an opts literal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedMetric {
    pub value: Composite,
    pub span: Span,
    pub func: Option<usize>,
}

/// A struct field or a parameter whose type is a type of an imported package, `db *sql.DB`,
/// wherever it is declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedSite {
    pub span: Span,
    /// The package's local name and the type's name.
    pub package: String,
    pub type_name: String,
}

/// A top-level declaration and the imported packages it uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopDecl {
    pub span: Span,
    pub uses: Vec<PackageUse>,
    pub field_uses: Vec<FieldUse>,
    /// For a method: the receiver's name and base type.
    pub receiver: Option<(String, String)>,
    pub is_import: bool,
}

/// Everything one parse of a Go file yields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub package: Option<String>,
    pub imports: Vec<Import>,
    pub comments: Vec<Comment>,
    pub funcs: Vec<Func>,
    pub types: Vec<TypeDecl>,
    pub calls: Vec<Call>,
    pub bindings: Vec<Binding>,
    /// Variables bound to a type assertion (`w := v.(http.ResponseWriter)`, `w, ok := ...`):
    /// their name, function and the asserted type (`Ident` or `Selector`).
    pub asserted: Vec<(String, Option<usize>, Expr)>,
    /// Identifiers whose fields are assigned somewhere (`opts.Help = ...`).
    pub field_assigned: Vec<String>,
    /// Identifiers assigned with `=` (or `+=`, ...) somewhere: variables whose value changes.
    pub reassigned: Vec<String>,
    pub decls: Vec<TopDecl>,
    pub struct_fields: Vec<StructField>,
    pub composites: Vec<CompositeSite>,
    /// Composite literals shaped like a metric description (see [`DescribedMetric`]).
    pub described_metrics: Vec<DescribedMetric>,
    pub typed_sites: Vec<TypedSite>,
    /// ERROR and MISSING nodes, in source order.
    pub syntax_errors: Vec<SyntaxError>,
    /// `for k, v := range x` clauses: routers and route prefixes are often built in a loop.
    pub ranges: Vec<RangeBinding>,
    /// Struct fields typed with a type of the package itself: (field, type name).
    pub local_fields: Vec<(String, String)>,
}

/// A variable of a `range` clause: `name` takes the keys (`position` 0) or the elements
/// (`position` 1) of `over`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeBinding {
    pub name: String,
    pub position: usize,
    pub over: Expr,
    pub func: Option<usize>,
    /// The `for` statement: where the name is in scope.
    pub scope: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxError {
    pub span: Span,
    pub missing: Option<String>,
}

impl Facts {
    /// The top-level declaration that holds 0-based `row`, with its index: a binary search,
    /// since declarations are in source order and do not overlap.
    pub fn decl_at(&self, row: usize) -> Option<(usize, &TopDecl)> {
        let at = self.decls.partition_point(|d| d.span.end_row < row);
        self.decls
            .get(at)
            .filter(|d| d.span.start_row <= row)
            .map(|d| (at, d))
    }

    /// The import spec that holds 0-based `row` (imports are in source order).
    pub fn import_at(&self, row: usize) -> Option<&Import> {
        let at = self.imports.partition_point(|i| i.span.end_row < row);
        self.imports.get(at).filter(|i| i.span.start_row <= row)
    }

    /// Local names under which `path` is imported (several imports of one path are legal).
    pub fn local_names<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.imports
            .iter()
            .filter(move |i| i.path == path)
            .filter_map(Import::local_name)
    }

    /// True when `path` is dot-imported.
    pub fn dot_imports(&self, path: &str) -> bool {
        self.imports
            .iter()
            .any(|i| i.path == path && i.name == ImportName::Dot)
    }

    /// The import path a local package name refers to.
    pub fn import_path_of(&self, local: &str) -> Option<&str> {
        self.imports
            .iter()
            .find(|i| i.local_name() == Some(local))
            .map(|i| i.path.as_str())
    }

    /// The doc comment of whatever starts on `row`: the group of own-line comments whose last
    /// line is `row - 1`, with no blank line inside (Go's adjacency rule).
    pub fn doc_comments(&self, row: usize) -> &[Comment] {
        if row == 0 {
            return &[];
        }
        // Comments are in source order, so their end rows never decrease: a binary search
        // finds the ones ending on `row - 1` (a file may hold tens of thousands of comments
        // and handlers).
        let after = self.comments.partition_point(|c| c.span.end_row < row);
        let Some(last) = self.comments[..after]
            .iter()
            .rev()
            .take_while(|c| c.span.end_row == row - 1)
            .position(|c| c.own_line)
            .map(|back| after - 1 - back)
        else {
            return &[];
        };
        let mut first = last;
        while first > 0 {
            let previous = &self.comments[first - 1];
            let current = &self.comments[first];
            if !previous.own_line || previous.span.end_row + 1 < current.span.start_row {
                break;
            }
            first -= 1;
        }
        &self.comments[first..=last]
    }

    /// Comments that follow code on `row` (line comments).
    pub fn trailing_comments(&self, row: usize) -> impl Iterator<Item = &Comment> {
        // Source order: the comments starting on `row` are one run (binary search for it).
        let from = self.comments.partition_point(|c| c.span.start_row < row);
        self.comments[from..]
            .iter()
            .take_while(move |c| c.span.start_row == row)
            .filter(|c| !c.own_line)
    }

    /// Whether function `inner` is function `outer` or nested in it (`inner` `None`: package
    /// level, in no function).
    pub fn is_within(&self, inner: Option<usize>, outer: usize) -> bool {
        let mut scope = inner;
        while let Some(i) = scope {
            if i == outer {
                return true;
            }
            scope = self.funcs.get(i).and_then(|f| f.enclosing);
        }
        false
    }

    /// The top-level function declaration that holds function `func`: itself, or the one its
    /// literal is nested in.
    pub fn top_function(&self, func: Option<usize>) -> Option<usize> {
        let mut top = None;
        let mut scope = func;
        while let Some(i) = scope {
            top = Some(i);
            scope = self.funcs.get(i)?.enclosing;
        }
        top
    }

    /// Whether a type named `name` is declared where `func`'s signature can see it: at package
    /// level or in a function enclosing `func`.
    pub fn declares_type_visible_from(&self, name: &str, func: &Func) -> bool {
        let mut scopes = vec![None];
        let mut enclosing = func.enclosing;
        while let Some(index) = enclosing {
            scopes.push(Some(index));
            enclosing = self.funcs.get(index).and_then(|f| f.enclosing);
        }
        self.types
            .iter()
            .any(|t| t.name == name && scopes.contains(&t.scope))
    }

    /// The single binding of `name` visible from `func` in this file: one in that function, an
    /// enclosing one or, failing those, at package level. `None` when there is none or more than
    /// one in the nearest scope that has any (reassigned values are not guessed at).
    pub fn unique_binding(&self, name: &str, func: Option<usize>) -> Option<&Binding> {
        let mut scope = func;
        loop {
            let mut found = self
                .bindings
                .iter()
                .filter(|b| b.name == name && b.func == scope);
            match (found.next(), found.next()) {
                (Some(binding), None) => return Some(binding),
                (Some(_), Some(_)) => return None,
                (None, _) => {}
            }
            scope = match scope {
                None => return None,
                Some(i) => self.funcs.get(i).and_then(|f| f.enclosing),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::default_package_name;

    #[test]
    fn package_names_from_paths() {
        assert_eq!(default_package_name("net/http"), "http");
        assert_eq!(default_package_name("github.com/labstack/echo/v4"), "echo");
        assert_eq!(default_package_name("gopkg.in/yaml.v3"), "yaml");
        assert_eq!(
            default_package_name("github.com/redis/go-redis/v9"),
            "redis"
        );
        assert_eq!(default_package_name("fmt"), "fmt");
        assert_eq!(
            default_package_name("github.com/minio/minio-go/v7"),
            "minio"
        );
        assert_eq!(default_package_name("github.com/nats-io/nats.go"), "nats");
        assert_eq!(
            default_package_name("github.com/segmentio/kafka-go"),
            "kafka"
        );
        assert_eq!(
            default_package_name("github.com/rabbitmq/amqp091-go"),
            "amqp091"
        );
    }
}
