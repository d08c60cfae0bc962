package server

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// page is a page of the collection as a client decodes it.
type page struct {
	Context  string     `json:"@odata.context"`
	Count    *int       `json:"@odata.count"`
	NextLink string     `json:"@odata.nextLink"`
	Value    []flowJSON `json:"value"`
}

// seedFlows creates flows named after names, with the sharing states given (cycled), and
// returns them in creation order.
func seedFlows(tb testing.TB, h http.Handler, names []string, states ...string) []flowJSON {
	tb.Helper()
	if len(states) == 0 {
		states = []string{"pending"}
	}
	var out []flowJSON
	for i, name := range names {
		body := fmt.Sprintf(`{"displayName":%q,"readinessStatus":"ready","inviteeUserIds":["%s"],"sharingState":%q,"shareName":"share_%d"}`,
			name, inviteeFor(i), states[i%len(states)], i)
		rec := do(tb, h, http.MethodPost, flowsURL, body)
		if rec.Code != http.StatusCreated {
			tb.Fatalf("create %q: status = %d, body %s", name, rec.Code, rec.Body)
		}
		out = append(out, decode[flowJSON](tb, rec))
	}
	return out
}

func inviteeFor(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func names(flows []flowJSON) []string {
	out := make([]string, len(flows))
	for i, f := range flows {
		out[i] = f.DisplayName
	}
	return out
}

// relative turns an absolute URL of the server into the path and query to request.
func relative(tb testing.TB, link string) string {
	tb.Helper()
	u, err := url.Parse(link)
	if err != nil {
		tb.Fatalf("next link %q: %v", link, err)
	}
	return u.RequestURI()
}

func TestQueryOptions(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	seedFlows(t, srv, []string{"Bravo", "alpha", "Charlie", "delta", "O'Neil"}, "running", "pending", "problem")

	tests := []struct {
		name        string
		query       string
		header      []string
		wantNames   []string
		wantCount   *int
		wantNext    bool     // a next link follows
		wantNextHas []string // parts of the next link
		wantContext string   // the end of @odata.context
		wantFields  []string // the only properties of each item, when set
		wantApplied string   // Preference-Applied
	}{
		{name: "no option lists everything in creation order", query: "",
			wantNames: []string{"Bravo", "alpha", "Charlie", "delta", "O'Neil"}, wantContext: "#industryData/dataShareOutgoingFlows"},
		{name: "$top is the page size", query: "$top=2",
			wantNames: []string{"Bravo", "alpha"}, wantNext: true, wantNextHas: []string{"$top=2", "$skiptoken="}},
		{name: "the $ prefix is optional", query: "top=2", wantNames: []string{"Bravo", "alpha"}, wantNext: true},
		{name: "option names ignore case", query: "$TOP=2", wantNames: []string{"Bravo", "alpha"}, wantNext: true},
		{name: "$skip leaves out the first items", query: "$skip=3", wantNames: []string{"delta", "O'Neil"}},
		{name: "$skip and $top", query: "$skip=1&$top=2", wantNames: []string{"alpha", "Charlie"}, wantNext: true,
			wantNextHas: []string{"$top=2"}},
		{name: "$count counts the whole collection", query: "$count=true&$top=1", wantNames: []string{"Bravo"},
			wantCount: ptr(5), wantNext: true, wantNextHas: []string{"$count=true"}},
		{name: "$count=false counts nothing", query: "$count=false", wantNames: []string{"Bravo", "alpha", "Charlie", "delta", "O'Neil"}},
		{name: "$select narrows the items", query: "$select=displayName",
			wantNames: []string{"Bravo", "alpha", "Charlie", "delta", "O'Neil"}, wantFields: []string{"@odata.type", "displayName", "id"},
			wantContext: "#industryData/dataShareOutgoingFlows(displayName)"},
		{name: "$select takes spaces after commas", query: "$select=" + url.QueryEscape("displayName, shareName"),
			wantNames: []string{"Bravo", "alpha", "Charlie", "delta", "O'Neil"}, wantFields: []string{"@odata.type", "displayName", "id", "shareName"}},
		{name: "$orderby sorts by code point", query: "$orderby=displayName",
			wantNames: []string{"Bravo", "Charlie", "O'Neil", "alpha", "delta"}},
		{name: "$orderby desc", query: "$orderby=" + url.QueryEscape("displayName desc"),
			wantNames: []string{"delta", "alpha", "O'Neil", "Charlie", "Bravo"}},
		{name: "$orderby on two keys", query: "$orderby=" + url.QueryEscape("sharingState desc,displayName"),
			wantNames: []string{"Bravo", "delta", "Charlie", "O'Neil", "alpha"}},
		{name: "$filter eq", query: "$filter=" + url.QueryEscape("sharingState eq 'running'"), wantNames: []string{"Bravo", "delta"}},
		{name: "$filter ignores case", query: "$filter=" + url.QueryEscape("displayName eq 'ALPHA'"), wantNames: []string{"alpha"}},
		{name: "$filter ne", query: "$filter=" + url.QueryEscape("sharingState ne 'running'"),
			wantNames: []string{"alpha", "Charlie", "O'Neil"}},
		{name: "$filter and, or, not and parentheses",
			query:     "$filter=" + url.QueryEscape("(sharingState eq 'running' or sharingState eq 'problem') and not (displayName eq 'delta')"),
			wantNames: []string{"Bravo", "Charlie"}},
		{name: "$filter startswith", query: "$filter=" + url.QueryEscape("startswith(displayName,'c')"), wantNames: []string{"Charlie"}},
		{name: "$filter with a doubled quote", query: "$filter=" + url.QueryEscape("displayName eq 'O''Neil'"), wantNames: []string{"O'Neil"}},
		{name: "$filter any on inviteeUserIds", query: "$filter=" + url.QueryEscape("inviteeUserIds/any(i:i eq '"+inviteeFor(2)+"')"),
			wantNames: []string{"Charlie"}},
		{name: "$filter in", query: "$filter=" + url.QueryEscape("displayName in ('alpha','delta')"), wantNames: []string{"alpha", "delta"}},
		{name: "$filter, $orderby and $top page together",
			query:     "$filter=" + url.QueryEscape("sharingState ne 'pending'") + "&$orderby=displayName&$top=2",
			wantNames: []string{"Bravo", "Charlie"}, wantNext: true,
			wantNextHas: []string{"$filter=", "$orderby=displayName", "$top=2"}},
		{name: "Prefer odata.maxpagesize lowers the page size", header: []string{"Prefer", "odata.maxpagesize=3"},
			wantNames: []string{"Bravo", "alpha", "Charlie"}, wantNext: true, wantApplied: "odata.maxpagesize=3"},
		{name: "a smaller $top wins over odata.maxpagesize", query: "$top=1", header: []string{"Prefer", "odata.maxpagesize=3"},
			wantNames: []string{"Bravo"}, wantNext: true, wantApplied: "odata.maxpagesize=3"},
		{name: "an odata.maxpagesize out of range is ignored", header: []string{"Prefer", "odata.maxpagesize=5000"},
			wantNames: []string{"Bravo", "alpha", "Charlie", "delta", "O'Neil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, srv, http.MethodGet, flowsURL+"?"+tt.query, "", tt.header...)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET ?%s: status = %d, body %s; want 200", tt.query, rec.Code, rec.Body)
			}
			p := decode[page](t, rec)
			if diff := cmp.Diff(tt.wantNames, names(p.Value)); diff != "" {
				t.Errorf("GET ?%s: items mismatch (-want +got):\n%s", tt.query, diff)
			}
			if diff := cmp.Diff(tt.wantCount, p.Count); diff != "" {
				t.Errorf("GET ?%s: @odata.count mismatch (-want +got):\n%s", tt.query, diff)
			}
			if got := p.NextLink != ""; got != tt.wantNext {
				t.Errorf("GET ?%s: @odata.nextLink = %q; want one: %v", tt.query, p.NextLink, tt.wantNext)
			}
			if p.NextLink != "" && !strings.HasPrefix(p.NextLink, "http://example.com"+flowsURL+"?") {
				t.Errorf("@odata.nextLink = %q; want an absolute URL of this server", p.NextLink)
			}
			for _, part := range tt.wantNextHas {
				if unescaped, _ := url.QueryUnescape(p.NextLink); !strings.Contains(unescaped, part) {
					t.Errorf("@odata.nextLink = %q; want it to keep %q", p.NextLink, part)
				}
			}
			if tt.wantContext != "" && !strings.HasSuffix(p.Context, "/beta/$metadata"+tt.wantContext) {
				t.Errorf("@odata.context = %q; want it to end with %q", p.Context, tt.wantContext)
			}
			if tt.wantFields != nil {
				items := decode[struct{ Value []map[string]any }](t, rec).Value
				for _, item := range items {
					got := slices.Sorted(func(yield func(string) bool) {
						for k := range item {
							if !yield(k) {
								return
							}
						}
					})
					if diff := cmp.Diff(tt.wantFields, got); diff != "" {
						t.Errorf("item properties mismatch (-want +got):\n%s", diff)
					}
				}
			}
			if got := rec.Header().Get("Preference-Applied"); got != tt.wantApplied {
				t.Errorf("Preference-Applied = %q; want %q", got, tt.wantApplied)
			}
		})
	}
}

