//! One walk over a tree-sitter-go tree that fills the facts model.

use std::collections::HashSet;

use std::sync::OnceLock;

use tree_sitter::{Node, TreeCursor};

use super::facts::*;
use super::fields::FIELD;

/// Deeper nesting than this is not looked into (real Go code stays far below it); the file is
/// then reported as only partly checked.
pub const MAX_DEPTH: usize = 2_000;

/// Statements and specs whose comments may annotate a function literal inside them.
const CONTEXT_KINDS: &[&str] = &[
    "expression_statement",
    "short_var_declaration",
    "assignment_statement",
    "return_statement",
    "go_statement",
    "defer_statement",
    "if_statement",
    "for_statement",
    "expression_switch_statement",
    "type_switch_statement",
    "select_statement",
    "labeled_statement",
    "var_declaration",
    "const_declaration",
    "send_statement",
    "var_spec",
    "const_spec",
    "expression_case",
    "default_case",
    "type_case",
    "communication_case",
    "keyed_element",
];

/// What the walk does with a node kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Other,
    Comment,
    Error,
    PackageClause,
    ImportSpec,
    Func,
    TypeSpec,
    Call,
    Assignment,
    Spec,
    Selector,
    FieldDeclaration,
    Parameter,
    QualifiedType,
    Composite,
    Range,
}

/// Roles and context flags indexed by tree-sitter-go's node kind id, built once.
struct KindTable {
    roles: Vec<Role>,
    context: Vec<bool>,
}

fn kind_table() -> &'static KindTable {
    static TABLE: OnceLock<KindTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
        let count = language.node_kind_count();
        let mut table = KindTable {
            roles: vec![Role::Other; count],
            context: vec![false; count],
        };
        for id in 0..count {
            let Ok(kind_id) = u16::try_from(id) else {
                break;
            };
            if !language.node_kind_is_named(kind_id) {
                continue;
            }
            let Some(name) = language.node_kind_for_id(kind_id) else {
                continue;
            };
            table.roles[id] = match name {
                "comment" => Role::Comment,
                "package_clause" => Role::PackageClause,
                "import_spec" => Role::ImportSpec,
                "function_declaration" | "method_declaration" | "func_literal" => Role::Func,
                "type_spec" | "type_alias" => Role::TypeSpec,
                "call_expression" => Role::Call,
                "short_var_declaration" | "assignment_statement" => Role::Assignment,
                "var_spec" | "const_spec" => Role::Spec,
                "selector_expression" => Role::Selector,
                "field_declaration" => Role::FieldDeclaration,
                "parameter_declaration" => Role::Parameter,
                "composite_literal" => Role::Composite,
                "qualified_type" => Role::QualifiedType,
                "range_clause" => Role::Range,
                _ => Role::Other,
            };
            table.context[id] = CONTEXT_KINDS.contains(&name);
        }
        table
    })
}

/// Extracts the facts of the file `src` parsed as `root`.
pub fn extract(root: Node, src: &[u8]) -> (Facts, bool) {
    let mut extractor = Extractor {
        src,
        text: std::str::from_utf8(src).ok(),
        facts: Facts::default(),
        func_stack: Vec::new(),
        context_rows: Vec::new(),
        current_decl: None,
        import_names: HashSet::new(),
        too_deep: false,
    };
    let mut cursor = root.walk();
    for child in root.children(&mut cursor) {
        let kind = child.kind();
        let is_decl = !matches!(kind, "comment" | "package_clause" | ";" | "\n");
        if is_decl {
            extractor.facts.decls.push(TopDecl {
                span: span(child),
                uses: Vec::new(),
                field_uses: Vec::new(),
                receiver: None,
                is_import: kind == "import_declaration",
            });
            extractor.current_decl = Some(extractor.facts.decls.len() - 1);
        }
        let mut cursor = child.walk();
        extractor.visit(&mut cursor, 1);
        extractor.current_decl = None;
    }
    extractor.mark_own_line_comments();
    if root.has_error() && extractor.facts.syntax_errors.is_empty() && !extractor.too_deep {
        extractor.facts.syntax_errors.push(root_syntax_error(root));
    }
    (extractor.facts, extractor.too_deep)
}

