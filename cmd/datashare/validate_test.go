package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// librarySpec is the test contract of the validator package, served under /v2.
const librarySpec = "../../validator/testdata/library.yaml"

// outcome is what a run of datashare left: its standard streams, what exitCode reported and
// the exit status.
type outcome struct {
	stdout, stderr string
	msg            string // what exitCode reported on stderr
	code           int
}

// runCLI runs `datashare args...` with the environment vars, to its end.
func runCLI(t *testing.T, vars map[string]string, args ...string) outcome {
	t.Helper()
	var stdout, stderr, msg syncBuffer
	err := run(context.Background(), append([]string{"datashare"}, args...), env(vars), &stdout, &stderr)
	code := exitCode(err, &msg)
	return outcome{stdout: stdout.String(), stderr: stderr.String(), msg: msg.String(), code: code}
}

// findings returns the lines of a text report above its coverage: one per violation or
// malformed entry.
func findings(report string) []string {
	var lines []string
	for line := range strings.Lines(report) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || line == "Coverage:" {
			break
		}
		lines = append(lines, line)
	}
	return lines
}

// exchange is one line of an NDJSON recording.
type exchange struct {
	Request  request   `json:"request"`
	Response *response `json:"response,omitempty"`
}

type request struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

type response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// ndjson returns the exchanges as NDJSON, one line each.
func ndjson(t *testing.T, exchanges ...exchange) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, e := range exchanges {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// writeTemp writes content to a new file named name in a temporary directory and returns its
// path.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Traffic for the embedded Graph contract.
const (
	graphBase  = "https://graph.microsoft.com/beta"
	localBase  = "http://127.0.0.1:8080/beta"
	flowsPath  = "/beta/industryData/dataShareOutgoingFlows"
	flowID     = "3baf174c-174c-3baf-4c17-af3b4c17af3b"
	inviteeID  = "2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"
	inviteeID2 = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
	requestID  = "0b9e3a1c-5f2d-4c7b-9e8a-1d2c3b4a5f60"
	token      = "Bearer eyJ0eXAiOiJKV1QifQ.e30.c2lnbmF0dXJl"
)

// newFlow is the body of a request that creates a flow.
func newFlow() map[string]any {
	return map[string]any{
		"@odata.type":     "#microsoft.graph.industryData.dataShareOutgoingFlow",
		"displayName":     "Contoso student records",
		"readinessStatus": "notReady",
		"inviteeUserIds":  []string{inviteeID},
		"sharingState":    "pending",
		"shareName":       "contoso_student_records",
	}
}

// flow is a flow as Graph answers it.
func flow(base string) map[string]any {
	f := newFlow()
	f["@odata.context"] = base + "/$metadata#industryData/dataShareOutgoingFlows/$entity"
	f["id"] = flowID
	f["eTag"] = "9kVmZDN2qQeQKx7cN1w3Ag"
	return f
}

// createFlow is a conforming exchange that creates a flow on the server at base.
func createFlow(base string) exchange {
	return exchange{
		Request: request{Method: "POST", URL: base + "/industryData/dataShareOutgoingFlows",
			Headers: map[string]string{"Authorization": token, "Content-Type": "application/json"},
			Body:    newFlow()},
		Response: &response{Status: 201,
			Headers: map[string]string{
				"Content-Type": "application/json",
				"Location":     base + "/industryData/dataShareOutgoingFlows/" + flowID,
				"ETag":         `"9kVmZDN2qQeQKx7cN1w3Ag"`,
				"request-id":   requestID,
			},
			Body: flow(base)},
	}
}

// getFlow is a conforming exchange that reads a flow on the server at base.
func getFlow(base string) exchange {
	return exchange{
		Request: request{Method: "GET", URL: base + "/industryData/dataShareOutgoingFlows/" + flowID,
			Headers: map[string]string{"Authorization": token}},
		Response: &response{Status: 200,
			Headers: map[string]string{"Content-Type": "application/json", "ETag": `"9kVmZDN2qQeQKx7cN1w3Ag"`, "request-id": requestID},
			Body:    flow(base)},
	}
}

// graphError is an answer in Graph's error envelope.
func graphError(status int, code, message string) *response {
	return &response{Status: status,
		Headers: map[string]string{"Content-Type": "application/json", "request-id": requestID, "client-request-id": requestID},
		Body: map[string]any{"error": map[string]any{
			"code":    code,
			"message": message,
			"innerError": map[string]any{
				"date":              "2026-01-01T00:00:00Z",
				"request-id":        requestID,
				"client-request-id": requestID,
			},
		}}}
}

// Traffic for library.yaml.
const (
	libraryBase = "https://api.example.com/v2"
	bookID      = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
)

func book() map[string]any {
	return map[string]any{"id": bookID, "title": "The Go Programming Language", "genre": "science"}
}

// libraryTraffic is a conforming session with the library at base.
func libraryTraffic(base string) []exchange {
	return []exchange{
		{
			Request:  request{Method: "GET", URL: base + "/status"},
			Response: &response{Status: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: map[string]any{"status": "open"}},
		},
		{
			Request: request{Method: "GET", URL: base + "/books?limit=10&genre=science",
				Headers: map[string]string{"Authorization": "Bearer librarian", "X-Branch": "LON"}},
			Response: &response{Status: 200, Headers: map[string]string{"Content-Type": "application/json", "X-Rate-Limit": "99"},
				Body: map[string]any{"items": []any{book()}}},
		},
		{
			Request: request{Method: "POST", URL: base + "/books",
				Headers: map[string]string{"Authorization": "Bearer librarian", "Content-Type": "application/json"},
				Body:    map[string]any{"title": "The Go Programming Language", "genre": "science"}},
			Response: &response{Status: 201,
				Headers: map[string]string{"Content-Type": "application/json", "Location": base + "/books/" + bookID, "X-Rate-Limit": "98"},
				Body:    book()},
		},
		{
			Request:  request{Method: "GET", URL: base + "/books/" + bookID, Headers: map[string]string{"X-API-Key": "k3y"}},
			Response: &response{Status: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: book()},
		},
		{
			Request:  request{Method: "DELETE", URL: base + "/books/" + bookID, Headers: map[string]string{"Authorization": "Bearer librarian"}},
			Response: &response{Status: 204},
		},
	}
}

// TestValidateFindsViolations runs validate on traffic with and without violations, and checks
// that the text report lists exactly the violations of the traffic.
func TestValidateFindsViolations(t *testing.T) {
	t.Parallel()
	graphSession := readFile(t, "testdata/graph.ndjson")
	tests := []struct {
		name    string
		flags   []string
		traffic string // NDJSON or HAR
		// wantFindings are the lines of the report above its coverage; {file} stands for the
		// path of the traffic.
		wantFindings []string
		wantCode     int
	}{
		{
			name:    "a session recorded against Microsoft Graph conforms",
			traffic: graphSession,
		},
		{
			name:    "the same session recorded against the contract server conforms",
			traffic: strings.ReplaceAll(graphSession, graphBase, localBase),
		},
		{
			name:    "a HAR export of a browser session with the contract server conforms",
			traffic: readFile(t, "testdata/graph.har"),
		},
		{
			name: "a create request with a read-only id, two invitees and an unknown sharing state",
			traffic: ndjson(t, func() exchange {
				e := createFlow(graphBase)
				body := e.Request.Body.(map[string]any)
				body["id"] = flowID
				body["inviteeUserIds"] = []string{inviteeID, inviteeID2}
				body["sharingState"] = "active"
				e.Response = graphError(400, "BadRequest", "The request is invalid in 3 places; see details.")
				return e
			}()),
			wantFindings: []string{
				`#1 POST ` + flowsPath + ` 400 request body "id": is read-only and must not be sent`,
				`#1 POST ` + flowsPath + ` 400 request body "inviteeUserIds": must have at most 1 item`,
				`#1 POST ` + flowsPath + ` 400 request body "sharingState": must be one of: pending, running, problem, unknownFutureValue`,
			},
			wantCode: 1,
		},
		{
			name: "a created flow without Location, with the draft's @odata.type and an extra property",
			traffic: ndjson(t, func() exchange {
				e := createFlow(localBase)
				delete(e.Response.Headers, "Location")
				body := e.Response.Body.(map[string]any)
				body["@odata.type"] = "#microsoft.graph.dataShareOutgoingFlow"
				body["createdDateTime"] = "2026-01-01T00:00:00Z"
				return e
			}()),
			wantFindings: []string{
				`#1 POST ` + flowsPath + ` 201 response header "Location": is required`,
				`#1 POST ` + flowsPath + ` 201 response body "@odata.type": must be one of: #microsoft.graph.industryData.dataShareOutgoingFlow`,
				`#1 POST ` + flowsPath + ` 201 response body "createdDateTime": is not a property of this object`,
			},
			wantCode: 1,
		},
		{
			name: "a flow with an unknown readiness status and an invitee that is no GUID",
			traffic: ndjson(t, func() exchange {
				e := getFlow(graphBase)
				body := e.Response.Body.(map[string]any)
				body["readinessStatus"] = "waiting"
				body["inviteeUserIds"] = []string{"admin@contoso.com"}
				return e
			}()),
			wantFindings: []string{
				`#1 GET ` + flowsPath + `/` + flowID + ` 200 response body "inviteeUserIds/0": must be a valid uuid`,
				`#1 GET ` + flowsPath + `/` + flowID + ` 200 response body "readinessStatus": must be one of: notReady, ready, failed, deleted, expired, unknownFutureValue`,
			},
			wantCode: 1,
		},
		{
			name: "an error envelope without its code",
			traffic: ndjson(t, func() exchange {
				e := getFlow(graphBase)
				e.Response = graphError(404, "itemNotFound", "The dataShareOutgoingFlow '"+flowID+"' does not exist.")
				delete(e.Response.Body.(map[string]any)["error"].(map[string]any), "code")
				return e
			}()),
			wantFindings: []string{
				`#1 GET ` + flowsPath + `/` + flowID + ` 404 response body "error/code": is required`,
			},
			wantCode: 1,
		},
		{
			name: "a status the operation does not document",
			traffic: ndjson(t, func() exchange {
				e := getFlow(graphBase)
				e.Response = graphError(418, "teapot", "I'm a teapot.")
				return e
			}()),
			wantFindings: []string{
				`#1 GET ` + flowsPath + `/` + flowID + ` 418 response status "418": is not a status the operation documents`,
			},
			wantCode: 1,
		},
		{
			name: "a request without Authorization",
			traffic: ndjson(t, func() exchange {
				e := getFlow(localBase)
				e.Request.Headers = nil
				e.Response = graphError(401, "InvalidAuthenticationToken", "Access token is empty.")
				return e
			}()),
			wantFindings: []string{
				`#1 GET ` + flowsPath + `/` + flowID + ` 401 request security "Authorization": the Authorization header is missing or empty`,
			},
			wantCode: 1,
		},
		{
			name:  "--ignore-auth accepts requests without Authorization",
			flags: []string{"--ignore-auth"},
			traffic: ndjson(t, func() exchange {
				e := getFlow(graphBase)
				e.Request.Headers = nil
				return e
			}(), func() exchange {
				e := createFlow(graphBase)
				delete(e.Request.Headers, "Authorization")
				return e
			}()),
		},
		{
			name: "a path outside the contract and a method the path does not have",
			traffic: ndjson(t,
				exchange{Request: request{Method: "GET", URL: graphBase + "/industryData/inboundFlows", Headers: map[string]string{"Authorization": token}},
					Response: &response{Status: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: map[string]any{"value": []any{}}}},
				exchange{Request: request{Method: "PUT", URL: graphBase + "/industryData/dataShareOutgoingFlows/" + flowID, Headers: map[string]string{"Authorization": token}},
					Response: graphError(405, "MethodNotAllowed", "PUT is not allowed.")},
			),
			wantFindings: []string{
				`#1 GET /beta/industryData/inboundFlows 200 request path "/beta/industryData/inboundFlows": is not the path of an operation of the contract`,
				`#2 PUT ` + flowsPath + `/` + flowID + ` 405 request method "PUT": is not a method of the operations at this path`,
			},
			wantCode: 1,
		},
		{
			name:    "traffic under another prefix matches no operation",
			traffic: ndjson(t, getFlow("https://gateway.contoso.com/graph/beta")),
			wantFindings: []string{
				`#1 GET /graph/beta/industryData/dataShareOutgoingFlows/` + flowID + ` 200 request path "/graph/beta/industryData/dataShareOutgoingFlows/` + flowID + `": is not the path of an operation of the contract`,
			},
			wantCode: 1,
		},
		{
			name:    "--base-path matches traffic under another prefix",
			flags:   []string{"--base-path", "/graph/beta"},
			traffic: ndjson(t, getFlow("https://gateway.contoso.com/graph/beta"), createFlow("https://gateway.contoso.com/graph/beta")),
		},
		{
			name:    "--base-path with a trailing slash matches too",
			flags:   []string{"--base-path", "/graph/beta/"},
			traffic: ndjson(t, getFlow("https://gateway.contoso.com/graph/beta")),
		},
		{
			name:    "a request without a response is checked alone",
			traffic: ndjson(t, exchange{Request: getFlow(graphBase).Request}),
		},
		{
			name:    "a malformed line is reported and the others are checked",
			traffic: ndjson(t, getFlow(graphBase)) + `{"request":{"method":"GET"` + "\n" + ndjson(t, func() exchange { e := getFlow(graphBase); e.Response.Status = 418; return e }()),
			wantFindings: []string{
				`#2 {file}:2: malformed: line is not JSON: unexpected end of JSON input`,
				`#3 GET ` + flowsPath + `/` + flowID + ` 418 response status "418": is not a status the operation documents`,
			},
			wantCode: 1,
		},
		{
			name:    "library traffic conforms to --spec",
			flags:   []string{"--spec", librarySpec},
			traffic: ndjson(t, libraryTraffic(libraryBase)...),
		},
		{
			name:  "library traffic that breaks --spec",
			flags: []string{"--spec", librarySpec},
			traffic: ndjson(t, func() []exchange {
				s := libraryTraffic(libraryBase)
				s[1].Request.Headers["X-Branch"] = "london"             // listBooks: pattern ^[A-Z]{3}$
				delete(s[1].Response.Headers, "X-Rate-Limit")           // listBooks: a required header
				s[2].Request.Body.(map[string]any)["id"] = bookID       // createBook: read-only
				s[2].Request.Body.(map[string]any)["genre"] = "poetry"  // createBook: not a Genre
				delete(s[3].Request.Headers, "X-API-Key")               // getBook: its security scheme
				s[3].Response.Body.(map[string]any)["isbn"] = "0134190" // getBook: additional property
				return s
			}()...),
			wantFindings: []string{
				`#2 GET /v2/books 200 request header "X-Branch": must match the pattern ^[A-Z]{3}$`,
				`#2 GET /v2/books 200 response header "X-Rate-Limit": is required`,
				`#3 POST /v2/books 201 request body "id": is read-only and must not be sent`,
				`#3 POST /v2/books 201 request body "genre": must be one of: fiction, history, science`,
				`#4 GET /v2/books/` + bookID + ` 200 request security "X-API-Key": the API key is missing`,
				`#4 GET /v2/books/` + bookID + ` 200 response body "isbn": is not a property of this object`,
			},
			wantCode: 1,
		},
		{
			name:  "--ignore-auth with --spec ignores the API key too",
			flags: []string{"--spec", librarySpec, "--ignore-auth"},
			traffic: ndjson(t, func() []exchange {
				s := libraryTraffic(libraryBase)
				delete(s[3].Request.Headers, "X-API-Key")
				delete(s[4].Request.Headers, "Authorization")
				return s
			}()...),
		},
		{
			name:    "Graph traffic breaks the library contract",
			flags:   []string{"--spec", librarySpec},
			traffic: ndjson(t, getFlow(graphBase)),
			wantFindings: []string{
				`#1 GET ` + flowsPath + `/` + flowID + ` 200 request path "` + flowsPath + `/` + flowID + `": is not the path of an operation of the contract`,
			},
			wantCode: 1,
		},
		{
			name:    "--base-path with --spec matches library traffic under another prefix",
			flags:   []string{"--spec", librarySpec, "--base-path", "/api/library"},
			traffic: ndjson(t, libraryTraffic("http://localhost:3000/api/library")...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := writeTemp(t, "traffic", tt.traffic)
			got := runCLI(t, nil, append(append([]string{"validate"}, tt.flags...), file)...)
			if got.code != tt.wantCode {
				t.Errorf("exit code = %d; want %d; stderr:\n%s%s", got.code, tt.wantCode, got.stderr, got.msg)
			}
			var want []string
			for _, line := range tt.wantFindings {
				want = append(want, strings.ReplaceAll(line, "{file}", file))
			}
			if diff := cmp.Diff(want, findings(got.stdout)); diff != "" {
				t.Errorf("findings of the report (-want +got):\n%s\nreport:\n%s", diff, got.stdout)
			}
			if got.code == 1 && got.msg != "" {
				t.Errorf("exitCode reported %q; want nothing: the report says what is wrong", got.msg)
			}
		})
	}
}

// TestValidateReadsSeveralFiles checks that entries are numbered across files, and that the
// report counts them all.
func TestValidateReadsSeveralFiles(t *testing.T) {
	t.Parallel()
	got := runCLI(t, nil, "validate", "testdata/graph.har", "testdata/graph.ndjson")
	if got.code != 0 {
		t.Fatalf("exit code = %d; want 0; report:\n%s%s", got.code, got.stdout, got.msg)
	}
	if want := "12 exchanges, 0 violations\n"; !strings.HasSuffix(got.stdout, want) {
		t.Errorf("report ends %q; want it to end %q", lastLine(got.stdout), want)
	}
}

func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:] + "\n"
}

