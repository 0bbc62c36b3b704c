-- Loom's schema: the one source of truth (DESIGN.md). Names keep the seed's vocabulary.

CREATE TABLE users (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    -- SHA-256 of the API token; the token itself is never stored.
    token_hash  bytea NOT NULL UNIQUE,
    is_admin    boolean NOT NULL DEFAULT false,
    -- Credits available now: reservations of running jobs are already taken out.
    credits     bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workflows (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    nodes       jsonb NOT NULL DEFAULT '[]',
    edges       jsonb NOT NULL DEFAULT '[]',
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflows_user ON workflows (user_id, created_at DESC);

-- An immutable copy of a workflow taken when it is executed.
CREATE TABLE workflow_snapshots (
    id                uuid PRIMARY KEY,
    workflow_id       uuid REFERENCES workflows (id) ON DELETE SET NULL,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workflow_version  integer NOT NULL,
    nodes             jsonb NOT NULL,
    edges             jsonb NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE datasets (
    id            uuid PRIMARY KEY,
    user_id       uuid REFERENCES users (id) ON DELETE CASCADE,  -- NULL for bundled samples
    name          text NOT NULL,
    status        text NOT NULL DEFAULT 'uploading'
                  CHECK (status IN ('uploading', 'ingesting', 'ready', 'failed')),
    profile       jsonb,
    row_count     bigint,
    column_count  integer,
    byte_count    bigint NOT NULL DEFAULT 0,
    content_hash  bytea,
    error_message text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX datasets_user ON datasets (user_id, created_at DESC);

-- The uploaded CSV, stored in parts as it streams in.
CREATE TABLE dataset_uploads (
    dataset_id  uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    part        integer NOT NULL,
    bytes       bytea NOT NULL,
    PRIMARY KEY (dataset_id, part)
);

-- Columnar chunks (proto/CHUNKS.md) produced by ingestion.
CREATE TABLE dataset_chunks (
    dataset_id    uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    chunk_index   integer NOT NULL,
    row_count     integer NOT NULL,
    content_hash  bytea NOT NULL,
    bytes         bytea NOT NULL,
    PRIMARY KEY (dataset_id, chunk_index)
);
CREATE INDEX dataset_chunks_hash ON dataset_chunks (content_hash);

CREATE TABLE workers (
    instance_id        uuid PRIMARY KEY,  -- new at every worker process start
    name               text NOT NULL,
    host               text NOT NULL,
    capacity           integer NOT NULL CHECK (capacity > 0),
    labels             jsonb NOT NULL DEFAULT '{}',
    state              text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'draining', 'gone')),
    connected_at       timestamptz NOT NULL DEFAULT now(),
    last_heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

-- Fencing tokens: every lease of every job takes the next number.
CREATE SEQUENCE lease_tokens AS bigint;

CREATE TABLE jobs (
    id                    uuid PRIMARY KEY,
    user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind                  text NOT NULL CHECK (kind IN ('ingestion', 'workflow')),
    workflow_snapshot_id  uuid REFERENCES workflow_snapshots (id),
    dataset_id            uuid REFERENCES datasets (id) ON DELETE SET NULL,
    status                text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'queued', 'running', 'completed', 'failed', 'cancelled')),
    priority              integer NOT NULL DEFAULT 0,
    -- Leases taken so far: the running attempt's number while running.
    attempt               integer NOT NULL DEFAULT 0,
    max_tries             integer NOT NULL DEFAULT 3 CHECK (max_tries > 0),
    run_at                timestamptz NOT NULL DEFAULT now(),
    timeout_seconds       double precision NOT NULL DEFAULT 1800 CHECK (timeout_seconds > 0),
    lease_owner           uuid,           -- worker instance id
    lease_token           bigint,         -- fencing token of the current lease
    lease_expires_at      timestamptz,
    attempt_started_at    timestamptz,
    cancel_requested      boolean NOT NULL DEFAULT false,
    credit_estimate       bigint NOT NULL DEFAULT 0 CHECK (credit_estimate >= 0),
    credit_cost           bigint,
    error_message         text,
    -- The last event sequence number handed out for this job (job_events.seq).
    event_seq             bigint NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL DEFAULT now(),
    started_at            timestamptz,    -- first start
    completed_at          timestamptz,
    -- A running job always has a live lease; a finished one keeps its owner and token for the record.
    CHECK (status <> 'running' OR (lease_token IS NOT NULL AND lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
-- The lease scan: queued jobs that are due, by priority then age.
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_pending ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running_expiry ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_user ON jobs (user_id, created_at DESC);
CREATE INDEX jobs_user_unfinished ON jobs (user_id) WHERE status IN ('pending', 'queued', 'running');
CREATE INDEX jobs_finished ON jobs (completed_at) WHERE status IN ('completed', 'failed', 'cancelled');

CREATE TABLE job_nodes (
    job_id         uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    node_id        text NOT NULL,
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped')),
    started_at     timestamptz,
    completed_at   timestamptz,
    output_data    jsonb,
    error_message  text,
    PRIMARY KEY (job_id, node_id)
);

CREATE TABLE job_events (
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    type        text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE artifacts (
    job_id        uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    node_id       text NOT NULL,
    name          text NOT NULL,
    content_type  text NOT NULL,
    bytes         bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, node_id, name)
);

-- Every movement of credits. amount is the change to users.credits, so for each user
-- sum(amount) equals the balance. One row per (job, kind): a retried write never moves
-- credits twice.
CREATE TABLE credit_ledger (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id      uuid REFERENCES jobs (id),
    kind        text NOT NULL CHECK (kind IN ('reserve', 'charge', 'refund', 'grant')),
    amount      bigint NOT NULL,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'grant' OR job_id IS NOT NULL)
);
CREATE UNIQUE INDEX credit_ledger_job_kind ON credit_ledger (job_id, kind) WHERE job_id IS NOT NULL;
CREATE INDEX credit_ledger_user ON credit_ledger (user_id, created_at);

-- Full-jitter exponential backoff: a random delay in [0, min(cap, base * 2^(attempt-1))].
-- One definition for every path that retries a job (a failed attempt, a reclaimed lease).
CREATE FUNCTION loom_backoff(attempt integer, base_ms double precision, cap_ms double precision)
RETURNS interval LANGUAGE sql VOLATILE AS $$
    SELECT make_interval(secs => random() * least(cap_ms, base_ms * power(2, greatest(attempt, 1) - 1)) / 1000.0)
$$;

-- Gives back the reservations of jobs that will not run again (failed or cancelled).
-- Idempotent: a job is refunded at most once (the (job, kind) index), never after it was
-- charged, and only what it reserved. Returns the credits given back.
CREATE FUNCTION loom_refund(job_ids uuid[]) RETURNS bigint LANGUAGE sql VOLATILE AS $$
    WITH refunds AS (
        INSERT INTO credit_ledger (user_id, job_id, kind, amount)
        SELECT r.user_id, r.job_id, 'refund', -r.amount
        FROM credit_ledger r
        WHERE r.job_id = ANY (job_ids) AND r.kind = 'reserve'
          AND NOT EXISTS (SELECT 1 FROM credit_ledger c WHERE c.job_id = r.job_id AND c.kind = 'charge')
        ON CONFLICT (job_id, kind) WHERE job_id IS NOT NULL DO NOTHING
        RETURNING user_id, amount
    ), credited AS (
        UPDATE users u SET credits = u.credits + t.total
        FROM (SELECT user_id, sum(amount) AS total FROM refunds GROUP BY user_id) t
        WHERE u.id = t.user_id
        RETURNING t.total
    )
    SELECT coalesce(sum(total), 0)::bigint FROM credited
$$;
