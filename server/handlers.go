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
	"strings"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/odata"
	"github.com/datashare/datashare/server/store"
)

// Short names for the generated types of the resource.
type (
	apiFlow        = gen.MicrosoftGraphIndustryDataDataShareOutgoingFlow
	readiness      = gen.MicrosoftGraphIndustryDataReadinessStatus
	sharingState   = gen.MicrosoftGraphIndustryDataDataShareSharingState
	flowCollection = gen.MicrosoftGraphIndustryDataDataShareOutgoingFlowCollectionResponse
)

const (
	odataType     = gen.HashMicrosoftGraphIndustryDataDataShareOutgoingFlow
	flowsPath     = "/industryData/dataShareOutgoingFlows"
	flowsContext  = "/$metadata#industryData/dataShareOutgoingFlows"
	entityContext = flowsContext + "/$entity"
)

// handlers implements the operations of the contract on the store of each request's session.
type handlers struct {
	schema    odata.Schema // of flows
	runSchema odata.Schema
}

var _ gen.StrictServerInterface = (*handlers)(nil)

// IndustryDataListDataShareOutgoingFlows lists a page of flows.
func (h *handlers) IndustryDataListDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataListDataShareOutgoingFlowsRequestObject) (gen.IndustryDataListDataShareOutgoingFlowsResponseObject, error) {
	l, err := parseListing(req.Params, h.schema)
	if err != nil {
		return nil, err
	}
	page, err := storeOf(ctx).ListFlows(ctx, l.query)
	if errors.Is(err, store.ErrInvalidCursor) {
		return nil, invalidSkipToken("it does not fit this order", err)
	}
	if err != nil {
		return nil, err
	}
	root := correlationOf(ctx).serviceRoot
	body := flowCollection{
		OdataContext: ptr(root + flowsContext + selectContext(l.selected)),
		Value:        make([]apiFlow, len(page.Flows)),
	}
	for i, f := range page.Flows {
		body.Value[i] = toAPI(f, "", l.selected)
	}
	if l.query.Count {
		body.OdataCount = ptr(int64(page.Count))
	}
	if page.Next != nil {
		body.OdataNextLink = ptr(l.nextLink(root+flowsPath, page.Next))
	}
	resp := listResponse{Body: body}
	if len(l.preferences) > 0 {
		resp.Headers.PreferenceApplied = ptr(joinPreferences(l.preferences))
	}
	return resp, nil
}

// listResponse is the generated 200 answer of List, written without escaping "&" as \u0026
// in @odata.nextLink: the bytes are then those Graph sends.
type listResponse gen.IndustryDataListDataShareOutgoingFlows200JSONResponse

// VisitIndustryDataListDataShareOutgoingFlowsResponse implements the generated response interface.
func (r listResponse) VisitIndustryDataListDataShareOutgoingFlowsResponse(w http.ResponseWriter) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Body); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Headers.PreferenceApplied != nil {
		w.Header().Set("Preference-Applied", *r.Headers.PreferenceApplied)
	}
	w.WriteHeader(http.StatusOK)
	_, err := buf.WriteTo(w)
	return err
}

// IndustryDataDataShareOutgoingFlowsGetCount counts the flows $filter keeps.
func (h *handlers) IndustryDataDataShareOutgoingFlowsGetCount(ctx context.Context, req gen.IndustryDataDataShareOutgoingFlowsGetCountRequestObject) (gen.IndustryDataDataShareOutgoingFlowsGetCountResponseObject, error) {
	if req.Params.Search != nil {
		return nil, unsupportedOption("$search")
	}
	q := store.Query{Count: true}
	if req.Params.Filter != nil {
		expr, err := odata.ParseFilter(*req.Params.Filter, h.schema)
		if err != nil {
			return nil, queryOptionError(err)
		}
		q.Filter = expr
	}
	page, err := storeOf(ctx).ListFlows(ctx, q)
	if err != nil {
		return nil, err
	}
	return gen.IndustryDataDataShareOutgoingFlowsGetCount200TextResponse{Body: int64(page.Count)}, nil
}

// IndustryDataCreateDataShareOutgoingFlows creates a flow.
func (h *handlers) IndustryDataCreateDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataCreateDataShareOutgoingFlowsRequestObject) (gen.IndustryDataCreateDataShareOutgoingFlowsResponseObject, error) {
	b := req.Body
	if err := checkText(textField{"displayName", &b.DisplayName}, textField{"shareName", &b.ShareName}); err != nil {
		return nil, err
	}
	if err := checkInvitees(ctx, b.InviteeUserIds); err != nil {
		return nil, err
	}
	created, err := storeOf(ctx).CreateFlow(ctx, store.Flow{
		DisplayName:     b.DisplayName,
		ReadinessStatus: string(b.ReadinessStatus),
		InviteeUserIDs:  b.InviteeUserIds,
		SharingState:    string(b.SharingState),
		ShareName:       b.ShareName,
	})
	if err != nil {
		return nil, err
	}
	root := correlationOf(ctx).serviceRoot
	return gen.IndustryDataCreateDataShareOutgoingFlows201JSONResponse{
		Body: toAPI(created, root+entityContext, nil),
		Headers: gen.IndustryDataCreateDataShareOutgoingFlows201ResponseHeaders{
			ETag:     quoteETag(created.ETag),
			Location: root + flowsPath + "/" + url.PathEscape(created.ID),
		},
	}, nil
}

