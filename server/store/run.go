package store

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/datashare/datashare/server/odata"
)

// Run is a stored run of a flow.
type Run struct {
	ID            string
	FlowID        string
	DisplayName   string
	Status        string
	StartDateTime time.Time
	// EndDateTime is nil while the run runs.
	EndDateTime *time.Time
	// BlockingError and Statistics are kept as the JSON the contract gives them (a
	// publicError and an industryDataRunStatistics); nil means null.
	BlockingError json.RawMessage
	Statistics    json.RawMessage
}

// Clone returns a copy of r that shares no memory with it.
func (r Run) Clone() Run {
	if r.EndDateTime != nil {
		end := *r.EndDateTime
		r.EndDateTime = &end
	}
	r.BlockingError = slices.Clone(r.BlockingError)
	r.Statistics = slices.Clone(r.Statistics)
	return r
}

// RunSchema returns the properties of a run that $filter, $orderby and $select may name.
func RunSchema() odata.Schema {
	return odata.Schema{
		"id":            odata.String,
		"displayName":   odata.String,
		"status":        odata.String,
		"startDateTime": odata.DateTime,
		"endDateTime":   odata.DateTime,
	}
}

// Property returns the value of the property of r with that name, "" if there is none (or it is
// null); times in their odata.TimeKey form.
func (r Run) Property(name string) string {
	switch name {
	case "id":
		return r.ID
	case "displayName":
		return r.DisplayName
	case "status":
		return r.Status
	case "startDateTime":
		return odata.TimeKey(r.StartDateTime)
	case "endDateTime":
		if r.EndDateTime == nil {
			return ""
		}
		return odata.TimeKey(*r.EndDateTime)
	}
	return ""
}

// RunPage is one page of a listing of runs.
type RunPage struct {
	Runs  []Run
	Next  *Cursor
	Count int
}

// defaultRunOrder is the order of runs when a query names none: by start time.
func defaultRunOrder() []odata.OrderItem { return []odata.OrderItem{{Prop: "startDateTime"}} }

// User is a user of the tenant's directory.
type User struct {
	ID                  string
	DisplayName         string
	GlobalAdministrator bool
}

// Fixture is a whole state to load into a store: flows with their runs, and the directory.
type Fixture struct {
	Flows     []FixtureFlow
	Directory []User
}

// FixtureFlow is a flow of a fixture with its runs. An empty ID is assigned; the eTag always is.
type FixtureFlow struct {
	Flow
	Runs []Run
}
