package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
	"github.com/google/go-cmp/cmp"
)

// testFilter is a $filter of the differential tests; inGo says that SQL cannot express it.
type testFilter struct {
	filter string
	inGo   bool
}

// flowFilters returns $filters of flows for the differential tests, over diffFixture: case
// variants, ß, the Kelvin sign, the long s, LIKE's wildcards and escape, quotes, the empty
// string, null, lambdas.
func flowFilters() []testFilter {
	return []testFilter{
		{filter: "displayName eq 'straße'"},
		{filter: "displayName eq 'STRASSE'"},
		{filter: "displayName eq 'ſtraße'"},
		{filter: "displayName eq 'STRAẞE'"},
		{filter: "displayName eq 'kelvin'"},
		{filter: "displayName eq '\u212aELVIN'"},
		{filter: "displayName ne 'Kelvin'"},
		{filter: "displayName gt 'k'"},
		{filter: "displayName ge 'KELVIN'"},
		{filter: "displayName lt 'ß'"},
		{filter: "displayName le ''"},
		{filter: "displayName eq ''"},
		{filter: "displayName ne ''"},
		{filter: "displayName eq null"},
		{filter: "displayName ne null"},
		{filter: "displayName gt null"},
		{filter: "'kelvin' eq displayName"},
		{filter: "'m' lt displayName"},
		{filter: "displayName gt 'ǅ'"},
		{filter: "displayName lt 'İ'"},
		{filter: "displayName eq 'σίσυφος'"},
		{filter: "displayName eq 'ǆemal'"},
		{filter: "displayName eq 'Ⅻ'"},
		{filter: "displayName eq 'éclair'"},
		{filter: "displayName eq 'a\\b'"},
		{filter: "displayName eq 'o''brien'"},
		{filter: "displayName eq '\xff replacement'"},
		{filter: "displayName ge '\U0001F600'"},
		{filter: "startswith(displayName, 'STR')"},
		{filter: "startswith(displayName, 'ſ')"},
		{filter: "startswith(displayName, '')"},
		{filter: "startswith(displayName, '100%')"},
		{filter: "startswith(displayName, '100_')"},
		{filter: "startswith(displayName, 'a_')"},
		{filter: "endswith(displayName, 'SSE')"},
		{filter: "endswith(displayName, 'ß')"},
		{filter: "endswith(displayName, '\u212a')"},
		{filter: "contains(displayName, '%')"},
		{filter: "contains(displayName, '_')"},
		{filter: "contains(displayName, '\\')"},
		{filter: "contains(displayName, '''')"},
		{filter: "contains(displayName, 'a%b')"},
		{filter: "contains(shareName, 'a%b')"},
		{filter: "contains(shareName, '\\c')"},
		{filter: "contains(displayName, 'ﬀ')"},
		{filter: "displayName in ('STRASSE', 'kelvin', null)"},
		{filter: "displayName in ('')"},
		{filter: "displayName in (null)"},
		{filter: "id in ('flow-01', 'FLOW-02', 'flow-03')"},
		{filter: "id eq 'FLOW-04'"},
		{filter: "id gt 'flow-2'"},
		{filter: "eTag ne 'x'"},
		{filter: "eTag eq null"},
		{filter: "not (displayName eq 'kelvin')"},
		{filter: "not startswith(displayName, 'k') and sharingState eq 'RUNNING'"},
		{filter: "sharingState eq 'running' or readinessStatus eq 'READY'"},
		{filter: "(sharingState eq 'running' or sharingState eq '') and not contains(shareName, 'x')"},
		{filter: "readinessStatus ne 'ready' and shareName gt 'O'"},
		{filter: "shareName eq 'O''Brien''s share'"},
		{filter: "inviteeUserIds/any()"},
		{filter: "not inviteeUserIds/any()"},
		{filter: "inviteeUserIds/any(i: i eq 'a')"},
		{filter: "inviteeUserIds/any(i: i eq 'SS')"},
		{filter: "inviteeUserIds/any(i: i eq 'k')"},
		{filter: "inviteeUserIds/all(i: i ne '')"},
		{filter: "inviteeUserIds/all(i: startswith(i, 'a'))"},
		{filter: "inviteeUserIds/any(i: i in ('K', 'b'))"},
		{filter: "inviteeUserIds/any(i: contains(i, '%'))"},
		{filter: "inviteeUserIds/any(i: i eq '\\')"},
		{filter: "inviteeUserIds/all(i: i gt 'a')"},
		{filter: "inviteeUserIds/any(i: i eq null)"},
		{filter: "inviteeUserIds/any(i: i ne null)"},
		{filter: "inviteeUserIds/any(id: id eq 'x')"},
		{filter: "inviteeUserIds/any(i: not (i eq 'a') and (i in ('B') or endswith(i, 'n')))"},
		{filter: "inviteeUserIds/any(i: i eq 'a') and inviteeUserIds/all(i: i ne 'b')"},
		{filter: "displayName eq 'a\x00b'", inGo: true},
		{filter: "startswith(displayName, '\x00') or displayName eq 'kelvin'", inGo: true},
		{filter: "inviteeUserIds/any(i: i eq '\x00')", inGo: true},
	}
}

