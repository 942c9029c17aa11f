// Command crosscheck is an independent reference implementation of the
// sre-policy rules handler-oncall (missing-annotation case only), metric-help,
// metric-promauto and metric-location, written with Go's own go/parser and
// go/ast (standard library only). Its output uses the linter's compact format
// so the two tools can be compared location for location (see compare.sh).
//
// Usage:
//
//	go run ./tools/crosscheck [-list] [-stats] ROOT
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	pkgHTTP       = "net/http"
	pkgGin        = "github.com/gin-gonic/gin"
	pkgEcho       = "github.com/labstack/echo"
	pkgEchoV4     = "github.com/labstack/echo/v4"
	pkgFiber      = "github.com/gofiber/fiber/v2"
	pkgPrometheus = "github.com/prometheus/client_golang/prometheus"
	pkgPromauto   = "github.com/prometheus/client_golang/prometheus/promauto"

	ruleHandler  = "handler-oncall"
	ruleHelp     = "metric-help"
	rulePromauto = "metric-promauto"
	ruleLocation = "metric-location"

	metricsFile = "metrics.go"
)

// defaultLocalName is the name a package is known by when imported without an alias.
var defaultLocalName = map[string]string{
	pkgHTTP:       "http",
	pkgGin:        "gin",
	pkgEcho:       "echo",
	pkgEchoV4:     "echo",
	pkgFiber:      "fiber",
	pkgPrometheus: "prometheus",
	pkgPromauto:   "promauto",
}

// metric constructors: New{Counter,Gauge,Histogram,Summary,Untyped}{,Vec,Func}.
var ctorRe = regexp.MustCompile(`^New(Counter|Gauge|Histogram|Summary|Untyped)(Vec|Func)?$`)

// opts types of the prometheus package: Opts, CounterOpts, GaugeVecOpts, ...
var optsRe = regexp.MustCompile(`^[A-Za-z]*Opts$`)

// ---------------------------------------------------------------------------
// Output records

type finding struct {
	path      string
	line, col int
	rule      string
	msg       string
}

type listItem struct {
	path      string
	line, col int
	text      string
}

// ---------------------------------------------------------------------------
// Imports

// imports maps an import path to its local names in one file; dot imports are
// recorded under the name ".".
type imports map[string]map[string]bool

func fileImports(f *ast.File) imports {
	im := imports{}
	for _, is := range f.Imports {
		p, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			continue
		}
		def, known := defaultLocalName[p]
		if !known {
			continue
		}
		name := def
		if is.Name != nil {
			name = is.Name.Name
		}
		if name == "_" {
			continue
		}
		if im[p] == nil {
			im[p] = map[string]bool{}
		}
		im[p][name] = true
	}
	return im
}

// isQualified reports whether e names pkgpath.typ: X.typ with X a local name of
// pkgpath, or a bare typ when pkgpath is dot-imported.
func (im imports) isQualified(e ast.Expr, pkgpaths []string, typ string) bool {
	switch t := e.(type) {
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		if !ok || t.Sel.Name != typ {
			return false
		}
		for _, p := range pkgpaths {
			if im[p][x.Name] && x.Name != "." {
				return true
			}
		}
	case *ast.Ident:
		if t.Name != typ {
			return false
		}
		for _, p := range pkgpaths {
			if im[p]["."] {
				return true
			}
		}
	}
	return false
}

func (im imports) isPtrTo(e ast.Expr, pkgpaths []string, typ string) bool {
	s, ok := e.(*ast.StarExpr)
	return ok && im.isQualified(s.X, pkgpaths, typ)
}

func (im imports) isLocal(name string, pkgpath string) bool {
	return name != "." && im[pkgpath][name]
}

// ---------------------------------------------------------------------------
// Handlers

func paramTypes(fl *ast.FieldList) []ast.Expr {
	var ts []ast.Expr
	if fl == nil {
		return ts
	}
	for _, f := range fl.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			ts = append(ts, f.Type)
		}
	}
	return ts
}

func isErrorIdent(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "error"
}

