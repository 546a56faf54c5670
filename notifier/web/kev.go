package web

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/heed-dev/heed/notifier"
)

// KEV imports catalogs of known exploited vulnerabilities.
type KEV interface {
	ImportKEV(ctx context.Context, data []byte) (notifier.KEVResult, error)
}

// maxKEV bounds POST /api/v1/kev: CISA's whole catalog is a few MiB.
const maxKEV = 32 << 20

// importKEV takes CISA's KEV catalog (JSON) and answers
// {"added":N,"cases_changed":M}; a catalog that cannot be read imports
// nothing (400 naming what is wrong).
func (s *Server) importKEV(w http.ResponseWriter, r *http.Request) error {
	if ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ctype != "application/json" {
		return &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send the KEV catalog as application/json", ctype)}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	res, err := s.kev.ImportKEV(r.Context(), data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
