package validator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
)

// A Validator checks traffic against one OpenAPI 3.0 document. Its routes, schemas and options
// are built once by New; it is safe for concurrent use and does no per-request spec work.
type Validator struct {
	doc          *openapi3.T
	mode         Mode
	logger       *slog.Logger
	errorHandler func(echo.Context, error)
	reqOpts      openapi3filter.Options
	schemaOpts   []openapi3.SchemaValidationOption
	respOpts     []openapi3.SchemaValidationOption // schemaOpts, to visit responses
	routes       map[routeKey]*Route
	list         []*Route
	paths        map[string]bool // the Echo paths of the routes
	router       *echo.Echo      // knows the routes, for FindRoute

	rejectUnknownQuery bool
	onResponseError    func(context.Context, *http.Request, *ResponseError)
}

// A Route is one operation of the document, at one base path.
type Route struct {
	// OperationID is the operationId of the operation.
	OperationID string
	// Method is the HTTP method, in upper case.
	Method string
	// Path is the path template with the base path, as in the document: "/v2/items/{id}".
	Path string

	kin         *routers.Route
	params      []parameter     // of the operation and its path
	queryParams map[string]bool // the names of the query parameters the operation declares
	mediaTypes  []string        // the media types of the operation's success responses, sorted
}

// Operation returns the operation of the document that the route serves.
func (r *Route) Operation() *openapi3.Operation { return r.kin.Operation }

// Statuses returns the statuses the operation documents, as the document writes them
// ("200", "4XX", "default"), in order.
func (r *Route) Statuses() []string {
	if r.kin.Operation.Responses == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(r.kin.Operation.Responses.Map()))
}

type routeKey struct{ method, path string }

// An Option configures a Validator.
type Option func(*config)

type config struct {
	mode          Mode
	logger        *slog.Logger
	errorHandler  func(echo.Context, error)
	authenticator openapi3filter.AuthenticationFunc
	basePath      *string
	formats       map[string]openapi3.StringFormatValidator
	skipDocCheck  bool
	rejectUnknown bool
	onResponse    func(context.Context, *http.Request, *ResponseError)
}

// WithMode sets what happens to responses that break the contract. The default is Enforce.
func WithMode(m Mode) Option { return func(c *config) { c.mode = m } }

// WithLogger sets the logger of response violations. The default discards them.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithErrorHandler sets the hook that renders the errors of the middleware: a *RequestError,
// a *ResponseError in Enforce mode, and every error the next handler returns. It must write a
// response. The default is the Echo instance's HTTPErrorHandler.
func WithErrorHandler(h func(echo.Context, error)) Option {
	return func(c *config) { c.errorHandler = h }
}

// WithAuthenticator sets the function that checks the security requirements of operations.
// It is called once per security scheme of a requirement, with the scopes the requirement
// lists; it should return a *SecurityError (possibly wrapped) to say why it refuses. It never
// sees the request body. The default is CheckCredentialPresence.
func WithAuthenticator(f openapi3filter.AuthenticationFunc) Option {
	return func(c *config) { c.authenticator = f }
}

// WithBasePath sets the path prefix under which the operations are served, instead of the
// path parts of the document's servers.
func WithBasePath(p string) Option { return func(c *config) { c.basePath = &p } }

// WithStringFormat registers, for this validator only, a validator of a string format. The
// formats uuid and uri are registered by default, besides kin-openapi's own (date, date-time,
// byte).
func WithStringFormat(name string, f openapi3.StringFormatValidator) Option {
	return func(c *config) { c.formats[name] = f }
}

// WithResponseErrorHook sets a function the middleware calls with each response that breaks
// the contract, in every mode but Off, besides logging it: to keep the violations for a report.
func WithResponseErrorHook(f func(context.Context, *http.Request, *ResponseError)) Option {
	return func(c *config) { c.onResponse = f }
}

// RejectUnknownQueryParameters makes a query parameter that the operation does not declare a
// violation. By default such parameters are ignored, as OpenAPI allows.
func RejectUnknownQueryParameters() Option { return func(c *config) { c.rejectUnknown = true } }

// WithoutDocumentCheck skips the validation of the document itself by New.
func WithoutDocumentCheck() Option { return func(c *config) { c.skipDocCheck = true } }