// isHandler reports whether a function type has a handler signature.
func (im imports) isHandler(ft *ast.FuncType) bool {
	ps := paramTypes(ft.Params)
	rs := paramTypes(ft.Results)
	switch len(ps) {
	case 2:
		return im.isQualified(ps[0], []string{pkgHTTP}, "ResponseWriter") &&
			im.isPtrTo(ps[1], []string{pkgHTTP}, "Request")
	case 1:
		if im.isPtrTo(ps[0], []string{pkgGin}, "Context") {
			return true
		}
		returnsError := len(rs) == 1 && isErrorIdent(rs[0])
		if returnsError && im.isQualified(ps[0], []string{pkgEcho, pkgEchoV4}, "Context") {
			return true
		}
		if returnsError && im.isPtrTo(ps[0], []string{pkgFiber}, "Ctx") {
			return true
		}
	}
	return false
}

func hasAnnotation(cg *ast.CommentGroup) bool {
	if cg == nil {
		return false
	}
	for _, c := range cg.List {
		if strings.Contains(c.Text, "@oncall-team") {
			return true
		}
	}
	return false
}

func recvBaseName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// ---------------------------------------------------------------------------
// Per-file analysis

type parsedFile struct {
	rel     string // path relative to ROOT, '/'-separated
	base    string // file name
	src     []byte
	fset    *token.FileSet
	file    *ast.File
	parseOK bool
}

// lineStarts of the source, for character columns.
func (pf *parsedFile) pos(p token.Pos) (int, int) {
	position := pf.fset.Position(p)
	off := position.Offset
	start := off - (position.Column - 1)
	if start < 0 || off > len(pf.src) {
		return position.Line, position.Column
	}
	return position.Line, utf8.RuneCount(pf.src[start:off]) + 1
}

type analyzer struct {
	pf        *parsedFile
	im        imports
	typeDocs  map[string]bool // receiver type name -> annotated, for the file's directory
	findings  []finding
	list      []listItem
	lineOf    func(token.Pos) int
	cmtLines  map[int][]*ast.Comment      // comments by start line
	groupEnds map[int][]*ast.CommentGroup // comment groups by end line
	supp      map[int]map[string]bool     // line -> suppressed rules (applies to that line and the next)

	optsBindings map[string][]binding // identifier -> bindings to opts literals in the file
}

type binding struct {
	pos     token.Pos
	fn      *ast.FuncDecl // nil for package level
	lit     *ast.CompositeLit
	literal bool // bound to an opts literal (vs. anything else)
}

var suppRe = regexp.MustCompile(`^//\s*sre-policy:ignore\s+([A-Za-z0-9_,\- ]+?)\s+--\s*(\S.*)$`)

func newAnalyzer(pf *parsedFile, typeDocs map[string]bool) *analyzer {
	a := &analyzer{
		pf:           pf,
		im:           fileImports(pf.file),
		typeDocs:     typeDocs,
		lineOf:       func(p token.Pos) int { return pf.fset.Position(p).Line },
		cmtLines:     map[int][]*ast.Comment{},
		groupEnds:    map[int][]*ast.CommentGroup{},
		supp:         map[int]map[string]bool{},
		optsBindings: map[string][]binding{},
	}
	for _, cg := range pf.file.Comments {
		a.groupEnds[a.lineOf(cg.End())] = append(a.groupEnds[a.lineOf(cg.End())], cg)
		for _, c := range cg.List {
			l := a.lineOf(c.Pos())
			a.cmtLines[l] = append(a.cmtLines[l], c)
			if m := suppRe.FindStringSubmatch(c.Text); m != nil {
				if a.supp[l] == nil {
					a.supp[l] = map[string]bool{}
				}
				for _, r := range strings.Split(m[1], ",") {
					a.supp[l][strings.TrimSpace(r)] = true
				}
			}
		}
	}
	return a
}

func (a *analyzer) suppressed(line int, rule string) bool {
	return a.supp[line][rule] || a.supp[line-1][rule]
}

func (a *analyzer) report(p token.Pos, rule, msg string) {
	line, col := a.pf.pos(p)
	if a.suppressed(line, rule) {
		return
	}
	a.findings = append(a.findings, finding{a.pf.rel, line, col, rule, msg})
}

