-- What every job pays twice (at its lease and at its completion), made cheaper. Measured
-- on the lease and completion statements (pg_stat_statements, 16 jobs a statement): the
-- buffers a job touches went from 32 and 26 to 25 and 19.

-- Events are inserted only by statements that update their job's row in the same
-- statement (each takes its seq from jobs.event_seq), so the job exists and is locked
-- while its events go in. The foreign key proved nothing more, and its check (a lookup
-- and a KEY SHARE lock on the job, per event) was about a third of what leasing or
-- completing a job cost. Deleting a job still deletes its events, by a trigger.
ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey;

CREATE FUNCTION loom_delete_job_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_events WHERE job_id IN (SELECT id FROM deleted);
    RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_delete_events AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION loom_delete_job_events();

-- A lease or completion cannot be a HOT update (status is in the partial indexes'
-- predicates), so each adds an entry to every index whose predicate the new row meets.
-- Only workflow jobs have a snapshot: the others need no entry in this one.
DROP INDEX jobs_snapshot;
CREATE INDEX jobs_snapshot ON jobs (workflow_snapshot_id) WHERE workflow_snapshot_id IS NOT NULL;