// New builds a Validator for doc: it checks the document, compiles its routes and prepares its
// schema options. doc must not be changed afterwards.
func New(doc *openapi3.T, opts ...Option) (*Validator, error) {
	if doc == nil {
		return nil, errors.New("validator: no document")
	}
	cfg := config{
		mode:          Enforce,
		authenticator: CheckCredentialPresence,
		formats:       DefaultStringFormats(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.mode < Enforce || cfg.mode > Off {
		return nil, fmt.Errorf("validator: unknown mode %d", cfg.mode)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if !cfg.skipDocCheck {
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("validator: invalid document: %w", err)
		}
	}
	v := &Validator{
		doc:          doc,
		mode:         cfg.mode,
		logger:       cfg.logger,
		errorHandler: cfg.errorHandler,
		schemaOpts:   []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(cfg.formats)},
		routes:       make(map[routeKey]*Route),
		paths:        make(map[string]bool),

		rejectUnknownQuery: cfg.rejectUnknown,
		onResponseError:    cfg.onResponse,
	}
	v.respOpts = append([]openapi3.SchemaValidationOption{openapi3.VisitAsResponse(), openapi3.MultiErrors()}, v.schemaOpts...)
	v.reqOpts = openapi3filter.Options{
		MultiError:              true,
		KeepValidatedValue:      true,
		AuthenticationFunc:      cfg.authenticator,
		SchemaValidationOptions: v.schemaOpts,
	}
	bases, err := basePaths(doc, cfg.basePath)
	if err != nil {
		return nil, fmt.Errorf("validator: %w", err)
	}
	if err := v.compileRoutes(bases); err != nil {
		return nil, fmt.Errorf("validator: %w", err)
	}
	return v, nil
}

// Mode returns the response validation mode.
func (v *Validator) Mode() Mode { return v.mode }

// Routes returns the routes of the document, sorted by path and method.
func (v *Validator) Routes() []*Route { return v.list }

// basePaths returns the distinct path prefixes of the servers of doc, or only override.
func basePaths(doc *openapi3.T, override *string) ([]string, error) {
	if override != nil {
		return []string{strings.TrimRight(*override, "/")}, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range doc.Servers {
		p, err := s.BasePath()
		if err != nil {
			return nil, fmt.Errorf("server %q: %w", s.URL, err)
		}
		p = strings.TrimRight(p, "/")
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out, nil
}

func (v *Validator) compileRoutes(bases []string) error {
	if v.doc.Paths == nil {
		return nil
	}
	for _, base := range bases {
		for path, item := range v.doc.Paths.Map() {
			for method, op := range item.Operations() {
				r := &Route{
					OperationID: op.OperationID,
					Method:      method,
					Path:        base + path,
					kin: &routers.Route{
						Spec:      v.doc,
						Path:      path,
						PathItem:  item,
						Method:    method,
						Operation: op,
					},
					params:      operationParameters(item, op),
					queryParams: queryParameters(item, op),
					mediaTypes:  responseMediaTypes(op),
				}
				key := routeKey{method, echoPath(base + path)}
				if prev, dup := v.routes[key]; dup {
					return fmt.Errorf("operations %q and %q have the same route %s %s", prev.OperationID, op.OperationID, method, key.path)
				}
				v.routes[key] = r
				v.paths[key.path] = true
				v.list = append(v.list, r)
			}
		}
	}
	sort.Slice(v.list, func(i, j int) bool {
		if v.list[i].Path != v.list[j].Path {
			return v.list[i].Path < v.list[j].Path
		}
		return v.list[i].Method < v.list[j].Method
	})
	v.router = newRouter(v.list)
	return nil
}

// queryParameters returns the names of the query parameters of an operation and its path.
func queryParameters(item *openapi3.PathItem, op *openapi3.Operation) map[string]bool {
	names := map[string]bool{}
	for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				names[p.Value.Name] = true
			}
		}
	}
	return names
}

// responseMediaTypes returns the media types of the success (2XX) responses of op, sorted:
// what Accept must admit. An operation whose successes have no content takes any Accept.
func responseMediaTypes(op *openapi3.Operation) []string {
	seen := map[string]bool{}
	if op.Responses != nil {
		for status, r := range op.Responses.Map() {
			if r.Value == nil || !strings.HasPrefix(status, "2") {
				continue
			}
			for mt := range r.Value.Content {
				seen[strings.ToLower(mt)] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// echoPath turns an OpenAPI path template into Echo's syntax: "/items/{id}" → "/items/:id".
func echoPath(p string) string {
	if !strings.Contains(p, "{") {
		return p
	}
	var b strings.Builder
	for p != "" {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			b.WriteString(p)
			break
		}
		b.WriteString(p[:i])
		b.WriteByte(':')
		b.WriteString(p[i+1 : i+j])
		p = p[i+j+1:]
	}
	return b.String()
}

// DefaultStringFormats returns the string formats a Validator checks besides kin-openapi's own
// (date, date-time, byte): uuid and uri. Pass them as openapi3.WithStringFormatValidators to
// validate values against a schema the same way.
//
// uuid is the string form of RFC 9562 (8-4-4-4-12 hexadecimal digits, either case) without a
// check of the version and variant digits, as JSON Schema's uuid format and OData's Edm.Guid
// take it; uri is an absolute URI (RFC 3986).
func DefaultStringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"uuid": openapi3.NewRegexpFormatValidator(uuidPattern),
		"uri":  openapi3.NewCallbackValidator(validateURI),
	}
}

const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// validateURI checks the "uri" format: an absolute URI (RFC 3986).
func validateURI(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URI")
	}
	if u.Scheme == "" {
		return errors.New("not an absolute URI")
	}
	return nil
}
