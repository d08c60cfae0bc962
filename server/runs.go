package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/store"
	"github.com/oapi-codegen/nullable"
)

type (
	apiRun     = gen.MicrosoftGraphIndustryDataRun
	runStatus  = gen.MicrosoftGraphIndustryDataRunStatus
	publicErr  = gen.MicrosoftGraphPublicError
	runStats   = gen.MicrosoftGraphIndustryDataIndustryDataRunStatistics
	identities = gen.MicrosoftGraphIdentityCollectionResponse
)

const (
	runODataType      = "#microsoft.graph.industryData.run"
	identitiesContext = "/$metadata#Collection(microsoft.graph.identity)"
)

// runsPath is the path of the runs of a flow, under the service root.
func runsPath(flowID string) string { return flowsPath + "/" + url.PathEscape(flowID) + "/runs" }

// runsContext is the @odata.context of the runs of a flow, without the service root.
func runsContext(flowID string) string {
	return "/$metadata#industryData/dataShareOutgoingFlows('" + flowID + "')/runs"
}

// IndustryDataDataShareOutgoingFlowsListRuns lists a page of the runs of a flow.
func (h *handlers) IndustryDataDataShareOutgoingFlowsListRuns(ctx context.Context, req gen.IndustryDataDataShareOutgoingFlowsListRunsRequestObject) (gen.IndustryDataDataShareOutgoingFlowsListRunsResponseObject, error) {
	id := req.DataShareOutgoingFlowId
	l, err := parseListing(listParams(req.Params), h.runSchema)
	if err != nil {
		return nil, err
	}
	page, err := storeOf(ctx).ListRuns(ctx, id, l.query)
	if errors.Is(err, store.ErrInvalidCursor) {
		return nil, invalidSkipToken("it does not fit this order", err)
	}
	if err != nil {
		return nil, storeError(err, id, "")
	}
	root := correlationOf(ctx).serviceRoot
	body := gen.MicrosoftGraphIndustryDataRunCollectionResponse{
		OdataContext: ptr(root + runsContext(id) + selectContext(l.selected)),
		Value:        make([]apiRun, len(page.Runs)),
	}
	for i, r := range page.Runs {
		body.Value[i] = toAPIRun(r, "", l.selected)
	}
	if l.query.Count {
		body.OdataCount = ptr(int64(page.Count))
	}
	if page.Next != nil {
		body.OdataNextLink = ptr(l.nextLink(root+runsPath(id), page.Next))
	}
	resp := gen.IndustryDataDataShareOutgoingFlowsListRuns200JSONResponse{Body: body}
	if len(l.preferences) > 0 {
		resp.Headers.PreferenceApplied = ptr(joinPreferences(l.preferences))
	}
	return resp, nil
}

// IndustryDataDataShareOutgoingFlowsCreateRuns adds a run to a flow.
func (h *handlers) IndustryDataDataShareOutgoingFlowsCreateRuns(ctx context.Context, req gen.IndustryDataDataShareOutgoingFlowsCreateRunsRequestObject) (gen.IndustryDataDataShareOutgoingFlowsCreateRunsResponseObject, error) {
	id := req.DataShareOutgoingFlowId
	if err := checkText(textField{"displayName", &req.Body.DisplayName}); err != nil {
		return nil, err
	}
	r, err := fromAPIRun(req.Body, time.Now())
	if err != nil {
		return nil, err
	}
	created, err := storeOf(ctx).CreateRun(ctx, id, r)
	if err != nil {
		return nil, storeError(err, id, "")
	}
	root := correlationOf(ctx).serviceRoot
	return gen.IndustryDataDataShareOutgoingFlowsCreateRuns201JSONResponse{
		Body: toAPIRun(created, root+runsContext(id)+"/$entity", nil),
		Headers: gen.IndustryDataDataShareOutgoingFlowsCreateRuns201ResponseHeaders{
			Location: root + runsPath(id) + "/" + url.PathEscape(created.ID),
		},
	}, nil
}

