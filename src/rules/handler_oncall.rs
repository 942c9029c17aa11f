//! handler-oncall: every HTTP handler names the team paged for it, `// @oncall-team <team>`.
//!
//! A handler is a func, method or func literal whose parameters are exactly
//! `(http.ResponseWriter, *http.Request)` (any results), or a framework handler from the rule
//! data (`rules/handlers.toml`) or `[handlers] extra`. The annotation is looked for, nearest
//! place first: the doc comment of a func or method, then a method's receiver type doc; for a
//! literal, the comment above (or at the end of the first line of) each statement that contains
//! it, then the doc of the enclosing declaration and its receiver type. The nearest place that
//! has an annotation decides.
//!
//! Middleware is not an endpoint: a func literal that wraps a handler one of its enclosing
//! functions receives (a parameter of type `http.Handler`, `http.HandlerFunc` or a framework's
//! handler type) and calls it (`next.ServeHTTP(w, r)`, `next(c)`), or a gin or fiber literal
//! that calls `c.Next()` on its own context, is not reported unless
//! `[handlers] middleware = "require"`.

use super::{all_of, FileContext, FileOutput, Kind, Needs, RuleInfo, Trigger};
use crate::config::{suggestion, Middleware, Settings};
use crate::data::{FrameworkHandler, RuleData};
use crate::finding::{Severity, TextEdit};
use crate::go::{Comment, Expr, Facts, Func, FuncKind, TypeRef};

pub const ID: &str = "handler-oncall";

pub const RULE: RuleInfo = RuleInfo {
    id: ID,
    default_severity: Severity::Error,
    summary: "HTTP handlers name the team paged for them with `// @oncall-team <team>`",
    doc: include_str!("../../rules/handler-oncall.md"),
    kind: Kind::File(check),
    triggers,
    context_words,
    needs: Needs {
        old_versions: false,
        repository_metrics: false,
        imported_packages: false,
    },
    warning_when_staged: false,
};

/// A handler needs its signature's package and type name; a file with only the tag may hold
/// the doc comment of a receiver type declared there.
fn triggers(data: &RuleData, settings: &Settings) -> Vec<Trigger> {
    let type_word = |type_name: &str| type_name.trim_start_matches('*').to_string();
    let mut triggers = vec![all_of(&[NET_HTTP, "ResponseWriter"]), all_of(&[TAG])];
    let frameworks = data
        .frameworks
        .iter()
        .map(|f| (&f.import, &f.type_name))
        .chain(
            settings
                .extra_handlers
                .iter()
                .map(|e| (&e.import, &e.type_name)),
        );
    for (import, type_name) in frameworks {
        triggers.push(vec![vec![import.clone()], vec![type_word(type_name)]]);
    }
    triggers
}

/// A neighbour file may declare a changed method's receiver type, with its annotation.
fn context_words(_: &RuleData, _: &Settings) -> Vec<String> {
    vec![TAG.to_string()]
}

const NET_HTTP: &str = "net/http";
const TAG: &str = "@oncall-team";

/// The types of net/http a middleware receives the handler it wraps as.
const NET_HTTP_HANDLER_TYPES: &[&str] = &["Handler", "HandlerFunc"];

/// The handler type of each framework of the rule data, by framework name: what its
/// middleware receives and calls (`func(next echo.HandlerFunc) echo.HandlerFunc`).
const FRAMEWORK_HANDLER_TYPES: &[(&str, &str)] = &[
    ("gin", "HandlerFunc"),
    ("echo", "HandlerFunc"),
    ("fiber", "Handler"),
];

/// Frameworks whose middleware hands over to the rest of the chain through the context the
/// handler receives (`c.Next()`) rather than through a handler it was given.
const CONTEXT_NEXT_FRAMEWORKS: &[&str] = &["gin", "fiber"];

/// One `@oncall-team` line; `team` is `None` when nothing follows the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub team: Option<String>,
}

