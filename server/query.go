package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
)

const (
	defaultPageSize = 100
	maxPageSize     = 999
)

// listing is a List request, its options parsed.
type listing struct {
	query       store.Query
	selected    []string // $select, nil for every property
	top         *int
	countOption bool
	filterText  string // canonical $filter
	orderText   string // canonical $orderby
	preferences []string
}

// listParams are the query options and preferences of a listing: those of List, which the
// listing of runs has too (its generated type converts to this one).
type listParams = gen.IndustryDataListDataShareOutgoingFlowsParams

// parseListing parses the query options and preferences of a listing of entities of schema.
func parseListing(p listParams, schema odata.Schema) (*listing, error) {
	if p.Search != nil {
		return nil, unsupportedOption("$search")
	}
	if p.Expand != nil {
		return nil, unsupportedOption("$expand")
	}
	l := &listing{query: store.Query{Limit: defaultPageSize}, top: p.Top}
	if p.Top != nil {
		l.query.Limit = *p.Top
	}
	if n, ok := parsePreferences(p.Prefer).maxPageSize(); ok {
		l.query.Limit = min(l.query.Limit, n)
		l.preferences = append(l.preferences, "odata.maxpagesize="+strconv.Itoa(n))
	}
	if p.Skip != nil {
		l.query.Skip = *p.Skip
	}
	if p.Count != nil {
		l.query.Count, l.countOption = *p.Count, true
	}
	if p.Filter != nil {
		expr, err := odata.ParseFilter(*p.Filter, schema)
		if err != nil {
			return nil, queryOptionError(err)
		}
		l.query.Filter, l.filterText = expr, odata.Format(expr)
	}
	if p.Orderby != nil {
		order, err := odata.ParseOrderBy(strings.Join(*p.Orderby, ","), schema)
		if err != nil {
			return nil, queryOptionError(err)
		}
		l.query.OrderBy, l.orderText = order, formatOrderBy(order)
	}
	sel, err := parseSelect(p.Select, schema)
	if err != nil {
		return nil, err
	}
	l.selected = sel
	if p.Skiptoken != nil {
		cursor, err := l.decodeSkipToken(*p.Skiptoken)
		if err != nil {
			return nil, err
		}
		l.query.After = cursor
	}
	return l, nil
}

// fingerprint identifies the options that a cursor depends on, so that a $skiptoken is used
// only with the $filter and $orderby it was issued for.
func (l *listing) fingerprint() string {
	h := fnv.New64a()
	h.Write([]byte(l.filterText))
	h.Write([]byte{0})
	h.Write([]byte(l.orderText))
	return strconv.FormatUint(h.Sum64(), 36)
}

type skipToken struct {
	Keys        []string `json:"k"`
	Fingerprint string   `json:"q"`
}

