-- Partial indexes on jobs that a statement naming its jobs by id could not avoid.
--
-- Every write made for a worker is fenced by (id, lease token, status 'running'). A
-- partial index whose predicate `status = 'running'` implies is one the planner may scan
-- instead of probing the primary key, and with statistics from before a burst (no job
-- running yet, so such an index looks empty) it did: a completion of 16 jobs read every
-- unfinished job's entry in jobs_user_unfinished (a BitmapAnd with 20,000 rows), or every
-- running job's in jobs_running_expiry, and cost 3 to 10 ms instead of 0.3 ms. Each
-- predicate now names a column those statements do not, so only the scans meant for it
-- can use it.

-- Scans of running jobs: the reaper's expired leases and timeouts, the per-user cap, a
-- worker's job count. Every running job has an expiry (the CHECK on jobs); statements
-- that compare lease_expires_at, or say it IS NOT NULL, use this index.
DROP INDEX jobs_running_expiry;
CREATE INDEX jobs_running_expiry ON jobs (lease_expires_at) WHERE status = 'running' AND lease_expires_at IS NOT NULL;

-- A submission's credit check sums the reservations of the user's unfinished jobs that
-- have reserved (attempt > 0). Queued jobs that never ran no longer get an entry either.
DROP INDEX jobs_user_unfinished;
CREATE INDEX jobs_user_unfinished ON jobs (user_id) WHERE status IN ('pending', 'queued', 'running') AND attempt > 0;
