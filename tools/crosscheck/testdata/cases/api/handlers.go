package api

import (
	"net/http"

	h2 "net/http"

	"github.com/gin-gonic/gin"
	echo "github.com/labstack/echo/v4"
	"github.com/gofiber/fiber/v2"
)

// @oncall-team payments
func Annotated(w http.ResponseWriter, r *http.Request) {}

// Plain doc, no team.
func Missing(w http.ResponseWriter, r *http.Request) {}

func Alias(w h2.ResponseWriter, r *h2.Request) error { return nil }

func Grouped(w, r http.ResponseWriter) {} // not a handler: second is not *Request

func Helper(w http.ResponseWriter, r *http.Request, x int) {} // helper, not a handler

// @oncall-team identity

func Detached(w http.ResponseWriter, r *http.Request) {} // blank line: not a doc comment

// Server serves.
// @oncall-team identity
type Server struct{}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {}

type (
	// @oncall-team payments
	Grp struct{}
	Other struct{}
)

func (g Grp) ServeHTTP(w http.ResponseWriter, r *http.Request) {}

func (o *Other) ServeHTTP(w http.ResponseWriter, r *http.Request) {}

func Gin(c *gin.Context) {}

func Echo(c echo.Context) error { return nil }

func EchoNoErr(c echo.Context) {} // not a handler

func Fiber(c *fiber.Ctx) error { return nil }

// @oncall-team payments
func Router(mux *http.ServeMux) {
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {})
}

func Routes(mux *http.ServeMux) {
	// @oncall-team payments
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) {}) // @oncall-team payments
	mux.HandleFunc("/c", func(w http.ResponseWriter, r *http.Request) {
	})
	if true {
		// @oncall-team payments
		h := func(w http.ResponseWriter, r *http.Request) {}
		_ = h
		g := func(w http.ResponseWriter, r *http.Request) {}
		_ = g
	}
	//sre-policy:ignore handler-oncall -- legacy endpoint, tracked elsewhere
	mux.HandleFunc("/d", func(w http.ResponseWriter, r *http.Request) {})
	//sre-policy:ignore handler-oncall
	mux.HandleFunc("/e", func(w http.ResponseWriter, r *http.Request) {})
}

// @oncall-team payments
var pkgLevel = func(w http.ResponseWriter, r *http.Request) {}

var (
	// @oncall-team payments
	inGroup  = func(w http.ResponseWriter, r *http.Request) {}
	notInGrp = func(w http.ResponseWriter, r *http.Request) {}
)

/* üñí */ func Unicode(w http.ResponseWriter, r *http.Request) {}
