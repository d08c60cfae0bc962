-- Version 1: sessions, the flows and runs of each session, and its directory.
--
-- Every text column is in the "C" collation: PostgreSQL then orders, compares and indexes
-- strings by their bytes, which for UTF-8 is the order of code points that the memory store
-- and odata.Eval use. Each string property that $filter can test has a *_fold twin holding its
-- odata.Fold, computed by the Go code on every write, so that a case-insensitive comparison
-- is a plain comparison of folds. DateTime properties have a *_key twin holding their
-- odata.TimeKey ('' for a null end time), which orders and compares byte-wise as Eval does.

CREATE TABLE datashare_sessions (
    name       text COLLATE "C" PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The creation order of flows, shared by every session: a flow's seq is its position in it.
CREATE SEQUENCE datashare_flow_seq AS bigint;

CREATE TABLE datashare_flows (
    session               text COLLATE "C" NOT NULL
                          REFERENCES datashare_sessions (name) ON DELETE CASCADE,
    id                    text COLLATE "C" NOT NULL,
    seq                   bigint NOT NULL DEFAULT nextval('datashare_flow_seq'),
    etag                  text COLLATE "C" NOT NULL,
    display_name          text COLLATE "C" NOT NULL,
    readiness_status      text COLLATE "C" NOT NULL,
    -- NULL when the flow was given none (a nil slice), '{}' when given an empty list.
    invitee_user_ids      text[] COLLATE "C",
    sharing_state         text COLLATE "C" NOT NULL,
    share_name            text COLLATE "C" NOT NULL,
    id_fold               text COLLATE "C" NOT NULL,
    etag_fold             text COLLATE "C" NOT NULL,
    display_name_fold     text COLLATE "C" NOT NULL,
    readiness_status_fold text COLLATE "C" NOT NULL,
    sharing_state_fold    text COLLATE "C" NOT NULL,
    share_name_fold       text COLLATE "C" NOT NULL,
    invitee_folds         text[] COLLATE "C" NOT NULL DEFAULT '{}',
    PRIMARY KEY (session, id)
);

ALTER SEQUENCE datashare_flow_seq OWNED BY datashare_flows.seq;

-- The default order of listings, and its cursors.
CREATE UNIQUE INDEX datashare_flows_session_seq ON datashare_flows (session, seq);

CREATE TABLE datashare_runs (
    session           text COLLATE "C" NOT NULL,
    flow_id           text COLLATE "C" NOT NULL,
    id                text COLLATE "C" NOT NULL,
    display_name      text COLLATE "C" NOT NULL,
    status            text COLLATE "C" NOT NULL,
    start_time        timestamptz NOT NULL,
    end_time          timestamptz,
    blocking_error    jsonb,
    statistics        jsonb,
    id_fold           text COLLATE "C" NOT NULL,
    display_name_fold text COLLATE "C" NOT NULL,
    status_fold       text COLLATE "C" NOT NULL,
    start_key         text COLLATE "C" NOT NULL,
    -- '' while the run runs (end_time NULL), as store.Run.Property gives a null end time.
    end_key           text COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (session, flow_id, id),
    FOREIGN KEY (session, flow_id) REFERENCES datashare_flows (session, id) ON DELETE CASCADE,
    CHECK ((end_time IS NULL) = (end_key = ''))
);

-- The default order of the runs of a flow: by start time, then id.
CREATE INDEX datashare_runs_start ON datashare_runs (session, flow_id, start_key, id);

CREATE TABLE datashare_directory (
    session              text COLLATE "C" NOT NULL
                         REFERENCES datashare_sessions (name) ON DELETE CASCADE,
    position             integer NOT NULL,
    id                   text NOT NULL,
    display_name         text NOT NULL,
    global_administrator boolean NOT NULL,
    PRIMARY KEY (session, position)
);