// runFilters returns $filters of the runs of diffFixture's first flow: times in several
// zones, null end times, nanoseconds.
func runFilters() []testFilter {
	return []testFilter{
		{filter: "status eq 'FAILED'"},
		{filter: "displayName gt 'b'"},
		{filter: "displayName eq 's'"},
		{filter: "id eq 'run-02'"},
		{filter: "startDateTime ge 2026-01-02T00:00:00Z"},
		{filter: "startDateTime lt 2026-01-02T00:00:00+02:00"},
		{filter: "startDateTime eq 2026-01-01T23:30:00-05:00"},
		{filter: "startDateTime ne 2026-01-02T04:30:00Z"},
		{filter: "startDateTime gt 2026-01-02T02:00:00.4999999Z"},
		{filter: "startDateTime le 2026-01-02T02:00:00.000000999Z"},
		{filter: "startDateTime eq '2026-01-02T07:30:00.5+05:30'"},
		{filter: "startDateTime in (2026-01-04T00:00:00Z, '2026-01-01T02:00:00Z', null)"},
		{filter: "endDateTime eq null"},
		{filter: "endDateTime ne null"},
		{filter: "null eq endDateTime"},
		{filter: "endDateTime ne 2026-01-02T05:00:00Z"},
		{filter: "endDateTime gt 2026-01-01T00:00:00Z"},
		{filter: "not (endDateTime gt 2026-01-01T00:00:00Z)"},
		{filter: "endDateTime le 2026-01-02T05:00:00.000001Z"},
		{filter: "endDateTime lt null"},
		{filter: "endDateTime ge null"},
		{filter: "endDateTime in (null, 2026-01-02T05:00:00Z)"},
		{filter: "endDateTime eq 2026-01-04T05:30:00+05:30"},
		{filter: "startDateTime gt 0000-01-01T00:00:00Z and endDateTime lt 9999-12-31T23:59:59.9999999Z"},
		{filter: "status in ('Completed', 'RUNNING') and endDateTime eq null"},
		{filter: "startswith(status, 'c') or contains(displayName, '%')"},
		{filter: "not (startDateTime ge 2026-01-02T00:00:00Z or endDateTime eq null)"},
		{filter: "displayName eq '\x00'", inGo: true},
	}
}

