package store

import (
	"cmp"
	"strings"

	"github.com/datashare/datashare/server/odata"
)

// FlowSchema returns the properties of a flow that $filter, $orderby and $select may name.
func FlowSchema() odata.Schema {
	return odata.Schema{
		"id":              odata.String,
		"eTag":            odata.String,
		"displayName":     odata.String,
		"readinessStatus": odata.String,
		"sharingState":    odata.String,
		"shareName":       odata.String,
		"inviteeUserIds":  odata.StringCollection,
	}
}

// Property returns the value of the string property of f with that name, "" if there is none.
func (f Flow) Property(name string) string {
	switch name {
	case "id":
		return f.ID
	case "eTag":
		return f.ETag
	case "displayName":
		return f.DisplayName
	case "readinessStatus":
		return f.ReadinessStatus
	case "sharingState":
		return f.SharingState
	case "shareName":
		return f.ShareName
	}
	return ""
}

// record gives the properties of a flow to odata.Eval.
type flowRecord struct{ f *Flow }

func (r flowRecord) String(prop string) string { return r.f.Property(prop) }

func (r flowRecord) Strings(prop string) []string {
	if prop == "inviteeUserIds" {
		return r.f.InviteeUserIDs
	}
	return nil
}

// Matches reports whether the filter keeps f; a nil filter keeps every flow.
func Matches(filter odata.Expr, f *Flow) bool {
	return filter == nil || odata.Eval(filter, flowRecord{f})
}

// SortKeys returns the values f has for the keys of an order: the properties, then id. The
// default order (none) is by creation, which only the store knows: seq is its position.
func SortKeys(order []odata.OrderItem, f *Flow, seq string) []string {
	if len(order) == 0 {
		return []string{seq}
	}
	keys := make([]string, 0, len(order)+1)
	for _, o := range order {
		keys = append(keys, f.Property(o.Prop))
	}
	return append(keys, f.ID)
}

// CompareKeys compares sort keys a and b of an order, as the order sorts them: by code point,
// each key ascending or descending as the order says, id last and ascending.
func CompareKeys(order []odata.OrderItem, a, b []string) int {
	for i := range min(len(a), len(b)) {
		c := strings.Compare(a[i], b[i])
		if i < len(order) && order[i].Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// runRecord gives the properties of a run to odata.Eval.
type runRecord struct{ r *Run }

func (r runRecord) String(prop string) string { return r.r.Property(prop) }
func (r runRecord) Strings(string) []string   { return nil }

// MatchesRun reports whether the filter keeps r; a nil filter keeps every run.
func MatchesRun(filter odata.Expr, r *Run) bool {
	return filter == nil || odata.Eval(filter, runRecord{r})
}

// RunSortKeys returns the values r has for the keys of an order, then its id.
func RunSortKeys(order []odata.OrderItem, r *Run) []string {
	keys := make([]string, 0, len(order)+1)
	for _, o := range order {
		keys = append(keys, r.Property(o.Prop))
	}
	return append(keys, r.ID)
}
