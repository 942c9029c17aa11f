//! unused-suppression: a `//sre-policy:ignore` comment that suppresses nothing.
//!
//! Judged after every other rule ran and every suppression was applied; a suppression of a
//! rule that did not run (turned off, or a diff rule outside diff mode) is never unused.

use super::{all_of, no_context_words, Kind, Needs, RuleInfo, Trigger, UnusedContext};
use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::{Finding, Severity};
use crate::suppress;

pub const ID: &str = "unused-suppression";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Warning,
    summary: "A `//sre-policy:ignore` comment that suppresses nothing",
    doc: include_str!("../../rules/unused-suppression.md"),
    kind: Kind::UnusedSuppressions(check),
    triggers,
    context_words: no_context_words,
    needs: Needs {
        old_versions: false,
        repository_metrics: false,
        imported_packages: false,
    },
    warning_when_staged: false,
};

fn triggers(_: &RuleData, _: &Settings) -> Vec<Trigger> {
    vec![all_of(&[suppress::DIRECTIVE])]
}

pub fn check(ctx: &UnusedContext) -> Vec<Finding> {
    let Some(severity) = ctx.settings.severity(ID) else {
        return Vec::new();
    };
    ctx.unused
        .iter()
        .map(|unused| {
            super::make_finding(
                unused.lines,
                unused.path,
                ID,
                severity,
                unused.suppression.span,
                format!("suppression of {} suppresses nothing", unused.rule),
                Some(
                    "remove it, or move it to the line of the finding or the line above"
                        .to_string(),
                ),
            )
        })
        .collect()
}