// handmadeFilters are trees that ParseFilter does not return, which SQL does not express, or
// expresses as a constant: every way must still agree with odata.Eval.
func handmadeFilters() []odata.Expr {
	date := odata.Literal{S: "2026-01-01T00:00:00.000000000Z", DateTime: true}
	kelvin := odata.Compare{Prop: "displayName", Op: odata.Eq, Value: odata.Literal{S: "kelvin"}}
	return []odata.Expr{
		odata.Compare{Prop: "displayName", Op: odata.Eq, Value: date},
		odata.Compare{Prop: "nonesuch", Op: odata.Eq, Value: odata.Literal{S: ""}},
		odata.Compare{Prop: "inviteeUserIds", Op: odata.Eq, Value: odata.Literal{S: ""}},
		odata.Compare{Prop: "displayName", Op: odata.Op(42), Value: odata.Literal{S: "kelvin"}},
		odata.Compare{Prop: "nonesuch", Op: odata.Ne, Value: odata.Literal{Null: true}},
		&kelvin,
		odata.Func{Name: "matches", Prop: "displayName", Arg: "k"},
		odata.Func{Name: "startswith", Prop: "nonesuch", Arg: ""},
		odata.Any{Prop: "displayName", Var: "x", Pred: odata.Compare{Prop: "x", Op: odata.Eq, Value: odata.Literal{S: ""}}},
		odata.All{Prop: "nonesuch", Var: "x", Pred: kelvin},
		odata.All{Prop: "inviteeUserIds"},
		odata.Any{Prop: "inviteeUserIds", Var: "i", Pred: odata.Compare{Prop: "i", Op: odata.Eq, Value: date}},
		odata.Any{Prop: "inviteeUserIds", Var: "i", Pred: odata.Any{Prop: "inviteeUserIds", Var: "j", Pred: odata.Compare{Prop: "i", Op: odata.Eq, Value: odata.Literal{S: ""}}}},
		odata.Any{Prop: "inviteeUserIds", Pred: kelvin},
		odata.And{L: nil, R: kelvin},
		odata.Or{L: kelvin, R: odata.Not{X: odata.In{Prop: "displayName"}}},
		odata.In{Prop: "displayName", Values: []odata.Literal{{S: "KELVIN"}, date}},
		odata.In{Prop: "nonesuch", Values: []odata.Literal{{Null: true}}},
	}
}

