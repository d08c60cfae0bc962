package server

import (
	"net/http"
	"testing"
)

// TestRunTextWithoutNUL proves that a run whose text holds the NUL character, which no store
// can keep, is refused with a 400 naming the property, whatever store is behind.
func TestRunTextWithoutNUL(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	runs := flowsURL + "/" + mustCreate(t, srv).ID + "/runs"
	tests := []struct {
		name, body, target string
	}{
		{name: "in displayName", body: `{"displayName":"a\u0000b"}`, target: "displayName"},
		{name: "in blockingError", body: `{"displayName":"r","status":"failed","blockingError":{"code":"x","message":"a\u0000b"}}`, target: "blockingError"},
		{name: "in statistics", body: `{"displayName":"r","statistics":{"runId":"a\u0000b"}}`, target: "statistics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ge := checkEnvelope(t, do(t, srv, http.MethodPost, runs, tt.body), http.StatusBadRequest, CodeBadRequest)
			if ge.Error.Target != tt.target {
				t.Errorf("error.target = %q; want %q", ge.Error.Target, tt.target)
			}
		})
	}
}
