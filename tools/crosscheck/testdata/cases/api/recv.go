package api

import "net/http"

// Doc of the type is in handlers.go.
func (s Server) Other(w http.ResponseWriter, r *http.Request) {}
