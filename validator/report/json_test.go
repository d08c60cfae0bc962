package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/report"
)

func TestWriteJSONGolden(t *testing.T) {
	t.Parallel()
	golden(t, "scenario.json.golden", write(t, report.WriteJSON, scenario(t)))
}

// jsonReport is the document WriteJSON documents, for decoding.
type jsonReport struct {
	Format     string `json:"format"`
	Spec       string `json:"spec"`
	Exchanges  int    `json:"exchanges"`
	Violations int    `json:"violations"`
	Malformed  int    `json:"malformed"`
	Results    []struct {
		Index       int     `json:"index"`
		Source      string  `json:"source"`
		Method      string  `json:"method"`
		URL         string  `json:"url"`
		Path        string  `json:"path"`
		Status      int     `json:"status"`
		OperationID string  `json:"operationId"`
		OK          bool    `json:"ok"`
		Error       *string `json:"error"`
		Violations  []struct {
			Side, In, Target, Keyword, Reason string
		} `json:"violations"`
	} `json:"results"`
	Coverage []struct {
		OperationID  string   `json:"operationId"`
		Exchanges    int      `json:"exchanges"`
		Seen         []string `json:"seen"`
		Never        []string `json:"never"`
		Undocumented []int    `json:"undocumented"`
	} `json:"coverage"`
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	out := write(t, report.WriteJSON, scenario(t))
	var got jsonReport
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decoding the report: %v\n%s", err, out)
	}

	type totals struct {
		Format, Spec                     string
		Exchanges, Violations, Malformed int
		Results, Coverage                int
	}
	wantTotals := totals{Format: "datashare-validate/1", Spec: "shelf.yaml", Exchanges: 10, Violations: 6, Malformed: 1, Results: 10, Coverage: 4}
	gotTotals := totals{got.Format, got.Spec, got.Exchanges, got.Violations, got.Malformed, len(got.Results), len(got.Coverage)}
	if diff := cmp.Diff(wantTotals, gotTotals); diff != "" {
		t.Errorf("totals differ (-want +got):\n%s", diff)
	}

	// One line per result: index, operationId, ok, whether it has an error, number of violations.
	type row struct {
		Index       int
		OperationID string
		Status      int
		OK, Error   bool
		Violations  int
	}
	var rows []row
	for _, r := range got.Results {
		rows = append(rows, row{r.Index, r.OperationID, r.Status, r.OK, r.Error != nil, len(r.Violations)})
	}
	wantRows := []row{
		{1, "listBooks", 200, true, false, 0},
		{2, "createBook", 201, false, false, 2},
		{3, "createBook", 422, true, false, 0},
		{4, "getBook", 404, true, false, 0},
		{5, "getBook", 418, false, false, 1},
		{6, "", 405, false, false, 1},
		{7, "", 404, false, false, 1},
		{8, "", 0, false, true, 0},
		{9, "getBook", 0, false, false, 1},
		{10, "listBooks", 503, true, false, 0},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("results differ (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(
		struct{ Side, In, Target, Keyword, Reason string }{"response", "body", "title", "type", "must be a string"},
		got.Results[1].Violations[1]); diff != "" {
		t.Errorf("second violation of #2 differs (-want +got):\n%s", diff)
	}
}

func TestWriteJSONArraysAreNeverNull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		summary report.Summary
	}{
		{name: "the scenario", summary: scenario(t)},
		{name: "an empty summary"},
		{
			name: "nil slices everywhere",
			summary: report.Summary{
				Checked:  []report.Checked{{Index: 1, Status: 200}, {Index: 2, Err: errors.New("")}, {Index: 3, Result: validator.Result{Request: []validator.Violation{{}}}}},
				Coverage: []report.Coverage{{OperationID: "op"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := write(t, report.WriteJSON, tt.summary)
			var doc any
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("decoding the report: %v\n%s", err, out)
			}
			for _, path := range nullArrays(doc) {
				t.Errorf("%s is null, want an array", path)
			}
			if !bytes.HasSuffix(out, []byte("}\n")) {
				t.Errorf("report does not end with a newline:\n%s", out)
			}
		})
	}
}

// nullArrays returns the paths of the members of a decoded report that are not arrays where
// the format promises arrays.
func nullArrays(doc any) []string {
	var out []string
	check := func(obj any, path string, members ...string) []any {
		m, _ := obj.(map[string]any)
		var items []any
		for _, k := range members {
			a, ok := m[k].([]any)
			if !ok {
				out = append(out, path+"/"+k)
			}
			items = append(items, a...)
		}
		return items
	}
	for i, r := range check(doc, "", "results") {
		check(r, fmt.Sprintf("/results/%d", i), "violations")
	}
	for i, c := range check(doc, "", "coverage") {
		check(c, fmt.Sprintf("/coverage/%d", i), "seen", "never", "undocumented")
	}
	return out
}

func TestWriteJSONMembersInOrder(t *testing.T) {
	t.Parallel()
	s := report.Summary{
		Spec:     "embedded contract",
		Checked:  []report.Checked{{Index: 1, Source: "s:1", Err: errors.New("bad")}},
		Coverage: []report.Coverage{{OperationID: "op", Method: "GET", Path: "/", Seen: []string{"200"}}},
	}
	want := `{
  "format": "datashare-validate/1",
  "spec": "embedded contract",
  "exchanges": 1,
  "violations": 0,
  "malformed": 1,
  "results": [
    {
      "index": 1,
      "source": "s:1",
      "method": "",
      "url": "",
      "path": "",
      "status": 0,
      "operationId": "",
      "ok": false,
      "error": "bad",
      "violations": []
    }
  ],
  "coverage": [
    {
      "operationId": "op",
      "method": "GET",
      "path": "/",
      "exchanges": 0,
      "seen": [
        "200"
      ],
      "never": [],
      "undocumented": []
    }
  ]
}
`
	if diff := cmp.Diff(want, string(write(t, report.WriteJSON, s))); diff != "" {
		t.Errorf("WriteJSON() differs (-want +got):\n%s", diff)
	}
}

func TestWriteJSONError(t *testing.T) {
	t.Parallel()
	if err := report.WriteJSON(failingWriter{}, scenario(t)); !errors.Is(err, errWrite) {
		t.Errorf("WriteJSON(failing writer) = %v, want %v", err, errWrite)
	}
}