/// The `@oncall-team` lines of a comment group. The tag must open a comment line, so prose
/// that merely mentions it does not count.
pub fn annotations<'c>(comments: impl IntoIterator<Item = &'c Comment>) -> Vec<Annotation> {
    let mut found = Vec::new();
    for comment in comments {
        let body = comment
            .text
            .strip_prefix("//")
            .or_else(|| {
                comment
                    .text
                    .strip_prefix("/*")
                    .map(|b| b.strip_suffix("*/").unwrap_or(b))
            })
            .unwrap_or(&comment.text);
        for line in body.lines() {
            let line = line.trim_start();
            let line = line.strip_prefix('*').unwrap_or(line).trim_start();
            let Some(rest) = line.strip_prefix(TAG) else {
                continue;
            };
            if rest
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != ':')
            {
                continue;
            }
            let team = rest
                .trim_start_matches(':')
                .split_whitespace()
                .next()
                .map(|t| t.trim_end_matches([',', '.', ';']).to_string())
                .filter(|t| !t.is_empty());
            found.push(Annotation { team });
        }
    }
    found
}

/// Which kind of handler `func` is, if it is one.
pub fn handler_kind(
    func: &Func,
    facts: &Facts,
    ctx_settings: &Settings,
    frameworks: &[FrameworkHandler],
) -> Option<String> {
    if is_net_http_handler(func, facts) {
        return Some("net/http".to_string());
    }
    let [param] = func.params.as_slice() else {
        return None;
    };
    for framework in frameworks {
        if type_is(param, func, facts, &framework.import, &framework.type_name)
            && returns_only(func, framework.returns.as_deref())
        {
            return Some(framework.name.clone());
        }
    }
    ctx_settings
        .extra_handlers
        .iter()
        .find(|extra| type_is(param, func, facts, &extra.import, &extra.type_name))
        .map(|extra| extra.import.clone())
}

fn is_net_http_handler(func: &Func, facts: &Facts) -> bool {
    let [writer, request] = func.params.as_slice() else {
        return false;
    };
    type_is(writer, func, facts, NET_HTTP, "ResponseWriter")
        && type_is(request, func, facts, NET_HTTP, "*Request")
}

/// Whether `ty` is `type_name` (`*Name` for a pointer) of the package imported from `import`.
fn type_is(ty: &TypeRef, func: &Func, facts: &Facts, import: &str, type_name: &str) -> bool {
    let (want_pointer, want_name) = match type_name.strip_prefix('*') {
        Some(name) => (true, name),
        None => (false, type_name),
    };
    let TypeRef::Named {
        package,
        name,
        pointer,
    } = ty
    else {
        return false;
    };
    if *pointer != want_pointer || name != want_name {
        return false;
    }
    match package {
        Some(package) => facts.local_names(import).any(|local| local == package),
        // A type of the same name declared in the file shadows the dot-imported one.
        None => facts.dot_imports(import) && !facts.declares_type_visible_from(name, func),
    }
}

fn returns_only(func: &Func, returns: Option<&str>) -> bool {
    let Some(want) = returns else {
        return true;
    };
    matches!(func.results.as_slice(), [TypeRef::Named { package: None, name, pointer: false }] if name == want)
}

/// Whether the func literal `facts.funcs[index]` is middleware: it calls a handler that one
/// of its enclosing functions receives as a parameter, directly (`next(w, r)`) or through
/// `ServeHTTP`, or, for gin and fiber, hands over to the rest of the chain through its own
/// context (`c.Next()`); in its own body or in a literal nested in it.
pub fn is_middleware(index: usize, facts: &Facts, frameworks: &[FrameworkHandler]) -> bool {
    let Some(func) = facts.funcs.get(index) else {
        return false;
    };
    if !matches!(func.kind, FuncKind::Literal) {
        return false;
    }
    let mut wrapped: Vec<&str> = Vec::new();
    let mut enclosing = func.enclosing;
    while let Some(outer) = enclosing.and_then(|i| facts.funcs.get(i)) {
        wrapped.extend(
            named_params(outer)
                .filter(|(ty, _)| is_handler_type(ty, outer, facts, frameworks))
                .map(|(_, name)| name),
        );
        enclosing = outer.enclosing;
    }
    let contexts: Vec<&str> = named_params(func)
        .filter(|(ty, _)| {
            frameworks
                .iter()
                .filter(|framework| CONTEXT_NEXT_FRAMEWORKS.contains(&framework.name.as_str()))
                .any(|framework| type_is(ty, func, facts, &framework.import, &framework.type_name))
        })
        .map(|(_, name)| name)
        .collect();
    if wrapped.is_empty() && contexts.is_empty() {
        return false;
    }
    facts.calls.iter().any(|call| {
        let hands_over = match &call.callee {
            Expr::Ident(name) => wrapped.contains(&name.as_str()),
            Expr::Selector(operand, method) => match (operand.as_ref(), method.as_str()) {
                (Expr::Ident(name), "ServeHTTP") => wrapped.contains(&name.as_str()),
                (Expr::Ident(name), "Next") => {
                    call.args.is_empty() && contexts.contains(&name.as_str())
                }
                _ => false,
            },
            _ => false,
        };
        hands_over && facts.is_within(call.func, index)
    })
}