func (a *analyzer) inventory(p token.Pos, text string) {
	line, col := a.pf.pos(p)
	a.list = append(a.list, listItem{a.pf.rel, line, col, text})
}

// onlySpaceBefore reports whether the comment is the first thing on its line
// (so it is not a trailing comment of code).
func (a *analyzer) onlySpaceBefore(p token.Pos) bool {
	off := a.pf.fset.Position(p).Offset
	for i := off - 1; i >= 0; i-- {
		switch a.pf.src[i] {
		case '\n':
			return true
		case ' ', '\t', '\r', '\f', '\v':
			continue
		default:
			return false
		}
	}
	return true
}

// annotatedAround: a comment group ending on the line directly above node n
// (a group that starts on a line of its own), or a comment starting on n's
// first line after n's start.
func (a *analyzer) annotatedAround(n ast.Node) bool {
	line := a.lineOf(n.Pos())
	for _, cg := range a.groupEnds[line-1] {
		if a.onlySpaceBefore(cg.Pos()) && hasAnnotation(cg) {
			return true
		}
	}
	for _, c := range a.cmtLines[line] {
		if c.Pos() > n.Pos() && strings.Contains(c.Text, "@oncall-team") {
			return true
		}
	}
	return false
}

func (a *analyzer) handlerFinding(funcPos token.Pos, name string, annotated bool) {
	a.inventory(funcPos, fmt.Sprintf("handler %s annotated=%s", name, yesno(annotated)))
	if !annotated {
		a.report(funcPos, ruleHandler, fmt.Sprintf("HTTP handler `%s` has no `// @oncall-team <team>` annotation", name))
	}
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// run walks the file once, keeping a stack of ancestors.
func (a *analyzer) run() {
	a.collectOptsBindings()
	for _, d := range a.pf.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if a.im.isHandler(d.Type) {
				name := d.Name.Name
				annotated := hasAnnotation(d.Doc)
				if d.Recv != nil {
					base := recvBaseName(d)
					name = base + "." + d.Name.Name
					if base != "" && a.typeDocs[base] {
						annotated = true
					}
				}
				a.handlerFinding(d.Type.Func, name, annotated)
			}
			if d.Body != nil {
				a.walkBody(d, d.Body)
			}
		case *ast.GenDecl:
			a.walkPackageDecl(d)
		}
	}
}

// walker state for one top-level declaration
type walkState struct {
	fd        *ast.FuncDecl
	stack     []ast.Node
	factories map[string]bool // promauto factory variables in this function
}

func (a *analyzer) walkBody(fd *ast.FuncDecl, body *ast.BlockStmt) {
	ws := &walkState{fd: fd, factories: a.factoriesIn(body)}
	a.walk(ws, body)
}

func (a *analyzer) walkPackageDecl(gd *ast.GenDecl) {
	ws := &walkState{factories: map[string]bool{}}
	ws.stack = []ast.Node{}
	a.walk(ws, gd)
}

func (a *analyzer) walk(ws *walkState, root ast.Node) {
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			ws.stack = ws.stack[:len(ws.stack)-1]
			return true
		}
		switch x := n.(type) {
		case *ast.FuncLit:
			a.checkFuncLit(ws, x)
		case *ast.CallExpr:
			a.checkCall(ws, x)
		}
		ws.stack = append(ws.stack, n)
		return true
	})
}

// isWrappedHandlerType reports whether e is a handler type a middleware receives:
// http.Handler, http.HandlerFunc, gin.HandlerFunc, echo.HandlerFunc or fiber.Handler.
func (im imports) isWrappedHandlerType(e ast.Expr) bool {
	return im.isQualified(e, []string{pkgHTTP}, "Handler") ||
		im.isQualified(e, []string{pkgHTTP}, "HandlerFunc") ||
		im.isQualified(e, []string{pkgGin}, "HandlerFunc") ||
		im.isQualified(e, []string{pkgEcho, pkgEchoV4}, "HandlerFunc") ||
		im.isQualified(e, []string{pkgFiber}, "Handler")
}