// IndustryDataGetDataShareOutgoingFlows reads a flow, or answers 304 if the client has it.
func (h *handlers) IndustryDataGetDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataGetDataShareOutgoingFlowsRequestObject) (gen.IndustryDataGetDataShareOutgoingFlowsResponseObject, error) {
	p := req.Params
	if p.Expand != nil {
		return nil, unsupportedOption("$expand")
	}
	selected, err := parseSelect(p.Select, h.schema)
	if err != nil {
		return nil, err
	}
	f, err := storeOf(ctx).GetFlow(ctx, req.DataShareOutgoingFlowId)
	if err != nil {
		return nil, storeError(err, req.DataShareOutgoingFlowId, "")
	}
	if tags := entityTags(p.IfNoneMatch); tags != nil && noneMatch(tags, f.ETag) {
		return gen.IndustryDataGetDataShareOutgoingFlows304Response{
			Headers: gen.IndustryDataGetDataShareOutgoingFlows304ResponseHeaders{ETag: quoteETag(f.ETag)},
		}, nil
	}
	odataContext := correlationOf(ctx).serviceRoot + flowsContext + selectContext(selected) + "/$entity"
	return gen.IndustryDataGetDataShareOutgoingFlows200JSONResponse{
		Body:    toAPI(f, odataContext, selected),
		Headers: gen.IndustryDataGetDataShareOutgoingFlows200ResponseHeaders{ETag: quoteETag(f.ETag)},
	}, nil
}

// IndustryDataUpdateDataShareOutgoingFlows merges the properties sent into a flow, under the
// preconditions of If-Match and of the eTag of the body.
func (h *handlers) IndustryDataUpdateDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataUpdateDataShareOutgoingFlowsRequestObject) (gen.IndustryDataUpdateDataShareOutgoingFlowsResponseObject, error) {
	id := req.DataShareOutgoingFlowId
	var bodyETag *string
	if req.Body != nil {
		bodyETag = req.Body.ETag
		if err := checkText(textField{"displayName", req.Body.DisplayName}, textField{"shareName", req.Body.ShareName}); err != nil {
			return nil, err
		}
		if req.Body.InviteeUserIds != nil {
			if err := checkInvitees(ctx, *req.Body.InviteeUserIds); err != nil {
				return nil, err
			}
		}
	}
	target := "If-Match"
	if req.Params.IfMatch == nil {
		target = "eTag"
	}
	ifMatch, satisfiable := updatePrecondition(entityTags(req.Params.IfMatch), bodyETag)
	if !satisfiable {
		// No eTag can meet both conditions: 412, once the flow is known to exist.
		if _, err := storeOf(ctx).GetFlow(ctx, id); err != nil {
			return nil, storeError(err, id, target)
		}
		return nil, preconditionFailed(id, target, nil)
	}
	f, err := storeOf(ctx).UpdateFlow(ctx, id, toPatch(req.Body), ifMatch)
	if err != nil {
		return nil, storeError(err, id, target)
	}
	switch parsePreferences(req.Params.Prefer).returnPreference() {
	case "minimal":
		return gen.IndustryDataUpdateDataShareOutgoingFlows204Response{
			Headers: gen.IndustryDataUpdateDataShareOutgoingFlows204ResponseHeaders{
				ETag: quoteETag(f.ETag), PreferenceApplied: ptr("return=minimal"),
			},
		}, nil
	case "representation":
		return gen.IndustryDataUpdateDataShareOutgoingFlows200JSONResponse{
			Body: toAPI(f, correlationOf(ctx).serviceRoot+entityContext, nil),
			Headers: gen.IndustryDataUpdateDataShareOutgoingFlows200ResponseHeaders{
				ETag: quoteETag(f.ETag), PreferenceApplied: ptr("return=representation"),
			},
		}, nil
	}
	return gen.IndustryDataUpdateDataShareOutgoingFlows200JSONResponse{
		Body:    toAPI(f, correlationOf(ctx).serviceRoot+entityContext, nil),
		Headers: gen.IndustryDataUpdateDataShareOutgoingFlows200ResponseHeaders{ETag: quoteETag(f.ETag)},
	}, nil
}

// IndustryDataDeleteDataShareOutgoingFlows deletes a flow, under the precondition of If-Match.
func (h *handlers) IndustryDataDeleteDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataDeleteDataShareOutgoingFlowsRequestObject) (gen.IndustryDataDeleteDataShareOutgoingFlowsResponseObject, error) {
	id := req.DataShareOutgoingFlowId
	if err := storeOf(ctx).DeleteFlow(ctx, id, entityTags(req.Params.IfMatch)); err != nil {
		return nil, storeError(err, id, "If-Match")
	}
	return gen.IndustryDataDeleteDataShareOutgoingFlows204Response{}, nil
}

