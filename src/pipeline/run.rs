//! Runs the rules of the registry by kind: per file (in parallel), per project, per change.

use rayon::prelude::*;

use super::load::on_worker_stack;
use crate::config::Settings;
use crate::data::RuleData;
use crate::finding::Finding;
use crate::go::prometheus::metric_calls;
use crate::index::{ProjectIndex, Role};
use crate::rules::{
    self, ChangeContext, FileContext, FileOutput, Kind, ProjectContext, RuleOutput,
};
use crate::source::LineIndex;

/// Runs every enabled per-file rule on each checked file that some rule could report on.
pub fn file_rules(index: &ProjectIndex, settings: &Settings) -> Vec<Finding> {
    let data = RuleData::builtin();
    let checks: Vec<_> = rules::RULES
        .iter()
        .filter(|rule| settings.severity(rule.id).is_some())
        .filter_map(|rule| match rule.kind {
            Kind::File(check) => Some(check),
            _ => None,
        })
        .collect();
    if checks.is_empty() {
        return Vec::new();
    }
    on_worker_stack(|| {
        index
            .files
            .par_iter()
            .filter(|file| file.role == Role::Checked && file.relevant)
            .flat_map_iter(|file| {
                let lines = LineIndex::new(&file.src);
                // `promauto.With(nil).NewX(...)` registers nowhere: a stub nobody scrapes, so
                // the metric rules leave it alone (the inventory still lists it).
                let calls: Vec<_> = metric_calls(&file.facts, &data.metrics)
                    .into_iter()
                    .filter(|metric| !metric.registered_nowhere())
                    .collect();
                let fix_team = settings
                    .codeowners
                    .as_ref()
                    .and_then(|owners| owners.team_for(&file.rel, settings.teams_at(&file.rel)));
                let ctx = FileContext {
                    path: &file.rel,
                    file,
                    facts: &file.facts,
                    metric_calls: &calls,
                    index,
                    settings,
                    data,
                    lines: &lines,
                    fix_team: fix_team.as_deref(),
                };
                let mut output = FileOutput::default();
                for check in &checks {
                    check(&ctx, &mut output);
                }
                output.findings
            })
            .collect()
    })
}

/// Runs every enabled project rule.
pub fn project_rules(index: &ProjectIndex, settings: &Settings) -> Vec<Finding> {
    let ctx = ProjectContext {
        index,
        settings,
        data: RuleData::builtin(),
    };
    rules::RULES
        .iter()
        .filter(|rule| settings.severity(rule.id).is_some())
        .filter_map(|rule| match rule.kind {
            Kind::Project(check) => Some(check(&ctx)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Runs every enabled change rule.
pub fn change_rules(ctx: &ChangeContext) -> RuleOutput {
    let mut output = RuleOutput::default();
    for rule in rules::RULES {
        if ctx.settings.severity(rule.id).is_none() {
            continue;
        }
        if let Kind::Change(check) = rule.kind {
            let RuleOutput { findings, notes } = check(ctx);
            output.findings.extend(findings);
            output.notes.extend(notes);
        }
    }
    output
}
