package server

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// segments knows the path templates of the service, to say which segment of an unknown path
// Graph would complain about.
type segments struct {
	basePath  string
	templates [][]string // the segments of each path template under basePath
}

func newSegments(basePath string, paths []string) segments {
	s := segments{basePath: basePath}
	for _, p := range paths {
		s.templates = append(s.templates, strings.Split(strings.Trim(p, "/"), "/"))
	}
	return s
}

// notFound answers a path that no route serves, as Graph does: 400 naming the first segment
// that matches nothing ("Resource not found for the segment 'x'."), or the version segment
// when the path is not under the service root.
func (s segments) notFound(path string) *Error {
	if path == s.basePath {
		shortest := slices.MinFunc(s.templates, func(a, b []string) int { return cmp.Compare(len(a), len(b)) })
		return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(
			"The service root %s has no document of its own: request one of its resources, such as %s/%s.",
			s.basePath, s.basePath, strings.Join(shortest, "/"))}
	}
	rest, ok := strings.CutPrefix(path, s.basePath+"/")
	if !ok || s.basePath == "" && path == "/" {
		version, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		return &Error{Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Invalid version: '%s'. This server serves only %s.", version, s.basePath)}
	}
	parts := strings.Split(rest, "/")
	candidates := s.templates
	for i, seg := range parts {
		var next [][]string
		for _, t := range candidates {
			if i < len(t) && (t[i] == seg || isParameter(t[i])) {
				next = append(next, t)
			}
		}
		if len(next) == 0 {
			return segmentNotFound(seg)
		}
		candidates = next
	}
	return segmentNotFound(parts[len(parts)-1])
}

func segmentNotFound(seg string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("Resource not found for the segment '%s'.", seg)}
}

func isParameter(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }
