//! What a change adds, removes and alters, inventory against inventory.

use super::*;

/// What changed between two inventories.
pub(super) fn compare(base: &str, before: &Inventory, after: &Inventory) -> Changes {
    let handler_key = |h: &Handler| {
        if h.name == "func literal" {
            let at = if h.routes.is_empty() {
                format!("#{}", h.line)
            } else {
                h.routes.join(",")
            };
            (h.path.clone(), h.name.clone(), at)
        } else {
            (h.path.clone(), h.name.clone(), String::new())
        }
    };
    let handlers = delta(&before.handlers, &after.handlers, handler_key, |a, b| {
        let mut fields = Vec::new();
        if a.team != b.team {
            fields.push("team");
        }
        if a.routes != b.routes {
            fields.push("routes");
        }
        if a.kind != b.kind {
            fields.push("kind");
        }
        fields
    });
    let metrics = metric_delta(&before.metrics, &after.metrics);
    Changes {
        base: base.to_string(),
        handlers,
        metrics,
    }
}

/// Metrics are matched by name and file first, then by name alone (a metric that moved to
/// another file is altered, not removed and added); metrics without a constant name only by
/// file and line.
fn metric_delta(before: &[Metric], after: &[Metric]) -> Delta<Metric> {
    let mut d = Delta {
        added: Vec::new(),
        removed: Vec::new(),
        altered: Vec::new(),
    };
    let mut old_left: Vec<Option<&Metric>> = before.iter().map(Some).collect();
    let mut new_left: Vec<&Metric> = Vec::new();
    let exact = |a: &Metric, b: &Metric| match (&a.name, &b.name) {
        (Some(x), Some(y)) => x == y && a.complete == b.complete && a.path == b.path,
        (None, None) => a.path == b.path && a.line == b.line,
        _ => false,
    };
    let by_name =
        |a: &Metric, b: &Metric| a.name.is_some() && a.name == b.name && a.complete == b.complete;
    let pair = |old: &Metric, new: &Metric, d: &mut Delta<Metric>| {
        let mut fields = Vec::new();
        if old.kind != new.kind {
            fields.push("type");
        }
        if old.labels != new.labels {
            fields.push("labels");
        }
        if old.const_labels != new.const_labels {
            fields.push("const_labels");
        }
        if old.help != new.help {
            fields.push("help");
        }
        if old.path != new.path {
            fields.push("path");
        }
        if !fields.is_empty() {
            d.altered.push(Altered {
                before: old.clone(),
                after: new.clone(),
                fields,
            });
        }
    };
    for new in after {
        match old_left
            .iter()
            .position(|o| o.is_some_and(|o| exact(o, new)))
        {
            Some(i) => {
                if let Some(old) = old_left[i].take() {
                    pair(old, new, &mut d);
                }
            }
            None => new_left.push(new),
        }
    }
    for new in new_left {
        match old_left
            .iter()
            .position(|o| o.is_some_and(|o| by_name(o, new)))
        {
            Some(i) => {
                if let Some(old) = old_left[i].take() {
                    pair(old, new, &mut d);
                }
            }
            None => d.added.push(new.clone()),
        }
    }
    d.removed.extend(old_left.into_iter().flatten().cloned());
    d
}

fn delta<T: Clone, K: Ord>(
    before: &[T],
    after: &[T],
    key: impl Fn(&T) -> K,
    differ: impl Fn(&T, &T) -> Vec<&'static str>,
) -> Delta<T> {
    let old: BTreeMap<K, &T> = before.iter().rev().map(|t| (key(t), t)).collect();
    let new: BTreeMap<K, &T> = after.iter().rev().map(|t| (key(t), t)).collect();
    let mut d = Delta {
        added: Vec::new(),
        removed: Vec::new(),
        altered: Vec::new(),
    };
    for (k, b) in &new {
        match old.get(k) {
            None => d.added.push((*b).clone()),
            Some(a) => {
                let fields = differ(a, b);
                if !fields.is_empty() {
                    d.altered.push(Altered {
                        before: (*a).clone(),
                        after: (*b).clone(),
                        fields,
                    });
                }
            }
        }
    }
    for (k, a) in &old {
        if !new.contains_key(k) {
            d.removed.push((*a).clone());
        }
    }
    d
}
