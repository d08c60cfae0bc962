package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/validator"
)

// TestEveryAnswerIsDocumented sends each kind of bad request to each operation and checks that
// the status it gets is one the operation documents: with response validation enforced, an
// undocumented status would come back as a 500 instead.
func TestEveryAnswerIsDocumented(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	srv := mustNew(t, Config{Logger: newTestLogger(&log)})
	flow := mustCreate(t, srv)
	doc, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator.New(doc, validator.WithBasePath("/beta"))
	if err != nil {
		t.Fatal(err)
	}
	type attempt struct {
		name   string
		body   string
		header []string
		query  string
	}
	attempts := []attempt{
		{name: "valid"},
		{name: "no credentials", header: []string{"Authorization", ""}},
		{name: "unknown query parameter", query: "colour=red"},
		{name: "malformed query", query: "a=%zz"},
		{name: "Accept excluding everything", header: []string{"Accept", "image/png"}},
		{name: "unknown property", body: `{"colour":"red"}`},
		{name: "not JSON", body: `{`},
		{name: "text body", body: "hello", header: []string{"Content-Type", "text/plain"}},
		{name: "body over the limit", body: `{"displayName":"` + strings.Repeat("x", maxBodyBytes) + `"}`},
		{name: "If-Match stale", header: []string{"If-Match", `"stale"`}},
		{name: "If-None-Match current", header: []string{"If-None-Match", `"` + flow.ETag + `"`}},
		{name: "Prefer minimal", header: []string{"Prefer", "return=minimal"}},
	}
	for _, route := range v.Routes() {
		for _, a := range attempts {
			for _, id := range []string{flow.ID, "00000000-0000-0000-0000-000000000000"} {
				path := strings.ReplaceAll(route.Path, "{dataShareOutgoingFlowId}", id)
				if path == route.Path && id != flow.ID {
					continue // no id in this path
				}
				body := a.body
				if body == "" && (route.Method == http.MethodPost || route.Method == http.MethodPatch) {
					body = `{"displayName":"x"}`
					if route.Method == http.MethodPost {
						body = createBody
					}
				}
				if route.Method == http.MethodGet || route.Method == http.MethodDelete {
					body = ""
				}
				if a.query != "" {
					path += "?" + a.query
				}
				name := route.OperationID + "/" + a.name + "/" + id[:8]
				t.Run(name, func(t *testing.T) {
					rec := do(t, srv, route.Method, path, body, a.header...)
					status := strconv.Itoa(rec.Code)
					if rec.Code == http.StatusInternalServerError || !slices.Contains(route.Statuses(), status) {
						t.Errorf("%s %s answered %d, which %s does not document (%v); body %s",
							route.Method, path, rec.Code, route.OperationID, route.Statuses(), rec.Body)
					}
				})
			}
		}
	}
	if strings.Contains(log.String(), "response breaks the contract") {
		t.Errorf("responses broke the contract:\n%s", log.String())
	}
}