func TestQueryOptionErrors(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	flows := seedFlows(t, srv, []string{"a", "b", "c"})
	first := decode[page](t, do(t, srv, http.MethodGet, flowsURL+"?$top=1", ""))
	token := strings.SplitN(first.NextLink, "$skiptoken=", 2)[1]

	tests := []struct {
		name        string
		path        string
		wantStatus  int
		wantTarget  string
		wantMessage []string
	}{
		{name: "$top above 999", path: flowsURL + "?$top=1000", wantStatus: 400, wantTarget: "$top", wantMessage: []string{"at most 999"}},
		{name: "$top of 0", path: flowsURL + "?$top=0", wantStatus: 400, wantTarget: "$top", wantMessage: []string{"at least 1"}},
		{name: "$top that is not a number", path: flowsURL + "?$top=ten", wantStatus: 400, wantTarget: "$top"},
		{name: "negative $skip", path: flowsURL + "?$skip=-1", wantStatus: 400, wantTarget: "$skip"},
		{name: "$count that is not a boolean", path: flowsURL + "?$count=yes", wantStatus: 400, wantTarget: "$count"},
		{name: "unknown property in $select", path: flowsURL + "?$select=colour", wantStatus: 400, wantTarget: "$select",
			wantMessage: []string{"'colour'", "must be one of"}},
		{name: "unknown property in $select on Get", path: flowsURL + "/" + flows[0].ID + "?$select=colour", wantStatus: 400, wantTarget: "$select"},
		{name: "unknown property in $orderby", path: flowsURL + "?$orderby=colour", wantStatus: 400, wantTarget: "$orderby", wantMessage: []string{"'colour'"}},
		{name: "a property twice in $orderby", path: flowsURL + "?$orderby=" + url.QueryEscape("displayName,displayName desc"),
			wantStatus: 400, wantTarget: "$orderby"},
		{name: "$filter syntax error names its position and token", path: flowsURL + "?$filter=" + url.QueryEscape("displayName qe 'x'"),
			wantStatus: 400, wantTarget: "$filter", wantMessage: []string{"position 13", "'qe'"}},
		{name: "$filter with an unterminated literal", path: flowsURL + "?$filter=" + url.QueryEscape("displayName eq 'x"),
			wantStatus: 400, wantTarget: "$filter", wantMessage: []string{"position 16"}},
		{name: "unknown property in $filter", path: flowsURL + "?$filter=" + url.QueryEscape("colour eq 'red'"),
			wantStatus: 400, wantTarget: "$filter", wantMessage: []string{"'colour'"}},
		{name: "$filter on $count with a syntax error", path: flowsURL + "/$count?$filter=" + url.QueryEscape("displayName eq"),
			wantStatus: 400, wantTarget: "$filter"},
		{name: "$search is not supported", path: flowsURL + "?$search=contoso", wantStatus: 400, wantTarget: "$search",
			wantMessage: []string{"not supported"}},
		{name: "$expand is not supported", path: flowsURL + "?$expand=runs", wantStatus: 400, wantTarget: "$expand",
			wantMessage: []string{"not supported"}},
		{name: "$expand is not supported on Get", path: flowsURL + "/" + flows[0].ID + "?$expand=runs", wantStatus: 400, wantTarget: "$expand"},
		{name: "unknown query parameter", path: flowsURL + "?colour=red", wantStatus: 400, wantTarget: "colour", wantMessage: []string{"'colour'"}},
		{name: "unknown system query option", path: flowsURL + "?$apply=x", wantStatus: 400, wantTarget: "$apply", wantMessage: []string{"'$apply'"}},
		{name: "$skiptoken that was changed", path: flowsURL + "?$top=1&$skiptoken=" + token[:len(token)-2], wantStatus: 400, wantTarget: "$skiptoken"},
		{name: "$skiptoken that is not base64", path: flowsURL + "?$skiptoken=%21%21", wantStatus: 400, wantTarget: "$skiptoken"},
		{name: "$skiptoken with another $orderby", path: flowsURL + "?$orderby=displayName&$skiptoken=" + token, wantStatus: 400,
			wantTarget: "$skiptoken", wantMessage: []string{"other $filter or $orderby"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ge := checkEnvelope(t, do(t, srv, http.MethodGet, tt.path, ""), tt.wantStatus, CodeBadRequest)
			var targets []string
			for _, d := range ge.Error.Details {
				targets = append(targets, d.Target)
			}
			if ge.Error.Target != tt.wantTarget && !slices.Contains(targets, tt.wantTarget) {
				t.Errorf("error targets %q and %q; want %q", ge.Error.Target, targets, tt.wantTarget)
			}
			for _, want := range tt.wantMessage {
				if !strings.Contains(ge.Error.Message+fmt.Sprint(ge.Error.Details), want) {
					t.Errorf("error message %q (details %+v) lacks %q", ge.Error.Message, ge.Error.Details, want)
				}
			}
		})
	}
}