// IndustryDataDataShareOutgoingFlowsGetRuns reads a run of a flow.
func (h *handlers) IndustryDataDataShareOutgoingFlowsGetRuns(ctx context.Context, req gen.IndustryDataDataShareOutgoingFlowsGetRunsRequestObject) (gen.IndustryDataDataShareOutgoingFlowsGetRunsResponseObject, error) {
	if req.Params.Expand != nil {
		return nil, unsupportedOption("$expand")
	}
	selected, err := parseSelect(req.Params.Select, h.runSchema)
	if err != nil {
		return nil, err
	}
	id, runID := req.DataShareOutgoingFlowId, req.RunId
	r, err := storeOf(ctx).GetRun(ctx, id, runID)
	if errors.Is(err, store.ErrNotFound) {
		if _, ferr := storeOf(ctx).GetFlow(ctx, id); ferr != nil {
			return nil, storeError(ferr, id, "")
		}
		return nil, &Error{Status: http.StatusNotFound, Target: "runId",
			Message: fmt.Sprintf("The run '%s' of the dataShareOutgoingFlow '%s' does not exist.", runID, id), Err: err}
	}
	if err != nil {
		return nil, err
	}
	odataContext := correlationOf(ctx).serviceRoot + runsContext(id) + selectContext(selected) + "/$entity"
	return gen.IndustryDataDataShareOutgoingFlowsGetRuns200JSONResponse{Body: toAPIRun(r, odataContext, selected)}, nil
}

// IndustryDataDataShareOutgoingFlowsGetPotentialDataShareInvitees lists the Global
// Administrators of the tenant's directory.
func (h *handlers) IndustryDataDataShareOutgoingFlowsGetPotentialDataShareInvitees(ctx context.Context, _ gen.IndustryDataDataShareOutgoingFlowsGetPotentialDataShareInviteesRequestObject) (gen.IndustryDataDataShareOutgoingFlowsGetPotentialDataShareInviteesResponseObject, error) {
	body, err := potentialInvitees(ctx)
	if err != nil {
		return nil, err
	}
	return gen.IndustryDataDataShareOutgoingFlowsGetPotentialDataShareInvitees200JSONResponse{Body: body}, nil
}

// IndustryDataDataShareOutgoingFlowsMicrosoftGraphIndustryDataGetPotentialDataShareInvitees is
// getPotentialDataShareInvitees by its qualified name.
func (h *handlers) IndustryDataDataShareOutgoingFlowsMicrosoftGraphIndustryDataGetPotentialDataShareInvitees(ctx context.Context, _ gen.IndustryDataDataShareOutgoingFlowsMicrosoftGraphIndustryDataGetPotentialDataShareInviteesRequestObject) (gen.IndustryDataDataShareOutgoingFlowsMicrosoftGraphIndustryDataGetPotentialDataShareInviteesResponseObject, error) {
	body, err := potentialInvitees(ctx)
	if err != nil {
		return nil, err
	}
	return gen.IndustryDataDataShareOutgoingFlowsMicrosoftGraphIndustryDataGetPotentialDataShareInvitees200JSONResponse{Body: body}, nil
}

func potentialInvitees(ctx context.Context) (identities, error) {
	users, err := storeOf(ctx).Directory(ctx)
	if err != nil {
		return identities{}, err
	}
	body := identities{OdataContext: ptr(correlationOf(ctx).serviceRoot + identitiesContext), Value: []gen.MicrosoftGraphIdentity{}}
	for _, u := range users {
		if u.GlobalAdministrator {
			body.Value = append(body.Value, gen.MicrosoftGraphIdentity{Id: u.ID, DisplayName: ptr(u.DisplayName)})
		}
	}
	return body, nil
}