// textField is a text property of a request body: its name, and its value (nil when absent).
type textField struct {
	name  string
	value *string
}

// checkText refuses text properties that hold the NUL character: no store can keep it
// (PostgreSQL text cannot), and no client means it.
func checkText(fields ...textField) error {
	ge := &Error{Status: http.StatusBadRequest}
	for _, f := range fields {
		if f.value != nil && strings.ContainsRune(*f.value, 0) {
			msg := fmt.Sprintf("The property '%s' must not contain the NUL character.", f.name)
			ge.Details = append(ge.Details, Detail{Code: "invalidValue", Message: msg, Target: f.name})
		}
	}
	if len(ge.Details) == 0 {
		return nil
	}
	ge.Message, ge.Target = ge.Details[0].Message, ge.Details[0].Target
	return ge
}

// checkInvitees refuses invitees that are not Global Administrators of the tenant's
// directory, when the session has one (a fixture loaded it).
func checkInvitees(ctx context.Context, invitees []string) error {
	users, err := storeOf(ctx).Directory(ctx)
	if err != nil || len(users) == 0 {
		return err
	}
	admins := make(map[string]bool, len(users))
	for _, u := range users {
		if u.GlobalAdministrator {
			admins[strings.ToLower(u.ID)] = true
		}
	}
	ge := &Error{Status: http.StatusBadRequest}
	for i, id := range invitees {
		if !admins[strings.ToLower(id)] {
			msg := fmt.Sprintf("The user '%s' is not a Global Administrator of the tenant: only they can be invited to accept a share.", id)
			ge.Details = append(ge.Details, Detail{Code: "invalidValue", Message: msg, Target: fmt.Sprintf("inviteeUserIds/%d", i)})
		}
	}
	if len(ge.Details) == 0 {
		return nil
	}
	ge.Message, ge.Target = ge.Details[0].Message, ge.Details[0].Target
	return ge
}

// storeError names the flow in the errors of the store that the client can act on; target is
// what carried a failed precondition.
func storeError(err error, id, target string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Target: "dataShareOutgoingFlowId",
			Message: fmt.Sprintf("The dataShareOutgoingFlow '%s' does not exist.", id), Err: err}
	case errors.Is(err, store.ErrPreconditionFailed):
		return preconditionFailed(id, target, err)
	}
	return err
}

// toAPI turns a stored flow into its representation; entityContext is its @odata.context, if
// any; selected, when not nil, lists the properties to return besides @odata.type and id. The
// representation points into its own copy of f.
func toAPI(f store.Flow, entityContext string, selected []string) apiFlow {
	out := apiFlow{
		OdataType:       odataType,
		Id:              &f.ID,
		ETag:            &f.ETag,
		DisplayName:     &f.DisplayName,
		ReadinessStatus: (*readiness)(&f.ReadinessStatus),
		InviteeUserIds:  &f.InviteeUserIDs,
		SharingState:    (*sharingState)(&f.SharingState),
		ShareName:       &f.ShareName,
	}
	if entityContext != "" {
		out.OdataContext = &entityContext
	}
	if selected != nil {
		keep := func(name string) bool { return slices.Contains(selected, name) }
		if !keep("eTag") {
			out.ETag = nil
		}
		if !keep("displayName") {
			out.DisplayName = nil
		}
		if !keep("readinessStatus") {
			out.ReadinessStatus = nil
		}
		if !keep("inviteeUserIds") {
			out.InviteeUserIds = nil
		}
		if !keep("sharingState") {
			out.SharingState = nil
		}
		if !keep("shareName") {
			out.ShareName = nil
		}
	}
	return out
}

// toPatch turns an update body into a store patch. unknownFutureValue is Graph's evolvable-enum
// placeholder: a property set to it is treated as absent.
func toPatch(b *gen.MicrosoftGraphIndustryDataDataShareOutgoingFlowUpdate) store.Patch {
	var p store.Patch
	if b == nil {
		return p
	}
	p.DisplayName = b.DisplayName
	p.ShareName = b.ShareName
	if b.ReadinessStatus != nil && *b.ReadinessStatus != gen.MicrosoftGraphIndustryDataReadinessStatusUnknownFutureValue {
		p.ReadinessStatus = ptr(string(*b.ReadinessStatus))
	}
	if b.SharingState != nil && *b.SharingState != gen.MicrosoftGraphIndustryDataDataShareSharingStateUnknownFutureValue {
		p.SharingState = ptr(string(*b.SharingState))
	}
	if b.InviteeUserIds != nil {
		p.InviteeUserIDs = *b.InviteeUserIds
	}
	return p
}

// quoteETag returns the ETag header of an eTag: the eTag as a quoted string.
func quoteETag(etag string) string { return `"` + etag + `"` }

func ptr[T any](v T) *T { return &v }