func (l *listing) encodeSkipToken(c *store.Cursor) string {
	b, _ := json.Marshal(skipToken{Keys: c.Keys, Fingerprint: l.fingerprint()}) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func (l *listing) decodeSkipToken(token string) (*store.Cursor, error) {
	var t skipToken
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || len(t.Keys) == 0 {
		return nil, invalidSkipToken("it is not a token this server issued", err)
	}
	if t.Fingerprint != l.fingerprint() {
		return nil, invalidSkipToken("it was issued for other $filter or $orderby options", nil)
	}
	return &store.Cursor{Keys: t.Keys}, nil
}

func invalidSkipToken(why string, err error) *Error {
	return &Error{Status: http.StatusBadRequest, Target: "$skiptoken",
		Message: "The $skiptoken is invalid: " + why + ". Follow @odata.nextLink as it is.", Err: err}
}

// nextLink returns the absolute URL of the page of the collection after the one that ends at c:
// the same query options, in canonical form, with the cursor as $skiptoken and without $skip.
func (l *listing) nextLink(collection string, c *store.Cursor) string {
	var q []string
	add := func(name, value string) { q = append(q, name+"="+url.QueryEscape(value)) }
	if l.top != nil {
		add("$top", strconv.Itoa(*l.top))
	}
	if l.filterText != "" {
		add("$filter", l.filterText)
	}
	if l.orderText != "" {
		add("$orderby", l.orderText)
	}
	if l.selected != nil {
		add("$select", strings.Join(l.selected, ","))
	}
	if l.countOption {
		add("$count", strconv.FormatBool(l.query.Count))
	}
	add("$skiptoken", l.encodeSkipToken(c))
	return collection + "?" + strings.Join(q, "&")
}

func formatOrderBy(order []odata.OrderItem) string {
	parts := make([]string, len(order))
	for i, o := range order {
		parts[i] = o.Prop
		if o.Desc {
			parts[i] += " desc"
		}
	}
	return strings.Join(parts, ",")
}

// selectContext returns the part of an @odata.context that names the selected properties:
// "(displayName,shareName)", or "" for all.
func selectContext(selected []string) string {
	if selected == nil {
		return ""
	}
	return "(" + strings.Join(selected, ",") + ")"
}

func unsupportedOption(name string) *Error {
	msg := fmt.Sprintf("The query option '%s' is not supported by this resource.", name)
	return &Error{Status: http.StatusBadRequest, Target: name, Message: msg,
		Details: []Detail{{Code: "unsupportedQueryOption", Message: msg, Target: name}}}
}

// queryOptionError turns an error of the odata parser into a 400 naming the option.
func queryOptionError(err error) error {
	var oe *odata.Error
	if !errors.As(err, &oe) {
		return err
	}
	return &Error{Status: http.StatusBadRequest, Target: oe.Option, Message: sentence(oe.Error()),
		Details: []Detail{{Code: "invalidQueryOption", Message: sentence(oe.Error()), Target: oe.Option}}, Err: err}
}

// normalizeQuery rewrites the query of r as Graph's beta endpoint reads it: an OData system
// query option may come without its "$" and in any case ("top", "$Top": "$top"); the lists of
// $select and $orderby may have spaces around their commas. It changes nothing else.
func normalizeQuery(r *http.Request) {
	if r.URL.RawQuery == "" {
		return
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return // the validator reports the malformed query
	}
	changed := false
	for name, vs := range values {
		canonical := name
		if bare := strings.ToLower(strings.TrimPrefix(name, "$")); isSystemQueryOption(bare) {
			canonical = "$" + bare
		}
		if canonical == "$select" || canonical == "$orderby" {
			for i, v := range vs {
				vs[i] = tidyList(v)
			}
			changed = true
		}
		if canonical != name {
			delete(values, name)
			values[canonical] = append(values[canonical], vs...)
			changed = true
		}
	}
	if changed {
		r.URL.RawQuery = values.Encode()
	}
}

// tidyList trims the items of a comma-separated list and collapses the spaces inside them.
func tidyList(s string) string {
	items := strings.Split(s, ",")
	for i, item := range items {
		items[i] = strings.Join(strings.Fields(item), " ")
	}
	return strings.Join(items, ",")
}

// isSystemQueryOption reports whether name, without "$", is an OData system query option.
func isSystemQueryOption(name string) bool {
	switch name {
	case "top", "skip", "skiptoken", "search", "filter", "count", "select", "orderby", "expand", "format":
		return true
	}
	return false
}

// parseSelect parses a $select: nil (every property) when absent.
func parseSelect(sel *[]string, schema odata.Schema) ([]string, error) {
	if sel == nil {
		return nil, nil
	}
	selected, err := odata.ParseSelect(strings.Join(*sel, ","), schema)
	if err != nil {
		return nil, queryOptionError(err)
	}
	return selected, nil
}

// joinPreferences is the Preference-Applied header of preferences.
func joinPreferences(prefs []string) string { return strings.Join(prefs, ", ") }