// diffFixture returns flows and runs with tricky values, all with ids, so that the memory
// store and PostgreSQL hold the same; times are whole microseconds.
func diffFixture(t testing.TB) store.Fixture {
	t.Helper()
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	end := func(s string) *time.Time {
		tm := at(s)
		return &tm
	}
	flow := func(id, name, readiness, sharing, share string, invitees []string) store.FixtureFlow {
		return store.FixtureFlow{Flow: store.Flow{ID: id, DisplayName: name, ReadinessStatus: readiness,
			SharingState: sharing, ShareName: share, InviteeUserIDs: invitees}}
	}
	f := store.Fixture{Flows: []store.FixtureFlow{
		flow("flow-01", "Straße", "ready", "running", "share_a", nil),
		flow("flow-02", "STRASSE", "READY", "Running", "share%b", []string{}),
		flow("FLOW-03", "ſtraße", "notReady", "pending", `share\c`, []string{"A"}),
		flow("flow-04", "\u212aelvin", "notReady", "RUNNING", "x", []string{"a", "B"}),
		flow("flow-05", "kelvin", "unknownFutureValue", "failed", "", []string{"ß"}),
		flow("flow-06", "KELVIN", "ready", "", "X", []string{"\u212a"}),
		flow("flow-07", "100%", "ready", "running", "100%", []string{"%"}),
		flow("flow-08", "100_", "ready", "running", "100_", []string{"", "x"}),
		flow("flow-09", `a\b`, "notReady", "pending", `a\b`, []string{`\`}),
		flow("flow-10", "O'Brien", "ready", "running", "O'Brien's share", []string{"o'brien", "n"}),
		flow("flow-11", "", "", "", "", nil),
		flow("flow-12", "ΣΊΣΥΦΟΣ", "ready", "pending", "σ", []string{"Σ"}),
		flow("flow-13", "σίσυφος", "ready", "pending", "ς", []string{"ς"}),
		flow("flow-14", "ǅemal", "ready", "running", "ǆ", []string{"Ǆ"}),
		flow("flow-15", "İstanbul", "ready", "running", "i", []string{"İ"}),
		flow("flow-16", "ıstanbul", "ready", "running", "I", []string{"ı"}),
		flow("flow-17", "\U0001F600 smile", "ready", "running", "\U0001F600", []string{"\U0001F600"}),
		flow("flow-18", "e\u0301clair", "ready", "running", "é", nil),
		flow("flow-19", "éclair", "ready", "running", "É", nil),
		flow("flow-20", "ⅻ", "ready", "running", "Ⅻ", nil),
		flow("flow-21", "\ufffd replacement", "ready", "running", "\ufffd", nil),
		flow("flow-22", "a_b", "ready", "pending", "a%b", []string{"a_b"}),
		flow("flow-23", "ab", "ready", "pending", "ab", []string{"ab", "a"}),
		flow("flow-24", "Z", "READY", "", "ﬀ", []string{"ﬀ", "FF"}),
		flow("flow-25", "ﬀ", "ready", "running", "ff", []string{"ss", "SS", "ſ"}),
	}}
	run := func(id, name, status, start string, end *time.Time) store.Run {
		return store.Run{ID: id, DisplayName: name, Status: status, StartDateTime: at(start), EndDateTime: end,
			Statistics: json.RawMessage(`{"runId": "` + id + `"}`)}
	}
	f.Flows[0].Runs = []store.Run{
		run("run-01", "b", "completed", "2026-01-01T02:00:00Z", end("2026-01-01T02:05:00.000001Z")),
		run("RUN-02", "B", "Failed", "2026-01-02T02:00:00.5Z", end("2026-01-02T02:01:00Z")),
		run("run-03", "a", "running", "2026-01-03T02:00:00Z", nil),
		run("run-04", "A", "COMPLETED", "2026-01-01T23:30:00-05:00", end("2026-01-02T05:00:00Z")),
		run("run-05", "c%", "failed", "2026-01-02T01:00:00+02:00", end("2026-01-01T23:10:00Z")),
		run("run-06", "d_", "completed", "2026-01-04T00:00:00Z", end("2026-01-04T05:30:00+05:30")),
		run("run-07", "ſ", "running", "2026-01-02T04:30:00Z", nil),
		run("run-08", "", "", "0001-01-01T00:00:00.000001Z", end("9999-12-31T23:59:59.999999Z")),
		run("run-09", "S", "completed", "2026-01-02T02:00:00.000001+14:00", end("2026-01-02T02:00:00.000001-12:00")),
		run("run-10", "late", "running", "2026-01-02T02:00:00.000999Z", nil),
	}
	return f
}

// diffStores returns the three stores the differential tests compare, loaded with
// diffFixture: PostgreSQL translating filters to SQL, PostgreSQL evaluating them in Go in
// batches of two rows, and the memory store.
func diffStores(tb testing.TB, fixture store.Fixture) (sql, inGo, memory store.Store) {
	tb.Helper()
	ctx := context.Background()
	dsn := testDSN(tb)
	sqlBackend := openTest(tb, dsn)
	goBackend := openTest(tb, dsn, withGoFilter(), withBatchSize(2))
	sql = session(tb, sqlBackend, "diff")
	inGo, _, err := goBackend.Open(ctx, "diff", nil, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	memory = store.NewMemory()
	for _, s := range []store.Store{sql, memory} {
		if err := s.Load(ctx, fixture); err != nil {
			tb.Fatalf("Load() error = %v", err)
		}
	}
	return sql, inGo, memory
}

// pages is what paging through a listing gives: the ids, page by page, and the counts.
type pages struct {
	Pages  [][]string
	Counts []int
}

// pageFlows pages through the flows q selects.
func pageFlows(tb testing.TB, s store.Store, q store.Query) pages {
	tb.Helper()
	var l pages
	for range 100 {
		p, err := s.ListFlows(context.Background(), q)
		if err != nil {
			tb.Fatalf("ListFlows(%+v) error = %v", q, err)
		}
		var ids []string
		for _, f := range p.Flows {
			ids = append(ids, f.ID)
		}
		l.Pages, l.Counts = append(l.Pages, ids), append(l.Counts, p.Count)
		if p.Next == nil {
			return l
		}
		q.After, q.Skip = p.Next, 0
	}
	tb.Fatal("paging does not end")
	return l
}

// pageRuns pages through the runs of the flow that q selects.
func pageRuns(tb testing.TB, s store.Store, flowID string, q store.Query) pages {
	tb.Helper()
	var l pages
	for range 100 {
		p, err := s.ListRuns(context.Background(), flowID, q)
		if err != nil {
			tb.Fatalf("ListRuns(%+v) error = %v", q, err)
		}
		var ids []string
		for _, r := range p.Runs {
			ids = append(ids, r.ID)
		}
		l.Pages, l.Counts = append(l.Pages, ids), append(l.Counts, p.Count)
		if p.Next == nil {
			return l
		}
		q.After, q.Skip = p.Next, 0
	}
	tb.Fatal("paging does not end")
	return l
}

// flowQueries are the listings each filter of flows is tried with: one page, pages of 3 in
// creation order, and pages of 4 in an order of mixed directions after a skip.
func flowQueries(filter odata.Expr) map[string]store.Query {
	return map[string]store.Query{
		"one page":       {Filter: filter, Limit: 100, Count: true},
		"by creation":    {Filter: filter, Limit: 3, Count: true},
		"mixed order":    {Filter: filter, Limit: 4, Skip: 1, Count: true, OrderBy: []odata.OrderItem{{Prop: "shareName", Desc: true}, {Prop: "displayName"}}},
		"only the count": {Filter: filter, Count: true},
	}
}

func runQueries(filter odata.Expr) map[string]store.Query {
	return map[string]store.Query{
		"one page":      {Filter: filter, Limit: 100, Count: true},
		"by start time": {Filter: filter, Limit: 2, Count: true},
		"mixed order":   {Filter: filter, Limit: 3, Skip: 1, Count: true, OrderBy: []odata.OrderItem{{Prop: "endDateTime", Desc: true}, {Prop: "displayName"}}},
	}
}

// TestFilterPushdownMatchesEval compares, for each filter, what PostgreSQL gives when it
// translates the filter to SQL, what it gives when it evaluates it in Go, and what the memory
// store gives.
func TestFilterPushdownMatchesEval(t *testing.T) {
	t.Parallel()
	fixture := diffFixture(t)
	sqlStore, goStore, memory := diffStores(t, fixture)
	flowID := fixture.Flows[0].ID

	check := func(t *testing.T, name string, list func(store.Store) pages) {
		t.Helper()
		want := list(memory)
		if diff := cmp.Diff(want, list(sqlStore)); diff != "" {
			t.Errorf("%s: SQL mismatch with the memory store (-memory +sql):\n%s", name, diff)
		}
		if diff := cmp.Diff(want, list(goStore)); diff != "" {
			t.Errorf("%s: Go evaluation mismatch with the memory store (-memory +go):\n%s", name, diff)
		}
	}
	translates := func(t *testing.T, e odata.Expr, props func(string) (filterProp, bool), want bool) {
		t.Helper()
		var b sqlBuilder
		if cond, ok := translateFilter(e, props, &b); ok != want {
			t.Errorf("translateFilter() = %q, %v; want ok %v", cond, ok, want)
		}
	}

	t.Run("flows", func(t *testing.T) {
		for _, tt := range flowFilters() {
			t.Run(tt.filter, func(t *testing.T) {
				e, err := odata.ParseFilter(tt.filter, store.FlowSchema())
				if err != nil {
					t.Fatalf("ParseFilter() error = %v", err)
				}
				translates(t, e, flowProp, !tt.inGo)
				for name, q := range flowQueries(e) {
					check(t, name, func(s store.Store) pages { return pageFlows(t, s, q) })
				}
			})
		}
	})
	t.Run("runs", func(t *testing.T) {
		for _, tt := range runFilters() {
			t.Run(tt.filter, func(t *testing.T) {
				e, err := odata.ParseFilter(tt.filter, store.RunSchema())
				if err != nil {
					t.Fatalf("ParseFilter() error = %v", err)
				}
				translates(t, e, runProp, !tt.inGo)
				for name, q := range runQueries(e) {
					check(t, name, func(s store.Store) pages { return pageRuns(t, s, flowID, q) })
				}
			})
		}
	})
	t.Run("handmade trees", func(t *testing.T) {
		for i, e := range handmadeFilters() {
			t.Run(fmt.Sprintf("%d %T", i, e), func(t *testing.T) {
				for name, q := range flowQueries(e) {
					check(t, name, func(s store.Store) pages { return pageFlows(t, s, q) })
				}
				for name, q := range runQueries(e) {
					check(t, name, func(s store.Store) pages { return pageRuns(t, s, flowID, q) })
				}
			})
		}
	})
	t.Run("no filter", func(t *testing.T) {
		for name, q := range flowQueries(nil) {
			check(t, name, func(s store.Store) pages { return pageFlows(t, s, q) })
		}
		for name, q := range runQueries(nil) {
			check(t, name, func(s store.Store) pages { return pageRuns(t, s, flowID, q) })
		}
	})
}

// FuzzFilterPushdown checks that any $filter of flows that parses gives the same flows
// whether PostgreSQL translates it to SQL or evaluates it in Go, and as the memory store.
// Without -fuzz it runs its seeds: the filters of TestFilterPushdownMatchesEval.
func FuzzFilterPushdown(f *testing.F) {
	for _, tt := range flowFilters() {
		f.Add(tt.filter)
	}
	sqlStore, goStore, memory := diffStores(f, diffFixture(f))
	f.Fuzz(func(t *testing.T, filter string) {
		e, err := odata.ParseFilter(filter, store.FlowSchema())
		if err != nil || strings.Contains(filter, "eTag") { // eTags differ from the memory store's
			return
		}
		q := store.Query{Filter: e, Limit: 100, Count: true}
		want := pageFlows(t, memory, q)
		if diff := cmp.Diff(want, pageFlows(t, sqlStore, q)); diff != "" {
			t.Errorf("%s: SQL mismatch with the memory store (-memory +sql):\n%s", filter, diff)
		}
		if diff := cmp.Diff(want, pageFlows(t, goStore, q)); diff != "" {
			t.Errorf("%s: Go evaluation mismatch with the memory store (-memory +go):\n%s", filter, diff)
		}
	})
}

func TestTranslateFilter(t *testing.T) {
	t.Parallel()
	parse := func(s string) odata.Expr {
		e, err := odata.ParseFilter(s, store.FlowSchema())
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name     string
		e        odata.Expr
		want     string
		wantArgs []any
	}{
		{"eq on the fold", parse("displayName eq 'Straße'"), `f.display_name_fold = $2::text COLLATE "C"`, []any{odata.Fold("Straße")}},
		{"ordering by bytes", parse("shareName gt 'K'"), `f.share_name_fold > $2::text COLLATE "C"`, []any{odata.Fold("K")}},
		{"LIKE escapes its wildcards", parse(`startswith(displayName, '1%_\')`), `f.display_name_fold LIKE $2::text ESCAPE '\'`, []any{`1\%\_\\%`}},
		{"in as any", parse("sharingState in ('a', null, 'B')"), `(f.sharing_state_fold = ANY ($2::text[]))`, []any{[]string{odata.Fold("a"), odata.Fold("B")}}},
		{"null never equals a string", parse("shareName eq null"), `FALSE`, nil},
		{"lambda", parse("inviteeUserIds/all(i: i ne 'x')"),
			`NOT EXISTS (SELECT FROM unnest(f.invitee_folds) AS e1 (x) WHERE NOT (e1.x <> $2::text COLLATE "C"))`, []any{odata.Fold("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := sqlBuilder{args: []any{"session"}}
			got, ok := translateFilter(tt.e, flowProp, &b)
			if !ok || got != tt.want {
				t.Errorf("translateFilter() = %q, %v; want %q", got, ok, tt.want)
			}
			if diff := cmp.Diff(tt.wantArgs, b.args[1:], cmp.Comparer(func(a, b []any) bool { return fmt.Sprint(a) == fmt.Sprint(b) })); diff != "" {
				t.Errorf("arguments mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("an untranslatable filter leaves no argument", func(t *testing.T) {
		b := sqlBuilder{args: []any{"session"}}
		e := odata.And{L: parse("displayName eq 'a'"), R: odata.Func{Name: "matches", Prop: "displayName"}}
		if got, ok := translateFilter(e, flowProp, &b); ok || len(b.args) != 1 {
			t.Errorf("translateFilter() = %q, %v with %d arguments; want not ok and none added", got, ok, len(b.args)-1)
		}
	})
}
