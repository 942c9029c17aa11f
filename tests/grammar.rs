//! The vendored Go grammar parses the syntax of current Go releases: every file of the corpus
//! in `fixtures/grammar/` (Go 1.26 `new(expr)`, Go 1.27 methods with type parameters) parses
//! without a syntax error, through tree-sitter directly and through the checker, and the new
//! constructs have the node shapes the fact extraction relies on.

use std::path::{Path, PathBuf};

use sre_policy::{check, CheckOptions};
use tree_sitter::{Node, Parser, Tree};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/grammar")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(corpus())
        .into_iter()
        .map(|entry| entry.expect("walk fixtures/grammar").into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "go"))
        .collect();
    files.sort();
    files
}

fn parse(src: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .expect("the vendored grammar loads into tree-sitter");
    parser.parse(src, None).expect("a tree")
}

/// Every ERROR and MISSING node, as `line:column kind`.
fn syntax_errors(node: Node, out: &mut Vec<String>) {
    if node.is_error() || node.is_missing() {
        let at = node.start_position();
        out.push(format!("{}:{} {}", at.row + 1, at.column + 1, node.kind()));
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        syntax_errors(child, out);
    }
}

fn errors_of(src: &str) -> Vec<String> {
    let mut errors = Vec::new();
    syntax_errors(parse(src).root_node(), &mut errors);
    errors
}

/// The first node of `kind` (depth first) whose text is `text`.
fn find<'t>(node: Node<'t>, src: &str, kind: &str, text: &str) -> Option<Node<'t>> {
    if node.kind() == kind && &src[node.byte_range()] == text {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<Node<'t>> = node.children(&mut cursor).collect();
    children.into_iter().find_map(|c| find(c, src, kind, text))
}

fn field_text<'s>(node: Node, field: &str, src: &'s str) -> &'s str {
    node.child_by_field_name(field)
        .map(|n| &src[n.byte_range()])
        .unwrap_or_else(|| panic!("no field {field} in {}", node.to_sexp()))
}

#[test]
fn every_corpus_file_parses_without_a_syntax_error() {
    let files = corpus_files();
    assert!(files.len() >= 3, "corpus missing: {files:?}");
    let mut problems = Vec::new();
    for file in &files {
        let src = std::fs::read_to_string(file).expect("read corpus file");
        for error in errors_of(&src) {
            problems.push(format!("{}:{error}", file.display()));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn invalid_go_still_yields_syntax_errors() {
    for src in [
        "package p\nvar x = new(\n",
        "package p\nvar x = new(1,,)\n",
        "package p\nfunc (r T) M[](x int) {}\n",
        "package p\nfunc (r T) M[P any] {}\n",
    ] {
        assert!(!errors_of(src).is_empty(), "no syntax error in {src:?}");
    }
}

#[test]
fn new_of_an_expression_is_a_call_and_new_of_a_type_keeps_the_type() {
    let src = "package p\nvar a, b, c, d = new(\"x\"), new(1 + 2), new(f()), new(T)\n";
    let tree = parse(src);
    let root = tree.root_node();
    assert!(errors_of(src).is_empty(), "{}", root.to_sexp());
    for (call, argument_kind) in [
        ("new(\"x\")", "interpreted_string_literal"),
        ("new(1 + 2)", "binary_expression"),
        ("new(f())", "call_expression"),
        ("new(T)", "type_identifier"),
    ] {
        let node = find(root, src, "call_expression", call)
            .unwrap_or_else(|| panic!("{call} is not a call_expression: {}", root.to_sexp()));
        assert_eq!(field_text(node, "function", src), "new");
        let arguments = node.child_by_field_name("arguments").expect("arguments");
        assert_eq!(arguments.kind(), "argument_list");
        assert_eq!(
            arguments.named_child(0).map(|n| n.kind()),
            Some(argument_kind),
            "{call}"
        );
    }
}

#[test]
fn a_method_with_type_parameters_keeps_receiver_name_and_parameters() {
    let src = "package p\nfunc (r *Rand) N[Int intType, F ~float64](n Int, f F) Int { return n }\n";
    let tree = parse(src);
    let root = tree.root_node();
    assert!(errors_of(src).is_empty(), "{}", root.to_sexp());
    let method = root.named_child(1).expect("a declaration");
    assert_eq!(method.kind(), "method_declaration", "{}", root.to_sexp());
    assert_eq!(field_text(method, "receiver", src), "(r *Rand)");
    assert_eq!(field_text(method, "name", src), "N");
    assert_eq!(
        field_text(method, "type_parameters", src),
        "[Int intType, F ~float64]"
    );
    assert_eq!(field_text(method, "parameters", src), "(n Int, f F)");
    assert_eq!(field_text(method, "result", src), "Int");
}

#[test]
fn the_checker_parses_the_corpus_without_a_parse_error() {
    let options = CheckOptions {
        path: corpus(),
        no_prefilter: true,
        ..CheckOptions::default()
    };
    let outcome = check(&options).expect("check fixtures/grammar");
    assert_eq!(outcome.stats.files_checked, corpus_files().len());
    assert_eq!(outcome.stats.parse_errors, 0, "{:?}", outcome.findings);
    assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
}
