package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/datashare/datashare/validator"
)

// maxLine is the length of the longest NDJSON line that is read; a longer line is malformed.
const maxLine = 64 << 20

// Entry is one exchange read from a recording, or why it could not be read.
type Entry struct {
	// Source is where the exchange is: "traffic.har#3" for the 3rd entry of a HAR file
	// (1-based), "traffic.ndjson:12" for line 12 of an NDJSON file.
	Source string
	// Exchange is the exchange; partial or empty when Err is set.
	Exchange validator.Exchange
	// Err is non-nil when the entry is malformed and says what is wrong, such as
	// `entry has no request`, `line is not JSON: ...` or `request url "%" is not a URL: ...`.
	Err error
}

// ReadFile reads the exchanges of a HAR 1.2 file or of an NDJSON file (one exchange per line),
// recognised by content, not by name. It fails (no entries) only when the file cannot be read or
// is neither format; a malformed entry or line becomes an Entry with Err and reading goes on.
// Sources name the file by path as given.
func ReadFile(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read is ReadFile for any reader; name is used in Source and in errors.
func Read(r io.Reader, name string) ([]Entry, error) {
	return read(r, name, maxLine)
}

// read is Read with lines of NDJSON limited to limit bytes.
func read(r io.Reader, name string, limit int) ([]Entry, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := skipBOM(br); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	// A JSON decoder tells whether the first value is an object with a "log" key. If it is
	// not, the bytes it consumed, which rec kept, are read again as NDJSON lines.
	rec := &recorder{r: br, limit: limit}
	dec := json.NewDecoder(rec)
	if hasLog(dec) {
		rec.stop()
		entries, err := readHAR(dec, name)
		if rec.err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, rec.err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return entries, nil
	}
	if rec.err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, rec.err)
	}
	entries, err := readNDJSON(io.MultiReader(bytes.NewReader(rec.buf), br), name, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return entries, nil
}

// skipBOM discards a UTF-8 byte order mark at the start of br.
func skipBOM(br *bufio.Reader) error {
	b, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, err := br.Discard(3)
		return err
	}
	return nil
}

// hasLog reports whether the first JSON value of dec is an object with a "log" key, leaving dec
// just before the value of that key when it is.
func hasLog(dec *json.Decoder) bool {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		if key == "log" {
			return true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// A recorder reads from r and keeps what it reads until stopped. Once it keeps more than limit
// bytes, its reads fail: a first value that long is no NDJSON line, and a HAR document has its
// "log" key long before.
type recorder struct {
	r       io.Reader
	buf     []byte
	limit   int
	stopped bool
	err     error // the first error of r other than io.EOF, kept even when stopped
}

func (rec *recorder) Read(p []byte) (int, error) {
	n, err := rec.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && rec.err == nil {
		rec.err = err
	}
	if rec.stopped {
		return n, err
	}
	rec.buf = append(rec.buf, p[:n]...)
	if err == nil && len(rec.buf) > rec.limit {
		// Too long for an NDJSON line: stop the decoder, which has not found "log".
		err = errors.New("first value too long to tell the format")
	}
	return n, err
}

// stop makes rec a plain reader that keeps nothing.
func (rec *recorder) stop() {
	rec.stopped, rec.buf = true, nil
}

// readHAR reads the entries of a HAR document from dec, which is just before the value of its
// "log" key.
func readHAR(dec *json.Decoder, name string) ([]Entry, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, malformedHAR(err)
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not a HAR 1.2 file: log is not an object")
	}
	var entries []Entry
	found := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, malformedHAR(err)
		}
		if key != "entries" {
			if err := skipValue(dec); err != nil {
				return nil, malformedHAR(err)
			}
			continue
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, malformedHAR(err)
		}
		if tok == nil { // "entries": null
			continue
		}
		if tok != json.Delim('[') {
			return nil, errors.New("not a HAR 1.2 file: log.entries is not an array")
		}
		found = true
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, malformedHAR(err)
			}
			e := Entry{Source: fmt.Sprintf("%s#%d", name, len(entries)+1)}
			e.Exchange, e.Err = harExchange(raw)
			entries = append(entries, e)
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil, malformedHAR(err)
		}
	}
	if _, err := dec.Token(); err != nil { // } of log
		return nil, malformedHAR(err)
	}
	for dec.More() { // the other keys of the document
		if _, err := dec.Token(); err != nil {
			return nil, malformedHAR(err)
		}
		if err := skipValue(dec); err != nil {
			return nil, malformedHAR(err)
		}
	}
	if _, err := dec.Token(); err != nil { // } of the document
		return nil, malformedHAR(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("data after the end of the document")
		}
		return nil, malformedHAR(err)
	}
	if !found {
		return nil, errors.New("not a HAR 1.2 file: no log.entries")
	}
	return entries, nil
}

func skipValue(dec *json.Decoder) error {
	var skip json.RawMessage
	return dec.Decode(&skip)
}

// malformedHAR wraps an error of the JSON decoder that reads a HAR document.
func malformedHAR(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // the document has begun: it ends too early
	}
	return fmt.Errorf("malformed HAR file: %w", err)
}

// readNDJSON reads the exchanges of NDJSON lines, each at most limit bytes long.
func readNDJSON(r io.Reader, name string, limit int) ([]Entry, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var entries []Entry
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, limit)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading line %d: %w", n, err)
		}
		if !tooLong && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(entries) == 0 && (tooLong || !isExchangeLine(line)) {
			return nil, errors.New("file is neither HAR nor NDJSON")
		}
		e := Entry{Source: fmt.Sprintf("%s:%d", name, n)}
		if tooLong {
			e.Err = fmt.Errorf("line is longer than %s", byteSize(limit))
		} else {
			e.Exchange, e.Err = ndjsonExchange(line)
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, errors.New("file is neither HAR nor NDJSON: it has no content")
	}
	return entries, nil
}

// isExchangeLine reports whether line is a JSON object with a "request" key.
func isExchangeLine(line []byte) bool {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(line, &top); err != nil {
		return false
	}
	_, ok := top["request"]
	return ok
}

// readLine reads a line and returns it without its end of line. When the line is longer than
// limit bytes, it returns none of it and tooLong. It returns io.EOF only when no line is left.
func readLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	read := false
	for {
		chunk, err := br.ReadSlice('\n')
		read = read || len(chunk) > 0
		if !tooLong {
			line = append(line, chunk...)
			if len(line) > limit+len("\r\n") {
				line, tooLong = nil, true
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && read {
			err = nil // a last line without an end of line
		}
		if err != nil {
			return nil, false, err
		}
		break
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > limit {
		return nil, true, nil
	}
	return line, tooLong, nil
}

// byteSize writes n bytes in the largest binary unit that divides it.
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
