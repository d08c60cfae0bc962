package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/datashare/datashare/validator"
)

// discardWriter is a ResponseWriter that keeps only the status, so that the benchmarks measure
// the stack and not a recorder.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkStack drives the whole Echo stack in process — correlation, logging (discarded),
// request validation, the strict handler, the memory store and, unless off, response
// validation — for Get and Patch of one flow.
//
//	go test -run '^$' -bench Stack -benchmem ./server/
func BenchmarkStack(b *testing.B) {
	patchBody := []byte(`{"displayName":"Renamed flow","sharingState":"running"}`)
	for _, mode := range []validator.Mode{validator.Enforce, validator.Off} {
		srv := mustNew(b, Config{ResponseValidation: mode})
		item := flowsURL + "/" + mustCreate(b, srv).ID

		b.Run("Get/response-validation="+mode.String(), func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, item, nil)
			req.Header.Set("Authorization", validToken)
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				srv.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status = %d; want 200", w.status)
				}
			}
		})
		b.Run("Patch/response-validation="+mode.String(), func(b *testing.B) {
			req := httptest.NewRequest(http.MethodPatch, item, nil)
			req.Header.Set("Authorization", validToken)
			req.Header.Set("Content-Type", "application/json")
			w := &discardWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				req.Body = io.NopCloser(bytes.NewReader(patchBody))
				req.ContentLength = int64(len(patchBody))
				srv.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status = %d; want 200", w.status)
				}
			}
		})
	}
}