/// The parameters of `func` that have a usable name, with their types.
fn named_params(func: &Func) -> impl Iterator<Item = (&TypeRef, &str)> {
    func.params
        .iter()
        .zip(&func.param_names)
        .map(|(ty, name)| (ty, name.as_str()))
        .filter(|(_, name)| !name.is_empty() && *name != "_")
}

/// Whether `ty` is a handler type a middleware wraps: net/http's `Handler` or `HandlerFunc`,
/// or the handler type of a framework of the rule data.
fn is_handler_type(
    ty: &TypeRef,
    func: &Func,
    facts: &Facts,
    frameworks: &[FrameworkHandler],
) -> bool {
    NET_HTTP_HANDLER_TYPES
        .iter()
        .any(|name| type_is(ty, func, facts, NET_HTTP, name))
        || frameworks.iter().any(|framework| {
            FRAMEWORK_HANDLER_TYPES
                .iter()
                .filter(|(name, _)| *name == framework.name)
                .any(|(_, type_name)| type_is(ty, func, facts, &framework.import, type_name))
        })
}

pub fn check(ctx: &FileContext, out: &mut FileOutput) {
    let facts = ctx.facts;
    let teams = ctx.settings.teams_at(ctx.path);
    let on_types = receiver_fixes(ctx);
    for (index, func) in facts.funcs.iter().enumerate() {
        if handler_kind(func, facts, ctx.settings, &ctx.data.frameworks).is_none() {
            continue;
        }
        if ctx.settings.middleware == Middleware::Skip
            && is_middleware(index, facts, &ctx.data.frameworks)
        {
            continue;
        }
        let name = func.display_name();
        let (places, receiver) = annotation_places(func, facts);
        let decided = places.into_iter().find(|p| !p.is_empty());
        let missing = || {
            let mut help = missing_help(func, facts, teams);
            let fix = match &func.kind {
                FuncKind::Method { receiver, .. } => on_types
                    .iter()
                    .find(|(name, _)| name == receiver)
                    .map(|(_, edit)| Ok(edit.clone())),
                _ => None,
            }
            .unwrap_or_else(|| fix_or_reason(func, ctx));
            let fix = match fix {
                Ok(edit) => Some(edit),
                Err(Some(reason)) => {
                    help.push_str(&format!(" ({}{reason})", crate::finding::NO_FIX));
                    None
                }
                Err(None) => None,
            };
            let mut finding = ctx.finding(
                ID,
                func.keyword,
                format!("HTTP handler `{name}` has no `// @oncall-team <team>` annotation"),
                Some(help),
            )?;
            finding.fix = fix;
            Some(finding)
        };
        let decided = decided.or_else(|| {
            // The receiver type may be declared, with its doc, in another file of the package.
            let receiver = receiver?;
            if facts.types.iter().any(|t| t.name == receiver) {
                return None;
            }
            let dir = crate::walk::parent_dir(ctx.path);
            let found = ctx
                .index
                .types_named(dir, &receiver)
                .flat_map(|(file, decl)| {
                    decl.doc_rows
                        .iter()
                        .map(|&row| annotations(file.facts.doc_comments(row)))
                })
                .find(|found| !found.is_empty());
            found
        });
        let finding = match decided {
            Some(found) => verdict(&found, &name, teams)
                .and_then(|(message, help)| ctx.finding(ID, func.keyword, message, Some(help))),
            None => missing(),
        };
        out.findings.extend(finding.map(|mut finding| {
            // A change to the comments above the handler (its annotation removed or its team
            // changed) is a change to this finding.
            finding.context_lines = Some((annotation_top(func, facts) + 1, finding.line));
            finding
        }));
    }
}

