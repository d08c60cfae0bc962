package validator_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/datashare/datashare/validator"
)

// A contract test checks one exchange of a client with a server against the contract. Here
// the server answers a status with a value its enumeration does not allow.
func ExampleValidator_ValidateExchange() {
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/library.yaml")
	if err != nil {
		panic(err)
	}
	v, err := validator.New(doc)
	if err != nil {
		panic(err)
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ajar"}`)
	}))
	defer server.Close()

	resp, err := http.Get(server.URL + "/v2/status")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	result, err := v.ValidateExchange(resp.Request, resp)
	if err != nil {
		panic(err)
	}
	fmt.Println("operation:", result.Route.OperationID)
	fmt.Print(result.Describe())
	body, _ := io.ReadAll(resp.Body) // the body is still there for the test
	fmt.Println("body:", string(body))
	// Output:
	// operation: getStatus
	// response body "status": must be one of: open, closed
	// body: {"status":"ajar"}
}

// TestTransport puts the contract between a test's client and the server it talks to: every
// exchange that breaks the contract fails the test. Here a reporter stands in for *testing.T.
func ExampleTestTransport() {
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/library.yaml")
	if err != nil {
		panic(err)
	}
	v, err := validator.New(doc)
	if err != nil {
		panic(err)
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "https://api.example.com/v2/books/1")
		w.Header().Set("X-Rate-Limit", "9")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"0b5e0b52-8c1a-4e2b-9a55-3f3e0d8c2a11","title":"Dune","genre":"science"}`)
	}))
	defer server.Close()

	client := &http.Client{Transport: validator.TestTransport(printer{}, v, nil)}
	req, _ := http.NewRequest(http.MethodPost, server.URL+"/v2/books", strings.NewReader(`{"title":"Dune","genre":"sci-fi"}`))
	req.Header.Set("Authorization", "Bearer t0ken")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("status:", resp.StatusCode)
	// Output:
	// POST /v2/books breaks the contract:
	// request body "genre": must be one of: fiction, history, science
	// status: 201
}

// printer reports like *testing.T would, on standard output and without the server's address.
type printer struct{}

func (printer) Helper() {}

func (printer) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if i := strings.Index(msg, "/v2/"); i > 0 {
		msg = msg[:strings.Index(msg, " ")+1] + msg[i:]
	}
	fmt.Print(msg)
}