/// The syntax error of a tree whose errors the walk did not meet: the root itself is an
/// `ERROR` node (e.g. 100,000 unclosed parentheses). It is placed at the first top-level child
/// that is not a well-formed declaration.
fn root_syntax_error(root: Node) -> SyntaxError {
    const WELL_FORMED: &[&str] = &[
        "package_clause",
        "import_declaration",
        "function_declaration",
        "method_declaration",
        "type_declaration",
        "var_declaration",
        "const_declaration",
        "comment",
    ];
    let mut cursor = root.walk();
    let culprit = root
        .children(&mut cursor)
        .find(|child| child.has_error() || !WELL_FORMED.contains(&child.kind()));
    let at = culprit.map(span).unwrap_or_else(|| span(root));
    SyntaxError {
        span: at,
        missing: None,
    }
}

struct Extractor<'s> {
    src: &'s [u8],
    /// `src` when it is valid UTF-8 (checked once, not once per node).
    text: Option<&'s str>,
    facts: Facts,
    func_stack: Vec<usize>,
    context_rows: Vec<usize>,
    current_decl: Option<usize>,
    import_names: HashSet<String>,
    too_deep: bool,
}

fn span(node: Node) -> Span {
    Span {
        start: node.start_byte(),
        end: node.end_byte(),
        start_row: node.start_position().row,
        end_row: node.end_position().row,
    }
}