/// With `--fix`, the receiver types of this file that get the annotation once, on their own
/// doc comment, with that edit: every handler method of the type is in this file (none in
/// another file of the package), there are two or more, none is annotated, and CODEOWNERS
/// gives the file one team.
fn receiver_fixes(ctx: &FileContext) -> Vec<(String, TextEdit)> {
    let Some(team) = ctx.fix_team else {
        return Vec::new();
    };
    let facts = ctx.facts;
    let handler_methods = |facts: &Facts, receiver: &str| -> Vec<usize> {
        facts
            .funcs
            .iter()
            .enumerate()
            .filter(
                |(_, f)| matches!(&f.kind, FuncKind::Method { receiver: r, .. } if r == receiver),
            )
            .filter(|(_, f)| handler_kind(f, facts, ctx.settings, &ctx.data.frameworks).is_some())
            .map(|(i, _)| i)
            .collect()
    };
    let dir = crate::walk::parent_dir(ctx.path);
    let mut fixes = Vec::new();
    for decl in facts.types.iter().filter(|t| t.scope.is_none()) {
        let methods = handler_methods(facts, &decl.name);
        if methods.len() < 2 {
            continue;
        }
        let unannotated = methods.iter().all(|&i| {
            annotation_places(&facts.funcs[i], facts)
                .0
                .iter()
                .all(Vec::is_empty)
        });
        let elsewhere = ctx
            .index
            .package_files(dir)
            .filter(|file| file.rel != ctx.path)
            .any(|file| !handler_methods(&file.facts, &decl.name).is_empty());
        if !unannotated || elsewhere {
            continue;
        }
        if let Some(edit) = decl
            .doc_rows
            .first()
            .and_then(|&row| tag_edit(ctx, row, team))
        {
            fixes.push((decl.name.clone(), edit));
        }
    }
    fixes
}

/// The edit `--fix` makes for `func`, or why there is none (`None`: nothing worth saying, e.g.
/// the repository has no CODEOWNERS).
fn fix_or_reason(func: &Func, ctx: &FileContext) -> Result<TextEdit, Option<String>> {
    let Some(team) = ctx.fix_team else {
        let owners = ctx.settings.codeowners.as_ref().filter(|o| !o.is_empty());
        return Err(owners.and_then(|owners| {
            owners
                .team_or_reason(ctx.path, ctx.settings.teams_at(ctx.path))
                .err()
        }));
    };
    let row = match func.kind {
        FuncKind::Literal => func
            .context_rows
            .get(1)
            .or(func.context_rows.first())
            .copied(),
        _ => Some(func.span.start_row),
    };
    row.and_then(|row| tag_edit(ctx, row, team))
        .ok_or_else(|| Some("no line above it to hold the annotation".to_string()))
}

/// The first row (0-based) of the comments that may annotate `func`: the doc comment of the
/// declaration, or of the statement that holds a literal.
fn annotation_top(func: &Func, facts: &Facts) -> usize {
    let row = match func.kind {
        FuncKind::Literal => func
            .context_rows
            .get(1)
            .or(func.context_rows.first())
            .copied()
            .unwrap_or(func.span.start_row),
        _ => func.span.start_row,
    };
    facts
        .doc_comments(row)
        .first()
        .map_or(row, |c| c.span.start_row)
}

/// `// @oncall-team <team>` as the last line of the doc comment of the declaration or
/// statement on `row` (0-based), indented like it: the doc's first sentence, which `go doc`
/// shows, stays as it is. Above a top-level declaration with a doc comment the tag is a
/// paragraph of its own (after a `//` line); directives (`//go:generate`, `//nolint:…`) stay
/// last, after a `//` line, as gofmt keeps them.
fn tag_edit(ctx: &FileContext, row: usize, team: &str) -> Option<TextEdit> {
    let docs = ctx.facts.doc_comments(row);
    let directives = docs
        .iter()
        .rev()
        .take_while(|c| crate::go::is_directive(c.text.as_bytes()))
        .count();
    let before_row = match directives {
        0 => row,
        n => docs[docs.len() - n].span.start_row,
    };
    // A doc comment that does not already end with a blank `//` line gets one before the tag.
    let needs_blank = docs[..docs.len() - directives]
        .last()
        .is_some_and(|last| last.text.trim_end() != "//");
    let start = ctx.lines.line_start(before_row + 1)?;
    let line = ctx.lines.line_text(row + 1);
    let indent: String = line
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .map(|&b| char::from(b))
        .collect();
    // Lines written keep the file's line breaks.
    let crlf = ctx
        .lines
        .line_start(row + 2)
        .and_then(|next| next.checked_sub(2))
        .and_then(|at| ctx.file.src.get(at))
        == Some(&b'\r');
    let newline = if crlf { "\r\n" } else { "\n" };
    let blank = format!("//{newline}");
    let separator = if needs_blank && indent.is_empty() {
        blank.as_str()
    } else {
        ""
    };
    // gofmt separates directives from the text above them with a blank `//` line.
    let before_directives = if directives > 0 && indent.is_empty() {
        blank.as_str()
    } else {
        ""
    };
    Some(TextEdit {
        start,
        end: start,
        replacement: format!(
            "{separator}{indent}// @oncall-team {team}{newline}{before_directives}"
        ),
    })
}

