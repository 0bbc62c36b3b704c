-- Leases and completions as HOT updates (issue 8's throughput).
--
-- An update that changes a column some index of the table names (in its key or its
-- predicate) cannot be a heap-only-tuple (HOT) update: the new version of the row gets an
-- entry in every index of the table. jobs had partial indexes on `status`, so a lease added
-- four index entries (primary key, jobs_user, jobs_running_expiry, jobs_user_unfinished)
-- and a completion three. Now no index of jobs names a column a job's life changes, and
-- the two sets the scans need live in narrow tables of their own:
--
--   job_queue    a row for each pending or queued job: inserted when a job is created or
--                queued again, deleted when it is leased or cancelled;
--   job_running  a row for each running job: inserted by the lease, deleted when the job
--                leaves 'running'.
--
-- Every statement that moves a job in or out of those statuses writes the row in the same
-- statement, after locking the job's row: jobs is always locked first, so two statements
-- never wait for each other the other way round. Neither table has a foreign key (its
-- check would cost a lookup and a lock on the job per row); deleting a job deletes its
-- rows, by the trigger that deletes its events.

-- `reserved`: the credits the job holds while unfinished (its estimate, once a lease has
-- reserved it), for the submit check. Only jobs that hold some have an index entry.
CREATE TABLE job_queue (
    job_id    uuid PRIMARY KEY,
    user_id   uuid NOT NULL,
    priority  integer NOT NULL,
    run_at    timestamptz NOT NULL,
    -- status 'pending': due at run_at, queued by JobQueue.promoteDue.
    pending   boolean NOT NULL,
    reserved  bigint NOT NULL DEFAULT 0
);
-- The lease scan: by priority, then age.
CREATE INDEX job_queue_order ON job_queue (priority DESC, run_at, job_id) WHERE NOT pending;
CREATE INDEX job_queue_pending ON job_queue (run_at) WHERE pending;
CREATE INDEX job_queue_reserved ON job_queue (user_id) WHERE reserved > 0;

CREATE TABLE job_running (
    job_id    uuid PRIMARY KEY,
    user_id   uuid NOT NULL,
    owner     uuid NOT NULL,
    reserved  bigint NOT NULL DEFAULT 0
);
CREATE INDEX job_running_reserved ON job_running (user_id) WHERE reserved > 0;

INSERT INTO job_queue (job_id, user_id, priority, run_at, pending, reserved)
SELECT id, user_id, priority, run_at, status = 'pending', CASE WHEN attempt > 0 THEN credit_estimate ELSE 0 END
FROM jobs WHERE status IN ('pending', 'queued');
INSERT INTO job_running (job_id, user_id, owner, reserved)
SELECT id, user_id, lease_owner, credit_estimate FROM jobs WHERE status = 'running';

DROP INDEX jobs_ready;
DROP INDEX jobs_pending;
DROP INDEX jobs_running_expiry;
DROP INDEX jobs_user_unfinished;
-- Finished jobs for pruning are found by a scan: pruning is rare, and this index was
-- written at every completion.
DROP INDEX jobs_finished;

-- Room on each page for the versions a job's lease, events and completion write: a HOT
-- update must find space on the row's own page.
ALTER TABLE jobs SET (fillfactor = 70);

-- A job inserted pending or queued joins the queue, whoever inserts it (JobSQL.submit,
-- and the bulk inserts of tests and benchmarks).
CREATE FUNCTION loom_enqueue_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_queue (job_id, user_id, priority, run_at, pending)
    SELECT id, user_id, priority, run_at, status = 'pending' FROM created WHERE status IN ('pending', 'queued');
    RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_enqueue_created AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS created
    FOR EACH STATEMENT EXECUTE FUNCTION loom_enqueue_created();

-- As in 0005, and a deleted job's queue and running rows go too.
CREATE OR REPLACE FUNCTION loom_delete_job_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_events WHERE job_id IN (SELECT id FROM deleted);
    DELETE FROM job_queue WHERE job_id IN (SELECT id FROM deleted);
    DELETE FROM job_running WHERE job_id IN (SELECT id FROM deleted);
    RETURN NULL;
END;
$$;
