//! `sre-policy inventory` through the binary: the demo service, route registration forms,
//! and `--base` on a real temporary repository.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{diff_repo, After};

fn inventory(cwd: &Path, args: &[&str]) -> String {
    support::isolate();
    let output = Command::new(env!("CARGO_BIN_EXE_sre-policy"))
        .arg("inventory")
        .args(args)
        .current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// (name, routes, team, path:line) of each handler.
fn handlers(json: &Value) -> Vec<(String, String, String, String)> {
    json["handlers"]
        .as_array()
        .expect("handlers")
        .iter()
        .map(|h| {
            let routes: Vec<&str> = h["routes"]
                .as_array()
                .expect("routes")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            (
                h["name"].as_str().unwrap_or("").to_string(),
                routes.join(","),
                h["team"].as_str().unwrap_or("-").to_string(),
                format!("{}:{}", h["path"].as_str().unwrap_or(""), h["line"]),
            )
        })
        .collect()
}

#[test]
fn demo_lists_every_handler_with_route_and_team_and_every_metric() {
    let dir = support::scratch_dir();
    support::copy_tree(&demo(), dir.path());
    let json: Value =
        serde_json::from_str(&inventory(dir.path(), &["--format", "json"])).expect("JSON");
    assert_eq!(json["version"], 1);
    let t = |n: &str, r: &str, team: &str, at: &str| {
        (
            n.to_string(),
            r.to_string(),
            team.to_string(),
            at.to_string(),
        )
    };
    assert_eq!(
        handlers(&json),
        vec![
            t("func literal", "GET /healthz", "-", "cmd/shop/main.go:44"),
            t(
                "Server.handleCheckout",
                "POST /checkout",
                "payments",
                "internal/api/checkout.go:26"
            ),
            t(
                "Server.handleCreateOrder",
                "POST /orders",
                "payments",
                "internal/api/orders.go:17"
            ),
            t(
                "Server.handleGetOrder",
                "GET /orders/{id}",
                "payments",
                "internal/api/orders.go:38"
            ),
            t(
                "Server.handleCancelOrder",
                "POST /orders/{id}/cancel",
                "-",
                "internal/api/orders.go:52"
            ),
            t(
                "Server.handleRefund",
                "POST /orders/{id}/refund",
                "paymnets",
                "internal/api/orders.go:62"
            ),
            t(
                "func literal",
                "GET /debug/vars",
                "-",
                "internal/api/server.go:39"
            ),
            t(
                "Server.handleLogin",
                "POST /login",
                "identity",
                "internal/api/users.go:14"
            ),
            t(
                "Server.handleGetUser",
                "GET /users/{id}",
                "identity",
                "internal/api/users.go:30"
            ),
            t(
                "Server.handleSearchUsers",
                "GET /users",
                "-",
                "internal/api/users.go:40"
            ),
        ]
    );
    let metrics: Vec<String> = json["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|m| {
            format!(
                "{} {} {} {}:{}",
                m["name"].as_str().unwrap_or("?"),
                m["type"].as_str().unwrap_or("?"),
                m["labels"],
                m["path"].as_str().unwrap_or(""),
                m["line"]
            )
        })
        .collect();
    assert_eq!(
        metrics,
        [
            r#"shop_checkout_failures_total counter ["reason"] internal/api/checkout.go:10"#,
            r#"shop_http_requests_total counter ["route","code"] internal/api/metrics.go:9"#,
            r#"shop_login_failures_total counter ["reason"] internal/api/metrics.go:25"#,
            r#"shop_order_value_euros histogram [] internal/api/metrics.go:19"#,
            r#"shop_orders_created_total counter [] internal/api/metrics.go:14"#,
        ]
    );

    let markdown = inventory(dir.path(), &[]);
    assert!(markdown.contains(
        "| `Server.handleCreateOrder` | `POST /orders` | `payments` | `internal/api/orders.go:17` |"
    ));
    assert!(markdown.contains(
        "| `shop_http_requests_total` | counter | `route`, `code` | `HTTP requests served, by route and status code.` | `internal/api/metrics.go:9` |"
    ));
    assert!(markdown.contains("| `shop_order_value_euros` | histogram | - | *(empty)* |"));
}

