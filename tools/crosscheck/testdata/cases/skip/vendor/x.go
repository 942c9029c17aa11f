package x

import "net/http"

func H(w http.ResponseWriter, r *http.Request) {}
