-- What the HTTP API needs: several named, revocable tokens per user, and job events that
-- announce themselves so that every coordinator can stream them live. (The job's own
-- state changes are already events: the queue's statements write job_started,
-- job_completed, job_failed, job_cancelled, job_retrying and lease_expired.)

-- API tokens, stored as SHA-256 hashes. A user may hold several (one per machine or
-- script) and revoke any of them.
CREATE TABLE api_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
INSERT INTO api_tokens (id, user_id, name, token_hash)
    SELECT gen_random_uuid(), id, 'initial', token_hash FROM users;
ALTER TABLE users DROP COLUMN token_hash;

CREATE INDEX workflow_snapshots_workflow ON workflow_snapshots (workflow_id, created_at DESC);
CREATE INDEX jobs_snapshot ON jobs (workflow_snapshot_id);

-- Every statement that stores events tells listeners, once per job, the last sequence
-- number it wrote: NOTIFY loom_events, 'JOB_ID:SEQ'. A listener that missed some reads
-- them from job_events, so a notification lost to a reconnect loses nothing.
CREATE FUNCTION loom_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    latest record;
BEGIN
    FOR latest IN SELECT job_id, max(seq) AS seq FROM inserted GROUP BY job_id LOOP
        PERFORM pg_notify('loom_events', latest.job_id::text || ':' || latest.seq::text);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER job_events_notify AFTER INSERT ON job_events
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION loom_notify_events();

-- The bundled samples are shared datasets named by their id (sample:iris); one of each.
CREATE UNIQUE INDEX datasets_sample_name ON datasets (name) WHERE user_id IS NULL;