#[test]
fn route_registration_forms_are_resolved() {
    let dir = support::scratch_dir();
    std::fs::write(
        dir.path().join("routes.go"),
        r#"package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

// @oncall-team web
type API struct{}

func (a *API) handleA(w http.ResponseWriter, r *http.Request) {}

type status struct{}

// @oncall-team ops
func (status) ServeHTTP(w http.ResponseWriter, r *http.Request) {}

func list(c *gin.Context) {}

func show(c echo.Context) error { return nil }

func setup(a *API, mux *http.ServeMux, g *gin.Engine, e *echo.Echo) {
	http.HandleFunc("/a", a.handleA)
	mux.Handle("/status", &status{})
	mux.Handle("/wrapped", withAuth(http.HandlerFunc(plain)))
	g.GET("/items", list)
	g.Handle("DELETE", "/items/:id", list)
	e.GET("/shows/:id", show)
	// @oncall-team inline
	mux.HandleFunc("/inline", func(w http.ResponseWriter, r *http.Request) {})
}
"#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("plain.go"),
        "package web\n\nimport \"net/http\"\n\nfunc withAuth(h http.Handler) http.Handler { return h }\n\n// @oncall-team plain\nfunc plain(w http.ResponseWriter, r *http.Request) {}\n",
    )
    .expect("write");
    let json: Value =
        serde_json::from_str(&inventory(dir.path(), &["--format", "json"])).expect("JSON");
    let found: Vec<(String, String, String)> = handlers(&json)
        .into_iter()
        .map(|(n, r, t, _)| (n, r, t))
        .collect();
    let t = |n: &str, r: &str, team: &str| (n.to_string(), r.to_string(), team.to_string());
    assert_eq!(
        found,
        vec![
            t("plain", "/wrapped", "plain"),
            t("API.handleA", "/a", "web"),
            t("status.ServeHTTP", "/status", "ops"),
            t("list", "DELETE /items/:id,GET /items", "-"),
            t("show", "GET /shows/:id", "-"),
            t("func literal", "/inline", "inline"),
        ]
    );
}

#[test]
fn base_lists_added_removed_and_altered_handlers_and_metrics() {
    let repo = diff_repo("metric_rename", After::Committed);
    let json: Value = serde_json::from_str(&inventory(
        repo.path(),
        &["--base", "main", "--format", "json"],
    ))
    .expect("JSON");
    let changes = &json["changes"];
    assert_eq!(changes["base"], "main");
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|x| x["name"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    assert_eq!(names(&changes["handlers"]["added"]), ["Server.handleUsers"]);
    assert_eq!(
        names(&changes["handlers"]["removed"]),
        ["Server.handleRefunds"]
    );
    let altered = &changes["handlers"]["altered"][0];
    assert_eq!(altered["after"]["name"], "Server.handleOrders");
    assert_eq!(altered["fields"][0], "team");
    assert_eq!(altered["before"]["team"], "payments");
    assert_eq!(altered["after"]["team"], "identity");
    assert_eq!(
        names(&changes["metrics"]["added"]),
        ["shop_refunds_total", "shop_requests_total"]
    );
    assert_eq!(
        names(&changes["metrics"]["removed"]),
        ["shop_http_requests_total", "shop_orders_created_total"]
    );
    let altered: Vec<String> = changes["metrics"]["altered"]
        .as_array()
        .expect("altered")
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["after"]["name"].as_str().unwrap_or("?"),
                a["fields"]
            )
        })
        .collect();
    assert_eq!(
        altered,
        [
            r#"shop_order_value_euros ["labels"]"#,
            r#"shop_queue_depth ["type"]"#,
            r#"shop_login_failures_total ["path"]"#,
        ]
    );
    let markdown = inventory(repo.path(), &["--base", "main"]);
    assert!(markdown.starts_with("# Handler and metric changes since `main`"));
    assert!(markdown.contains("## Removed metrics (2)"));
    // Nothing changed against the head itself.
    let same = inventory(repo.path(), &["--base", "HEAD"]);
    assert!(
        same.contains("No handler or metric is added, removed or altered."),
        "{same}"
    );
}

#[test]
fn repository_text_never_renders_as_markdown_or_html() {
    let dir = support::scratch_dir();
    std::fs::write(
        dir.path().join("metrics.go"),
        "package web\n\nimport (\n\t\"github.com/prometheus/client_golang/prometheus\"\n\t\"github.com/prometheus/client_golang/prometheus/promauto\"\n)\n\nvar hits = promauto.NewCounter(prometheus.CounterOpts{\n\tName: \"web_hits_total\",\n\tHelp: \"<img src=x onerror=alert(1)> | [click](http://evil) `tick`\",\n})\n",
    )
    .unwrap();
    let markdown = inventory(dir.path(), &[]);
    let row = markdown
        .lines()
        .find(|l| l.contains("web_hits_total"))
        .expect("metric row");
    // One cell each: the pipe inside the Help string is escaped, and the Help string is one
    // code span (fenced longer than its own backtick), so no tag, link or span is rendered.
    assert_eq!(row.matches(" | ").count(), 4, "{row}");
    assert!(
        row.contains("`` <img src=x onerror=alert(1)> \\| [click](http://evil) `tick` ``"),
        "{row}"
    );
}

#[test]
fn go_kit_declarations_are_in_the_metrics_catalogue() {
    let dir = support::scratch_dir();
    std::fs::write(
        dir.path().join("metrics.go"),
        "package web\n\nimport (\n\tkitprometheus \"github.com/go-kit/kit/metrics/prometheus\"\n\tstdprometheus \"github.com/prometheus/client_golang/prometheus\"\n)\n\nconst namespace = \"web\"\n\nvar latency = kitprometheus.NewHistogramFrom(stdprometheus.HistogramOpts{\n\tNamespace: namespace,\n\tName:      \"request_duration_seconds\",\n\tHelp:      \"Time to serve a request.\",\n}, []string{\"method\", \"code\"})\n\nfunc wrap(cv *stdprometheus.CounterVec) *kitprometheus.Counter { return kitprometheus.NewCounter(cv) }\n",
    )
    .unwrap();
    let json: Value =
        serde_json::from_str(&inventory(dir.path(), &["--format", "json"])).expect("JSON");
    let metrics = json["metrics"].as_array().expect("metrics");
    // The declaration, not go-kit's wrapper of a vector declared elsewhere.
    assert_eq!(metrics.len(), 1, "{metrics:?}");
    let metric = &metrics[0];
    assert_eq!(metric["name"], "web_request_duration_seconds");
    assert_eq!(metric["type"], "histogram");
    assert_eq!(metric["labels"], serde_json::json!(["method", "code"]));
    assert_eq!(metric["help"], "Time to serve a request.");
    assert_eq!(metric["constructor"], "kitprometheus.NewHistogramFrom");
    assert_eq!(metric["line"], 10);
}

/// (name, routes, middleware) of each handler of the fixture tree `fixtures/inventory/<case>`,
/// and the routes served by no handler of the repository (`METHOD route <- target`).
fn router_case(case: &str) -> (Vec<(String, String, bool)>, Vec<String>) {
    let dir = support::scratch_dir();
    support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/inventory")
            .join(case),
        dir.path(),
    );
    let json: Value =
        serde_json::from_str(&inventory(dir.path(), &["--format", "json"])).expect("JSON");
    let handlers = json["handlers"]
        .as_array()
        .expect("handlers")
        .iter()
        .map(|h| {
            let routes: Vec<&str> = h["routes"]
                .as_array()
                .expect("routes")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            (
                h["name"].as_str().unwrap_or("").to_string(),
                routes.join(","),
                h["middleware"].as_bool().expect("middleware is a boolean"),
            )
        })
        .collect();
    let others = json["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .filter(|r| r["handlers"].as_array().is_some_and(Vec::is_empty))
        .map(|r| {
            format!(
                "{} {} <- {}",
                r["method"].as_str().unwrap_or("*"),
                r["route"].as_str().unwrap_or(""),
                r["target"].as_str().unwrap_or("")
            )
        })
        .collect();
    (handlers, others)
}

fn h(name: &str, routes: &str, middleware: bool) -> (String, String, bool) {
    (name.to_string(), routes.to_string(), middleware)
}

#[test]
fn net_http_mux_method_patterns_strip_prefix_and_a_router_of_another_package() {
    let (handlers, others) = router_case("nethttp");
    assert_eq!(
        handlers,
        [
            h("func literal", "GET /healthz", false),
            h("func literal", "", true),
            h("Server.getOrder", "GET /api/orders/{id}", false),
            h("Server.createOrder", "POST /api/orders", false),
            h("status", "/api/status", false),
        ]
    );
    assert_eq!(
        others,
        [
            r#"* /api/ <- http.StripPrefix("/api", apiMux)"#,
            "* /api/missing <- http.NotFoundHandler()",
        ]
    );
}