/// Annotation places of `func`, nearest first, and the receiver type whose doc would come
/// next when it is declared in another file.
pub fn annotation_places(func: &Func, facts: &Facts) -> (Vec<Vec<Annotation>>, Option<String>) {
    let mut places = Vec::new();
    let mut declaration = func;
    if matches!(func.kind, FuncKind::Literal) {
        for &row in &func.context_rows {
            places.push(annotations(facts.doc_comments(row)));
            places.push(annotations(facts.trailing_comments(row)));
        }
        let mut enclosing = func.enclosing;
        while let Some(index) = enclosing {
            let Some(outer) = facts.funcs.get(index) else {
                break;
            };
            declaration = outer;
            enclosing = outer.enclosing;
        }
        if matches!(declaration.kind, FuncKind::Literal) {
            return (places, None);
        }
    }
    places.push(annotations(facts.doc_comments(declaration.span.start_row)));
    let FuncKind::Method { receiver, .. } = &declaration.kind else {
        return (places, None);
    };
    for decl in facts.types.iter().filter(|t| &t.name == receiver) {
        for &row in &decl.doc_rows {
            places.push(annotations(facts.doc_comments(row)));
        }
    }
    (places, Some(receiver.clone()))
}

/// The problem with the annotations of the place that decided, if any: (message, help).
pub fn verdict(found: &[Annotation], name: &str, allowed: &[String]) -> Option<(String, String)> {
    if found.iter().any(|a| a.team.is_none()) {
        return Some((
            format!("`@oncall-team` annotation of handler `{name}` names no team"),
            format!(
                "write the team after the tag: `// @oncall-team <team>`{}",
                teams_hint(allowed)
            ),
        ));
    }
    let mut teams: Vec<&str> = found.iter().filter_map(|a| a.team.as_deref()).collect();
    teams.sort_unstable();
    teams.dedup();
    if let [first, second, ..] = teams.as_slice() {
        return Some((
            format!("handler `{name}` names two different teams: `{first}` and `{second}`"),
            "keep one `// @oncall-team` line: one team is paged for a handler".to_string(),
        ));
    }
    let team = teams.first()?;
    if allowed.is_empty() || allowed.iter().any(|t| t == team) {
        return None;
    }
    let known: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let message = match suggestion(team, &known) {
        Some(close) => format!(
            "unknown team `{team}` in `@oncall-team` of handler `{name}`; did you mean `{close}`?"
        ),
        None => format!("unknown team `{team}` in `@oncall-team` of handler `{name}`"),
    };
    Some((
        message,
        format!(
            "teams allowed by `teams` in .sre-policy.toml: {}",
            known.join(", ")
        ),
    ))
}

fn teams_hint(teams: &[String]) -> String {
    if teams.is_empty() {
        String::new()
    } else {
        format!(" (one of: {})", teams.join(", "))
    }
}

fn missing_help(func: &Func, facts: &Facts, teams: &[String]) -> String {
    let place = match &func.kind {
        FuncKind::Literal => {
            let enclosing = func
                .enclosing
                .and_then(|i| facts.funcs.get(i))
                .filter(|f| !matches!(f.kind, FuncKind::Literal))
                .map(|f| format!(", or to the doc comment of `{}`", f.display_name()))
                .unwrap_or_default();
            format!("on the line above the statement that holds it{enclosing}")
        }
        FuncKind::Method { receiver, .. } => {
            format!("to its doc comment (or to the doc comment of type `{receiver}`)")
        }
        FuncKind::Function { .. } => "to its doc comment".to_string(),
    };
    format!(
        "add `// @oncall-team <team>` {place}, naming the team paged when it fails{}",
        teams_hint(teams)
    )
}
