//! sre-policy: a diff-aware SRE policy linter for Go repositories.

pub mod finding;
pub mod git;
pub mod report;
pub mod rules;
