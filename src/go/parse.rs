//! Parsing one file with tree-sitter-go, within a time budget.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use tree_sitter::{ParseOptions, Parser};

use super::extract::extract;
use super::facts::Facts;

/// A parse that takes longer than this is abandoned and the file reported as not checked.
pub const PARSE_BUDGET: Duration = Duration::from_secs(10);

/// Why a file yielded no facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseFailure {
    TimedOut,
    Internal(String),
}

/// The facts of a parsed file and whether parts were too deeply nested to look into.
pub struct Parsed {
    pub facts: Facts,
    pub too_deep: bool,
}

/// A tree-sitter parser set to Go; one per thread.
pub struct GoParser {
    parser: Parser,
}

impl GoParser {
    pub fn new() -> Result<Self, ParseFailure> {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_go::LANGUAGE.into())
            .map_err(|e| ParseFailure::Internal(format!("tree-sitter-go: {e}")))?;
        Ok(GoParser { parser })
    }

    /// Parses `src` once and extracts its facts; the tree is dropped before returning.
    pub fn parse(&mut self, src: &[u8]) -> Result<Parsed, ParseFailure> {
        let started = Instant::now();
        let mut timed_out = false;
        let mut progress = |_: &tree_sitter::ParseState| {
            if started.elapsed() > PARSE_BUDGET {
                timed_out = true;
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let options = ParseOptions::new().progress_callback(&mut progress);
        let len = src.len();
        let tree = self.parser.parse_with_options(
            &mut |offset, _| if offset < len { &src[offset..] } else { &[] },
            None,
            Some(options),
        );
        self.parser.reset();
        let Some(tree) = tree else {
            return Err(if timed_out {
                ParseFailure::TimedOut
            } else {
                ParseFailure::Internal("tree-sitter returned no tree".to_string())
            });
        };
        let (facts, too_deep) = extract(tree.root_node(), src);
        Ok(Parsed { facts, too_deep })
    }
}
