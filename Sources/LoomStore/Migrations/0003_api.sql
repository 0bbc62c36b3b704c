-- What the HTTP API needs: several named, revocable tokens per user, and job events that
-- announce themselves so that every coordinator can stream them live.

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

-- A job's own changes of state are events too, written in the statement that changes the
-- state, whoever makes it (a worker's completion, a user's cancel, the reaper): so a
-- stream always ends with the job's final message. Types are the seed's: job_started
-- when an attempt starts; job_completed; job_failed (status failed or cancelled).
CREATE FUNCTION loom_job_state_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind text;
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NEW;
    END IF;
    -- The statement numbered an event of its own for this change (JobSQL's lease, complete,
    -- fail, cancel, reclaim write theirs): writing another at the same number would
    -- violate job_events' key.
    IF NEW.event_seq IS DISTINCT FROM OLD.event_seq THEN
        RETURN NEW;
    END IF;
    kind := CASE NEW.status
        WHEN 'running' THEN 'job_started'
        WHEN 'completed' THEN 'job_completed'
        WHEN 'failed' THEN 'job_failed'
        WHEN 'cancelled' THEN 'job_failed'
        ELSE NULL
    END;
    IF kind IS NULL THEN
        RETURN NEW;
    END IF;
    NEW.event_seq := NEW.event_seq + 1;
    INSERT INTO job_events (job_id, seq, type, payload) VALUES (
        NEW.id, NEW.event_seq, kind,
        jsonb_strip_nulls(jsonb_build_object(
            'status', NEW.status,
            'attempt', NEW.attempt,
            'error', NEW.error_message,
            'credit_cost', NEW.credit_cost)));
    RETURN NEW;
END;
$$;
CREATE TRIGGER jobs_state_event BEFORE UPDATE OF status ON jobs
    FOR EACH ROW EXECUTE FUNCTION loom_job_state_event();

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
