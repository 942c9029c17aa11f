package api

import . "net/http"

func Dot(w ResponseWriter, r *Request) {}
