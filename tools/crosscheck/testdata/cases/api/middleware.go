package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Middleware: wraps the handler it receives; not reported.
func logging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
	})
}

// Middleware calling a HandlerFunc directly, from a nested literal.
func recovering(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		func() { next(w, r) }()
	}
}

// gin middleware: hands over through its own context.
func auth() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
	}
}

// Not middleware: it never calls the handler it receives, so it is an endpoint.
func replace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
}