impl<'s> Extractor<'s> {
    fn text(&self, node: Node) -> &'s str {
        let range = node.start_byte()..node.end_byte();
        match self.text {
            Some(text) => text.get(range).unwrap_or(""),
            None => std::str::from_utf8(&self.src[range]).unwrap_or(""),
        }
    }

    /// Visits the node under `cursor` and, depth first, its named descendants; one cursor
    /// serves the whole walk, and node kinds are told apart by id, not by name.
    fn visit(&mut self, cursor: &mut TreeCursor<'_>, depth: usize) {
        let node = cursor.node();
        if depth > MAX_DEPTH {
            self.too_deep = true;
            return;
        }
        if node.is_missing() {
            self.facts.syntax_errors.push(SyntaxError {
                span: span(node),
                missing: Some(node.kind().to_string()),
            });
            return;
        }
        let kinds = kind_table();
        let role = if node.is_error() {
            Role::Error
        } else {
            kinds
                .roles
                .get(usize::from(node.kind_id()))
                .copied()
                .unwrap_or(Role::Other)
        };
        let mut pushed_func = false;
        match role {
            Role::Comment => {
                self.facts.comments.push(Comment {
                    span: span(node),
                    text: self.text(node).to_string(),
                    own_line: false,
                });
                return;
            }
            Role::Error => self.facts.syntax_errors.push(SyntaxError {
                span: span(node),
                missing: None,
            }),
            Role::PackageClause => {
                if let Some(name) = named_child_of_kind(node, "package_identifier") {
                    self.facts.package = Some(self.text(name).to_string());
                }
            }
            Role::ImportSpec => {
                self.import_spec(node);
                return;
            }
            Role::Func => {
                self.func(node);
                pushed_func = true;
            }
            Role::TypeSpec => self.type_spec(node),
            Role::Call => self.call(node),
            Role::Assignment => self.assignment(node),
            Role::Spec => self.spec(node),
            Role::Selector => {
                self.package_use(node, FIELD.operand);
                self.field_use(node);
            }
            Role::FieldDeclaration => {
                self.struct_field(node);
                self.local_field(node);
                self.typed_site(node);
            }
            Role::Parameter => self.typed_site(node),
            Role::Composite => self.composite_site(node),
            Role::QualifiedType => self.package_use(node, FIELD.package),
            Role::Range => self.range_clause(node),
            Role::Other => {}
        }
        let is_context = kinds
            .context
            .get(usize::from(node.kind_id()))
            .copied()
            .unwrap_or(false);
        if is_context {
            self.context_rows.push(node.start_position().row);
        }
        if cursor.goto_first_child() {
            loop {
                let child = cursor.node();
                if child.is_named() || child.is_missing() {
                    self.visit(cursor, depth + 1);
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
            cursor.goto_parent();
        }
        if is_context {
            self.context_rows.pop();
        }
        if pushed_func {
            self.func_stack.pop();
        }
    }

    fn import_spec(&mut self, node: Node) {
        let Some(path_node) = node.child_by_field_id(FIELD.path.get()) else {
            return;
        };
        let path = string_value(self.text(path_node), path_node.kind());
        let name = match node.child_by_field_id(FIELD.name.get()) {
            None => ImportName::Default(default_package_name(&path).to_string()),
            Some(n) => match n.kind() {
                "dot" => ImportName::Dot,
                "blank_identifier" => ImportName::Blank,
                _ => ImportName::Named(self.text(n).to_string()),
            },
        };
        let import = Import {
            path,
            name,
            span: span(node),
        };
        if let Some(local) = import.local_name() {
            self.import_names.insert(local.to_string());
        }
        self.facts.imports.push(import);
    }

    fn func(&mut self, node: Node) {
        let kind = match node.kind() {
            "function_declaration" => FuncKind::Function {
                name: self.field_text(node, FIELD.name),
            },
            "method_declaration" => FuncKind::Method {
                receiver: node
                    .child_by_field_id(FIELD.receiver.get())
                    .and_then(|r| named_child_of_kind(r, "parameter_declaration"))
                    .and_then(|p| p.child_by_field_id(FIELD.type_.get()))
                    .map(|t| self.base_type_name(t))
                    .unwrap_or_default(),
                name: self.field_text(node, FIELD.name),
            },
            _ => FuncKind::Literal,
        };
        if let (FuncKind::Method { receiver, .. }, Some(decl)) = (&kind, self.current_decl) {
            let name = node
                .child_by_field_id(FIELD.receiver.get())
                .and_then(|r| named_child_of_kind(r, "parameter_declaration"))
                .and_then(|p| p.child_by_field_id(FIELD.name.get()))
                .map(|n| self.text(n).to_string());
            if let Some(name) = name {
                self.facts.decls[decl].receiver = Some((name, receiver.clone()));
            }
        }
        let keyword = node
            .child(0)
            .filter(|c| c.kind() == "func")
            .map(span)
            .unwrap_or_else(|| span(node));
        let params = node
            .child_by_field_id(FIELD.parameters.get())
            .map(|p| self.parameter_types(p))
            .unwrap_or_default();
        let param_names = node
            .child_by_field_id(FIELD.parameters.get())
            .map(|p| self.parameter_names(p))
            .unwrap_or_default();
        let results = match node.child_by_field_id(FIELD.result.get()) {
            None => Vec::new(),
            Some(r) if r.kind() == "parameter_list" => self.parameter_types(r),
            Some(r) => vec![self.type_ref(r)],
        };
        let context_rows = if matches!(kind, FuncKind::Literal) {
            std::iter::once(node.start_position().row)
                .chain(self.context_rows.iter().rev().copied())
                .collect()
        } else {
            Vec::new()
        };
        self.facts.funcs.push(Func {
            kind,
            keyword,
            span: span(node),
            params,
            param_names,
            results,
            enclosing: self.func_stack.last().copied(),
            context_rows,
        });
        self.func_stack.push(self.facts.funcs.len() - 1);
    }

    fn field_text(&self, node: Node, field: super::fields::FieldId) -> String {
        node.child_by_field_id(field.get())
            .map(|n| self.text(n).to_string())
            .unwrap_or_default()
    }

    /// `T`, `*T`, `T[K]`, `*T[K]`, `(T)` → `T`. A loop, not recursion: hostile input may
    /// nest pointer and parenthesized types 100,000 deep.
    fn base_type_name(&self, mut node: Node) -> String {
        loop {
            let next = match node.kind() {
                "type_identifier" => return self.text(node).to_string(),
                "pointer_type" | "parenthesized_type" => node.named_child(0),
                "generic_type" => node.child_by_field_id(FIELD.type_.get()),
                _ => None,
            };
            match next {
                Some(inner) => node = inner,
                None => return String::new(),
            }
        }
    }

    fn parameter_types(&self, list: Node) -> Vec<TypeRef> {
        let mut types = Vec::new();
        let mut cursor = list.walk();
        for param in list.named_children(&mut cursor) {
            if !matches!(
                param.kind(),
                "parameter_declaration" | "variadic_parameter_declaration"
            ) {
                continue;
            }
            let type_ref = match param.child_by_field_id(FIELD.type_.get()) {
                Some(t) if param.kind() == "parameter_declaration" => self.type_ref(t),
                _ => TypeRef::Other,
            };
            let mut names_cursor = param.walk();
            let names = param
                .children_by_field_id(FIELD.name, &mut names_cursor)
                .count()
                .max(1);
            types.extend(std::iter::repeat_n(type_ref, names));
        }
        types
    }

    /// The names of the parameters, one per parameter as in `parameter_types`.
    fn parameter_names(&self, list: Node) -> Vec<String> {
        let mut names = Vec::new();
        let mut cursor = list.walk();
        for param in list.named_children(&mut cursor) {
            if !matches!(
                param.kind(),
                "parameter_declaration" | "variadic_parameter_declaration"
            ) {
                continue;
            }
            let mut names_cursor = param.walk();
            let before = names.len();
            names.extend(
                param
                    .children_by_field_id(FIELD.name, &mut names_cursor)
                    .map(|n| self.text(n).to_string()),
            );
            if names.len() == before {
                names.push(String::new());
            }
        }
        names
    }

    /// A field or parameter typed by an imported package.
    fn typed_site(&mut self, node: Node) {
        let Some(type_node) = node.child_by_field_id(FIELD.type_.get()) else {
            return;
        };
        let TypeRef::Named {
            package: Some(package),
            name,
            ..
        } = self.type_ref(type_node)
        else {
            return;
        };
        self.facts.typed_sites.push(TypedSite {
            span: span(node),
            package,
            type_name: name,
        });
    }

    fn composite_site(&mut self, node: Node) {
        let type_name = node
            .child_by_field_id(FIELD.type_.get())
            .map(|t| self.expr(t, 0))
            .filter(|t| *t != Expr::Other);
        let mut keys = Vec::new();
        if let Some(body) = node.child_by_field_id(FIELD.body.get()) {
            let mut cursor = body.walk();
            for element in body.named_children(&mut cursor) {
                if element.kind() == "keyed_element" {
                    if let Some(key) = element.child_by_field_id(FIELD.key.get()) {
                        keys.push(self.text(key).trim().to_string());
                    }
                }
            }
        }
        let has = |key: &str| keys.iter().any(|k| k == key);
        if has("Name") && has("Help") && (has("Namespace") || has("Subsystem")) {
            if let Expr::Composite(value) = self.expr(node, 0) {
                self.facts
                    .described_metrics
                    .push(crate::go::facts::DescribedMetric {
                        value,
                        span: span(node),
                        func: self.func_stack.last().copied(),
                    });
            }
        }
        self.facts.composites.push(CompositeSite {
            type_name,
            keys,
            span: span(node),
            func: self.func_stack.last().copied(),
        });
    }

    /// `pkg.T`, `T`, `*pkg.T`, `*T`, through parentheses; a pointer to a pointer is `Other`.
    /// A loop, not recursion (see `base_type_name`).
    fn type_ref(&self, mut node: Node) -> TypeRef {
        let mut pointers = 0usize;
        loop {
            let inner = match node.kind() {
                "pointer_type" => {
                    pointers += 1;
                    node.named_child(0)
                }
                "parenthesized_type" => node.named_child(0),
                _ => break,
            };
            match inner {
                Some(inner) => node = inner,
                None => return TypeRef::Other,
            }
        }
        let (package, name) = match node.kind() {
            "qualified_type" => (
                Some(self.field_text(node, FIELD.package)),
                self.field_text(node, FIELD.name),
            ),
            "type_identifier" => (None, self.text(node).to_string()),
            _ => return TypeRef::Other,
        };
        match pointers {
            0 | 1 => TypeRef::Named {
                package,
                name,
                pointer: pointers == 1,
            },
            _ => TypeRef::Other,
        }
    }

    fn type_spec(&mut self, node: Node) {
        let name = self.field_text(node, FIELD.name);
        let mut doc_rows = vec![node.start_position().row];
        if let Some(parent) = node.parent() {
            let declaration = if parent.kind() == "type_declaration" {
                Some(parent)
            } else {
                parent.parent().filter(|p| p.kind() == "type_declaration")
            };
            if let Some(declaration) = declaration {
                let row = declaration.start_position().row;
                if !doc_rows.contains(&row) {
                    doc_rows.push(row);
                }
            }
        }
        self.facts.types.push(TypeDecl {
            name,
            doc_rows,
            scope: self.func_stack.last().copied(),
        });
    }

    fn call(&mut self, node: Node) {
        let callee = node
            .child_by_field_id(FIELD.function.get())
            .map(|f| self.expr(f, 0))
            .unwrap_or(Expr::Other);
        let args = node
            .child_by_field_id(FIELD.arguments.get())
            .map(|a| self.expr_list(a, 0))
            .unwrap_or_default();
        self.facts.calls.push(Call {
            callee,
            args,
            span: span(node),
            func: self.func_stack.last().copied(),
        });
    }

    /// A struct field typed with a type of the file's own package (`health *healthHandler`):
    /// a handler a router may be given as `s.health`.
    fn local_field(&mut self, node: Node) {
        let Some(type_name) = node
            .child_by_field_id(FIELD.type_.get())
            .map(|t| self.type_ref(t))
            .and_then(|t| match t {
                TypeRef::Named {
                    package: None,
                    name,
                    ..
                } => Some(name),
                _ => None,
            })
        else {
            return;
        };
        let mut cursor = node.walk();
        let names: Vec<String> = node
            .children_by_field_id(FIELD.name, &mut cursor)
            .map(|n| self.text(n).to_string())
            .collect();
        for field in names {
            self.facts.local_fields.push((field, type_name.clone()));
        }
    }

    /// `for k, v := range x`: the names and what they range over.
    fn range_clause(&mut self, node: Node) {
        let (Some(left), Some(right)) = (
            node.child_by_field_id(FIELD.left.get()),
            node.child_by_field_id(FIELD.right.get()),
        ) else {
            return;
        };
        let over = self.expr(right, 0);
        let scope = node.parent().map_or_else(|| span(node), span);
        let mut cursor = left.walk();
        let names: Vec<Node> = left.named_children(&mut cursor).collect();
        for (position, name) in names.into_iter().enumerate() {
            if name.kind() == "identifier" && self.text(name) != "_" {
                self.facts.ranges.push(RangeBinding {
                    name: self.text(name).to_string(),
                    position,
                    over: over.clone(),
                    func: self.func_stack.last().copied(),
                    scope,
                });
            }
        }
    }

    fn assignment(&mut self, node: Node) {
        let (Some(left), Some(right)) = (
            node.child_by_field_id(FIELD.left.get()),
            node.child_by_field_id(FIELD.right.get()),
        ) else {
            return;
        };
        let mut cursor = left.walk();
        let targets: Vec<Node> = left.named_children(&mut cursor).collect();
        let values = self.expr_list(right, 0);
        let row = node.start_position().row;
        let reassigns = node.kind() == "assignment_statement";
        self.assertion(&targets, right);
        for (i, target) in targets.iter().enumerate() {
            match target.kind() {
                "identifier" => {
                    if reassigns {
                        self.facts.reassigned.push(self.text(*target).to_string());
                    }
                    // `f, err := os.Open(p)`: the first name is what the call makes.
                    let value = if targets.len() == values.len() {
                        values[i].clone()
                    } else if i == 0 && values.len() == 1 && matches!(values[0], Expr::Call { .. })
                    {
                        values[0].clone()
                    } else {
                        Expr::Other
                    };
                    self.facts.bindings.push(Binding {
                        name: self.text(*target).to_string(),
                        value,
                        func: self.func_stack.last().copied(),
                        row,
                    });
                }
                "selector_expression" => {
                    if let Some(operand) = target
                        .child_by_field_id(FIELD.operand.get())
                        .filter(|o| o.kind() == "identifier")
                    {
                        self.facts
                            .field_assigned
                            .push(self.text(operand).to_string());
                    }
                }
                _ => {}
            }
        }
    }

    /// `w := v.(T)` or `w, ok := v.(T)`: `w` holds a `T`.
    fn assertion(&mut self, targets: &[Node], right: Node) {
        let mut cursor = right.walk();
        let values: Vec<Node> = right.named_children(&mut cursor).collect();
        let (Some(target), [value]) = (targets.first(), values.as_slice()) else {
            return;
        };
        if target.kind() != "identifier" || value.kind() != "type_assertion_expression" {
            return;
        }
        if let Some(type_name) = value.child_by_field_id(FIELD.type_.get()) {
            let type_name = self.expr(type_name, 0);
            self.facts.asserted.push((
                self.text(*target).to_string(),
                self.func_stack.last().copied(),
                type_name,
            ));
        }
    }

    fn spec(&mut self, node: Node) {
        let mut cursor = node.walk();
        let names: Vec<String> = node
            .children_by_field_id(FIELD.name, &mut cursor)
            .filter(|n| n.kind() == "identifier")
            .map(|n| self.text(n).to_string())
            .collect();
        let values = node
            .child_by_field_id(FIELD.value.get())
            .map(|v| self.expr_list(v, 0))
            .unwrap_or_default();
        let row = node.start_position().row;
        let paired = names.len() == values.len();
        for (i, name) in names.into_iter().enumerate() {
            let value = match values.get(i) {
                Some(value) if paired => value.clone(),
                _ => Expr::Other,
            };
            self.facts.bindings.push(Binding {
                name,
                value,
                func: self.func_stack.last().copied(),
                row,
            });
        }
    }

    fn package_use(&mut self, node: Node, field: super::fields::FieldId) {
        let Some(decl) = self.current_decl else {
            return;
        };
        let Some(package) = node.child_by_field_id(field.get()) else {
            return;
        };
        if !matches!(package.kind(), "identifier" | "package_identifier") {
            return;
        }
        let name = self.text(package);
        if !self.import_names.contains(name) {
            return;
        }
        let package_use = PackageUse {
            package: name.to_string(),
            text: self.text(node).to_string(),
            row: node.start_position().row,
        };
        self.facts.decls[decl].uses.push(package_use);
    }

    /// `x.field.Member`: recorded so a field's imported type can be looked up later.
    fn field_use(&mut self, node: Node) {
        let Some(decl) = self.current_decl else {
            return;
        };
        let Some(inner) = node
            .child_by_field_id(FIELD.operand.get())
            .filter(|o| o.kind() == "selector_expression")
        else {
            return;
        };
        let (Some(variable), Some(field)) = (
            inner
                .child_by_field_id(FIELD.operand.get())
                .filter(|o| o.kind() == "identifier"),
            inner.child_by_field_id(FIELD.field.get()),
        ) else {
            return;
        };
        let field_use = FieldUse {
            variable: self.text(variable).to_string(),
            field: self.text(field).to_string(),
            text: self.text(node).to_string(),
            row: node.start_position().row,
        };
        self.facts.decls[decl].field_uses.push(field_use);
    }

    /// A struct field typed with a named type: an imported package's (`db *sql.DB`,
    /// `c pb.Client`) or this package's (`r *fileReader`, with no package).
    fn struct_field(&mut self, node: Node) {
        let Some(struct_name) = node
            .parent()
            .and_then(|list| list.parent())
            .filter(|s| s.kind() == "struct_type")
            .and_then(|s| s.parent())
            .filter(|spec| spec.kind() == "type_spec")
            .map(|spec| self.field_text(spec, FIELD.name))
        else {
            return;
        };
        let type_ref = node
            .child_by_field_id(FIELD.type_.get())
            .map(|t| self.type_ref(t));
        // An imported type keeps its package's local name; a type of this package has none.
        let package = match node
            .child_by_field_id(FIELD.type_.get())
            .and_then(qualified_package)
        {
            Some(p) => self.text(p).to_string(),
            None if matches!(type_ref, Some(TypeRef::Named { package: None, .. })) => String::new(),
            None => return,
        };
        let type_name = match type_ref {
            Some(TypeRef::Named { name, .. }) => name,
            _ => String::new(),
        };
        let mut cursor = node.walk();
        let mut names: Vec<String> = node
            .children_by_field_id(FIELD.name, &mut cursor)
            .map(|n| self.text(n).to_string())
            .collect();
        // An embedded field is named by its type (`client.Client` is the field `Client`).
        if names.is_empty() && !type_name.is_empty() {
            names.push(type_name.clone());
        }
        for field in names {
            self.facts.struct_fields.push(StructField {
                struct_name: struct_name.clone(),
                field,
                package: package.clone(),
                type_name: type_name.clone(),
            });
        }
    }

    fn expr_list(&self, node: Node, depth: usize) -> Vec<Expr> {
        let mut cursor = node.walk();
        node.named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .map(|c| self.expr(c, depth))
            .collect()
    }

    /// Converts an expression, looking at most a few levels deep.
    fn expr(&self, node: Node, depth: usize) -> Expr {
        if depth > 8 {
            return Expr::Other;
        }
        match node.kind() {
            "identifier" | "field_identifier" | "package_identifier" | "type_identifier" => {
                Expr::Ident(self.text(node).to_string())
            }
            // A predeclared identifier in Go.
            "nil" => Expr::Ident("nil".to_string()),
            "selector_expression" => match (
                node.child_by_field_id(FIELD.operand.get()),
                node.child_by_field_id(FIELD.field.get()),
            ) {
                (Some(operand), Some(field)) => Expr::Selector(
                    Box::new(self.expr(operand, depth + 1)),
                    self.text(field).to_string(),
                ),
                _ => Expr::Other,
            },
            "qualified_type" => Expr::Selector(
                Box::new(Expr::Ident(self.field_text(node, FIELD.package))),
                self.field_text(node, FIELD.name),
            ),
            "call_expression" => Expr::Call {
                callee: Box::new(
                    node.child_by_field_id(FIELD.function.get())
                        .map(|f| self.expr(f, depth + 1))
                        .unwrap_or(Expr::Other),
                ),
                args: node
                    .child_by_field_id(FIELD.arguments.get())
                    .map(|a| self.expr_list(a, depth + 1))
                    .unwrap_or_default(),
            },
            "composite_literal" => {
                let type_name = node
                    .child_by_field_id(FIELD.type_.get())
                    .map(|t| Box::new(self.expr(t, depth + 1)));
                match node.child_by_field_id(FIELD.body.get()) {
                    Some(body) => Expr::Composite(self.literal_value(body, type_name, depth)),
                    None => Expr::Other,
                }
            }
            "literal_value" => Expr::Composite(self.literal_value(node, None, depth)),
            "unary_expression" => {
                let is_address = node
                    .child_by_field_id(FIELD.operator.get())
                    .is_some_and(|op| self.text(op) == "&");
                match node.child_by_field_id(FIELD.operand.get()) {
                    Some(operand) if is_address => {
                        Expr::AddrOf(Box::new(self.expr(operand, depth + 1)))
                    }
                    _ => Expr::Other,
                }
            }
            "interpreted_string_literal" | "raw_string_literal" => {
                Expr::Str(string_value(self.text(node), node.kind()))
            }
            "binary_expression" => {
                let is_plus = node
                    .child_by_field_id(FIELD.operator.get())
                    .is_some_and(|op| self.text(op) == "+");
                let left = node
                    .child_by_field_id(FIELD.left.get())
                    .map(|l| self.expr(l, depth + 1));
                let right = node
                    .child_by_field_id(FIELD.right.get())
                    .map(|r| self.expr(r, depth + 1));
                match (is_plus, left, right) {
                    (true, Some(Expr::Str(l)), Some(Expr::Str(r))) => Expr::Str(l + &r),
                    // Metric names are often built as `namespace + "_x"`: kept for the index,
                    // which knows the constants of every package.
                    (true, Some(l), Some(r)) if l != Expr::Other && r != Expr::Other => {
                        let mut parts = match l {
                            Expr::Concat(parts) => parts,
                            l => vec![l],
                        };
                        parts.push(r);
                        Expr::Concat(parts)
                    }
                    _ => Expr::Other,
                }
            }
            "parenthesized_expression" | "literal_element" => node
                .named_children(&mut node.walk())
                .find(|c| c.kind() != "comment")
                .map(|inner| self.expr(inner, depth + 1))
                .unwrap_or(Expr::Other),
            _ => Expr::Other,
        }
    }

    fn literal_value(&self, body: Node, type_name: Option<Box<Expr>>, depth: usize) -> Composite {
        let mut composite = Composite {
            type_name,
            fields: Vec::new(),
            elements: Vec::new(),
            field_spans: Vec::new(),
            element_spans: Vec::new(),
        };
        let mut cursor = body.walk();
        for element in body.named_children(&mut cursor) {
            match element.kind() {
                "keyed_element" => {
                    let key = element
                        .child_by_field_id(FIELD.key.get())
                        .map(|k| self.text(k).trim().to_string())
                        .unwrap_or_default();
                    let value = element
                        .child_by_field_id(FIELD.value.get())
                        .map(|v| self.expr(v, depth + 1))
                        .unwrap_or(Expr::Other);
                    composite.fields.push((key, value));
                    composite.field_spans.push(span(element));
                }
                "literal_element" => {
                    composite.elements.push(self.expr(element, depth + 1));
                    composite.element_spans.push(span(element));
                }
                _ => {}
            }
        }
        composite
    }

    /// A comment is on its own line when only white space, or other own-line comments,
    /// precede it on that line.
    fn mark_own_line_comments(&mut self) {
        for i in 0..self.facts.comments.len() {
            let start = self.facts.comments[i].span.start;
            let mut j = start;
            while j > 0 && matches!(self.src[j - 1], b' ' | b'\t' | b'\r' | 0x0C) {
                j -= 1;
            }
            let own_line = if j == 0 || self.src[j - 1] == b'\n' {
                true
            } else {
                i > 0 && {
                    let previous = &self.facts.comments[i - 1];
                    previous.span.end == j && previous.own_line
                }
            };
            self.facts.comments[i].own_line = own_line;
        }
    }
}

/// The package identifier of `pkg.T`, `*pkg.T`, `[]pkg.T`, `map[K]pkg.T`, `pkg.T[X]`.
/// Nesting of types looked through by `qualified_package` (real code stays far below it).
const MAX_TYPE_DEPTH: usize = 64;

fn qualified_package(node: Node) -> Option<Node> {
    qualified_package_within(node, MAX_TYPE_DEPTH)
}

fn qualified_package_within(node: Node, depth: usize) -> Option<Node> {
    let depth = depth.checked_sub(1)?;
    match node.kind() {
        "qualified_type" => node.child_by_field_id(FIELD.package.get()),
        "generic_type" => node
            .child_by_field_id(FIELD.type_.get())
            .and_then(|n| qualified_package_within(n, depth)),
        "map_type" => node
            .child_by_field_id(FIELD.value.get())
            .and_then(|n| qualified_package_within(n, depth)),
        "pointer_type" | "slice_type" | "array_type" | "channel_type" | "parenthesized_type" => {
            let mut cursor = node.walk();
            let found = node
                .named_children(&mut cursor)
                .find_map(|n| qualified_package_within(n, depth));
            found
        }
        _ => None,
    }
}

fn named_child_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    let found = node.named_children(&mut cursor).find(|c| c.kind() == kind);
    found
}

