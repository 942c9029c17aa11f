//! The Go grammar for tree-sitter, vendored with the changes listed in `NOTES.md`.

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_go() -> *const ();
}

/// The tree-sitter [`LanguageFn`] for Go.
// SAFETY: `tree_sitter_go` is the generated parser's entry point; it returns a static
// `TSLanguage` as `LanguageFn` expects.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_go) };
