package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// JSONFormat is the value of the "format" member of the documents WriteJSON writes. It
// changes only when a change would break their readers.
const JSONFormat = "datashare-validate/1"

// WriteJSON writes s as a JSON document for tools, indented by two spaces and followed by a
// newline. Its members always appear, in this order; arrays are never null, but may be empty:
//
//	{
//	  "format": "datashare-validate/1",  // JSONFormat
//	  "spec": "openapi.yaml",            // the name of the contract (Summary.Spec)
//	  "exchanges": 8,                    // the number of entries read, malformed ones included
//	  "violations": 5,                   // the number of violations of requests and responses
//	  "malformed": 1,                    // the number of entries that could not be read
//	  "results": [                       // one per entry, in the order read
//	    {
//	      "index": 3,                    // the 1-based position of the entry across all inputs
//	      "source": "traffic.har#3",     // where it was read ("traffic.ndjson:12")
//	      "method": "POST",              // the method of the request, as recorded
//	      "url": "http://host/books",    // the URL of the request, as recorded
//	      "path": "/books",              // the path of the URL
//	      "status": 201,                 // the status of the response; 0 when there was none
//	      "operationId": "createBook",   // the operation the request targets; "" when none
//	      "ok": false,                   // whether the entry was read and obeys the contract
//	      "error": "...",                // only for a malformed entry: why it could not be read
//	      "violations": [                // those of the request, then those of the response
//	        {
//	          "side": "response",        // "request" or "response"
//	          "in": "body",              // "security", "path", "query", "header", "cookie",
//	                                     // "body" or "status"
//	          "target": "title",         // the parameter or header name, or the path inside
//	                                     // the body ("items/0/name"); "" for the whole body
//	          "keyword": "type",         // the JSON Schema keyword that failed, or one of the
//	                                     // validator ("missing", "status", "operation", ...)
//	          "reason": "must be a string"  // what is wrong, in words
//	        }
//	      ]
//	    }
//	  ],
//	  "coverage": [                      // one per operation of the contract
//	    {
//	      "operationId": "createBook",
//	      "method": "POST",
//	      "path": "/books",              // with the base path of the contract's servers
//	      "exchanges": 3,                // how many entries targeted the operation
//	      "seen": ["201", "4XX"],        // documented statuses that some response had
//	      "never": ["default"],          // documented statuses that no response had
//	      "undocumented": [418]          // statuses of responses the operation does not document
//	    }
//	  ]
//	}
//
// A response counts for the documented status the validator checks it against: its own
// status when documented, else its range ("4XX"), else "default" (see Coverage). "operationId"
// is also "" for an operation that has none. Reasons never quote the offending values, but
// "error" may quote the entry it could not read.
func WriteJSON(w io.Writer, s Summary) error {
	doc := jsonReport{
		Format:     JSONFormat,
		Spec:       s.Spec,
		Exchanges:  s.Exchanges(),
		Violations: s.Violations(),
		Malformed:  s.Malformed(),
		Results:    make([]jsonResult, 0, len(s.Checked)),
		Coverage:   make([]jsonCoverage, 0, len(s.Coverage)),
	}
	for _, c := range s.Checked {
		r := jsonResult{
			Index:      c.Index,
			Source:     c.Source,
			Method:     c.Method,
			URL:        c.URL,
			Path:       c.Path,
			Status:     c.Status,
			OK:         c.OK(),
			Violations: make([]jsonViolation, 0, len(c.Result.Request)+len(c.Result.Response)),
		}
		if c.Result.Route != nil {
			r.OperationID = c.Result.Route.OperationID
		}
		if c.Err != nil {
			msg := c.Err.Error()
			r.Error = &msg
		}
		for _, v := range c.Result.Request {
			r.Violations = append(r.Violations, jsonViolation{sideRequest, v.In, v.Target, v.Keyword, v.Reason})
		}
		for _, v := range c.Result.Response {
			r.Violations = append(r.Violations, jsonViolation{sideResponse, v.In, v.Target, v.Keyword, v.Reason})
		}
		doc.Results = append(doc.Results, r)
	}
	for _, c := range s.Coverage {
		doc.Coverage = append(doc.Coverage, jsonCoverage{
			OperationID:  c.OperationID,
			Method:       c.Method,
			Path:         c.Path,
			Exchanges:    c.Exchanges,
			Seen:         nonNil(c.Seen),
			Never:        nonNil(c.Never),
			Undocumented: nonNil(c.Undocumented),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing the JSON report: %w", err)
	}
	return nil
}

// jsonReport is the document WriteJSON writes; see there.
type jsonReport struct {
	Format     string         `json:"format"`
	Spec       string         `json:"spec"`
	Exchanges  int            `json:"exchanges"`
	Violations int            `json:"violations"`
	Malformed  int            `json:"malformed"`
	Results    []jsonResult   `json:"results"`
	Coverage   []jsonCoverage `json:"coverage"`
}

type jsonResult struct {
	Index       int             `json:"index"`
	Source      string          `json:"source"`
	Method      string          `json:"method"`
	URL         string          `json:"url"`
	Path        string          `json:"path"`
	Status      int             `json:"status"`
	OperationID string          `json:"operationId"`
	OK          bool            `json:"ok"`
	Error       *string         `json:"error,omitempty"`
	Violations  []jsonViolation `json:"violations"`
}

type jsonViolation struct {
	Side    string `json:"side"`
	In      string `json:"in"`
	Target  string `json:"target"`
	Keyword string `json:"keyword"`
	Reason  string `json:"reason"`
}

type jsonCoverage struct {
	OperationID  string   `json:"operationId"`
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	Exchanges    int      `json:"exchanges"`
	Seen         []string `json:"seen"`
	Never        []string `json:"never"`
	Undocumented []int    `json:"undocumented"`
}

// nonNil returns s, or an empty slice when s is nil, so that it is encoded as [] and not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