// TestValidateCannotDoItsJob checks the failures that exit 2: the command cannot say whether
// the traffic conforms.
func TestValidateCannotDoItsJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	notTraffic := write("notes.txt", "GET /beta/industryData/dataShareOutgoingFlows 200\n")
	badYAML := write("broken.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: [\n")
	notOpenAPI := write("package.json", `{"name": "datashare", "version": "1.0.0"}`)
	swagger := write("swagger.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n")
	noResponses := write("no-responses.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get: {}\n")
	missing := filepath.Join(dir, "missing.har")
	unwritable := filepath.Join(dir, "no-such-dir", "report.txt")
	const traffic = "testdata/graph.ndjson"

	tests := []struct {
		name    string
		args    []string
		vars    map[string]string
		wantMsg string
	}{
		{name: "no traffic file", args: []string{"validate"}, wantMsg: "no traffic file given"},
		{name: "a missing traffic file is named", args: []string{"validate", traffic, missing}, wantMsg: missing},
		{name: "a directory is not a traffic file", args: []string{"validate", dir}, wantMsg: dir},
		{name: "a file that is neither HAR nor NDJSON is named", args: []string{"validate", notTraffic}, wantMsg: notTraffic + ": file is neither HAR nor NDJSON"},
		{name: "a missing --spec is named", args: []string{"validate", "--spec", missing, traffic}, wantMsg: "contract " + missing},
		{name: "a --spec that is not YAML is named", args: []string{"validate", "--spec", badYAML, traffic}, wantMsg: "contract " + badYAML},
		{name: "a --spec that is not OpenAPI is named", args: []string{"validate", "--spec", notOpenAPI, traffic}, wantMsg: "contract " + notOpenAPI},
		{name: "a Swagger 2.0 --spec is named", args: []string{"validate", "--spec", swagger, traffic}, wantMsg: "contract " + swagger},
		{name: "a --spec that breaks OpenAPI's rules is named", args: []string{"validate", "--spec", noResponses, traffic}, wantMsg: "contract " + noResponses},
		{name: "an unknown report format", args: []string{"validate", "--format", "xml", traffic}, wantMsg: `"xml"`},
		{name: "an unknown report format in the environment names the variable", args: []string{"validate", traffic},
			vars: map[string]string{"DATASHARE_VALIDATE_FORMAT": "xml"}, wantMsg: "DATASHARE_VALIDATE_FORMAT"},
		{name: "an unwritable --output is named", args: []string{"validate", "--output", unwritable, traffic}, wantMsg: unwritable},
		{name: "an unwritable --output is named even when the traffic breaks the contract",
			args: []string{"validate", "--output", unwritable, "testdata/graph-broken.ndjson"}, wantMsg: unwritable},
		{name: "a --base-path that does not begin with a slash", args: []string{"validate", "--base-path", "beta", traffic}, wantMsg: `--base-path "beta"`},
		{name: "an unknown flag", args: []string{"validate", "--strict", traffic}, wantMsg: "-strict"},
		{name: "a flag after the files", args: []string{"validate", traffic, "--format", "json"}, wantMsg: "flag --format after the files"},
		{name: "a bad --ignore-auth in the environment names the variable", args: []string{"validate", traffic},
			vars: map[string]string{"DATASHARE_VALIDATE_IGNORE_AUTH": "maybe"}, wantMsg: "DATASHARE_VALIDATE_IGNORE_AUTH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, tt.vars, tt.args...)
			if got.code != 2 {
				t.Errorf("exit code = %d; want 2; stdout:\n%s", got.code, got.stdout)
			}
			if !strings.Contains(got.msg, tt.wantMsg) {
				t.Errorf("exitCode reported %q; want it to contain %q", got.msg, tt.wantMsg)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q; want nothing: there is no report", got.stdout)
			}
		})
	}
}

