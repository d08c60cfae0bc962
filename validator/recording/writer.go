package recording

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/datashare/datashare/validator"
)

// The bytes of a HAR file that OpenHAR writes before its creator, and after its entries.
const (
	harStart   = `{"log":{"version":"1.2","creator":`
	harClosing = "\n]}}\n"
)

// HARWriter appends exchanges to a HAR file, which stays a complete, valid HAR 1.2 document
// after every Append: it writes the closing of the entries array after each entry and
// overwrites it with the next one. Safe for concurrent use.
type HARWriter struct {
	path string

	mu         sync.Mutex
	f          *os.File // nil once closed
	end        int64    // where the closing of the entries array begins
	hasEntries bool
}

// OpenHAR creates the file, or continues one that OpenHAR wrote before (recognised by its
// exact closing bytes, and its opening); any other existing file is an error naming it. An empty file is
// written as a new one. creator is log.creator.name, version log.creator.version. The file is
// readable by its owner only: recorded headers may hold credentials.
func OpenHAR(path, creator, version string) (*HARWriter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	w := &HARWriter{path: path, f: f}
	if err := w.start(creator, version); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// start writes the beginning of a new file, or finds the end of the entries of an existing one.
func (w *HARWriter) start(creator, version string) error {
	info, err := w.f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if size == 0 {
		head, err := json.Marshal(struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		}{creator, version})
		if err != nil {
			return err
		}
		b := harStart + string(head) + `,"entries":[` + harClosing
		if _, err := w.f.WriteAt([]byte(b), 0); err != nil {
			return fmt.Errorf("writing %s: %w", w.path, err)
		}
		w.end = int64(len(b) - len(harClosing))
		return nil
	}

	foreign := fmt.Errorf("%s exists and is not a HAR file that OpenHAR wrote", w.path)
	if size < int64(len(harStart)+len(harClosing)+1) {
		return foreign
	}
	start := make([]byte, len(harStart))
	if _, err := w.f.ReadAt(start, 0); err != nil {
		return fmt.Errorf("reading %s: %w", w.path, err)
	}
	// The closing and the byte before it: "[" when there are no entries yet, "}" after one.
	tail := make([]byte, len(harClosing)+1)
	if _, err := w.f.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading %s: %w", w.path, err)
	}
	if string(start) != harStart || string(tail[1:]) != harClosing || (tail[0] != '[' && tail[0] != '}') {
		return foreign
	}
	w.end = size - int64(len(harClosing))
	w.hasEntries = tail[0] == '}'
	return nil
}

// Append writes one exchange with its timing and, when result is not nil, its violations as
// the custom field "_violations": [{"side":"request"|"response","in","target","keyword","reason"}].
// Bodies that are not UTF-8 are written in base64 with "encoding":"base64", in postData too,
// where HAR 1.2 defines no encoding but ReadFile reads it. A Status of 0 is written as Chrome
// writes a request that got no response: status 0 and no headers.
func (w *HARWriter) Append(ex validator.Exchange, started time.Time, elapsed time.Duration, result *validator.Result) error {
	entry, err := marshalEntry(ex, started, elapsed, result)
	if err != nil {
		return fmt.Errorf("encoding an entry of %s: %w", w.path, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("appending to %s: %w", w.path, os.ErrClosed)
	}
	sep := ",\n"
	if !w.hasEntries {
		sep = "\n"
	}
	b := make([]byte, 0, len(sep)+len(entry)+len(harClosing))
	b = append(append(append(b, sep...), entry...), harClosing...)
	// One write, so that the file is incomplete for as short a time as can be. On failure, the
	// next Append writes at the same place again.
	if _, err := w.f.WriteAt(b, w.end); err != nil {
		return fmt.Errorf("writing %s: %w", w.path, err)
	}
	w.end += int64(len(b) - len(harClosing))
	w.hasEntries = true
	return nil
}

// Close closes the file. Closing a closed HARWriter does nothing.
func (w *HARWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("closing %s: %w", w.path, err)
	}
	return nil
}