// paramNames returns the names of the parameters of ft whose type satisfies keep.
func paramNames(ft *ast.FuncType, keep func(ast.Expr) bool) []string {
	var names []string
	if ft == nil || ft.Params == nil {
		return names
	}
	for _, f := range ft.Params.List {
		if !keep(f.Type) {
			continue
		}
		for _, n := range f.Names {
			if n.Name != "_" {
				names = append(names, n.Name)
			}
		}
	}
	return names
}

// isMiddleware reports whether the handler literal fl wraps a handler that an enclosing
// function receives (it calls next(...) or next.ServeHTTP(...)), or, for gin and fiber,
// hands over to the chain through its own context (c.Next()).
func (a *analyzer) isMiddleware(ws *walkState, fl *ast.FuncLit) bool {
	wrapped := map[string]bool{}
	add := func(ft *ast.FuncType) {
		for _, n := range paramNames(ft, a.im.isWrappedHandlerType) {
			wrapped[n] = true
		}
	}
	if ws.fd != nil {
		add(ws.fd.Type)
	}
	for _, n := range ws.stack {
		if outer, ok := n.(*ast.FuncLit); ok {
			add(outer.Type)
		}
	}
	contexts := map[string]bool{}
	for _, n := range paramNames(fl.Type, func(e ast.Expr) bool {
		return a.im.isPtrTo(e, []string{pkgGin}, "Context") || a.im.isPtrTo(e, []string{pkgFiber}, "Ctx")
	}) {
		contexts[n] = true
	}
	if len(wrapped) == 0 && len(contexts) == 0 {
		return false
	}
	found := false
	ast.Inspect(fl.Body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		switch f := c.Fun.(type) {
		case *ast.Ident:
			found = wrapped[f.Name]
		case *ast.SelectorExpr:
			if x, ok := f.X.(*ast.Ident); ok {
				found = (f.Sel.Name == "ServeHTTP" && wrapped[x.Name]) ||
					(f.Sel.Name == "Next" && len(c.Args) == 0 && contexts[x.Name])
			}
		}
		return !found
	})
	return found
}

func (a *analyzer) checkFuncLit(ws *walkState, fl *ast.FuncLit) {
	if !a.im.isHandler(fl.Type) {
		return
	}
	if a.isMiddleware(ws, fl) {
		// Middleware serves every endpoint and has no on-call team of its own
		// ([handlers] middleware = "skip", the default).
		return
	}
	annotated := false
	if ws.fd != nil && hasAnnotation(ws.fd.Doc) {
		annotated = true
	}
	// Walk up: the child of the nearest enclosing block (or case clause) is
	// the statement; at package level the value spec and its GenDecl.
	var anchors []ast.Node
	child := ast.Node(fl)
	for i := len(ws.stack) - 1; i >= 0; i-- {
		p := ws.stack[i]
		if vs, ok := p.(*ast.ValueSpec); ok {
			anchors = append(anchors, vs)
		}
		stop := false
		switch p.(type) {
		case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			if _, isStmt := child.(ast.Stmt); isStmt {
				anchors = append(anchors, child)
				stop = true
			}
		case *ast.GenDecl:
			if i == 0 { // package-level declaration
				anchors = append(anchors, p)
				stop = true
			}
		}
		if stop {
			break
		}
		child = p
	}
	for _, n := range anchors {
		if a.annotatedAround(n) {
			annotated = true
		}
	}
	a.handlerFinding(fl.Type.Func, "func literal", annotated)
}

// ---------------------------------------------------------------------------
// Metrics

// isPromautoWith reports whether e is promauto.With(...).
func (a *analyzer) isPromautoWith(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	return a.im.isQualified(c.Fun, []string{pkgPromauto}, "With")
}

// factoriesIn finds `f := promauto.With(reg)` and `var f = promauto.With(reg)`
// anywhere in a function body.
func (a *analyzer) factoriesIn(body *ast.BlockStmt) map[string]bool {
	fs := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE && len(x.Lhs) == len(x.Rhs) {
				for i, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok && a.isPromautoWith(x.Rhs[i]) {
						fs[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			if len(x.Names) == len(x.Values) {
				for i, id := range x.Names {
					if a.isPromautoWith(x.Values[i]) {
						fs[id.Name] = true
					}
				}
			}
		}
		return true
	})
	return fs
}

