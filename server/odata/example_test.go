package odata_test

import (
	"fmt"
	"time"

	"github.com/datashare/datashare/server/odata"
)

// flow is a Record of a dataShareOutgoingFlow.
type flow struct {
	displayName string
	invitees    []string
}

func (f flow) String(prop string) string {
	if prop == "displayName" {
		return f.displayName
	}
	return ""
}

func (f flow) Strings(prop string) []string {
	if prop == "inviteeUserIds" {
		return f.invitees
	}
	return nil
}

func Example() {
	schema := odata.Schema{"displayName": odata.String, "inviteeUserIds": odata.StringCollection}
	e, err := odata.ParseFilter("startswith(displayName,'contoso') and inviteeUserIds/any(u:u eq 'A1')", schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(odata.Format(e))
	fmt.Println(odata.Eval(e, flow{displayName: "Contoso records", invitees: []string{"a1"}}))
	fmt.Println(odata.Eval(e, flow{displayName: "Contoso records"}))

	_, err = odata.ParseFilter("displayName qe 'x'", schema)
	fmt.Println(err)
	// Output:
	// startswith(displayName, 'contoso') and inviteeUserIds/any(u: u eq 'A1')
	// true
	// false
	// $filter: syntax error at position 13 near 'qe': expected an operator such as eq, ne, gt
}

// run is a Record with a DateTime property, startDateTime, which may be null.
type run struct {
	start *time.Time
}

func (r run) String(prop string) string {
	if prop == "startDateTime" && r.start != nil {
		return odata.TimeKey(*r.start)
	}
	return "" // null
}

func (r run) Strings(string) []string { return nil }

func ExampleTimeKey() {
	schema := odata.Schema{"startDateTime": odata.DateTime}
	e, err := odata.ParseFilter("startDateTime ge 2026-01-01T00:00:00.5+01:00", schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(odata.Format(e))

	start := time.Date(2026, 1, 1, 2, 0, 0, 0, time.FixedZone("EET", 2*60*60))
	fmt.Println(odata.TimeKey(start))
	fmt.Println(odata.Eval(e, run{start: &start}))
	fmt.Println(odata.Eval(e, run{}))
	// Output:
	// startDateTime ge 2025-12-31T23:00:00.5Z
	// 2026-01-01T00:00:00.000000000Z
	// true
	// false
}