// fromAPIRun turns the body of a create request into a run: it starts now and runs unless the
// body says otherwise, and cannot end before it starts.
func fromAPIRun(b *gen.MicrosoftGraphIndustryDataRunCreate, now time.Time) (store.Run, error) {
	r := store.Run{DisplayName: b.DisplayName, Status: string(gen.MicrosoftGraphIndustryDataRunStatusRunning), StartDateTime: now.UTC().Truncate(time.Microsecond)}
	if b.Status != nil {
		r.Status = string(*b.Status)
	}
	if b.StartDateTime != nil {
		r.StartDateTime = b.StartDateTime.UTC()
	}
	if end, err := b.EndDateTime.Get(); err == nil {
		end = end.UTC()
		if end.Before(r.StartDateTime) {
			msg := "The property 'endDateTime' must not be before 'startDateTime'."
			return store.Run{}, &Error{Status: http.StatusBadRequest, Target: "endDateTime", Message: msg,
				Details: []Detail{{Code: "invalidValue", Message: msg, Target: "endDateTime"}}}
		}
		r.EndDateTime = &end
	}
	var err error
	if r.BlockingError, err = rawOf(b.BlockingError); err != nil {
		return store.Run{}, err
	}
	if r.Statistics, err = rawOf(b.Statistics); err != nil {
		return store.Run{}, err
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"blockingError", r.BlockingError}, {"statistics", r.Statistics}} {
		if bytes.Contains(f.raw, []byte(`\u0000`)) {
			msg := fmt.Sprintf("The property '%s' must not contain the NUL character.", f.name)
			return store.Run{}, &Error{Status: http.StatusBadRequest, Target: f.name, Message: msg,
				Details: []Detail{{Code: "invalidValue", Message: msg, Target: f.name}}}
		}
	}
	return r, nil
}

// rawOf returns the JSON of a nullable value, nil when it is null or absent.
func rawOf[T any](v nullable.Nullable[T]) (json.RawMessage, error) {
	value, err := v.Get()
	if err != nil {
		return nil, nil
	}
	b, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", value, err)
	}
	return b, nil
}

// toAPIRun turns a stored run into its representation, as toAPI does for flows. Its times are
// answered in UTC, as the contract says, whatever zone a fixture gave them in.
func toAPIRun(r store.Run, entityContext string, selected []string) apiRun {
	start := r.StartDateTime.UTC()
	out := apiRun{
		OdataType:     runODataType,
		Id:            &r.ID,
		DisplayName:   &r.DisplayName,
		StartDateTime: &start,
		Status:        (*runStatus)(&r.Status),
	}
	if r.EndDateTime != nil {
		out.EndDateTime = nullable.NewNullableWithValue(r.EndDateTime.UTC())
	} else {
		out.EndDateTime = nullable.NewNullNullable[time.Time]()
	}
	out.BlockingError = nullableOf[publicErr](r.BlockingError)
	out.Statistics = nullableOf[runStats](r.Statistics)
	if entityContext != "" {
		out.OdataContext = &entityContext
	}
	if selected != nil {
		keep := func(name string) bool { return slices.Contains(selected, name) }
		if !keep("displayName") {
			out.DisplayName = nil
		}
		if !keep("startDateTime") {
			out.StartDateTime = nil
		}
		if !keep("endDateTime") {
			out.EndDateTime = nil
		}
		if !keep("status") {
			out.Status = nil
		}
		if !keep("blockingError") {
			out.BlockingError = nil
		}
		if !keep("statistics") {
			out.Statistics = nil
		}
	}
	return out
}

// nullableOf decodes stored JSON into a nullable value: null when there is none. The store
// holds only JSON that was validated as a T on its way in; JSON that would not decode reads as
// null.
func nullableOf[T any](raw json.RawMessage) nullable.Nullable[T] {
	if raw == nil {
		return nullable.NewNullNullable[T]()
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nullable.NewNullNullable[T]()
	}
	return nullable.NewNullableWithValue(v)
}
