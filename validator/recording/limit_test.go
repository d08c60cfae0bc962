package recording

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The limit on the length of NDJSON lines, tried with a small one.
func TestReadLineLimit(t *testing.T) {
	t.Parallel()
	const limit = 100
	// line returns an NDJSON line of n bytes.
	line := func(n int) string {
		const head, tail = `{"request":{"method":"GET","url":"/`, `"}}`
		return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
	}
	good, long := line(40), line(limit+1)
	tests := []struct {
		name     string
		input    string
		wantErrs []string // the Err of each entry, "" for none
		wantErr  string   // the error of read
	}{
		{
			name:     "a line longer than the limit is malformed and reading goes on",
			input:    good + "\n" + long + "\n" + good + "\n",
			wantErrs: []string{"", "line is longer than 100 bytes", ""},
		},
		{
			name:     "a last line longer than the limit without end of line",
			input:    good + "\n" + long,
			wantErrs: []string{"", "line is longer than 100 bytes"},
		},
		{
			name:     "a line of exactly the limit with CRLF",
			input:    good + "\r\n" + line(limit) + "\r\n",
			wantErrs: []string{"", ""},
		},
		{
			name:    "a first line longer than the limit",
			input:   long + "\n" + good + "\n",
			wantErr: "file is neither HAR nor NDJSON",
		},
		{
			name:     "HAR entries are not limited",
			input:    `{"log":{"entries":[{"request":{"method":"GET","url":"/` + strings.Repeat("a", 10*limit) + `"}}]}}`,
			wantErrs: []string{""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries, err := read(strings.NewReader(tt.input), "in", limit)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("read() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("read() = %v, want no error", err)
			}
			var gotErrs []string
			for _, e := range entries {
				msg := ""
				if e.Err != nil {
					msg = e.Err.Error()
				}
				gotErrs = append(gotErrs, msg)
			}
			if diff := cmp.Diff(tt.wantErrs, gotErrs); diff != "" {
				t.Errorf("read() entry errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
