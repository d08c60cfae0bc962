package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/datashare/datashare/server/store"
)

// entityTags parses an If-Match or If-None-Match header: a comma-separated list of entity tags
// ("x", W/"x") or "*". It returns the opaque tags (weakness is ignored, as Graph does), with
// store.AnyETag for "*", or nil when the header is absent. A tag a client sent without quotes
// is taken as it is.
func entityTags(header *string) []string {
	if header == nil {
		return nil
	}
	tags := []string{}
	for _, part := range strings.Split(*header, ",") {
		tag := strings.TrimSpace(part)
		tag = strings.TrimPrefix(tag, "W/")
		if unquoted, err := strconv.Unquote(tag); err == nil && strings.HasPrefix(tag, `"`) {
			tag = unquoted
		}
		if tag != "" {
			tags = append(tags, tag)
		}
	}
	return tags
}

// updatePrecondition combines If-Match and the eTag of a PATCH body, both conditions on the
// flow's eTag, into the eTags the store must find (nil for no condition), and reports whether
// any eTag can meet both. The body's eTag is an eTag, never a wildcard: "*" there matches nothing.
func updatePrecondition(ifMatch []string, bodyETag *string) ([]string, bool) {
	if bodyETag == nil {
		return ifMatch, true
	}
	if *bodyETag == store.AnyETag {
		return nil, false
	}
	if ifMatch == nil || slices.Contains(ifMatch, store.AnyETag) || slices.Contains(ifMatch, *bodyETag) {
		return []string{*bodyETag}, true
	}
	return nil, false
}

// noneMatch reports whether If-None-Match tags name the eTag (or are "*").
func noneMatch(tags []string, etag string) bool {
	return slices.Contains(tags, store.AnyETag) || slices.Contains(tags, etag)
}

// preferences are the preferences of a Prefer header (RFC 7240), by lower-case name.
type preferences map[string]string

// parsePreferences parses a Prefer header: comma-separated preferences, each a token with an
// optional value; parameters after ";" are dropped.
func parsePreferences(header *string) preferences {
	if header == nil {
		return nil
	}
	p := preferences{}
	for _, part := range strings.Split(*header, ",") {
		pref, _, _ := strings.Cut(part, ";")
		name, value, _ := strings.Cut(pref, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "" {
			p[name] = strings.Trim(strings.TrimSpace(value), `"`)
		}
	}
	return p
}

// maxPageSize returns the page size odata.maxpagesize asks for, if it is one this server can
// honour (1 to 999); others are ignored, as RFC 7240 says.
func (p preferences) maxPageSize() (int, bool) {
	v, ok := p["odata.maxpagesize"]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, false
	}
	return n, true
}

// returnPreference returns "minimal" or "representation" when return= asks for one.
func (p preferences) returnPreference() string {
	switch v := strings.ToLower(p["return"]); v {
	case "minimal", "representation":
		return v
	}
	return ""
}

// preconditionFailed answers an update or delete whose eTag condition does not hold.
func preconditionFailed(id, target string, err error) *Error {
	return &Error{Status: http.StatusPreconditionFailed, Target: target,
		Message: "The dataShareOutgoingFlow '" + id + "' has been modified: its eTag is not the one given.", Err: err}
}
