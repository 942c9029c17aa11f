//! invalid-suppression: a `//sre-policy:ignore` comment without a reason, naming no rule, or
//! naming an unknown rule. Such a suppression has no effect.

use super::{all_of, no_context_words, FileContext, FileOutput, Kind, Needs, RuleInfo, Trigger};
use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::Severity;
use crate::suppress;

pub const ID: &str = "invalid-suppression";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Warning,
    summary: "A `//sre-policy:ignore` comment without a reason or with an unknown rule id",
    doc: include_str!("../../rules/invalid-suppression.md"),
    kind: Kind::File(check),
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

pub fn check(ctx: &FileContext, out: &mut FileOutput) {
    let (_, problems) = suppress::parse(&ctx.facts.comments, &super::ids());
    for (span, message, help) in problems {
        out.findings
            .extend(ctx.finding(ID, span, message, Some(help)));
    }
}