#[test]
fn gorilla_subrouters_chains_methods_and_queries() {
    let (handlers, _) = router_case("gorilla");
    assert_eq!(
        handlers,
        [
            h("statusPage.ServeHTTP", "/status", false),
            h("API.listUsers", "GET /api/v1/users", false),
            h("API.getUser", "GET /api/v1/users/{id}", false),
            h("API.deleteUser", "DELETE /api/v1/users/{id}", false),
            h("API.search", "GET /api/v1/users?q={q}", false),
            h("health", "GET /health", false),
            h("func literal", "", true),
        ]
    );
}

#[test]
fn chi_route_group_mount_and_method() {
    let (handlers, others) = router_case("chi");
    assert_eq!(
        handlers,
        [
            h("listOrders", "GET /orders/", false),
            h("getOrder", "GET /orders/{id}", false),
            h("adminStats", "GET /admin/stats", false),
            h("ping", "GET /ping,POST /ping", false),
            h("func literal", "", true),
        ]
    );
    assert_eq!(others, ["* /admin <- adminRouter()"]);
}

#[test]
fn gin_echo_and_fiber_nested_groups() {
    assert_eq!(
        router_case("gin").0,
        [
            h("listItems", "GET /api/v1/items", false),
            h("createItem", "POST /api/v1/items/", false),
            h("login", "POST /login", false),
            h("func literal", "", true),
        ]
    );
    assert_eq!(
        router_case("echo").0,
        [
            h("getUser", "GET /admin/users/:id", false),
            h("saveUser", "PUT /admin/users/:id", false),
            h("func literal", "", true),
        ]
    );
    assert_eq!(
        router_case("fiber").0,
        [
            h("listProducts", "GET /api/v2/products", false),
            h("getProduct", "GET /api/v2/products/:id", false),
            h("func literal", "", true),
        ]
    );
}

#[test]
fn httprouter_methods_as_arguments() {
    assert_eq!(
        router_case("httprouter").0,
        [
            h("index", "GET /", false),
            h("upload", "POST /upload", false)
        ]
    );
}

#[test]
fn prometheus_route_router_with_prefix_and_wrapped_api_functions() {
    let dir = support::scratch_dir();
    support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory/promroute"),
        dir.path(),
    );
    let json: Value =
        serde_json::from_str(&inventory(dir.path(), &["--format", "json"])).expect("JSON");
    let routes: Vec<String> = json["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| {
            format!(
                "{} {} {} handler={} function={}",
                r["method"].as_str().unwrap_or("*"),
                r["route"].as_str().unwrap_or(""),
                r["target"].as_str().unwrap_or(""),
                r["handlers"][0]["line"],
                r["function"]["name"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            "GET /api/v1/query wrap(api.query) handler=19 function=API.query",
            "POST /api/v1/query wrap(api.query) handler=19 function=API.query",
            "GET /api/v1/-/ready api.ready handler=15 function=-",
        ]
    );
}

#[test]
fn route_helpers_are_followed_to_their_calls() {
    let (handlers, _) = router_case("helper");
    assert_eq!(
        handlers,
        [
            h("Server.listWidgets", "GET /api/widgets", false),
            h("Server.createWidget", "POST /api/widgets", false),
            h("handleA", "/a", false),
        ]
    );
    let dir = support::scratch_dir();
    support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory/helper"),
        dir.path(),
    );
    let json: Value =
        serde_json::from_str(&inventory(dir.path(), &["--format", "json"])).expect("JSON");
    // A helper's route is located at the helper's call, where the pattern and the handler
    // are written.
    let lines: Vec<String> = json["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| {
            format!(
                "{}:{} {}",
                r["route"].as_str().unwrap_or(""),
                r["line"],
                r["target"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "/api/widgets:18 s.listWidgets",
            "/api/widgets:19 s.createWidget",
            "/a:32 handleA"
        ]
    );
}

#[test]
fn markdown_header_counts_route_coverage_owners_and_middleware() {
    let dir = support::scratch_dir();
    support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory/nethttp"),
        dir.path(),
    );
    let markdown = inventory(dir.path(), &[]);
    assert!(
        markdown.contains("- Route coverage: 4 of 4 handlers have a route (100%)\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- Without an owner: 2 of 4 handlers have no `@oncall-team`\n"),
        "{markdown}"
    );
    assert!(markdown.contains("## HTTP handlers (4)"), "{markdown}");
    assert!(markdown.contains("## Middleware (1)"), "{markdown}");
    assert!(
        markdown.contains("| `func literal` | - | `cmd/shop/main.go:19` |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("## Routes without a handler of the repository (2)"),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "| `/api/missing` | `http.NotFoundHandler()` | - | `internal/api/routes.go:15` |"
        ),
        "{markdown}"
    );
}