// metricCtor classifies a call: the constructor name and whether it goes
// through the prometheus package (vs. promauto).
func (a *analyzer) metricCtor(ws *walkState, c *ast.CallExpr) (name string, viaPrometheus, ok bool) {
	switch f := c.Fun.(type) {
	case *ast.SelectorExpr:
		if !ctorRe.MatchString(f.Sel.Name) {
			return "", false, false
		}
		switch x := f.X.(type) {
		case *ast.Ident:
			if a.im.isLocal(x.Name, pkgPrometheus) {
				return f.Sel.Name, true, true
			}
			if a.im.isLocal(x.Name, pkgPromauto) {
				return f.Sel.Name, false, true
			}
			if ws.factories[x.Name] {
				return f.Sel.Name, false, true
			}
		case *ast.CallExpr:
			if a.isPromautoWith(x) {
				return f.Sel.Name, false, true
			}
		}
	case *ast.Ident:
		if !ctorRe.MatchString(f.Name) {
			return "", false, false
		}
		if a.im[pkgPrometheus]["."] {
			return f.Name, true, true
		}
		if a.im[pkgPromauto]["."] {
			return f.Name, false, true
		}
	}
	return "", false, false
}

func (a *analyzer) checkCall(ws *walkState, c *ast.CallExpr) {
	name, viaProm, ok := a.metricCtor(ws, c)
	if !ok {
		return
	}
	pkg := "promauto"
	if viaProm {
		pkg = "prometheus"
	}
	a.inventory(c.Pos(), "metric "+pkg+"."+name)
	// promauto.With(nil).NewX(...) registers nowhere: a stub nobody scrapes, not checked.
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
		if w, ok := sel.X.(*ast.CallExpr); ok && a.isPromautoWith(w) && len(w.Args) == 1 {
			if id, ok := w.Args[0].(*ast.Ident); ok && id.Name == "nil" {
				return
			}
		}
	}
	if viaProm {
		a.report(c.Pos(), rulePromauto, fmt.Sprintf("metric constructed with `prometheus.%s`; use `promauto.%s` (or `promauto.With(reg).%s`)", name, name, name))
	}
	if a.pf.base != metricsFile {
		a.report(c.Pos(), ruleLocation, fmt.Sprintf("metric `%s` is declared in `%s`, not in `%s`", name, a.pf.base, metricsFile))
	}
	if len(c.Args) > 0 {
		if lit := a.optsLiteral(ws, c.Args[0]); lit != nil {
			switch helpState(lit) {
			case helpMissing:
				a.report(c.Pos(), ruleHelp, fmt.Sprintf("metric `%s` has no `Help` string", name))
			case helpEmpty:
				a.report(c.Pos(), ruleHelp, fmt.Sprintf("metric `%s` has an empty `Help` string", name))
			}
		}
	}
}

// asOptsLiteral returns the literal when e is prometheus.XOpts{...} or &prometheus.XOpts{...}.
func (a *analyzer) asOptsLiteral(e ast.Expr) *ast.CompositeLit {
	if p, ok := e.(*ast.ParenExpr); ok {
		return a.asOptsLiteral(p.X)
	}
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	cl, ok := e.(*ast.CompositeLit)
	if !ok || cl.Type == nil {
		return nil
	}
	var typName string
	switch t := cl.Type.(type) {
	case *ast.SelectorExpr:
		typName = t.Sel.Name
	case *ast.Ident:
		typName = t.Name
	default:
		return nil
	}
	if !optsRe.MatchString(typName) || !a.im.isQualified(cl.Type, []string{pkgPrometheus}, typName) {
		return nil
	}
	return cl
}

