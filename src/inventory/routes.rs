//! Routes across files and packages: each registration call of a router (net/http
//! `ServeMux`, gorilla/mux, chi, gin, echo, fiber, httprouter, prometheus' `route.Router`, or a
//! repository function that receives the pattern and the handler and registers them) with its
//! full route (the prefixes of subrouters, groups, mounts and `http.StripPrefix` joined in),
//! its methods, and the handlers of the repository it reaches through wrappers.
//!
//! Values are followed through what one parse tells: local bindings (the declaration, not later
//! reassignments, which add configurable prefixes), `range` loops, package-level constants of
//! any package of the repository, parameters (through the calls of the function, or the group
//! call a literal is passed to). What cannot be followed is shown as `{expression}`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::go::{Binding, Call, Composite, Expr, Facts, FuncKind, RangeBinding, Span, TypeRef};
use crate::index::ProjectIndex;
use crate::walk::parent_dir;

/// A function of the index: (file index, function index in its facts).
pub(super) type FuncId = (usize, usize);

/// A call of the index: (file index, call index in its facts).
type CallId = (usize, usize);

/// A local variable: (file index, the function it is declared in, its name).
type LocalVar<'a> = (usize, Option<usize>, &'a str);

/// How many alternatives a value may take before the rest are dropped.
const MAX_ALTERNATIVES: usize = 16;
/// How deep values, prefixes and handlers are followed.
const MAX_DEPTH: usize = 24;
/// How many calls of a function are followed for its parameters.
const MAX_CALL_SITES: usize = 64;

const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];

/// Methods named after the HTTP method they register (`r.GET`, `r.Get`, `r.Del`), and the
/// routers' catch-all methods.
const VERB_METHODS: &[(&str, Option<&str>)] = &[
    ("GET", Some("GET")),
    ("POST", Some("POST")),
    ("PUT", Some("PUT")),
    ("PATCH", Some("PATCH")),
    ("DELETE", Some("DELETE")),
    ("HEAD", Some("HEAD")),
    ("OPTIONS", Some("OPTIONS")),
    ("CONNECT", Some("CONNECT")),
    ("TRACE", Some("TRACE")),
    ("Get", Some("GET")),
    ("Post", Some("POST")),
    ("Put", Some("PUT")),
    ("Patch", Some("PATCH")),
    ("Delete", Some("DELETE")),
    ("Del", Some("DELETE")),
    ("Head", Some("HEAD")),
    ("Options", Some("OPTIONS")),
    ("Connect", Some("CONNECT")),
    ("Trace", Some("TRACE")),
    ("Any", None),
    ("All", None),
];

/// Methods that register a handler under a pattern, possibly after an HTTP method:
/// `HandleFunc(p, h)`, `Handle(verb, p, h)` (httprouter, gin), `Add(verb, p, h)` (echo,
/// fiber), `Method(verb, p, h)` (chi), `Match(verbs, p, h)` (gin, echo), `Mount(p, h)`.
const PATTERN_METHODS: &[&str] = &[
    "HandleFunc",
    "Handle",
    "Handler",
    "HandlerFunc",
    "Method",
    "MethodFunc",
    "Add",
    "Match",
    "Mount",
];

/// Calls that make a router whose routes sit under a prefix: `r.PathPrefix("/api")`
/// (gorilla), `r.Group("/v1")` (gin, echo, fiber), `r.Route("/x", fn)` (chi, fiber),
/// `r.WithPrefix("/api")` (prometheus).
const PREFIX_METHODS: &[&str] = &["PathPrefix", "Path", "Group", "Route", "WithPrefix"];

/// gorilla/mux route builders between a router and `.Handler(h)` / `.HandlerFunc(h)`.
const GORILLA_BUILDERS: &[&str] = &[
    "Path",
    "PathPrefix",
    "Methods",
    "Queries",
    "Host",
    "Schemes",
    "Headers",
    "HeadersRegexp",
    "MatcherFunc",
    "Name",
    "NewRoute",
    "BuildVarsFunc",
];

/// One route found in the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FoundRoute {
    pub method: Option<String>,
    /// The full route: prefixes joined with the pattern.
    pub path: String,
    /// The handler argument as written (in short).
    pub target: String,
    /// The HTTP handlers of the repository it reaches.
    pub handlers: Vec<FuncId>,
    /// A function of the repository the target names that is not itself an HTTP handler
    /// (`wrap(api.query)` → `API.query`).
    pub function: Option<FuncId>,
    /// The file and byte offset of the registration (the outermost call of a route helper).
    pub file: usize,
    pub offset: usize,
}

/// The calls whose parameters stand for the arguments of one call: a route helper's pattern
/// and handler, a function's router parameter.
#[derive(Debug, Clone, Copy)]
struct Frame<'f> {
    func: FuncId,
    call: (usize, usize),
    parent: Option<&'f Frame<'f>>,
}

/// Where an expression is evaluated.
#[derive(Debug, Clone, Copy)]
struct At<'f> {
    file: usize,
    func: Option<usize>,
    /// The 0-based row of the expression (which `range` variable a name is).
    row: usize,
    /// Among the arguments of a wrapper call.
    wrapped: bool,
    frame: Option<&'f Frame<'f>>,
    depth: usize,
}

impl<'f> At<'f> {
    fn deeper(self) -> Option<At<'f>> {
        (self.depth < MAX_DEPTH).then_some(At {
            depth: self.depth + 1,
            ..self
        })
    }
}

