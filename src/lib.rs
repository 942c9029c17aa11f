//! sre-policy: a diff-aware SRE policy linter for Go repositories.

pub mod app;
pub mod baseline;
pub mod cli;
pub mod codeowners;
pub mod config;
pub mod data;
pub mod finding;
pub mod fix;
pub mod git;
pub mod go;
pub mod guard;
pub mod index;
pub mod init;
pub mod inventory;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod walk;
pub mod write;

pub use app::run;
pub use pipeline::{check, CheckOptions, CheckOutcome, Scope};