/// The value of a Go string literal; escapes in interpreted strings are decoded.
pub fn string_value(literal: &str, kind: &str) -> String {
    if kind == "raw_string_literal" {
        return literal
            .strip_prefix('`')
            .and_then(|s| s.strip_suffix('`'))
            .unwrap_or(literal)
            .replace('\r', "");
    }
    let inner = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(literal);
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => value.push('\n'),
            Some('t') => value.push('\t'),
            Some('r') => value.push('\r'),
            Some('v') => value.push('\u{0B}'),
            Some('f') => value.push('\u{0C}'),
            Some('a') => value.push('\u{07}'),
            Some('b') => value.push('\u{08}'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                push_code(&mut value, &hex);
            }
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                push_code(&mut value, &hex);
            }
            Some('U') => {
                let hex: String = chars.by_ref().take(8).collect();
                push_code(&mut value, &hex);
            }
            Some(other) => value.push(other),
            None => {}
        }
    }
    value
}

fn push_code(value: &mut String, hex: &str) {
    if let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
        value.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::string_value;

    #[test]
    fn decodes_string_literals() {
        assert_eq!(
            string_value(r#""a\tb\"c""#, "interpreted_string_literal"),
            "a\tb\"c"
        );
        assert_eq!(
            string_value(r#""\x41\u00e9""#, "interpreted_string_literal"),
            "Aé"
        );
        assert_eq!(string_value("`raw\\n`", "raw_string_literal"), "raw\\n");
    }
}