// jsonReport is the document of --format json, as its documentation describes it.
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
			Side    string `json:"side"`
			In      string `json:"in"`
			Target  string `json:"target"`
			Keyword string `json:"keyword"`
			Reason  string `json:"reason"`
		} `json:"violations"`
	} `json:"results"`
	Coverage []struct {
		OperationID  string   `json:"operationId"`
		Method       string   `json:"method"`
		Path         string   `json:"path"`
		Exchanges    int      `json:"exchanges"`
		Seen         []string `json:"seen"`
		Never        []string `json:"never"`
		Undocumented []int    `json:"undocumented"`
	} `json:"coverage"`
}

// decodeReport decodes a JSON report, refusing members its documentation does not list.
func decodeReport(t *testing.T, s string) jsonReport {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var r jsonReport
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decoding the JSON report: %v\n%s", err, s)
	}
	return r
}

func TestValidateJSONReport(t *testing.T) {
	t.Parallel()
	got := runCLI(t, nil, "validate", "--format", "json", "testdata/graph.har", "testdata/graph-broken.ndjson")
	if got.code != 1 {
		t.Fatalf("exit code = %d; want 1; stderr:\n%s%s", got.code, got.stderr, got.msg)
	}
	r := decodeReport(t, got.stdout)

	type summary struct {
		Format, Spec                     string
		Exchanges, Violations, Malformed int
	}
	if diff := cmp.Diff(summary{"datashare-validate/1", "embedded contract (openapi.yaml)", 11, 8, 1},
		summary{r.Format, r.Spec, r.Exchanges, r.Violations, r.Malformed}); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	// One line per result: where it was read, what it is, and its violations.
	var results []string
	for _, res := range r.Results {
		line := strings.Join([]string{res.Source, res.Method, res.Path, strconv.Itoa(res.Status), res.OperationID, okText(res.OK)}, " ")
		if res.Error != nil {
			line += " error: " + *res.Error
		}
		for _, v := range res.Violations {
			line += " [" + strings.Join([]string{v.Side, v.In, v.Target, v.Keyword}, " ") + "]"
			if v.Reason == "" {
				t.Errorf("result %d: violation %+v has no reason", res.Index, v)
			}
		}
		results = append(results, line)
	}
	const item = flowsPath + "/c0ffee00-1234-4abc-8def-0123456789ab"
	wantResults := []string{
		"testdata/graph.har#1 POST " + flowsPath + " 201 industryData.CreateDataShareOutgoingFlows ok",
		"testdata/graph.har#2 GET " + flowsPath + " 200 industryData.ListDataShareOutgoingFlows ok",
		"testdata/graph.har#3 GET " + flowsPath + "/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d 304 industryData.GetDataShareOutgoingFlows ok",
		"testdata/graph.har#4 PATCH " + flowsPath + "/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d 204 industryData.UpdateDataShareOutgoingFlows ok",
		"testdata/graph.har#5 DELETE " + flowsPath + "/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d 412 industryData.DeleteDataShareOutgoingFlows ok",
		"testdata/graph-broken.ndjson:1 POST " + flowsPath + " 400 industryData.CreateDataShareOutgoingFlows broken" +
			" [request body inviteeUserIds maxItems] [request body sharingState enum]",
		"testdata/graph-broken.ndjson:2 POST " + flowsPath + " 201 industryData.CreateDataShareOutgoingFlows broken" +
			" [response header Location missing]",
		"testdata/graph-broken.ndjson:3 GET " + item + " 200 industryData.GetDataShareOutgoingFlows broken" +
			" [response body value additionalProperties] [response body @odata.type required] [response body id required]",
		"testdata/graph-broken.ndjson:4 GET " + flowsPath + " 401 industryData.ListDataShareOutgoingFlows broken" +
			" [request security Authorization security]",
		"testdata/graph-broken.ndjson:5 DELETE " + item + " 200 industryData.DeleteDataShareOutgoingFlows broken" +
			" [response status 200 status]",
		"testdata/graph-broken.ndjson:6   0  broken error: line is not JSON: unexpected end of JSON input",
	}
	if diff := cmp.Diff(wantResults, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	for i, res := range r.Results {
		if res.Index != i+1 {
			t.Errorf("results[%d].index = %d; want %d", i, res.Index, i+1)
		}
	}
	if want := "https://graph.microsoft.com/beta/industryData/dataShareOutgoingFlows?$top=10"; len(r.Results) < 9 || r.Results[8].URL != want {
		t.Errorf("results[8].url is not %q, the URL as recorded", want)
	}

	var coverage []string
	for _, c := range r.Coverage {
		var undocumented []string
		for _, status := range c.Undocumented {
			undocumented = append(undocumented, strconv.Itoa(status))
		}
		coverage = append(coverage, c.OperationID+" "+c.Method+" "+c.Path+" "+strconv.Itoa(c.Exchanges)+
			" seen "+strings.Join(c.Seen, ",")+" undocumented "+strings.Join(undocumented, ","))
	}
	wantCoverage := []string{
		"industryData.ListDataShareOutgoingFlows GET " + flowsPath + " 2 seen 200,401 undocumented ",
		"industryData.CreateDataShareOutgoingFlows POST " + flowsPath + " 3 seen 201,400 undocumented ",
		"industryData.dataShareOutgoingFlows.GetCount GET " + flowsPath + "/$count 0 seen  undocumented ",
		"industryData.dataShareOutgoingFlows.getPotentialDataShareInvitees GET " + flowsPath + "/getPotentialDataShareInvitees 0 seen  undocumented ",
		"industryData.dataShareOutgoingFlows.microsoft.graph.industryData.getPotentialDataShareInvitees GET " + flowsPath +
			"/microsoft.graph.industryData.getPotentialDataShareInvitees() 0 seen  undocumented ",
		"industryData.DeleteDataShareOutgoingFlows DELETE " + flowsPath + "/{dataShareOutgoingFlowId} 2 seen 412 undocumented 200",
		"industryData.GetDataShareOutgoingFlows GET " + flowsPath + "/{dataShareOutgoingFlowId} 2 seen 200,304 undocumented ",
		"industryData.UpdateDataShareOutgoingFlows PATCH " + flowsPath + "/{dataShareOutgoingFlowId} 1 seen 204 undocumented ",
		"industryData.dataShareOutgoingFlows.ListRuns GET " + flowsPath + "/{dataShareOutgoingFlowId}/runs 0 seen  undocumented ",
		"industryData.dataShareOutgoingFlows.CreateRuns POST " + flowsPath + "/{dataShareOutgoingFlowId}/runs 0 seen  undocumented ",
		"industryData.dataShareOutgoingFlows.GetRuns GET " + flowsPath + "/{dataShareOutgoingFlowId}/runs/{runId} 0 seen  undocumented ",
	}
	if diff := cmp.Diff(wantCoverage, coverage); diff != "" {
		t.Errorf("coverage (-want +got):\n%s", diff)
	}

	// Every documented member is there, and arrays are never null.
	var doc map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	checkMembers(t, "report", doc, "format", "spec", "exchanges", "violations", "malformed", "results", "coverage")
	checkArrays(t, "report", doc, "results", "coverage")
	resultDocs, _ := doc["results"].([]any)
	for i, res := range resultDocs {
		res, _ := res.(map[string]any)
		members := []string{"index", "source", "method", "url", "path", "status", "operationId", "ok", "violations"}
		if i == len(resultDocs)-1 { // the malformed line, and only it, has an error
			members = append(members, "error")
		}
		where := "results[" + strconv.Itoa(i) + "]"
		checkMembers(t, where, res, members...)
		checkArrays(t, where, res, "violations")
		violations, _ := res["violations"].([]any)
		for j, v := range violations {
			v, _ := v.(map[string]any)
			checkMembers(t, where+".violations["+strconv.Itoa(j)+"]", v, "side", "in", "target", "keyword", "reason")
		}
	}
	coverageDocs, _ := doc["coverage"].([]any)
	for i, c := range coverageDocs {
		c, _ := c.(map[string]any)
		where := "coverage[" + strconv.Itoa(i) + "]"
		checkMembers(t, where, c, "operationId", "method", "path", "exchanges", "seen", "never", "undocumented")
		checkArrays(t, where, c, "seen", "never", "undocumented")
	}
}

// checkMembers checks that the object has these members and no others.
func checkMembers(t *testing.T, where string, object map[string]any, members ...string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(object))
	if diff := cmp.Diff(slices.Sorted(slices.Values(members)), got); diff != "" {
		t.Errorf("members of %s (-want +got):\n%s", where, diff)
	}
}

