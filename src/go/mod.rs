//! Go source: parsing with tree-sitter-go and the facts model rules read.

pub mod extract;
pub mod facts;
pub mod metric_decl;
pub mod parse;
pub mod prometheus;
pub mod routes;
pub mod tokens;

pub use facts::*;
