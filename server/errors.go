package server

import (
	"net/http"

	"playground/server/httperr"
)

// writeError answers err in the JSON envelope and logs it (see httperr.Respond).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Respond(w, r, s.log, err)
}
