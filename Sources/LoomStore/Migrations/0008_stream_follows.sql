-- Events are announced (NOTIFY loom_events) only for jobs that some live stream follows.
--
-- A NOTIFY makes its transaction take a lock of the whole database at commit and hold it
-- through the commit's WAL flush, so every transaction that notifies commits alone: no
-- group commit. Every lease and every completion stores an event, and announcing them all
-- capped the cluster at a few thousand jobs a second whether anyone watched or not (the
-- writers waited on that lock; the listeners read every entry of the queue). Most jobs run
-- with nobody watching them live.
--
-- A hub follows a job before it reads where the job's events stand (`StreamSQL.follow`):
-- that statement locks the job's row, and every statement that stores events updates that
-- row (job_events.seq comes from jobs.event_seq). So a writer either committed before the
-- hub read the job's last seq (the hub reads its events), or waited for the hub's commit,
-- and then its trigger — each query of this volatile function takes a new snapshot — sees
-- the follow. Rows of finished jobs are removed by later follows; they cost nothing but
-- their space, as a finished job stores no more events.
CREATE TABLE stream_follows (
    job_id       uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    followed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION loom_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    batch record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM stream_follows) THEN
        RETURN NULL;
    END IF;
    FOR batch IN
        SELECT job_id, max(seq) AS seq,
               jsonb_agg(jsonb_build_array(seq, type, (extract(epoch FROM created_at) * 1000000)::bigint, payload) ORDER BY seq)::text AS events
        FROM inserted WHERE job_id IN (SELECT job_id FROM stream_follows) GROUP BY job_id
    LOOP
        IF octet_length(batch.events) <= 7500 THEN
            PERFORM pg_notify('loom_events', batch.job_id::text || ':' || batch.seq::text || ':' || batch.events);
        ELSE
            PERFORM pg_notify('loom_events', batch.job_id::text || ':' || batch.seq::text);
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