// checkArrays checks that these members of the object are arrays, possibly empty, never null.
func checkArrays(t *testing.T, where string, object map[string]any, members ...string) {
	t.Helper()
	for _, name := range members {
		if _, ok := object[name].([]any); !ok {
			t.Errorf("%s.%s = %v; want an array", where, name, object[name])
		}
	}
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "broken"
}

// junitReport is the document of --format junit.
type junitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestValidateJUnitReport(t *testing.T) {
	t.Parallel()
	got := runCLI(t, nil, "validate", "--format", "junit", "testdata/graph.har", "testdata/graph-broken.ndjson")
	if got.code != 1 {
		t.Fatalf("exit code = %d; want 1; stderr:\n%s%s", got.code, got.stderr, got.msg)
	}
	var r junitReport
	if err := xml.Unmarshal([]byte(got.stdout), &r); err != nil {
		t.Fatalf("parsing the JUnit report: %v\n%s", err, got.stdout)
	}

	var lines []string
	lines = append(lines, strings.Join([]string{r.Name, strconv.Itoa(r.Tests), strconv.Itoa(r.Failures), strconv.Itoa(r.Errors)}, " | "))
	for _, s := range r.Suites {
		var props []string
		for _, p := range s.Properties {
			props = append(props, p.Name+"="+p.Value)
		}
		lines = append(lines, strings.Join([]string{"suite " + s.Name, strconv.Itoa(s.Tests), strconv.Itoa(s.Failures), strconv.Itoa(s.Errors), strings.Join(props, ",")}, " | "))
		for _, c := range s.Cases {
			line := "  " + c.Classname + " | " + c.Name
			if f := c.Failure; f != nil {
				line += " | failure " + f.Type + ": " + f.Message + " | " + strconv.Itoa(strings.Count(f.Text, "\n")+1) + " lines"
			}
			if e := c.Error; e != nil {
				line += " | error " + e.Type + ": " + e.Message + " | " + e.Text
			}
			lines = append(lines, line)
		}
	}
	const item = flowsPath + "/c0ffee00-1234-4abc-8def-0123456789ab"
	const local = flowsPath + "/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	want := []string{
		"datashare validate | 11 | 5 | 1",
		"suite testdata/graph.har | 5 | 0 | 0 | spec=embedded contract (openapi.yaml)",
		"  industryData.CreateDataShareOutgoingFlows | #1 POST " + flowsPath + " → 201",
		"  industryData.ListDataShareOutgoingFlows | #2 GET " + flowsPath + " → 200",
		"  industryData.GetDataShareOutgoingFlows | #3 GET " + local + " → 304",
		"  industryData.UpdateDataShareOutgoingFlows | #4 PATCH " + local + " → 204",
		"  industryData.DeleteDataShareOutgoingFlows | #5 DELETE " + local + " → 412",
		"suite testdata/graph-broken.ndjson | 6 | 5 | 1 | spec=embedded contract (openapi.yaml)",
		"  industryData.CreateDataShareOutgoingFlows | #6 POST " + flowsPath + " → 400 | failure contract: 2 violations | 2 lines",
		"  industryData.CreateDataShareOutgoingFlows | #7 POST " + flowsPath + " → 201 | failure contract: 1 violation | 1 lines",
		"  industryData.GetDataShareOutgoingFlows | #8 GET " + item + " → 200 | failure contract: 3 violations | 3 lines",
		"  industryData.ListDataShareOutgoingFlows | #9 GET " + flowsPath + " → 401 | failure contract: 1 violation | 1 lines",
		"  industryData.DeleteDataShareOutgoingFlows | #10 DELETE " + item + " → 200 | failure contract: 1 violation | 1 lines",
		"  no operation | #11 testdata/graph-broken.ndjson:6 | error malformed: malformed entry | line is not JSON: unexpected end of JSON input",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("JUnit report (-want +got):\n%s", diff)
	}
}

