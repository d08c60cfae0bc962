package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/datashare/datashare/server/store"
)

// flowRecord is a flow as the file keeps it, in the "flows" bucket.
type flowRecord struct {
	Seq             uint64   `json:"seq"`
	ID              string   `json:"id"`
	ETag            string   `json:"eTag"`
	DisplayName     string   `json:"displayName"`
	ReadinessStatus string   `json:"readinessStatus"`
	InviteeUserIDs  []string `json:"inviteeUserIds"` // null for nil, as nil and empty differ
	SharingState    string   `json:"sharingState"`
	ShareName       string   `json:"shareName"`
}

func encodeFlow(f store.Flow, seq uint64) ([]byte, error) {
	data, err := json.Marshal(flowRecord{
		Seq: seq, ID: f.ID, ETag: f.ETag, DisplayName: f.DisplayName,
		ReadinessStatus: f.ReadinessStatus, InviteeUserIDs: f.InviteeUserIDs,
		SharingState: f.SharingState, ShareName: f.ShareName,
	})
	if err != nil {
		return nil, fmt.Errorf("encoding flow %q: %w", f.ID, err)
	}
	return data, nil
}

// decodeFlow returns the flow data encodes and its creation sequence. The flow shares no
// memory with data.
func decodeFlow(data []byte) (store.Flow, uint64, error) {
	var r flowRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return store.Flow{}, 0, fmt.Errorf("decoding flow: %w", err)
	}
	return store.Flow{
		ID: r.ID, ETag: r.ETag, DisplayName: r.DisplayName, ReadinessStatus: r.ReadinessStatus,
		InviteeUserIDs: r.InviteeUserIDs, SharingState: r.SharingState, ShareName: r.ShareName,
	}, r.Seq, nil
}

// runRecord is a run as the file keeps it, in the "runs" bucket.
type runRecord struct {
	ID            string          `json:"id"`
	FlowID        string          `json:"flowId"`
	DisplayName   string          `json:"displayName"`
	Status        string          `json:"status"`
	StartDateTime string          `json:"startDateTime"`
	EndDateTime   *string         `json:"endDateTime,omitempty"`
	BlockingError json.RawMessage `json:"blockingError,omitempty"` // absent for nil
	Statistics    json.RawMessage `json:"statistics,omitempty"`
}

func encodeRun(r store.Run) ([]byte, error) {
	rec := runRecord{
		ID: r.ID, FlowID: r.FlowID, DisplayName: r.DisplayName, Status: r.Status,
		BlockingError: r.BlockingError, Statistics: r.Statistics,
	}
	var err error
	if rec.StartDateTime, err = formatTime(r.StartDateTime); err != nil {
		return nil, fmt.Errorf("encoding run %q: startDateTime: %w", r.ID, err)
	}
	if r.EndDateTime != nil {
		end, err := formatTime(*r.EndDateTime)
		if err != nil {
			return nil, fmt.Errorf("encoding run %q: endDateTime: %w", r.ID, err)
		}
		rec.EndDateTime = &end
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encoding run %q: %w", r.ID, err)
	}
	return data, nil
}

// decodeRun returns the run data encodes, its times in UTC. The run shares no memory with
// data.
func decodeRun(data []byte) (store.Run, error) {
	var rec runRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return store.Run{}, fmt.Errorf("decoding run: %w", err)
	}
	r := store.Run{
		ID: rec.ID, FlowID: rec.FlowID, DisplayName: rec.DisplayName, Status: rec.Status,
		BlockingError: rec.BlockingError, Statistics: rec.Statistics,
	}
	var err error
	if r.StartDateTime, err = time.Parse(time.RFC3339Nano, rec.StartDateTime); err != nil {
		return store.Run{}, fmt.Errorf("decoding run %q: startDateTime: %w", rec.ID, err)
	}
	if rec.EndDateTime != nil {
		end, err := time.Parse(time.RFC3339Nano, *rec.EndDateTime)
		if err != nil {
			return store.Run{}, fmt.Errorf("decoding run %q: endDateTime: %w", rec.ID, err)
		}
		r.EndDateTime = &end
	}
	return r, nil
}

// formatTime returns t as RFC 3339 in UTC, to the nanosecond. Years past 9999 (or before 0)
// have no RFC 3339 form that parses back.
func formatTime(t time.Time) (string, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("time %v: year outside 0 to 9999", t)
	}
	return t.Format(time.RFC3339Nano), nil
}

// userRecord is a user of the directory as the file keeps it.
type userRecord struct {
	ID                  string `json:"id"`
	DisplayName         string `json:"displayName"`
	GlobalAdministrator bool   `json:"globalAdministrator"`
}

func encodeDirectory(users []store.User) ([]byte, error) {
	var recs []userRecord // null for nil
	if users != nil {
		recs = make([]userRecord, len(users))
	}
	for i, u := range users {
		recs[i] = userRecord(u)
	}
	data, err := json.Marshal(recs)
	if err != nil {
		return nil, fmt.Errorf("encoding directory: %w", err)
	}
	return data, nil
}

// decodeDirectory returns the users data encodes; none for no data.
func decodeDirectory(data []byte) ([]store.User, error) {
	if data == nil {
		return nil, nil
	}
	var recs []userRecord
	if err := json.Unmarshal(data, &recs); err != nil {
		return nil, fmt.Errorf("decoding directory: %w", err)
	}
	if recs == nil {
		return nil, nil
	}
	users := make([]store.User, len(recs))
	for i, r := range recs {
		users[i] = store.User(r)
	}
	return users, nil
}

// seqKey returns the key of a creation sequence in the "order" bucket: 8 bytes big-endian,
// whose byte order is the numeric order.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// runPrefix returns the prefix of the keys of the runs of a flow in the "runs" bucket: the
// length of the flow id as a uvarint, then the id. No prefix of a flow is a prefix of another's.
func runPrefix(flowID string) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(flowID))), flowID...)
}

// runKey returns the key of a run in the "runs" bucket.
func runKey(flowID, runID string) []byte { return append(runPrefix(flowID), runID...) }
