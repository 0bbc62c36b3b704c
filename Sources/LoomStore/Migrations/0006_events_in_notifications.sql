-- The events notification carries the events themselves when they fit, so the live stream
-- of every coordinator fans them out without reading them back from job_events:
-- NOTIFY loom_events, 'JOB_ID:LAST_SEQ:[[seq, type, created_at µs since 1970, payload], ...]'
-- (one notification per job per statement, events in seq order). Payloads stop at 8000
-- bytes: larger batches send 'JOB_ID:LAST_SEQ' alone, as before, and listeners read them.
CREATE OR REPLACE FUNCTION loom_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    batch record;
BEGIN
    FOR batch IN
        SELECT job_id, max(seq) AS seq,
               jsonb_agg(jsonb_build_array(seq, type, (extract(epoch FROM created_at) * 1000000)::bigint, payload) ORDER BY seq)::text AS events
        FROM inserted GROUP BY job_id
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