// TestValidateOutput checks that --output writes the report to the file, as it would be on
// standard output, and prints nothing.
func TestValidateOutput(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json", "junit"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			args := []string{"validate", "--format", format, "testdata/graph.har", "testdata/graph-broken.ndjson"}
			onStdout := runCLI(t, nil, args...)

			out := filepath.Join(t.TempDir(), "report."+format)
			got := runCLI(t, nil, append([]string{"validate", "--output", out}, args[1:]...)...)
			if got.code != 1 {
				t.Errorf("exit code = %d; want 1; stderr:\n%s%s", got.code, got.stderr, got.msg)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q; want nothing", got.stdout)
			}
			if diff := cmp.Diff(onStdout.stdout, readFile(t, out)); diff != "" {
				t.Errorf("report in %s (-on stdout +in the file):\n%s", out, diff)
			}
		})
	}
	t.Run("DATASHARE_VALIDATE_OUTPUT sets the file", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "report.txt")
		got := runCLI(t, map[string]string{"DATASHARE_VALIDATE_OUTPUT": out}, "validate", "testdata/graph.ndjson")
		if got.code != 0 || got.stdout != "" {
			t.Errorf("exit code %d, stdout %q; want 0 and nothing", got.code, got.stdout)
		}
		if report := readFile(t, out); !strings.HasSuffix(report, "7 exchanges, 0 violations\n") {
			t.Errorf("report in %s:\n%s\nwant it to end with the totals", out, report)
		}
	})
	t.Run("an existing file is replaced", func(t *testing.T) {
		t.Parallel()
		out := writeTemp(t, "report.txt", strings.Repeat("stale report\n", 1000))
		runCLI(t, nil, "validate", "--output", out, "testdata/graph.ndjson")
		if report := readFile(t, out); strings.Contains(report, "stale") {
			t.Errorf("report in %s still has the old contents:\n%s", out, report)
		}
	})
}

