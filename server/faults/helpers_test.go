package faults

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/datashare/datashare/validator"
)

// testContract documents, with named examples, the statuses the tests ask for: GET /items
// (200 with two examples, 400, 429, 500, 503), GET /items/{id} (200 and 304 with a required
// ETag, 400, 404, 429, 503), DELETE /items/{id} (204, 400, 404) and GET /quiet (200 with an
// unnamed example, 400: none of the usual fault codes).
const testContract = `
openapi: 3.0.3
info:
  title: faults test
  version: "1.0"
paths:
  /items:
    get:
      operationId: listItems
      responses:
        '200':
          description: A page of items.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Page'
              examples:
                page:
                  value:
                    value:
                      - id: a1
                        name: First & best
                empty:
                  value:
                    value: []
        '400':
          $ref: '#/components/responses/badRequest'
        '429':
          $ref: '#/components/responses/tooManyRequests'
        '500':
          $ref: '#/components/responses/internalServerError'
        '503':
          $ref: '#/components/responses/serviceUnavailable'
  /items/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getItem
      responses:
        '200':
          description: The item.
          headers:
            ETag:
              $ref: '#/components/headers/ETag'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Item'
              examples:
                item:
                  value:
                    id: a1
                    name: First & best
        '304':
          description: Not modified.
          headers:
            ETag:
              $ref: '#/components/headers/ETag'
        '400':
          $ref: '#/components/responses/badRequest'
        '404':
          $ref: '#/components/responses/notFound'
        '429':
          $ref: '#/components/responses/tooManyRequests'
        '503':
          $ref: '#/components/responses/serviceUnavailable'
    delete:
      operationId: deleteItem
      responses:
        '204':
          description: Deleted.
        '400':
          $ref: '#/components/responses/badRequest'
        '404':
          $ref: '#/components/responses/notFound'
  /quiet:
    get:
      operationId: quiet
      responses:
        '200':
          description: Quiet.
          content:
            application/json:
              schema:
                type: object
              example:
                quiet: true
        '400':
          $ref: '#/components/responses/badRequest'
components:
  headers:
    ETag:
      required: true
      schema:
        type: string
      example: '"v1"'
    Retry-After:
      required: true
      schema:
        type: integer
        minimum: 0
      example: 10
  responses:
    badRequest:
      description: Bad request.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
          examples:
            invalid:
              value:
                error:
                  code: BadRequest
                  message: Invalid.
    notFound:
      description: Not found.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
          examples:
            itemNotFound:
              value:
                error:
                  code: itemNotFound
                  message: No item a1.
    tooManyRequests:
      description: Throttled.
      headers:
        Retry-After:
          $ref: '#/components/headers/Retry-After'
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
          examples:
            throttled:
              value:
                error:
                  code: TooManyRequests
                  message: Retry after 10 seconds.
    internalServerError:
      description: Failed.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
          examples:
            generalException:
              value:
                error:
                  code: generalException
                  message: Failed.
    serviceUnavailable:
      description: Unavailable.
      headers:
        Retry-After:
          $ref: '#/components/headers/Retry-After'
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
          examples:
            unavailable:
              value:
                error:
                  code: serviceNotAvailable
                  message: Unavailable.
  schemas:
    Item:
      type: object
      required: [id, name]
      additionalProperties: false
      properties:
        id:
          type: string
        name:
          type: string
    Page:
      type: object
      required: [value]
      properties:
        value:
          type: array
          items:
            $ref: '#/components/schemas/Item'
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code:
              type: string
            message:
              type: string
`

// handlerPage is what the handler of GET /items answers, unlike any example.
const handlerPage = `{"value":[{"id":"h1","name":"From the handler"}]}`

// newValidator builds a validator, in Enforce mode, for a fresh copy of testContract.
func newValidator(t testing.TB, opts ...validator.Option) *validator.Validator {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(testContract))
	if err != nil {
		t.Fatalf("loading the test contract: %v", err)
	}
	v, err := validator.New(doc, opts...)
	if err != nil {
		t.Fatalf("validator.New() = %v", err)
	}
	return v
}

// testRender renders errors as {"error":{"code":...,"message":...}}, with Retry-After in whole
// seconds rounded up, at least 1.
func testRender(c echo.Context, status int, message string, retryAfter time.Duration) error {
	if retryAfter != 0 {
		seconds := max(1, int(math.Ceil(retryAfter.Seconds())))
		c.Response().Header().Set("Retry-After", strconv.Itoa(seconds))
	}
	return c.JSON(status, envelope(status, message))
}

func envelope(status int, message string) map[string]any {
	code := strings.ReplaceAll(http.StatusText(status), " ", "")
	return map[string]any{"error": map[string]string{"code": code, "message": message}}
}

// app is an Echo app with the validator and the faults in front of handlers of the test
// contract, and a route, GET /health, that the contract does not document.
type app struct {
	e *echo.Echo
	f *Faults

	mu         sync.Mutex
	violations []string // of responses, as the validator reports them
	errs       []error  // that reached Echo's error handler
	handled    int      // requests that reached a handler
}

// newApp builds an app for cfg. Its Echo error handler renders errors as testRender does.
func newApp(t testing.TB, cfg Config) *app {
	t.Helper()
	a := &app{}
	v := newValidator(t, validator.WithResponseErrorHook(func(_ context.Context, _ *http.Request, err *validator.ResponseError) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.violations = append(a.violations, err.Error())
	}))
	f, err := New(cfg, v, testRender)
	if err != nil {
		t.Fatalf("New(%+v) = %v", cfg, err)
	}
	a.f = f
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		a.mu.Lock()
		a.errs = append(a.errs, err)
		a.mu.Unlock()
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		var re *validator.RequestError
		switch {
		case errors.As(err, &he):
			status = he.Code
		case errors.As(err, &re):
			status = re.Status()
		}
		_ = testRender(c, status, err.Error(), 0)
	}
	e.Use(v.Middleware(), f.Middleware())
	e.GET("/items", func(c echo.Context) error {
		a.count()
		return c.JSONBlob(http.StatusOK, []byte(handlerPage))
	})
	e.GET("/items/:id", func(c echo.Context) error {
		a.count()
		c.Response().Header().Set("ETag", `"v2"`)
		return c.JSON(http.StatusOK, map[string]string{"id": c.Param("id"), "name": "From the handler"})
	})
	e.DELETE("/items/:id", func(c echo.Context) error {
		a.count()
		return c.NoContent(http.StatusNoContent)
	})
	e.GET("/quiet", func(c echo.Context) error {
		a.count()
		return c.JSON(http.StatusOK, map[string]bool{"handled": true})
	})
	e.GET("/health", func(c echo.Context) error {
		a.count()
		return c.String(http.StatusOK, "ok")
	})
	a.e = e
	return a
}

func (a *app) count() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.handled++
}

// serve sends req to the app and returns the recorded response.
func (a *app) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	return rec
}

// get sends a GET of path with the given Prefer lines.
func (a *app) get(path string, prefer ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, p := range prefer {
		req.Header.Add("Prefer", p)
	}
	return a.serve(req)
}

// checkContract fails t if a response broke the contract.
func (a *app) checkContract(t testing.TB) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, v := range a.violations {
		t.Errorf("the validator reported: %s", v)
	}
}

// errorOf decodes an error envelope; it fails t if body is not one.
func errorOf(t testing.TB, body []byte) (code, message string) {
	t.Helper()
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error.Code == "" {
		t.Fatalf("body %s is not an error envelope (%v)", body, err)
	}
	return env.Error.Code, env.Error.Message
}

// clock is a fake clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