func TestCountEndpoint(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	seedFlows(t, srv, []string{"a", "b", "c", "d"}, "running", "pending")
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{name: "counts every flow", want: "4"},
		{name: "counts the flows $filter keeps", query: "?$filter=" + url.QueryEscape("sharingState eq 'running'"), want: "2"},
		{name: "the $ prefix is optional", query: "?filter=" + url.QueryEscape("displayName eq 'a'"), want: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := do(t, srv, http.MethodGet, flowsURL+"/$count"+tt.query, "")
			if rec.Code != http.StatusOK || rec.Body.String() != tt.want {
				t.Errorf("GET $count%s = %d %q; want 200 %q", tt.query, rec.Code, rec.Body, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/plain" {
				t.Errorf("Content-Type = %q; want text/plain", ct)
			}
		})
	}
}

func TestDefaultPageSizeIs100(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{})
	seedFlows(t, srv, slices.Repeat([]string{"x"}, 101))
	p := decode[page](t, do(t, srv, http.MethodGet, flowsURL, ""))
	if len(p.Value) != 100 || p.NextLink == "" {
		t.Fatalf("first page: %d items, next link %q; want 100 and a next link", len(p.Value), p.NextLink)
	}
	next := decode[page](t, do(t, srv, http.MethodGet, relative(t, p.NextLink), ""))
	if len(next.Value) != 1 || next.NextLink != "" {
		t.Errorf("second page: %d items, next link %q; want 1 and none", len(next.Value), next.NextLink)
	}
}