func (a *analyzer) optsLiteral(ws *walkState, arg ast.Expr) *ast.CompositeLit {
	if lit := a.asOptsLiteral(arg); lit != nil {
		return lit
	}
	id, ok := arg.(*ast.Ident)
	if !ok {
		return nil
	}
	bs := a.optsBindings[id.Name]
	if len(bs) == 0 {
		return nil
	}
	// Prefer the last binding before the call in the same function, then a
	// package-level binding. A binding to anything but an opts literal wins
	// too (and then nothing is guessed).
	var best *binding
	if ws.fd != nil {
		for i := range bs {
			b := &bs[i]
			if b.fn == ws.fd && b.pos < id.Pos() {
				best = b
			}
		}
	}
	if best == nil {
		for i := range bs {
			if bs[i].fn == nil {
				best = &bs[i]
				break
			}
		}
	}
	if best == nil || !best.literal {
		return nil
	}
	return best.lit
}

// collectOptsBindings records `x := lit`, `var x = lit` (any level) for every
// identifier in the file, noting whether the value is an opts literal.
func (a *analyzer) collectOptsBindings() {
	add := func(fd *ast.FuncDecl, id *ast.Ident, v ast.Expr) {
		lit := a.asOptsLiteral(v)
		if u, ok := v.(*ast.UnaryExpr); ok && u.Op == token.AND {
			_ = u // &lit bound to a name is a pointer; still an opts literal
		}
		a.optsBindings[id.Name] = append(a.optsBindings[id.Name], binding{pos: id.Pos(), fn: fd, lit: lit, literal: lit != nil})
	}
	visit := func(fd *ast.FuncDecl, root ast.Node) {
		ast.Inspect(root, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.AssignStmt:
				if x.Tok == token.DEFINE && len(x.Lhs) == len(x.Rhs) {
					for i, l := range x.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
							add(fd, id, x.Rhs[i])
						}
					}
				}
			case *ast.ValueSpec:
				if len(x.Names) == len(x.Values) {
					for i, id := range x.Names {
						if id.Name != "_" {
							add(fd, id, x.Values[i])
						}
					}
				}
			}
			return true
		})
	}
	for _, d := range a.pf.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Body != nil {
				visit(d, d.Body)
			}
		case *ast.GenDecl:
			visit(nil, d)
		}
	}
	// keep only names that have at least one opts-literal binding
	for k, bs := range a.optsBindings {
		any := false
		for _, b := range bs {
			any = any || b.literal
		}
		if !any {
			delete(a.optsBindings, k)
		}
	}
}

type helpKind int

const (
	helpOK helpKind = iota
	helpMissing
	helpEmpty
)

func helpState(cl *ast.CompositeLit) helpKind {
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return helpOK // positional literal: not guessed at
		}
		k, ok := kv.Key.(*ast.Ident)
		if !ok || k.Name != "Help" {
			continue
		}
		bl, ok := kv.Value.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return helpOK
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil {
			return helpOK
		}
		if strings.TrimSpace(s) == "" {
			return helpEmpty
		}
		return helpOK
	}
	return helpMissing
}

// ---------------------------------------------------------------------------
// Walking and directory-level facts

func skipDir(name string) bool {
	return name == "vendor" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

type stats struct {
	files, generated, parseErrors int
}

func main() {
	list := flag.Bool("list", false, "print every handler and metric constructor call instead of findings")
	showStats := flag.Bool("stats", false, "print counts and timing on stderr")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: crosscheck [-list] [-stats] ROOT\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Arg(0), *list, *showStats, os.Stdout, os.Stderr))
}