/// What a name refers to where it is used.
enum Lookup<'a> {
    /// Local bindings in the nearest scope that has any, in source order.
    Local(Vec<&'a Binding>),
    Range(&'a RangeBinding),
    Param(FuncId, usize),
    /// Package-level bindings of the folder: (file, binding).
    Package(Vec<(usize, &'a Binding)>),
    Unknown,
}

/// What a handler argument reaches.
#[derive(Debug, Default)]
struct Reach {
    handlers: Vec<FuncId>,
    function: Option<FuncId>,
}

pub(super) struct Resolver<'a> {
    index: &'a ProjectIndex,
    handlers: &'a HashSet<FuncId>,
    /// Calls by the last name of their callee.
    calls_by_name: HashMap<&'a str, Vec<(usize, usize)>>,
    /// Calls of each file by the byte they start at (a chain's calls share it).
    calls_by_start: Vec<HashMap<usize, Vec<usize>>>,
    /// Package-level bindings by folder and name.
    package_bindings: HashMap<(&'a str, &'a str), Vec<(usize, &'a Binding)>>,
    /// Declared functions and methods by folder and name.
    funcs_by_name: HashMap<(&'a str, &'a str), Vec<FuncId>>,
    /// Mounts of routers held in local variables: (file, scope, name) → (file, call) of each
    /// `r.Mount(p, x)` or `r.Handle(p, http.StripPrefix(s, x))`.
    mounts: HashMap<LocalVar<'a>, Vec<CallId>>,
    /// Mounts of the router a function makes: `r.Mount("/admin", adminRouter())`.
    mounted_funcs: HashMap<FuncId, Vec<CallId>>,
    /// The prefixes of router parameters followed through every call of their function,
    /// computed once (a router passed down through several functions would otherwise be
    /// followed once per path through the calls).
    param_memo: RefCell<HashMap<(FuncId, usize), Vec<String>>>,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(index: &'a ProjectIndex, handlers: &'a HashSet<FuncId>) -> Resolver<'a> {
        let mut resolver = Resolver {
            index,
            handlers,
            calls_by_name: HashMap::new(),
            calls_by_start: Vec::new(),
            package_bindings: HashMap::new(),
            funcs_by_name: HashMap::new(),
            mounts: HashMap::new(),
            mounted_funcs: HashMap::new(),
            param_memo: RefCell::new(HashMap::new()),
        };
        for (fi, file) in index.files.iter().enumerate() {
            let dir = parent_dir(&file.rel);
            let mut by_start: HashMap<usize, Vec<usize>> = HashMap::new();
            for (ci, call) in file.facts.calls.iter().enumerate() {
                by_start.entry(call.span.start).or_default().push(ci);
                let name = match &call.callee {
                    Expr::Ident(name) | Expr::Selector(_, name) => name.as_str(),
                    _ => continue,
                };
                resolver
                    .calls_by_name
                    .entry(name)
                    .or_default()
                    .push((fi, ci));
            }
            resolver.calls_by_start.push(by_start);
            for binding in file.facts.bindings.iter().filter(|b| b.func.is_none()) {
                resolver
                    .package_bindings
                    .entry((dir, binding.name.as_str()))
                    .or_default()
                    .push((fi, binding));
            }
            for (i, func) in file.facts.funcs.iter().enumerate() {
                let Some(name) = func.name() else {
                    continue;
                };
                resolver
                    .funcs_by_name
                    .entry((dir, name))
                    .or_default()
                    .push((fi, i));
            }
        }
        for (fi, file) in index.files.iter().enumerate() {
            for (ci, call) in file.facts.calls.iter().enumerate() {
                let at = At {
                    wrapped: false,
                    file: fi,
                    func: call.func,
                    frame: None,
                    depth: 0,
                    row: call.span.start_row,
                };
                match mounted(call) {
                    Some(Expr::Ident(name)) => {
                        if let Lookup::Local(bindings) = resolver.lookup(name, at) {
                            if let Some(first) = bindings.first() {
                                resolver
                                    .mounts
                                    .entry((fi, first.func, first.name.as_str()))
                                    .or_default()
                                    .push((fi, ci));
                            }
                        }
                    }
                    Some(Expr::Call { callee, .. }) => {
                        for func in resolver.callee_funcs(callee, at) {
                            resolver
                                .mounted_funcs
                                .entry(func)
                                .or_default()
                                .push((fi, ci));
                        }
                    }
                    _ => {}
                }
            }
        }
        resolver
    }

    /// Every route registered in the index.
    pub(super) fn routes(&self) -> Vec<FoundRoute> {
        let mut found = Vec::new();
        for (fi, file) in self.index.files.iter().enumerate() {
            for (ci, call) in file.facts.calls.iter().enumerate() {
                if registration(call).is_none() {
                    continue;
                }
                let at = At {
                    wrapped: false,
                    file: fi,
                    func: call.func,
                    frame: None,
                    depth: 0,
                    row: call.span.start_row,
                };
                self.registration_routes((fi, ci), at, None, &mut found);
            }
        }
        found.sort_by(|a, b| {
            (a.file, a.offset, &a.path, &a.method).cmp(&(b.file, b.offset, &b.path, &b.method))
        });
        found.dedup();
        found
    }

    fn call(&self, (fi, ci): (usize, usize)) -> &'a Call {
        &self.index.files[fi].facts.calls[ci]
    }

    /// The routes of the registration call `id` evaluated at `at`; a registration whose
    /// pattern or handler is a parameter of the function it is in (a route helper) is
    /// evaluated once per call of that function.
    fn registration_routes(
        &self,
        id: (usize, usize),
        at: At,
        outer: Option<(usize, usize)>,
        out: &mut Vec<FoundRoute>,
    ) {
        let call = self.call(id);
        let Some(form) = registration(call) else {
            return;
        };
        let helper_param =
            [form.pattern, form.handler]
                .into_iter()
                .flatten()
                .find_map(|e| match e {
                    Expr::Ident(name) => match self.lookup(name, at) {
                        Lookup::Param(func, _) if !self.framed(func, at) => Some(func),
                        _ => None,
                    },
                    _ => None,
                });
        if let Some(helper) = helper_param {
            if at.depth >= 3 {
                return;
            }
            for site in self.call_sites(helper).into_iter().take(MAX_CALL_SITES) {
                let frame = Frame {
                    func: helper,
                    call: site,
                    parent: at.frame,
                };
                let inner = At {
                    frame: Some(&frame),
                    depth: at.depth + 1,
                    ..at
                };
                self.registration_routes(id, inner, Some(outer.unwrap_or(site)), out);
            }
            return;
        }
        if matches!(form.handler, Some(Expr::AddrOf(inner)) if !matches!(inner.as_ref(), Expr::Composite(_)))
            || matches!(form.handler, Some(Expr::Str(_)))
        {
            // `client.Get("/x", &out)`: a REST client's call, not a route.
            return;
        }
        // A gorilla/mux route without `Path` matches its router's prefix.
        let patterns = form
            .pattern
            .map_or_else(|| vec![String::new()], |p| self.strings(p, at));
        let prefixes = self.prefixes(form.router, at);
        let mut routes: Vec<(Option<&str>, String)> = Vec::new();
        for pattern in &patterns {
            let (own_method, path) = split_method(pattern);
            for prefix in &prefixes {
                let full = join(prefix, path);
                if looks_like_route(&full) {
                    routes.push((own_method, full));
                }
            }
        }
        if routes.is_empty() {
            return;
        }
        let mut methods: Vec<String> = Vec::new();
        if let Some(verbs) = &form.verbs {
            for verb in verbs {
                methods.extend(self.strings(verb, at));
            }
        }
        methods.extend(form.method.map(str::to_string));
        let (chained, queries) = self.chain_matchers(id, at);
        methods.extend(chained);
        // A method that is not a constant (`r.methods...`) leaves the route for every method.
        methods.retain(|m| HTTP_METHODS.contains(&m.to_ascii_uppercase().as_str()));
        let query = if queries.is_empty() {
            String::new()
        } else {
            format!("?{}", queries.join("&"))
        };
        let reach = form
            .handler
            .map(|h| self.reach_any(form.handlers, h, at, call.span))
            .unwrap_or_default();
        // A route helper's handler parameter: the argument of the helper's call.
        let target = match form.handler {
            Some(Expr::Ident(name)) => match self.lookup(name, at) {
                Lookup::Param(func, i) => self
                    .argument(func, i, at)
                    .map_or_else(|| name.clone(), |(arg, _)| render(arg)),
                _ => name.clone(),
            },
            Some(handler) => render(handler),
            None => String::new(),
        };
        let (file, offset) = match outer {
            Some((fi, ci)) => (fi, self.call((fi, ci)).span.start),
            None => (id.0, call.span.start),
        };
        for (own_method, full) in routes {
            let route_methods: Vec<Option<String>> = match own_method {
                Some(m) => vec![Some(m.to_string())],
                None if methods.is_empty() => vec![None],
                None => methods
                    .iter()
                    .map(|m| Some(m.to_ascii_uppercase()))
                    .collect(),
            };
            for method in route_methods {
                out.push(FoundRoute {
                    method,
                    path: format!("{full}{query}"),
                    target: target.clone(),
                    handlers: reach.handlers.clone(),
                    function: reach.function,
                    file,
                    offset,
                });
            }
        }
    }

    /// gorilla/mux `.Methods(...)` and `.Queries(...)` of the registration's chain: those
    /// written before it (`r.Methods("GET").Path(p).Handler(h)`) and after it
    /// (`r.HandleFunc(p, h).Methods("GET")`).
    fn chain_matchers(&self, (fi, ci): (usize, usize), at: At) -> (Vec<String>, Vec<String>) {
        let call = self.call((fi, ci));
        let mut methods = Vec::new();
        let mut queries = Vec::new();
        let mut matchers: Vec<(&str, &[Expr])> = Vec::new();
        if let Expr::Selector(router, name) = &call.callee {
            if matches!(name.as_str(), "Handler" | "HandlerFunc") {
                let mut inner = router.as_ref();
                while let Expr::Call { callee, args } = inner {
                    let Expr::Selector(next, method) = callee.as_ref() else {
                        break;
                    };
                    matchers.push((method.as_str(), args.as_slice()));
                    inner = next;
                }
            }
        }
        for &other in self.calls_by_start[fi]
            .get(&call.span.start)
            .into_iter()
            .flatten()
        {
            let outer = self.call((fi, other));
            if outer.span.end > call.span.end {
                if let Expr::Selector(_, method) = &outer.callee {
                    matchers.push((method.as_str(), outer.args.as_slice()));
                }
            }
        }
        for (method, args) in matchers {
            match method {
                "Methods" => {
                    for arg in args {
                        methods.extend(self.strings(arg, at));
                    }
                }
                "Queries" => {
                    for pair in args.chunks(2) {
                        let key = self.strings(&pair[0], at).join("|");
                        match pair.get(1).map(|v| self.strings(v, at).join("|")) {
                            Some(value) if !value.is_empty() => {
                                queries.push(format!("{key}={value}"))
                            }
                            _ => queries.push(key),
                        }
                    }
                }
                _ => {}
            }
        }
        (methods, queries)
    }

    fn framed(&self, func: FuncId, at: At) -> bool {
        at.frame.is_some_and(|f| f.func == func)
    }

    /// What `name` refers to at `at`.
    fn lookup(&self, name: &str, at: At) -> Lookup<'a> {
        let facts = &self.index.files[at.file].facts;
        let mut scope = at.func;
        loop {
            let local: Vec<&Binding> = facts
                .bindings
                .iter()
                .filter(|b| b.name == name && b.func == scope)
                .collect();
            if let (false, Some(_)) = (local.is_empty(), scope) {
                return Lookup::Local(local);
            }
            if let Some(range) = facts.ranges.iter().find(|r| {
                r.name == name
                    && r.func == scope
                    && scope.is_some()
                    && (r.scope.start_row..=r.scope.end_row).contains(&at.row)
            }) {
                return Lookup::Range(range);
            }
            let Some(index) = scope else {
                break;
            };
            let func = &facts.funcs[index];
            if let Some(i) = func.param_names.iter().position(|p| p == name) {
                return Lookup::Param((at.file, index), i);
            }
            scope = func.enclosing;
        }
        let dir = parent_dir(&self.index.files[at.file].rel);
        match self.package_bindings.get(&(dir, name)) {
            Some(found) => Lookup::Package(found.clone()),
            None => Lookup::Unknown,
        }
    }

    /// The argument a parameter stands for, with where to evaluate it.
    fn argument<'f>(&self, func: FuncId, i: usize, at: At<'f>) -> Option<(&'a Expr, At<'f>)> {
        let frame = at.frame.filter(|f| f.func == func)?;
        let call = self.call(frame.call);
        let arg = call.args.get(i)?;
        Some((
            arg,
            At {
                wrapped: false,
                file: frame.call.0,
                func: call.func,
                frame: frame.parent,
                depth: at.depth + 1,
                row: call.span.start_row,
            },
        ))
    }

    /// The calls of the function `func`: by name in its package, through its package name in
    /// others, and for a literal bound to a variable, the calls of that variable.
    fn call_sites(&self, (fi, index): FuncId) -> Vec<(usize, usize)> {
        let file = &self.index.files[fi];
        let func = &file.facts.funcs[index];
        let dir = parent_dir(&file.rel);
        let arity = func.params.len();
        let same_dir = |f: usize| parent_dir(&self.index.files[f].rel) == dir;
        let imports_dir = |f: usize, package: Option<&str>| {
            let facts = &self.index.files[f].facts;
            facts.imports.iter().any(|i| {
                package.is_none_or(|p| i.local_name() == Some(p))
                    && self.index.modules.folder_of(&i.path).as_deref() == Some(dir)
            })
        };
        let sites = |name: &str| self.calls_by_name.get(name).cloned().unwrap_or_default();
        match &func.kind {
            FuncKind::Function { name } => sites(name)
                .into_iter()
                .filter(|&(f, c)| {
                    let call = self.call((f, c));
                    call.args.len() == arity
                        && match &call.callee {
                            Expr::Ident(_) => same_dir(f),
                            Expr::Selector(package, _) => match package.as_ref() {
                                Expr::Ident(p) => imports_dir(f, Some(p)),
                                _ => false,
                            },
                            _ => false,
                        }
                })
                .collect(),
            FuncKind::Method { name, receiver } => sites(name)
                .into_iter()
                .filter(|&(f, c)| {
                    let call = self.call((f, c));
                    let Expr::Selector(operand, _) = &call.callee else {
                        return false;
                    };
                    let at = At {
                        file: f,
                        func: call.func,
                        row: call.span.start_row,
                        wrapped: false,
                        frame: None,
                        depth: MAX_DEPTH - 4,
                    };
                    // A method of another type with the same name is not a call of it.
                    call.args.len() == arity
                        && (same_dir(f) || imports_dir(f, None))
                        && self.type_of(operand, at).is_none_or(|t| t == *receiver)
                })
                .collect(),
            FuncKind::Literal => {
                let Some(binding) = file.facts.bindings.iter().find(|b| {
                    b.func == func.enclosing
                        && b.value == Expr::Other
                        && func.context_rows.iter().take(2).any(|&row| row == b.row)
                }) else {
                    return Vec::new();
                };
                sites(&binding.name)
                    .into_iter()
                    .filter(|&(f, c)| {
                        let call = self.call((f, c));
                        f == fi
                            && call.args.len() == arity
                            && matches!(&call.callee, Expr::Ident(n) if *n == binding.name)
                            && within(&file.facts, call.func, func.enclosing)
                    })
                    .collect()
            }
        }
    }

    /// The values a string expression may take; what cannot be followed is `{expression}`.
    fn strings(&self, expr: &Expr, at: At) -> Vec<String> {
        let unknown = || vec![format!("{{{}}}", render(expr))];
        let Some(next) = at.deeper() else {
            return unknown();
        };
        let facts = &self.index.files[at.file].facts;
        let found = match expr {
            Expr::Str(s) => vec![s.clone()],
            Expr::Concat(parts) => {
                let mut values = vec![String::new()];
                for part in parts {
                    let options = self.strings(part, next);
                    values = values
                        .iter()
                        .flat_map(|v| options.iter().map(move |o| format!("{v}{o}")))
                        .take(MAX_ALTERNATIVES)
                        .collect();
                }
                values
            }
            Expr::Ident(name) => match self.lookup(name, at) {
                Lookup::Local(bindings) => bindings
                    .iter()
                    .find(|b| b.value != Expr::Other)
                    .map(|b| {
                        self.strings(
                            &b.value,
                            At {
                                func: b.func,
                                row: b.row,
                                ..next
                            },
                        )
                    })
                    .unwrap_or_else(unknown),
                Lookup::Range(range) if range.position == 1 => {
                    let values: Vec<String> = self
                        .elements(&range.over, next)
                        .into_iter()
                        .flat_map(|(e, at)| self.strings(e, at))
                        .collect();
                    if values.is_empty() {
                        unknown()
                    } else {
                        values
                    }
                }
                Lookup::Param(func, i) => match self.argument(func, i, next) {
                    Some((arg, at)) => self.strings(arg, at),
                    None => unknown(),
                },
                Lookup::Package(bindings) => match bindings.first() {
                    Some(&(file, b)) => self.strings(
                        &b.value,
                        At {
                            wrapped: false,
                            file,
                            func: None,
                            frame: None,
                            depth: next.depth,
                            row: b.row,
                        },
                    ),
                    None => unknown(),
                },
                _ => unknown(),
            },
            Expr::Selector(package, name) => match package.as_ref() {
                Expr::Ident(p) => match facts.import_path_of(p) {
                    Some("net/http") if name.starts_with("Method") => {
                        vec![name["Method".len()..].to_ascii_uppercase()]
                    }
                    Some(path) => self
                        .package_string(path, name, next)
                        .unwrap_or_else(unknown),
                    None => unknown(),
                },
                _ => unknown(),
            },
            Expr::Call { callee, args } => match callee.as_ref() {
                Expr::Selector(package, name)
                    if name == "Join"
                        && package
                            .as_ident()
                            .and_then(|p| facts.import_path_of(p))
                            .is_some_and(|p| p == "path") =>
                {
                    let mut values = vec![String::new()];
                    for arg in args {
                        let options = self.strings(arg, next);
                        values = values
                            .iter()
                            .flat_map(|v| options.iter().map(move |o| join(v, o)))
                            .take(MAX_ALTERNATIVES)
                            .collect();
                    }
                    values
                }
                _ => unknown(),
            },
            _ => unknown(),
        };
        let mut found = found;
        found.truncate(MAX_ALTERNATIVES);
        found.dedup();
        found
    }

    /// A package-level string of the repository's package imported as `path`.
    fn package_string(&self, path: &str, name: &str, at: At) -> Option<Vec<String>> {
        let dir = self.index.modules.folder_of(path)?;
        let bindings = self.package_bindings.get(&(dir.as_str(), name))?;
        let &(file, b) = bindings.first()?;
        Some(self.strings(
            &b.value,
            At {
                wrapped: false,
                file,
                func: None,
                frame: None,
                depth: at.depth,
                row: b.row,
            },
        ))
    }

    /// The elements a `range` goes over: a composite literal's elements, or those a variable
    /// is built with (`xs := []T{a}`, `xs = append(xs, b)`).
    fn elements<'f>(&self, over: &'a Expr, at: At<'f>) -> Vec<(&'a Expr, At<'f>)> {
        let Some(next) = at.deeper() else {
            return Vec::new();
        };
        match over {
            Expr::Composite(c) => c.elements.iter().map(|e| (e, next)).collect(),
            Expr::Ident(name) => {
                let bindings: Vec<(&'a Binding, At)> = match self.lookup(name, at) {
                    Lookup::Local(found) => found
                        .into_iter()
                        .map(|b| {
                            (
                                b,
                                At {
                                    func: b.func,
                                    ..next
                                },
                            )
                        })
                        .collect(),
                    Lookup::Package(found) => found
                        .into_iter()
                        .map(|(file, b)| {
                            (
                                b,
                                At {
                                    wrapped: false,
                                    file,
                                    func: None,
                                    frame: None,
                                    depth: next.depth,
                                    row: b.row,
                                },
                            )
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                bindings
                    .into_iter()
                    .flat_map(|(b, at)| match &b.value {
                        Expr::Composite(c) => c.elements.iter().map(|e| (e, at)).collect(),
                        Expr::Ident(_) => self.elements(&b.value, at),
                        Expr::Call { callee, args }
                            if matches!(callee.as_ref(), Expr::Ident(n) if n == "append") =>
                        {
                            args.iter().skip(1).map(|e| (e, at)).collect()
                        }
                        _ => Vec::new(),
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The path prefixes the router `expr` adds to the routes registered on it.
    fn prefixes(&self, expr: &Expr, at: At) -> Vec<String> {
        let root = || vec![String::new()];
        let Some(next) = at.deeper() else {
            return root();
        };
        let mut found = match expr {
            Expr::Ident(name) => match self.lookup(name, at) {
                Lookup::Local(bindings) => match bindings.iter().find(|b| b.value != Expr::Other) {
                    Some(b) => {
                        let own = self.prefixes(
                            &b.value,
                            At {
                                func: b.func,
                                row: b.row,
                                ..next
                            },
                        );
                        let mut mounted = self.mount_prefixes(
                            self.mounts.get(&(at.file, b.func, b.name.as_str())),
                            next,
                        );
                        if let Some(f) = b.func {
                            mounted.extend(
                                self.mount_prefixes(self.mounted_funcs.get(&(at.file, f)), next),
                            );
                        }
                        if mounted.is_empty() {
                            own
                        } else {
                            mounted
                                .iter()
                                .flat_map(|m| own.iter().map(move |o| join(m, o)))
                                .collect()
                        }
                    }
                    None => root(),
                },
                Lookup::Range(range) if range.position == 1 => {
                    let values: Vec<String> = self
                        .elements(&range.over, next)
                        .into_iter()
                        .flat_map(|(e, at)| self.prefixes(e, at))
                        .collect();
                    if values.is_empty() {
                        root()
                    } else {
                        values
                    }
                }
                Lookup::Param(func, i) => self.param_prefixes(func, i, next),
                Lookup::Package(bindings) => match bindings.first() {
                    Some(&(file, b)) => self.prefixes(
                        &b.value,
                        At {
                            wrapped: false,
                            file,
                            func: None,
                            frame: None,
                            depth: next.depth,
                            row: b.row,
                        },
                    ),
                    None => root(),
                },
                _ => root(),
            },
            Expr::Call { callee, args } => match callee.as_ref() {
                Expr::Selector(router, method) => {
                    let base = self.prefixes(router, next);
                    match args.first() {
                        Some(first)
                            if PREFIX_METHODS.contains(&method.as_str())
                                && !matches!(first, Expr::Other) =>
                        {
                            let parts = self.strings(first, next);
                            base.iter()
                                .flat_map(|b| parts.iter().map(move |p| join(b, p)))
                                .collect()
                        }
                        _ => base,
                    }
                }
                _ => root(),
            },
            _ => root(),
        };
        found.sort();
        found.dedup();
        found.truncate(MAX_ALTERNATIVES);
        found
    }

    /// The prefixes of a router parameter: the argument of the call being followed, the
    /// group call a literal is passed to (`r.Route("/api", func(r chi.Router) {...})`), or
    /// every call of the function.
    fn param_prefixes(&self, func: FuncId, i: usize, at: At) -> Vec<String> {
        if let Some((arg, caller)) = self.argument(func, i, at) {
            return self.prefixes(arg, caller);
        }
        let (fi, index) = func;
        let facts = &self.index.files[fi].facts;
        let f = &facts.funcs[index];
        if matches!(f.kind, FuncKind::Literal) {
            // The innermost call the literal is written in.
            let group = facts
                .calls
                .iter()
                .filter(|c| c.span.start < f.span.start && f.span.end <= c.span.end)
                .min_by_key(|c| c.span.end - c.span.start);
            if let Some(Call {
                callee: Expr::Selector(router, method),
                args,
                func: call_func,
                ..
            }) = group
            {
                let at = At {
                    file: fi,
                    func: *call_func,
                    row: f.span.start_row,
                    ..at
                };
                let base = self.prefixes(router, at);
                return match args.first() {
                    Some(first)
                        if PREFIX_METHODS.contains(&method.as_str())
                            && !matches!(first, Expr::Other) =>
                    {
                        let parts = self.strings(first, at);
                        base.iter()
                            .flat_map(|b| parts.iter().map(move |p| join(b, p)))
                            .collect()
                    }
                    _ => base,
                };
            }
            return vec![String::new()];
        }
        if let Some(known) = self.param_memo.borrow().get(&(func, i)) {
            return known.clone();
        }
        // A call inside a cycle of calls (`Register(r)` calling another type's `Register(r)`)
        // adds nothing.
        self.param_memo.borrow_mut().insert((func, i), Vec::new());
        let mut found = Vec::new();
        for site in self.call_sites(func).into_iter().take(MAX_CALL_SITES) {
            let frame = Frame {
                func,
                call: site,
                parent: None,
            };
            let inner = At {
                frame: Some(&frame),
                ..at
            };
            if let Some((arg, caller)) = self.argument(func, i, inner) {
                found.extend(self.prefixes(arg, caller));
            }
        }
        found.sort();
        found.dedup();
        found.truncate(MAX_ALTERNATIVES);
        if found.is_empty() {
            found.push(String::new());
        }
        self.param_memo
            .borrow_mut()
            .insert((func, i), found.clone());
        found
    }

    /// The prefixes under which the router in a local variable is mounted.
    fn mount_prefixes(&self, sites: Option<&Vec<(usize, usize)>>, at: At) -> Vec<String> {
        let Some(sites) = sites else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for &(fi, ci) in sites {
            let call = self.call((fi, ci));
            let at = At {
                wrapped: false,
                file: fi,
                func: call.func,
                frame: None,
                depth: at.depth + 1,
                row: call.span.start_row,
            };
            let Expr::Selector(router, method) = &call.callee else {
                continue;
            };
            if let Some(strip) = call.args.iter().find_map(strip_prefix_of) {
                // `http.StripPrefix` removes its prefix from the full request path.
                found.extend(self.strings(strip, at));
            } else if method == "Mount" {
                let base = self.prefixes(router, at);
                let parts = call
                    .args
                    .first()
                    .map(|p| self.strings(p, at))
                    .unwrap_or_default();
                found.extend(base.iter().flat_map(|b| {
                    parts
                        .iter()
                        .map(move |p| join(b, p.trim_end_matches('*').trim_end_matches('/')))
                }));
            }
        }
        found
    }

    /// The handlers of the last handler argument that reaches any (framework middleware
    /// written before or after the handler reaches none), else what `handler` reaches.
    fn reach_any(&self, candidates: &'a [Expr], handler: &'a Expr, at: At, call: Span) -> Reach {
        for arg in candidates.iter().rev() {
            let reach = self.reach(arg, at, call);
            if !reach.handlers.is_empty() {
                return reach;
            }
        }
        self.reach(handler, at, call)
    }

    /// The handlers (and the non-handler function) a handler expression reaches.
    fn reach(&self, expr: &Expr, at: At, call: Span) -> Reach {
        let Some(next) = at.deeper() else {
            return Reach::default();
        };
        let file = &self.index.files[at.file];
        let dir = parent_dir(&file.rel);
        match expr {
            Expr::Ident(name) => match self.lookup(name, at) {
                Lookup::Local(bindings) => {
                    let Some(first) = bindings.first() else {
                        return Reach::default();
                    };
                    if first.value == Expr::Other {
                        // `h := func(w http.ResponseWriter, r *http.Request) {...}`
                        let literal = file.facts.funcs.iter().position(|f| {
                            matches!(f.kind, FuncKind::Literal)
                                && f.enclosing == first.func
                                && f.context_rows.iter().take(2).any(|&r| r == first.row)
                        });
                        return self
                            .funcs_reach(literal.map(|i| (at.file, i)).into_iter().collect());
                    }
                    self.reach(
                        &first.value,
                        At {
                            func: first.func,
                            row: first.row,
                            ..next
                        },
                        call,
                    )
                }
                Lookup::Param(func, i) => match self.argument(func, i, next) {
                    Some((arg, caller)) => {
                        let site = next.frame.map_or(call, |f| self.call(f.call).span);
                        self.reach(arg, caller, site)
                    }
                    None => Reach::default(),
                },
                Lookup::Package(bindings) => match bindings.first() {
                    Some(&(file, b)) => self.reach(
                        &b.value,
                        At {
                            wrapped: false,
                            file,
                            func: None,
                            frame: None,
                            depth: next.depth,
                            row: b.row,
                        },
                        call,
                    ),
                    None => Reach::default(),
                },
                Lookup::Range(_) => Reach::default(),
                Lookup::Unknown => self.named_funcs(dir, name, false),
            },
            Expr::Selector(operand, name) => {
                if let Expr::Ident(p) = operand.as_ref() {
                    if let Some(path) = file.facts.import_path_of(p) {
                        if matches!(self.lookup(p, at), Lookup::Unknown) {
                            return match self.index.modules.folder_of(path) {
                                Some(other) => self.named_funcs(&other, name, false),
                                None => Reach::default(),
                            };
                        }
                    }
                }
                if name == "ServeHTTP" {
                    return self.reach(operand, next, call);
                }
                let mut local = self.named_funcs(dir, name, true);
                if local.handlers.len() > 1 {
                    // Methods of several types share the name: the operand's type decides.
                    if let Some(t) = self.type_of(operand, at) {
                        local.handlers.retain(|&(fi, i)| {
                            matches!(&self.index.files[fi].facts.funcs[i].kind,
                                FuncKind::Method { receiver, .. } if *receiver == t)
                        });
                    }
                }
                if !local.handlers.is_empty() || local.function.is_some() {
                    return local;
                }
                // A method of a type of an imported package of the repository.
                let mut candidates = Reach::default();
                for import in &file.facts.imports {
                    if let Some(other) = self.index.modules.folder_of(&import.path) {
                        let found = self.named_funcs(&other, name, true);
                        candidates.handlers.extend(found.handlers);
                        candidates.function = candidates.function.or(found.function);
                    }
                }
                if candidates.handlers.len() == 1
                    || (candidates.handlers.is_empty() && candidates.function.is_some())
                {
                    return candidates;
                }
                // A field whose type serves HTTP: `t.distributor` (not among a wrapper's
                // arguments, where fields are its settings).
                if at.wrapped {
                    return Reach::default();
                }
                self.field_server(dir, name)
            }
            Expr::AddrOf(inner) => self.reach(inner, next, call),
            Expr::Composite(c) => {
                // A wrapper type around a handler: `CompressionHandler{Handler: h}`.
                for value in c.fields.iter().map(|(_, v)| v).chain(&c.elements) {
                    let found = self.reach(value, next, call);
                    if !found.handlers.is_empty() {
                        return found;
                    }
                }
                self.composite_server(c, dir, &file.facts)
            }
            Expr::Call { callee, args } => {
                // A handler among the arguments is the endpoint a wrapper serves
                // (`instrument(h)`); else a function of the repository that makes a handler
                // (`newServer(...)`, or `wrap(api.query)` returning a literal of its own).
                let inner = At {
                    wrapped: true,
                    ..next
                };
                let mut made = Reach::default();
                for arg in args.iter().rev() {
                    let found = self.reach(arg, inner, call);
                    if !found.handlers.is_empty() {
                        return found;
                    }
                    made.function = made.function.or(found.function);
                }
                for func in self.callee_funcs(callee, at) {
                    made.handlers.extend(self.made_handlers(func));
                }
                made
            }
            Expr::Other => self.funcs_reach(self.literal_in(at.file, call).into_iter().collect()),
            _ => Reach::default(),
        }
    }

    /// The repository functions a call's callee names: a literal bound to a local variable,
    /// a function of the package or of an imported package of the repository, a method.
    fn callee_funcs(&self, callee: &Expr, at: At) -> Vec<FuncId> {
        let file = &self.index.files[at.file];
        let dir = parent_dir(&file.rel);
        let named = |dir: &str, name: &str, methods: bool| -> Vec<FuncId> {
            self.funcs_by_name
                .get(&(dir, name))
                .into_iter()
                .flatten()
                .copied()
                .filter(|&(fi, i)| {
                    matches!(
                        self.index.files[fi].facts.funcs[i].kind,
                        FuncKind::Method { .. }
                    ) == methods
                })
                .collect()
        };
        match callee {
            Expr::Ident(name) => match self.lookup(name, at) {
                Lookup::Local(b) => {
                    let Some(first) = b.first() else {
                        return Vec::new();
                    };
                    if let Expr::Call { callee, .. } = &first.value {
                        // `instr := GetInstr(...)`: the function that made it.
                        return match at.deeper() {
                            Some(next) => self.callee_funcs(
                                callee,
                                At {
                                    func: first.func,
                                    row: first.row,
                                    ..next
                                },
                            ),
                            None => Vec::new(),
                        };
                    }
                    file.facts
                        .funcs
                        .iter()
                        .position(|f| {
                            matches!(f.kind, FuncKind::Literal)
                                && f.enclosing == first.func
                                && f.context_rows.iter().take(2).any(|&r| r == first.row)
                        })
                        .map(|i| vec![(at.file, i)])
                        .unwrap_or_default()
                }
                Lookup::Unknown => named(dir, name, false),
                _ => Vec::new(),
            },
            Expr::Selector(operand, name) => {
                if let Some(p) = operand.as_ident() {
                    if let (Some(path), Lookup::Unknown) =
                        (file.facts.import_path_of(p), self.lookup(p, at))
                    {
                        return match self.index.modules.folder_of(path) {
                            Some(other) => named(&other, name, false),
                            None => Vec::new(),
                        };
                    }
                }
                let mut methods = named(dir, name, true);
                if methods.len() > 1 {
                    if let Some(t) = self.type_of(operand, at) {
                        methods.retain(|&(fi, i)| {
                            matches!(&self.index.files[fi].facts.funcs[i].kind,
                                FuncKind::Method { receiver, .. } if *receiver == t)
                        });
                    }
                }
                methods
            }
            _ => Vec::new(),
        }
    }

    /// The handlers a function makes: the handler literals it writes (`return
    /// http.HandlerFunc(func(w, r) {...})`), or the type that serves HTTP it returns
    /// (`newServer() *server`) or builds (`return &server{...}` as an `http.Handler`).
    fn made_handlers(&self, func: FuncId) -> Vec<FuncId> {
        self.made_handlers_within(func, 0)
    }

    fn made_handlers_within(&self, func: FuncId, depth: usize) -> Vec<FuncId> {
        let mut found = self.returned_literals(func);
        let (fi, i) = func;
        let file = &self.index.files[fi];
        let dir = parent_dir(&file.rel);
        if let Some(TypeRef::Named {
            package: None,
            name: t,
            ..
        }) = file.facts.funcs[i].results.first()
        {
            found.extend(self.server_of(dir, t).handlers);
        }
        if found.is_empty() {
            for site in &file.facts.composites {
                if let Some(Expr::Ident(t)) = &site.type_name {
                    if within(&file.facts, site.func, Some(i)) {
                        found.extend(self.server_of(dir, t).handlers);
                    }
                }
            }
        }
        if found.is_empty() && depth < 2 {
            // A wrapper of a wrapper: `wrapAgent := func(f apiFunc) http.HandlerFunc {
            // return wrap(...) }`, `return queryrange.NewSerializeHTTPHandler(h)`.
            for call in file
                .facts
                .calls
                .iter()
                .filter(|c| c.func.is_some() && within(&file.facts, c.func, Some(i)))
            {
                let at = At {
                    file: fi,
                    func: call.func,
                    row: call.span.start_row,
                    wrapped: false,
                    frame: None,
                    depth: MAX_DEPTH - 1,
                };
                for wrapper in self.callee_funcs(&call.callee, at) {
                    if wrapper != func {
                        found.extend(self.made_handlers_within(wrapper, depth + 1));
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    /// The type of the package that a receiver, parameter or local variable holds, when the
    /// code says it: `s` of `func (s *Server)`, `srv := &Server{...}`, `h *Handler`.
    fn type_of(&self, expr: &Expr, at: At) -> Option<String> {
        let next = at.deeper()?;
        let facts = &self.index.files[at.file].facts;
        let named = |t: &TypeRef| match t {
            TypeRef::Named {
                package: None,
                name,
                ..
            } => Some(name.clone()),
            _ => None,
        };
        match expr {
            Expr::Ident(name) => match self.lookup(name, at) {
                Lookup::Local(bindings) => {
                    let first = bindings.first()?;
                    self.type_of(
                        &first.value,
                        At {
                            func: first.func,
                            row: first.row,
                            ..next
                        },
                    )
                }
                Lookup::Param((fi, i), p) => {
                    named(self.index.files[fi].facts.funcs[i].params.get(p)?)
                }
                Lookup::Unknown => match facts.decl_at(at.row)?.1.receiver.as_ref()? {
                    (receiver, t) if receiver == name => Some(t.clone()),
                    _ => None,
                },
                _ => None,
            },
            Expr::AddrOf(inner) => self.type_of(inner, next),
            Expr::Composite(c) => match c.type_name.as_deref() {
                Some(Expr::Ident(t)) => Some(t.clone()),
                _ => None,
            },
            Expr::Call { callee, .. } => {
                let (dir, f) = match callee.as_ref() {
                    Expr::Ident(f) => (parent_dir(&self.index.files[at.file].rel).to_string(), f),
                    Expr::Selector(p, f) => {
                        let path = facts.import_path_of(p.as_ident()?)?;
                        (self.index.modules.folder_of(path)?, f)
                    }
                    _ => return None,
                };
                let &(fi, i) = self
                    .funcs_by_name
                    .get(&(dir.as_str(), f.as_str()))?
                    .first()?;
                named(self.index.files[fi].facts.funcs[i].results.first()?)
            }
            _ => None,
        }
    }

    /// `T.ServeHTTP` of a composite literal's type.
    fn composite_server(&self, c: &Composite, dir: &str, facts: &Facts) -> Reach {
        match c.type_name.as_deref() {
            Some(Expr::Ident(t)) => self.server_of(dir, t),
            Some(Expr::Selector(p, t)) => match p
                .as_ident()
                .and_then(|p| facts.import_path_of(p))
                .and_then(|path| self.index.modules.folder_of(path))
            {
                Some(other) => self.server_of(&other, t),
                None => Reach::default(),
            },
            _ => Reach::default(),
        }
    }

    fn funcs_reach(&self, funcs: Vec<FuncId>) -> Reach {
        let mut reach = Reach::default();
        for f in funcs {
            if self.handlers.contains(&f) {
                reach.handlers.push(f);
            } else if reach.function.is_none() {
                reach.function = Some(f);
            }
        }
        reach
    }

    /// Functions (or, with `methods`, methods) named `name` in the folder `dir`.
    fn named_funcs(&self, dir: &str, name: &str, methods: bool) -> Reach {
        let funcs: Vec<FuncId> = self
            .funcs_by_name
            .get(&(dir, name))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&(fi, i)| {
                let kind = &self.index.files[fi].facts.funcs[i].kind;
                matches!(kind, FuncKind::Method { .. }) == methods
            })
            .collect();
        self.funcs_reach(funcs)
    }

    /// `T.ServeHTTP` in the folder `dir`.
    fn server_of(&self, dir: &str, type_name: &str) -> Reach {
        let funcs: Vec<FuncId> = self
            .funcs_by_name
            .get(&(dir, "ServeHTTP"))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&(fi, i)| {
                matches!(&self.index.files[fi].facts.funcs[i].kind,
                    FuncKind::Method { receiver, .. } if receiver == type_name)
            })
            .collect();
        self.funcs_reach(funcs)
    }

    /// The `ServeHTTP` of the type of a struct field named `field` of a type of `dir`, when
    /// that type is of `dir` or of one of the repository's packages.
    fn field_server(&self, dir: &str, field: &str) -> Reach {
        for file in self.index.package_files(dir) {
            for (_, t) in file.facts.local_fields.iter().filter(|(f, _)| f == field) {
                let reach = self.server_of(dir, t);
                if !reach.handlers.is_empty() {
                    return reach;
                }
            }
            for f in file.facts.struct_fields.iter().filter(|f| f.field == field) {
                let Some(other) = file
                    .facts
                    .import_path_of(&f.package)
                    .and_then(|p| self.index.modules.folder_of(p))
                else {
                    continue;
                };
                let reach = self.server_of(&other, &f.type_name);
                if !reach.handlers.is_empty() {
                    return reach;
                }
            }
        }
        Reach::default()
    }

    /// The outermost handler literals written in `func`.
    fn returned_literals(&self, (fi, index): FuncId) -> Vec<FuncId> {
        let facts = &self.index.files[fi].facts;
        let funcs = &facts.funcs;
        (0..funcs.len())
            .filter(|&i| i != index && self.handlers.contains(&(fi, i)))
            .filter(|&i| within(facts, funcs[i].enclosing, Some(index)))
            .filter(|&i| {
                let mut e = funcs[i].enclosing;
                while let Some(outer) = e {
                    if outer == index {
                        return true;
                    }
                    if self.handlers.contains(&(fi, outer)) {
                        return false;
                    }
                    e = funcs[outer].enclosing;
                }
                true
            })
            .map(|i| (fi, i))
            .collect()
    }

    /// The last outermost handler literal written inside the call.
    fn literal_in(&self, fi: usize, call: Span) -> Option<FuncId> {
        let funcs = &self.index.files[fi].facts.funcs;
        let inside = |s: Span| s.start >= call.start && s.end <= call.end;
        let candidates: Vec<usize> = (0..funcs.len())
            .filter(|&i| matches!(funcs[i].kind, FuncKind::Literal) && inside(funcs[i].span))
            .filter(|&i| self.handlers.contains(&(fi, i)))
            .collect();
        candidates
            .iter()
            .copied()
            .filter(|&i| {
                let mut e = funcs[i].enclosing;
                while let Some(outer) = e {
                    if candidates.contains(&outer) {
                        return false;
                    }
                    e = funcs[outer].enclosing;
                }
                true
            })
            .max_by_key(|&i| funcs[i].span.start)
            .map(|i| (fi, i))
    }
}

/// The parts of a registration call.
struct Form<'a> {
    router: &'a Expr,
    /// A method the call's name gives (`r.GET`).
    method: Option<&'static str>,
    /// Method arguments (`Handle("GET", p, h)`, `Match([]string{...}, p, h)`).
    verbs: Option<Vec<&'a Expr>>,
    pattern: Option<&'a Expr>,
    /// The handler argument as written (the first after the pattern).
    handler: Option<&'a Expr>,
    /// Every argument after the pattern (a framework's middleware and handler).
    handlers: &'a [Expr],
}

/// The registration a call makes, if it is one.
fn registration(call: &Call) -> Option<Form<'_>> {
    let Expr::Selector(router, method) = &call.callee else {
        return None;
    };
    let args = call.args.as_slice();
    if let Some((_, verb)) = VERB_METHODS.iter().find(|(name, _)| name == method) {
        let (pattern, rest) = args.split_first()?;
        return Some(Form {
            router,
            method: *verb,
            verbs: None,
            pattern: Some(pattern),
            handler: Some(rest.first()?),
            handlers: rest,
        });
    }
    if !PATTERN_METHODS.contains(&method.as_str()) {
        return None;
    }
    if args.len() == 1 && matches!(method.as_str(), "Handler" | "HandlerFunc") {
        // gorilla/mux: `r.Path(p).Methods("GET").Handler(h)`.
        return gorilla_chain(router, args);
    }
    let is_verb = |e: &Expr| match e {
        Expr::Str(s) => HTTP_METHODS.contains(&s.to_ascii_uppercase().as_str()),
        Expr::Selector(p, name) => p.as_ident() == Some("http") && name.starts_with("Method"),
        _ => false,
    };
    let (verbs, rest) = match args {
        [first, _, _, ..] if method == "Match" => (
            Some(match first {
                Expr::Composite(c) => c.elements.iter().collect(),
                other => vec![other],
            }),
            &args[1..],
        ),
        [first, _, _, ..] if is_verb(first) => (Some(vec![first]), &args[1..]),
        _ => (None, args),
    };
    let (pattern, rest) = rest.split_first()?;
    Some(Form {
        router,
        method: None,
        verbs,
        pattern: Some(pattern),
        handler: Some(rest.first()?),
        handlers: rest,
    })
}

/// `r.Path(p).Methods(m).Handler(h)`: the pattern of a gorilla/mux chain (its methods and
/// queries are read by `chain_matchers`).
fn gorilla_chain<'a>(mut router: &'a Expr, args: &'a [Expr]) -> Option<Form<'a>> {
    let mut pattern = None;
    let mut builders = 0;
    while let Expr::Call {
        callee,
        args: chain_args,
    } = router
    {
        let Expr::Selector(inner, method) = callee.as_ref() else {
            break;
        };
        if !GORILLA_BUILDERS.contains(&method.as_str()) {
            break;
        }
        builders += 1;
        if matches!(method.as_str(), "Path" | "PathPrefix") && pattern.is_none() {
            pattern = chain_args.first();
        }
        router = inner;
    }
    if builders == 0 {
        return None;
    }
    Some(Form {
        router,
        method: None,
        verbs: None,
        pattern,
        handler: args.first(),
        handlers: args,
    })
}

/// The router a call mounts: `r.Mount(p, x)`, `r.Mount(p, newAdmin())`, `r.Handle(p,
/// http.StripPrefix(s, x))`.
fn mounted(call: &Call) -> Option<&Expr> {
    let Expr::Selector(_, method) = &call.callee else {
        return None;
    };
    if !PATTERN_METHODS.contains(&method.as_str()) {
        return None;
    }
    call.args.iter().find_map(|arg| match arg {
        Expr::Ident(_) | Expr::Call { .. } if method == "Mount" => Some(arg),
        Expr::Call { callee, args } if is_strip_prefix(callee) => args.get(1),
        _ => None,
    })
}

fn is_strip_prefix(callee: &Expr) -> bool {
    matches!(callee, Expr::Selector(_, name) if name == "StripPrefix")
}

/// The prefix of `http.StripPrefix(prefix, h)`.
fn strip_prefix_of(arg: &Expr) -> Option<&Expr> {
    match arg {
        Expr::Call { callee, args } if is_strip_prefix(callee) => args.first(),
        _ => None,
    }
}

/// Whether `inner` is `outer` or nested in it (`outer` `None`: any function).
fn within(facts: &Facts, inner: Option<usize>, outer: Option<usize>) -> bool {
    outer.is_none_or(|outer| facts.is_within(inner, outer))
}

/// Whether a pattern is a route: a path (`/x`), possibly after a host (`example.com/x`) or a
/// part that is not a constant (`{prefix}/x`); a placeholder alone is a map key or a client's
/// argument.
fn looks_like_route(pattern: &str) -> bool {
    let (_, path) = split_method(pattern);
    let host = path.split_once('/').is_some_and(|(host, _)| {
        host.contains('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    });
    let known = path.starts_with('/') || path.starts_with('{') && path.contains("}/") || host;
    known && !pattern.contains('\n')
}

/// `GET /x` (Go 1.22 ServeMux) → (`GET`, `/x`).
fn split_method(pattern: &str) -> (Option<&str>, &str) {
    match pattern.split_once(' ') {
        Some((method, path)) if HTTP_METHODS.contains(&method) => (Some(method), path.trim_start()),
        _ => (None, pattern),
    }
}

/// A prefix and a pattern joined as routers do (`/api/` + `/x` → `/api/x`).
pub(super) fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        return path.to_string();
    }
    if path.is_empty() {
        return prefix.to_string();
    }
    let base = prefix.trim_end_matches('/');
    if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

/// An expression in short, as written.
pub(super) fn render(expr: &Expr) -> String {
    match expr {
        Expr::Ident(name) => name.clone(),
        Expr::Selector(operand, name) => format!("{}.{name}", render(operand)),
        Expr::Call { callee, args } => format!(
            "{}({})",
            render(callee),
            args.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Expr::Composite(c) => match &c.type_name {
            Some(t) => format!("{}{{…}}", render(t)),
            None => "{…}".to_string(),
        },
        Expr::AddrOf(inner) => format!("&{}", render(inner)),
        Expr::Str(s) => format!("{s:?}"),
        Expr::Concat(parts) => parts.iter().map(render).collect::<Vec<_>>().join(" + "),
        Expr::Other => "…".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{join, looks_like_route, split_method};

    #[test]
    fn joins_prefixes_as_routers_do() {
        assert_eq!(join("", "/x"), "/x");
        assert_eq!(join("/api/", "/x"), "/api/x");
        assert_eq!(join("/api", "x"), "/api/x");
        assert_eq!(join("/", "/{bucket}"), "/{bucket}");
        assert_eq!(join("/api", ""), "/api");
        assert_eq!(split_method("GET /x/{id}"), (Some("GET"), "/x/{id}"));
        assert_eq!(split_method("/x y"), (None, "/x y"));
    }

    #[test]
    fn routes_are_paths() {
        assert!(looks_like_route("/x"));
        assert!(looks_like_route("GET /x/{id}"));
        assert!(looks_like_route("example.com/x"));
        assert!(looks_like_route("{prefix}/x"));
        assert!(!looks_like_route("*"));
        assert!(!looks_like_route("{key}"));
        assert!(!looks_like_route("name"));
    }
}
