// Package report turns the results of validating recorded traffic against an OpenAPI contract
// into reports: a text report for people (WriteText), a JSON document for tools (WriteJSON)
// and JUnit XML for CI systems (WriteJUnit). Summarize gathers what they report: every entry
// of the traffic with its violations, and which documented statuses of each operation the
// traffic showed.
package report

import (
	"slices"
	"strconv"

	"github.com/datashare/datashare/validator"
)

// Checked is one entry of the traffic with what its validation found.
type Checked struct {
	// Index is the 1-based position of the entry across all inputs.
	Index int
	// Source says where the entry was read: "traffic.har#3", "traffic.ndjson:12".
	Source string
	// Method is the method of the request, as recorded.
	Method string
	// URL is the URL of the request, as recorded.
	URL string
	// Path is the path of URL.
	Path string
	// Status is the status of the response; 0 when there was no response.
	Status int
	// Result is what the validator found; its Route is nil when no operation matched.
	Result validator.Result
	// Err is set when the entry could not be read at all (a malformed entry); Result is then
	// empty.
	Err error
}

// OK reports whether the entry could be read and obeys the contract.
func (c Checked) OK() bool { return c.Err == nil && c.Result.OK() }

// Summary is the whole report.
type Summary struct {
	// Spec names the contract: its file name, or "embedded contract".
	Spec string
	// Checked lists the entries of the traffic, in the order they were read.
	Checked []Checked
	// Coverage has one entry per operation of the contract, in the order of its routes.
	Coverage []Coverage
}

// Coverage says which documented statuses of an operation the traffic showed.
type Coverage struct {
	OperationID string
	Method      string
	Path        string
	// Exchanges is how many entries targeted the operation, with or without a response.
	Exchanges int
	// Seen lists the documented statuses that some response had, in the order of
	// validator.Route.Statuses. A response counts for the status the validator checks it
	// against: the status itself when documented, else its range ("4XX"), else "default".
	Seen []string
	// Never lists the documented statuses that no response had, in the same order.
	Never []string
	// Undocumented lists, in increasing order, the statuses of responses that the operation
	// documents neither exactly, nor by range, nor by "default". Each such response is also a
	// violation of the contract.
	Undocumented []int
}

// Summarize builds the report of checked entries of traffic validated against the contract
// named spec, whose routes are routes (validator.Validator.Routes). An entry counts for the
// coverage of the route with the method and path of its Result.Route.
func Summarize(spec string, routes []*validator.Route, checked []Checked) Summary {
	type key struct{ method, path string }
	index := make(map[key]int, len(routes))
	var documented [][]string
	var seen []map[int]bool
	coverage := []Coverage{}
	for _, r := range routes {
		if r == nil {
			continue
		}
		index[key{r.Method, r.Path}] = len(coverage)
		coverage = append(coverage, Coverage{OperationID: r.OperationID, Method: r.Method, Path: r.Path})
		documented = append(documented, r.Statuses())
		seen = append(seen, map[int]bool{})
	}
	for _, c := range checked {
		r := c.Result.Route
		if r == nil {
			continue
		}
		i, ok := index[key{r.Method, r.Path}]
		if !ok {
			continue
		}
		coverage[i].Exchanges++
		if c.Status != 0 {
			seen[i][c.Status] = true
		}
	}
	for i := range coverage {
		coverage[i].Seen, coverage[i].Never, coverage[i].Undocumented = statusCoverage(documented[i], seen[i])
	}
	return Summary{Spec: spec, Checked: checked, Coverage: coverage}
}

// statusCoverage splits the documented statuses of an operation into those the statuses seen
// cover and the others, and returns the statuses seen that none covers.
func statusCoverage(documented []string, seen map[int]bool) (covered, never []string, undocumented []int) {
	doc := make(map[string]bool, len(documented))
	for _, s := range documented {
		doc[s] = true
	}
	hit := map[string]bool{}
	for status := range seen {
		if s, ok := documentedFor(status, doc); ok {
			hit[s] = true
		} else {
			undocumented = append(undocumented, status)
		}
	}
	for _, s := range documented {
		if hit[s] {
			covered = append(covered, s)
		} else {
			never = append(never, s)
		}
	}
	slices.Sort(undocumented)
	return covered, never, undocumented
}

// documentedFor returns the documented status that a response with this status is checked
// against, as the validator chooses it: the status itself, else its range ("4XX"), else
// "default".
func documentedFor(status int, doc map[string]bool) (string, bool) {
	exact := strconv.Itoa(status)
	if doc[exact] {
		return exact, true
	}
	if 100 <= status && status < 600 {
		if r := exact[:1] + "XX"; doc[r] {
			return r, true
		}
	}
	if doc["default"] {
		return "default", true
	}
	return "", false
}

// Exchanges returns the number of entries read, malformed ones included.
func (s Summary) Exchanges() int { return len(s.Checked) }

// Violations returns the number of violations of requests and responses, of all entries.
func (s Summary) Violations() int {
	n := 0
	for _, c := range s.Checked {
		n += len(c.Result.Request) + len(c.Result.Response)
	}
	return n
}

// Malformed returns the number of entries that could not be read.
func (s Summary) Malformed() int {
	n := 0
	for _, c := range s.Checked {
		if c.Err != nil {
			n++
		}
	}
	return n
}

// Failed reports whether the traffic breaks the contract: whether there is a violation or a
// malformed entry.
func (s Summary) Failed() bool { return s.Violations() > 0 || s.Malformed() > 0 }