// TestValidateGolden compares the three reports of one run, on realistic traffic for the
// embedded contract, with golden files; go test -update rewrites them.
func TestValidateGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ format, golden string }{
		{"text", "testdata/validate.txt.golden"},
		{"json", "testdata/validate.json.golden"},
		{"junit", "testdata/validate.junit.golden"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, nil, "validate", "--format", tt.format, "testdata/graph.har", "testdata/graph-broken.ndjson")
			if got.code != 1 {
				t.Errorf("exit code = %d; want 1; stderr:\n%s%s", got.code, got.stderr, got.msg)
			}
			if *update {
				if err := os.WriteFile(tt.golden, []byte(got.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(readFile(t, tt.golden), got.stdout); diff != "" {
				t.Errorf("report differs from %s (-want +got):\n%s", tt.golden, diff)
			}
		})
	}
}

func TestValidateHelp(t *testing.T) {
	t.Parallel()
	got := runCLI(t, nil, "validate", "--help")
	if got.code != 0 {
		t.Errorf("exit code = %d; want 0", got.code)
	}
	if got.stderr != "" || got.msg != "" {
		t.Errorf("stderr = %q, reported %q; want nothing", got.stderr, got.msg)
	}
	for _, want := range []string{
		"datashare validate [flags] FILE...",
		"--spec", "DATASHARE_VALIDATE_SPEC", "embedded contract",
		"--format", "DATASHARE_VALIDATE_FORMAT", "text, json or junit",
		"--output", "DATASHARE_VALIDATE_OUTPUT",
		"--base-path", "DATASHARE_VALIDATE_BASE_PATH",
		"--ignore-auth", "DATASHARE_VALIDATE_IGNORE_AUTH", "Authorization",
		"HAR 1.2", "NDJSON",
		`{"request":{"method":"GET","url":"...","headers":{...},"body":...}`,
		`"response":{"status":200,"headers":{...},"body":...}}`,
		"Exit status: 0 when every exchange conforms",
		"1 when an\nexchange breaks the contract or an entry is malformed",
		"2 when the command cannot do its job",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, got.stdout)
		}
	}
}
