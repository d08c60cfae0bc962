package odata_test

import (
	"fmt"

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