// The HAR 1.2 entry that HARWriter writes.
type (
	harOutEntry struct {
		StartedDateTime string          `json:"startedDateTime"`
		Time            float64         `json:"time"`
		Request         harOutRequest   `json:"request"`
		Response        harOutResponse  `json:"response"`
		Cache           struct{}        `json:"cache"`
		Timings         harOutTimings   `json:"timings"`
		Violations      *[]harViolation `json:"_violations,omitempty"`
	}
	harOutRequest struct {
		Method      string         `json:"method"`
		URL         string         `json:"url"`
		HTTPVersion string         `json:"httpVersion"`
		Cookies     []harNameValue `json:"cookies"`
		Headers     []harNameValue `json:"headers"`
		QueryString []harNameValue `json:"queryString"`
		PostData    *harOutBody    `json:"postData,omitempty"`
		HeadersSize int            `json:"headersSize"`
		BodySize    int            `json:"bodySize"`
	}
	harOutResponse struct {
		Status      int            `json:"status"`
		StatusText  string         `json:"statusText"`
		HTTPVersion string         `json:"httpVersion"`
		Cookies     []harNameValue `json:"cookies"`
		Headers     []harNameValue `json:"headers"`
		Content     harOutBody     `json:"content"`
		RedirectURL string         `json:"redirectURL"`
		HeadersSize int            `json:"headersSize"`
		BodySize    int            `json:"bodySize"`
	}
	// harOutBody is the postData of a request or the content of a response.
	harOutBody struct {
		Size     *int   `json:"size,omitempty"` // content only
		MimeType string `json:"mimeType"`
		Text     string `json:"text,omitempty"`
		Encoding string `json:"encoding,omitempty"`
	}
	harOutTimings struct {
		Send    float64 `json:"send"`
		Wait    float64 `json:"wait"`
		Receive float64 `json:"receive"`
	}
	harViolation struct {
		Side    string `json:"side"`
		In      string `json:"in"`
		Target  string `json:"target"`
		Keyword string `json:"keyword"`
		Reason  string `json:"reason"`
	}
)

// marshalEntry returns the JSON text of the HAR entry of an exchange, on one line.
func marshalEntry(ex validator.Exchange, started time.Time, elapsed time.Duration, result *validator.Result) ([]byte, error) {
	ms := float64(elapsed) / float64(time.Millisecond)
	method := ex.Method
	if method == "" {
		method = http.MethodGet // as net/http reads an empty method
	}
	u := ex.URL
	if u == nil {
		u = &url.URL{Path: "/"}
	}
	e := harOutEntry{
		StartedDateTime: started.Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            ms,
		Request: harOutRequest{
			Method:      method,
			URL:         u.String(),
			HTTPVersion: "HTTP/1.1",
			Cookies:     []harNameValue{},
			Headers:     harHeaderList(ex.RequestHeader),
			QueryString: queryList(u.RawQuery),
			HeadersSize: -1,
			BodySize:    -1,
		},
		Response: harOutResponse{
			Status:      ex.Status,
			Cookies:     []harNameValue{},
			Headers:     []harNameValue{},
			Content:     harOutBody{Size: new(int), MimeType: "x-unknown"},
			HeadersSize: -1,
			BodySize:    -1,
		},
		Timings: harOutTimings{Wait: ms},
	}
	if len(ex.RequestBody) > 0 {
		pd := textOf(ex.RequestBody)
		pd.MimeType = ex.RequestHeader.Get("Content-Type")
		e.Request.PostData = &pd
	}
	if ex.Status != 0 {
		r := &e.Response
		r.StatusText = http.StatusText(ex.Status)
		r.HTTPVersion = "HTTP/1.1"
		r.Headers = harHeaderList(ex.ResponseHeader)
		r.Content = textOf(ex.ResponseBody)
		r.Content.Size = new(len(ex.ResponseBody))
		r.Content.MimeType = ex.ResponseHeader.Get("Content-Type")
		r.RedirectURL = ex.ResponseHeader.Get("Location")
	}
	if result != nil {
		vs := make([]harViolation, 0, len(result.Request)+len(result.Response))
		for _, v := range result.Request {
			vs = append(vs, harViolation{"request", v.In, v.Target, v.Keyword, v.Reason})
		}
		for _, v := range result.Response {
			vs = append(vs, harViolation{"response", v.In, v.Target, v.Keyword, v.Reason})
		}
		e.Violations = &vs
	}

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// textOf holds body as text when it is UTF-8, else as base64.
func textOf(body []byte) harOutBody {
	if utf8.Valid(body) {
		return harOutBody{Text: string(body)}
	}
	return harOutBody{Text: base64.StdEncoding.EncodeToString(body), Encoding: "base64"}
}

// harHeaderList lists the values of h as HAR headers, by name in order.
func harHeaderList(h http.Header) []harNameValue {
	list := []harNameValue{}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			list = append(list, harNameValue{name, v})
		}
	}
	return list
}

// queryList lists the parameters of a raw query in their order, unescaped when they can be.
func queryList(rawQuery string) []harNameValue {
	list := []harNameValue{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		list = append(list, harNameValue{unescapeQuery(name), unescapeQuery(value)})
	}
	return list
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