func TestNextLinkUsesPublicURL(t *testing.T) {
	t.Parallel()
	srv := mustNew(t, Config{PublicURL: "https://mock.example.org/"})
	seedFlows(t, srv, []string{"a", "b"})
	p := decode[page](t, do(t, srv, http.MethodGet, flowsURL+"?$top=1", ""))
	if want := "https://mock.example.org/beta/industryData/dataShareOutgoingFlows?$top=1&$skiptoken="; !strings.HasPrefix(p.NextLink, want) {
		t.Errorf("@odata.nextLink = %q; want it to start with %q", p.NextLink, want)
	}
	if _, err := New(Config{PublicURL: "mock.example.org"}); err == nil {
		t.Errorf("New(PublicURL without a scheme) = nil error; want one")
	}
}

// TestPagingUnderChurn is a property test: while other clients create and delete flows, a
// client that pages through the collection, by any order and page size, sees every flow that
// existed throughout exactly once, and no flow twice.
func TestPagingUnderChurn(t *testing.T) {
	t.Parallel()
	orders := []string{"", "displayName", "displayName desc", "shareName,displayName desc", "sharingState desc"}
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 42))
			srv := mustNew(t, Config{})
			word := func() string { return string(rune('a'+rng.IntN(6))) + string(rune('a'+rng.IntN(6))) }
			var stable []string
			var churn []string
			create := func() string {
				body := fmt.Sprintf(`{"displayName":%q,"readinessStatus":"ready","inviteeUserIds":["%s"],"sharingState":%q,"shareName":%q}`,
					word(), inviteeID, []string{"pending", "running", "problem"}[rng.IntN(3)], word())
				return decode[flowJSON](t, do(t, srv, http.MethodPost, flowsURL, body)).ID
			}
			for range 20 + rng.IntN(20) {
				if rng.IntN(2) == 0 {
					stable = append(stable, create())
				} else {
					churn = append(churn, create())
				}
			}

			order := orders[rng.IntN(len(orders))]
			link := fmt.Sprintf("%s?$top=%d", flowsURL, 1+rng.IntN(7))
			if order != "" {
				link += "&$orderby=" + url.QueryEscape(order)
			}
			seen := map[string]int{}
			for pages := 0; link != ""; pages++ {
				if pages > 200 {
					t.Fatalf("paging does not end")
				}
				rec := do(t, srv, http.MethodGet, link, "")
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: status = %d, body %s", link, rec.Code, rec.Body)
				}
				p := decode[page](t, rec)
				for _, f := range p.Value {
					seen[f.ID]++
				}
				link = ""
				if p.NextLink != "" {
					link = relative(t, p.NextLink)
				}
				// Others create and delete between pages.
				for range rng.IntN(4) {
					if len(churn) > 0 && rng.IntN(2) == 0 {
						i := rng.IntN(len(churn))
						if rec := do(t, srv, http.MethodDelete, flowsURL+"/"+churn[i], ""); rec.Code != http.StatusNoContent {
							t.Fatalf("delete: status = %d", rec.Code)
						}
						churn = slices.Delete(churn, i, i+1)
					} else {
						churn = append(churn, create())
					}
				}
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("order %q: flow %s seen %d times", order, id, n)
				}
			}
			for _, id := range stable {
				if seen[id] != 1 {
					t.Errorf("order %q: stable flow %s seen %d times; want once", order, id, seen[id])
				}
			}
		})
	}
}
