package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server/store"
	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"
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

// handlers implements the operations of the contract on a store.
type handlers struct {
	store store.Store
}

var _ gen.StrictServerInterface = (*handlers)(nil)

// IndustryDataListDataShareOutgoingFlows lists the flows.
func (h *handlers) IndustryDataListDataShareOutgoingFlows(ctx context.Context, _ gen.IndustryDataListDataShareOutgoingFlowsRequestObject) (gen.IndustryDataListDataShareOutgoingFlowsResponseObject, error) {
	flows, err := h.store.ListFlows(ctx)
	if err != nil {
		return nil, err
	}
	root := correlationOf(ctx).serviceRoot
	body := flowCollection{OdataContext: ptr(root + flowsContext), Value: make([]apiFlow, len(flows))}
	for i, f := range flows {
		body.Value[i] = toAPI(f, "")
	}
	return gen.IndustryDataListDataShareOutgoingFlows200JSONResponse{Body: body}, nil
}

// IndustryDataCreateDataShareOutgoingFlows creates a flow.
func (h *handlers) IndustryDataCreateDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataCreateDataShareOutgoingFlowsRequestObject) (gen.IndustryDataCreateDataShareOutgoingFlowsResponseObject, error) {
	b := req.Body
	created, err := h.store.CreateFlow(ctx, store.Flow{
		DisplayName:     b.DisplayName,
		ReadinessStatus: string(b.ReadinessStatus),
		InviteeUserIDs:  uuidStrings(b.InviteeUserIds),
		SharingState:    string(b.SharingState),
		ShareName:       b.ShareName,
	})
	if err != nil {
		return nil, err
	}
	root := correlationOf(ctx).serviceRoot
	return gen.IndustryDataCreateDataShareOutgoingFlows201JSONResponse{
		Body: toAPI(created, root+entityContext),
		Headers: gen.IndustryDataCreateDataShareOutgoingFlows201ResponseHeaders{
			ETag:     quoteETag(created.ETag),
			Location: root + flowsPath + "/" + url.PathEscape(created.ID),
		},
	}, nil
}

// IndustryDataGetDataShareOutgoingFlows reads a flow.
func (h *handlers) IndustryDataGetDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataGetDataShareOutgoingFlowsRequestObject) (gen.IndustryDataGetDataShareOutgoingFlowsResponseObject, error) {
	f, err := h.store.GetFlow(ctx, req.DataShareOutgoingFlowId)
	if err != nil {
		return nil, storeError(err, req.DataShareOutgoingFlowId)
	}
	return gen.IndustryDataGetDataShareOutgoingFlows200JSONResponse{
		Body:    toAPI(f, correlationOf(ctx).serviceRoot+entityContext),
		Headers: gen.IndustryDataGetDataShareOutgoingFlows200ResponseHeaders{ETag: quoteETag(f.ETag)},
	}, nil
}

// IndustryDataUpdateDataShareOutgoingFlows merges the properties sent into a flow.
func (h *handlers) IndustryDataUpdateDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataUpdateDataShareOutgoingFlowsRequestObject) (gen.IndustryDataUpdateDataShareOutgoingFlowsResponseObject, error) {
	f, err := h.store.UpdateFlow(ctx, req.DataShareOutgoingFlowId, toPatch(req.Body), "")
	if err != nil {
		return nil, storeError(err, req.DataShareOutgoingFlowId)
	}
	return gen.IndustryDataUpdateDataShareOutgoingFlows200JSONResponse{
		Body:    toAPI(f, correlationOf(ctx).serviceRoot+entityContext),
		Headers: gen.IndustryDataUpdateDataShareOutgoingFlows200ResponseHeaders{ETag: quoteETag(f.ETag)},
	}, nil
}

// IndustryDataDeleteDataShareOutgoingFlows deletes a flow.
func (h *handlers) IndustryDataDeleteDataShareOutgoingFlows(ctx context.Context, req gen.IndustryDataDeleteDataShareOutgoingFlowsRequestObject) (gen.IndustryDataDeleteDataShareOutgoingFlowsResponseObject, error) {
	if err := h.store.DeleteFlow(ctx, req.DataShareOutgoingFlowId, ""); err != nil {
		return nil, storeError(err, req.DataShareOutgoingFlowId)
	}
	return gen.IndustryDataDeleteDataShareOutgoingFlows204Response{}, nil
}

// storeError names the flow in the errors of the store that the client can act on.
func storeError(err error, id string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Target: "dataShareOutgoingFlowId",
			Message: fmt.Sprintf("The dataShareOutgoingFlow '%s' does not exist.", id), Err: err}
	case errors.Is(err, store.ErrPreconditionFailed):
		return &Error{Status: http.StatusPreconditionFailed,
			Message: fmt.Sprintf("The dataShareOutgoingFlow '%s' has been modified: its eTag is not the one given.", id), Err: err}
	}
	return err
}

// toAPI turns a stored flow into its representation; context is its @odata.context, if any.
func toAPI(f store.Flow, context string) apiFlow {
	invitees := make([]openapi_types.UUID, 0, len(f.InviteeUserIDs))
	for _, id := range f.InviteeUserIDs {
		u, err := uuid.Parse(id)
		if err != nil {
			continue
		}
		invitees = append(invitees, u)
	}
	out := apiFlow{
		OdataType:       odataType,
		Id:              ptr(f.ID),
		ETag:            ptr(f.ETag),
		DisplayName:     ptr(f.DisplayName),
		ReadinessStatus: ptr(readiness(f.ReadinessStatus)),
		InviteeUserIds:  &invitees,
		SharingState:    ptr(sharingState(f.SharingState)),
		ShareName:       ptr(f.ShareName),
	}
	if context != "" {
		out.OdataContext = &context
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
		p.InviteeUserIDs = uuidStrings(*b.InviteeUserIds)
	}
	return p
}

func uuidStrings(ids []openapi_types.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// quoteETag returns the ETag header of an eTag: the eTag as a quoted string.
func quoteETag(etag string) string { return `"` + etag + `"` }

func ptr[T any](v T) *T { return &v }
