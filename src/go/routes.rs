//! Route registrations as routers spell them: `mux.HandleFunc("/x", h)`, `r.GET("/x", h)`,
//! `r.Route("/api", ...)`.

/// Method names that register a route (or a group of routes) under a string pattern.
pub const REGISTER_METHODS: &[&str] = &[
    "HandleFunc",
    "Handle",
    "Handler",
    "HandlerFunc",
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    "Any",
    "Get",
    "Post",
    "Put",
    "Patch",
    "Delete",
    "Head",
    "Options",
    "Connect",
    "Trace",
    "All",
    "Method",
    "MethodFunc",
    "Match",
    "Add",
    "Path",
    "PathPrefix",
    "Route",
    "Mount",
    "Group",
];

/// Whether `name` registers routes; with `any_case`, a local helper spelled like a router
/// method (`handleFunc`) counts too.
pub fn is_register_method(name: &str, any_case: bool) -> bool {
    REGISTER_METHODS
        .iter()
        .any(|r| *r == name || (any_case && r.eq_ignore_ascii_case(name)))
}