// run checks root and writes the report to stdout; it returns the exit code.
func run(root string, list, showStats bool, stdout, stderr io.Writer) int {
	start := time.Now()

	// 1. Discover files, grouped by directory.
	dirs := map[string][]string{}
	var dirOrder []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(stderr, "warning: %v\n", err)
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() { // symlinks and other non-regular files are not followed
			return nil
		}
		name := d.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		if _, ok := dirs[dir]; !ok {
			dirOrder = append(dirOrder, dir)
		}
		dirs[dir] = append(dirs[dir], path)
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 2
	}
	walkDone := time.Now()

	// 2. Per directory (in parallel): parse, collect receiver type docs, analyse.
	type result struct {
		findings []finding
		list     []listItem
		st       stats
		errs     []string
	}
	results := make([]result, len(dirOrder))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i, dir := range dirOrder {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, dir string) {
			defer wg.Done()
			defer func() { <-sem }()
			res := &results[i]
			var pfs []*parsedFile
			typeDocs := map[string]bool{}
			for _, path := range dirs[dir] {
				src, err := os.ReadFile(path)
				if err != nil {
					res.errs = append(res.errs, fmt.Sprintf("warning: %v", err))
					continue
				}
				rel, _ := filepath.Rel(root, path)
				fset := token.NewFileSet()
				f, perr := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
				if f == nil {
					res.st.parseErrors++
					res.errs = append(res.errs, fmt.Sprintf("parse-error: %s: %v", filepath.ToSlash(rel), perr))
					continue
				}
				if ast.IsGenerated(f) {
					res.st.generated++
					continue
				}
				res.st.files++
				if perr != nil {
					res.st.parseErrors++
					res.errs = append(res.errs, fmt.Sprintf("parse-error: %s: %v", filepath.ToSlash(rel), perr))
				}
				pfs = append(pfs, &parsedFile{rel: filepath.ToSlash(rel), base: filepath.Base(path), src: src, fset: fset, file: f, parseOK: perr == nil})
				for _, d := range f.Decls {
					gd, ok := d.(*ast.GenDecl)
					if !ok || gd.Tok != token.TYPE {
						continue
					}
					for _, s := range gd.Specs {
						ts := s.(*ast.TypeSpec)
						if hasAnnotation(ts.Doc) || (!gd.Lparen.IsValid() && hasAnnotation(gd.Doc)) {
							typeDocs[ts.Name.Name] = true
						}
					}
				}
			}
			for _, pf := range pfs {
				a := newAnalyzer(pf, typeDocs)
				a.run()
				res.findings = append(res.findings, a.findings...)
				res.list = append(res.list, a.list...)
			}
		}(i, dir)
	}
	wg.Wait()

	var all []finding
	var items []listItem
	var st stats
	var errs []string
	for _, r := range results {
		all = append(all, r.findings...)
		items = append(items, r.list...)
		st.files += r.st.files
		st.generated += r.st.generated
		st.parseErrors += r.st.parseErrors
		errs = append(errs, r.errs...)
	}
	sort.Strings(errs)
	for _, e := range errs {
		fmt.Fprintln(stderr, e)
	}

	var out bytes.Buffer
	if list {
		sort.Slice(items, func(i, j int) bool {
			x, y := items[i], items[j]
			if x.path != y.path {
				return x.path < y.path
			}
			if x.line != y.line {
				return x.line < y.line
			}
			if x.col != y.col {
				return x.col < y.col
			}
			return x.text < y.text
		})
		for _, it := range items {
			fmt.Fprintf(&out, "%s:%d:%d: %s\n", it.path, it.line, it.col, it.text)
		}
	} else {
		sort.Slice(all, func(i, j int) bool {
			x, y := all[i], all[j]
			if x.path != y.path {
				return x.path < y.path
			}
			if x.line != y.line {
				return x.line < y.line
			}
			if x.col != y.col {
				return x.col < y.col
			}
			return x.rule < y.rule
		})
		for _, f := range all {
			fmt.Fprintf(&out, "%s:%d:%d: error[%s] %s\n", f.path, f.line, f.col, f.rule, f.msg)
		}
	}
	stdout.Write(out.Bytes())

	if showStats {
		counts := map[string]int{}
		for _, f := range all {
			counts[f.rule]++
		}
		handlers, unannotated, metrics := 0, 0, 0
		for _, it := range items {
			switch {
			case strings.HasPrefix(it.text, "handler "):
				handlers++
				if strings.HasSuffix(it.text, "annotated=no") {
					unannotated++
				}
			case strings.HasPrefix(it.text, "metric "):
				metrics++
			}
		}
		fmt.Fprintf(stderr, "stats: files=%d generated=%d parse_errors=%d handlers=%d unannotated=%d metric_calls=%d %s=%d %s=%d %s=%d %s=%d walk=%s total=%s\n",
			st.files, st.generated, st.parseErrors, handlers, unannotated, metrics,
			ruleHandler, counts[ruleHandler], ruleHelp, counts[ruleHelp], rulePromauto, counts[rulePromauto], ruleLocation, counts[ruleLocation],
			walkDone.Sub(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}
	return 0
}
