/// Every statement that changes a job, in one place (STYLE.md: named queries per table).
///
/// Each is a single statement, so each is its own transaction with the lock and the state
/// change together. Writes made on behalf of a worker are guarded by (job id, lease token,
/// status running) in the same statement: a stale token matches no row and changes nothing.
/// Times come from the database's clock (now()), never from a worker's.
///
/// Data-modifying CTEs always run; a plain `SELECT pg_notify(...)` CTE runs only when the
/// final SELECT reads it, which is why those counts appear there.
enum JobSQL {
    /// Creates a job (a trigger adds it to job_queue); queued at once when it is due, pending
    /// otherwise. Refused (no row) when the user could not afford the estimate even once
    /// every unfinished job gave its reservation back. Returns that most-affordable amount
    /// and the new job's status.
    /// $1 id, $2 user, $3 kind, $4 snapshot, $5 dataset, $6 priority, $7 max_tries,
    /// $8 timeout s, $9 credit estimate, $10 delay s, $11 spec.
    static let submit = """
        WITH owner AS (
            SELECT u.credits
                   + coalesce((SELECT sum(r.reserved) FROM job_running r WHERE r.user_id = u.id AND r.reserved > 0)::bigint, 0)
                   + coalesce((SELECT sum(q.reserved) FROM job_queue q WHERE q.user_id = u.id AND q.reserved > 0)::bigint, 0)
                   AS credits
            FROM users u WHERE u.id = $2
        ), created AS (
            INSERT INTO jobs (id, user_id, kind, workflow_snapshot_id, dataset_id, priority, max_tries,
                              timeout_seconds, credit_estimate, run_at, status, spec)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10),
                   CASE WHEN $10 <= 0 THEN 'queued' ELSE 'pending' END, $11
            FROM owner WHERE owner.credits >= $9
            RETURNING status
        ), notified AS (
            SELECT pg_notify('loom_queue', '') FROM created WHERE status = 'queued'
        )
        SELECT (SELECT credits FROM owner), (SELECT status FROM created), (SELECT count(*) FROM notified)
        """

    /// pending → queued for every pending job whose run_at has come.
    static let promoteDue = """
        WITH due AS (
            SELECT q.job_id FROM job_queue q WHERE q.pending AND q.run_at <= now()
        ), promoted AS (
            UPDATE jobs j SET status = 'queued'
            FROM due WHERE j.id = due.job_id AND j.status = 'pending'
            RETURNING j.id
        ), unpended AS (
            UPDATE job_queue q SET pending = false FROM promoted p WHERE q.job_id = p.id
        ), notified AS (
            SELECT pg_notify('loom_queue', '') WHERE EXISTS (SELECT 1 FROM promoted)
        )
        SELECT count(*), (SELECT count(*) FROM notified) FROM promoted
        """

    /// The lease statement around a `locked` CTE (id; tid and status: the ctid and status
    /// of the job's row, locked; user_id; need: the credits the job must still reserve)
    /// that picked one queued job at most per slot: hand them to the slots $1 (a worker
    /// instance per free slot, one statement for every worker with room), reserve credits,
    /// take the leases (the queue row goes, a job_running row comes), record job_started,
    /// return the lease with its owner and the job's spec (the snapshot's nodes and edges
    /// for a workflow). $2 TTL s, $3 credit wait s. A user who cannot afford their jobs in
    /// this batch keeps them queued, due again in $3 s. The job's row is written by its
    /// ctid (one page, where the primary key costs three): a row locked by this statement
    /// cannot move, and locking gave the ctid of its newest version.
    ///
    /// Only the job's row is locked, not its queue row (a lock is a WAL record and a page
    /// write of its own): every statement that writes a queue row locks the job first, so
    /// holding the job's lock keeps its queue row as it is. Queue rows are deleted by key.
    /// A queue row this statement's snapshot still sees may be gone by the time its job is
    /// locked (another leaser took the job and committed): the status of the locked row,
    /// its newest version, says whether the job is still queued, and only queued jobs
    /// become candidates and have credits reserved. Of the others, the queue rows are
    /// deleted (`stale`): gone already after such a race, and a row that lied would
    /// otherwise be picked, and passed over, by every lease. They are found through the
    /// primary key with `= ANY (ARRAY (…))`: `locked` is estimated at thousands of rows,
    /// and a join with it was planned as a sequential scan of `job_queue`.
    ///
    /// `locked` must not filter jobs by status: with statistics from before a burst (few
    /// queued jobs), the planner then scanned every job for the queued ones and sorted
    /// them, 100 ms a lease. Its output is filtered instead, after the limit.
    ///
    /// job_started's payload is only what the stream cannot know (the attempt, the
    /// worker): type, job id, status and time are the event's own columns, which
    /// `StreamMessage` adds, and building them here was a tenth of the statement's time.
    ///
    /// One statement for all workers, rather than one each: a lease statement has a fixed
    /// cost of its own (its plan, its commit) and the concurrent ones each skipped the rows
    /// the others had locked.
    static func leaseStatement(locked: String) -> String {
        """
        WITH \(locked), candidates AS (
            SELECT l.id, l.tid, l.user_id, l.need, s.owner
            FROM (SELECT locked.*, row_number() OVER () AS slot FROM locked WHERE locked.status = 'queued') l
            JOIN unnest($1::uuid[]) WITH ORDINALITY AS s(owner, slot) ON s.slot = l.slot
        ), needs AS (
            SELECT user_id, sum(need) AS total FROM candidates WHERE need > 0 GROUP BY user_id
        ), debited AS (
            UPDATE users u SET credits = u.credits - n.total
            FROM needs n
            WHERE u.id = n.user_id AND u.credits >= n.total
            RETURNING u.id
        ), decided AS (
            SELECT c.id, c.tid, c.user_id, c.need, c.owner, (c.need = 0 OR c.user_id IN (SELECT id FROM debited)) AS affordable
            FROM candidates c
        ), leased AS (
            UPDATE jobs j SET
                status = 'running',
                attempt = j.attempt + 1,
                lease_owner = d.owner,
                lease_token = nextval('lease_tokens'),
                lease_expires_at = now() + make_interval(secs => $2),
                attempt_started_at = now(),
                started_at = coalesce(j.started_at, now()),
                event_seq = j.event_seq + 1
            FROM decided d
            WHERE j.ctid = d.tid AND j.id = d.id AND d.affordable AND j.status = 'queued'
            RETURNING j.id, j.user_id, j.kind, j.workflow_snapshot_id, j.dataset_id, j.lease_token, j.attempt,
                      j.max_tries, j.lease_expires_at, j.timeout_seconds, j.credit_estimate, j.event_seq, d.need, j.spec,
                      j.lease_owner
        ), dequeued AS (
            DELETE FROM job_queue q USING decided d WHERE q.job_id = d.id AND d.affordable
        ), stale AS (
            DELETE FROM job_queue q WHERE q.job_id = ANY (ARRAY (SELECT id FROM locked WHERE status NOT IN ('queued', 'pending')))
        ), held AS (
            INSERT INTO job_running (job_id, user_id, owner, reserved)
            SELECT id, user_id, lease_owner, credit_estimate FROM leased
        ), deferred AS (
            UPDATE jobs j SET run_at = now() + make_interval(secs => $3)
            FROM decided d
            WHERE j.ctid = d.tid AND j.id = d.id AND NOT d.affordable
            RETURNING j.id
        ), postponed AS (
            UPDATE job_queue q SET run_at = now() + make_interval(secs => $3)
            FROM decided d
            WHERE q.job_id = d.id AND NOT d.affordable
        ), reserved AS (
            INSERT INTO credit_ledger (user_id, job_id, kind, amount)
            SELECT user_id, id, 'reserve', -need FROM leased WHERE need > 0
            RETURNING job_id
        ), started AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'job_started',
                   jsonb_build_object('attempt', attempt, 'worker', lease_owner)
            FROM leased
            RETURNING job_id
        )
        SELECT l.id, l.user_id, l.kind, l.workflow_snapshot_id, l.dataset_id, l.lease_token, l.attempt,
               l.max_tries, l.lease_expires_at, l.timeout_seconds, l.credit_estimate,
               CASE WHEN l.kind = 'workflow'
                    THEN (SELECT jsonb_build_object('nodes', s.nodes, 'edges', s.edges)
                          FROM workflow_snapshots s WHERE s.id = l.workflow_snapshot_id)
                    ELSE l.spec END,
               l.lease_owner
        FROM leased l
        """
    }

    /// What a candidate job must still reserve. A job reserves once in its life: the ledger,
    /// not `attempt`, says whether it has (a lease given back lowers `attempt` again).
    static let reservationNeed = """
        CASE WHEN j.credit_estimate > 0 AND NOT EXISTS (
            SELECT 1 FROM credit_ledger l WHERE l.job_id = j.id AND l.kind = 'reserve')
        THEN j.credit_estimate ELSE 0 END AS need
        """

    /// Leases a due job to each of the slots $1, for $2 s: by priority, then age; rows
    /// another leaser holds are skipped.
    ///
    /// The limit is a subquery so that no plan knows its value: the plan for a known
    /// limit looked cheaper than the generic one, so every execution was planned again
    /// (1 ms, as long as running it), and both plans are the same nested loop anyway.
    static let lease = leaseStatement(locked: """
        locked AS (
            SELECT j.id, j.ctid AS tid, j.status, j.user_id, \(reservationNeed)
            FROM job_queue q JOIN jobs j ON j.id = q.job_id
            WHERE NOT q.pending AND q.run_at <= now()
            ORDER BY q.priority DESC, q.run_at, q.job_id
            LIMIT (SELECT cardinality($1::uuid[]))
            FOR UPDATE OF j SKIP LOCKED
        )
        """)

    /// Extends the leases worker $1 says it holds ($3) by $2 s. Returns the held jobs whose
    /// cancellation was requested, and the listed jobs it no longer owns. A row another
    /// statement has locked (its completion or reclaim is being written) is not waited for:
    /// a heartbeat must never queue behind writes, or leases would expire under load.
    static let heartbeat = """
        WITH listed AS MATERIALIZED (
            SELECT DISTINCT h.id FROM unnest($3::uuid[]) AS h(id)
        ), mine AS (
            SELECT j.id, j.cancel_requested FROM listed h JOIN jobs j ON j.id = h.id
            WHERE j.lease_owner = $1 AND j.status = 'running'
        ), extended AS (
            UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $2)
            WHERE id IN (
                SELECT j.id FROM listed h JOIN jobs j ON j.id = h.id
                WHERE j.lease_owner = $1 AND j.status = 'running'
                FOR NO KEY UPDATE OF j SKIP LOCKED)
            RETURNING id
        ), seen AS (
            UPDATE workers SET last_heartbeat_at = now() WHERE instance_id = $1 RETURNING 1
        )
        SELECT coalesce((SELECT array_agg(id) FROM mine WHERE cancel_requested), '{}'),
               coalesce((SELECT array_agg(h.id) FROM listed h WHERE NOT EXISTS (
                   SELECT 1 FROM jobs j WHERE j.id = h.id AND j.lease_owner = $1 AND j.status = 'running')), '{}'),
               (SELECT count(*) FROM seen), (SELECT count(*) FROM extended)
        """

    /// Completes many jobs at once (group commit): $1 ids, $2 tokens, $3 actual costs.
    /// Each is charged its actual cost, at most what it reserved; the rest of the
    /// reservation goes back to the user. Returns the ids that were still held.
    ///
    /// Each listed job is found by a probe of the primary key, and its reservation by one of
    /// the ledger's (job, kind) index: the work grows with the batch, where joining the list
    /// with the rows it matched compared every pair (a group of 700 cost 0.7 ms a job).
    static let complete = """
        WITH done AS (
            UPDATE jobs j SET
                status = 'completed',
                completed_at = now(),
                lease_expires_at = NULL,
                credit_cost = least(greatest(i.cost, 0), coalesce(r.reserved, 0)),
                event_seq = j.event_seq + 1
            FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS i(id, token, cost)
            LEFT JOIN LATERAL (
                SELECT -l.amount AS reserved FROM credit_ledger l WHERE l.job_id = i.id AND l.kind = 'reserve'
            ) r ON true
            WHERE j.id = i.id AND j.lease_token = i.token AND j.status = 'running'
            RETURNING j.id, j.user_id, j.credit_cost, coalesce(r.reserved, 0) AS reserved, j.event_seq
        ), unheld AS (
            DELETE FROM job_running r USING done d WHERE r.job_id = d.id
        ), charged AS (
            INSERT INTO credit_ledger (user_id, job_id, kind, amount)
            SELECT user_id, id, 'charge', reserved - credit_cost FROM done WHERE reserved > 0
            ON CONFLICT (job_id, kind) WHERE job_id IS NOT NULL DO NOTHING
            RETURNING user_id, amount
        ), credited AS (
            UPDATE users u SET credits = u.credits + s.delta
            FROM (SELECT user_id, sum(amount) AS delta FROM charged GROUP BY user_id) s
            WHERE u.id = s.user_id AND s.delta <> 0
            RETURNING u.id
        ), finished AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'job_completed', jsonb_build_object('credit_cost', credit_cost) FROM done
            RETURNING job_id
        )
        SELECT d.id, d.credit_cost FROM done d
        """

    /// Adds the jobs of `cte` (id, user_id, status, priority, run_at, credit_estimate) that
    /// are queued again to job_queue, with the reservation they keep.
    static func enqueue(from cte: String) -> String {
        """
        INSERT INTO job_queue (job_id, user_id, priority, run_at, pending, reserved)
            SELECT id, user_id, priority, run_at, false, credit_estimate FROM \(cte) WHERE status = 'queued'
        """
    }

    /// An attempt failed ($1 id, $2 token, $3 message, $4 retryable). Retryable with tries
    /// left: queued again after a full-jitter backoff ($5 base ms, $6 cap ms). Otherwise
    /// failed, or cancelled when a cancellation was pending; either way refunded.
    static let fail = """
        WITH failed AS (
            UPDATE jobs j SET
                status = CASE WHEN j.cancel_requested THEN 'cancelled'
                              WHEN $4 AND j.attempt < j.max_tries THEN 'queued'
                              ELSE 'failed' END,
                run_at = CASE WHEN NOT j.cancel_requested AND $4 AND j.attempt < j.max_tries
                              THEN now() + loom_backoff(j.attempt, $5, $6) ELSE j.run_at END,
                completed_at = CASE WHEN NOT j.cancel_requested AND $4 AND j.attempt < j.max_tries
                                    THEN NULL ELSE now() END,
                lease_expires_at = NULL,
                error_message = $3,
                event_seq = j.event_seq + 1
            WHERE j.id = $1 AND j.lease_token = $2 AND j.status = 'running'
            RETURNING j.id, j.user_id, j.status, j.priority, j.run_at, j.attempt, j.credit_estimate, j.event_seq
        ), unheld AS (
            DELETE FROM job_running r USING failed f WHERE r.job_id = f.id
        ), requeued AS (
            \(enqueue(from: "failed"))
        ), recorded AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq,
                   CASE status WHEN 'queued' THEN 'job_retrying' WHEN 'cancelled' THEN 'job_cancelled' ELSE 'job_failed' END,
                   jsonb_build_object('error', $3::text, 'attempt', attempt, 'retry_at', CASE WHEN status = 'queued' THEN run_at END)
            FROM failed
            RETURNING job_id
        )
        SELECT f.status, f.run_at, f.attempt,
               (SELECT loom_refund(ARRAY (SELECT id FROM failed WHERE status <> 'queued')))
        FROM failed f
        """

    /// Cancels job $1 (of user $2, or of anyone when $2 is NULL). Pending or queued: cancelled
    /// at once and refunded. Running: cancel_requested, durable until the worker acknowledges
    /// or its lease expires. Returns the status the job had.
    static let cancel = """
        WITH target AS (
            SELECT id, status FROM jobs WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) FOR UPDATE
        ), cancelled AS (
            UPDATE jobs j SET status = 'cancelled', cancel_requested = true, completed_at = now(),
                              event_seq = j.event_seq + 1
            FROM target t
            WHERE j.id = t.id AND t.status IN ('pending', 'queued')
            RETURNING j.id, j.event_seq
        ), dequeued AS (
            DELETE FROM job_queue q USING cancelled c WHERE q.job_id = c.id
        ), requested AS (
            UPDATE jobs j SET cancel_requested = true
            FROM target t
            WHERE j.id = t.id AND t.status = 'running' AND NOT j.cancel_requested
            RETURNING j.id
        ), recorded AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'job_cancelled', '{}' FROM cancelled
            RETURNING job_id
        ), notified AS (
            SELECT pg_notify('loom_cancel', id::text) FROM requested
        )
        SELECT t.status,
               (SELECT loom_refund(ARRAY (SELECT id FROM cancelled))),
               (SELECT count(*) FROM notified)
        FROM target t
        """

    /// The worker stopped job $1 (token $2) after a cancellation request: cancelled, refunded.
    static let acknowledgeCancel = """
        WITH cancelled AS (
            UPDATE jobs j SET status = 'cancelled', completed_at = now(), lease_expires_at = NULL,
                              event_seq = j.event_seq + 1
            WHERE j.id = $1 AND j.lease_token = $2 AND j.status = 'running' AND j.cancel_requested
            RETURNING j.id, j.event_seq
        ), unheld AS (
            DELETE FROM job_running r USING cancelled c WHERE r.job_id = c.id
        ), recorded AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'job_cancelled', '{}' FROM cancelled
            RETURNING job_id
        )
        SELECT (SELECT loom_refund(ARRAY (SELECT id FROM cancelled))) FROM cancelled
        """

    /// One batch of the reclaimer: running jobs whose lease expired, after id $1, at most $2.
    /// Each is requeued after a backoff ($3 base ms, $4 cap ms) while tries are left, failed
    /// when none are, cancelled when a cancellation was pending; terminal ones are refunded.
    /// Compare-and-set on (status, token): a job that finished meanwhile is left alone.
    /// Returns a row per reclaimed job, then one row with the last id scanned, the number of
    /// rows scanned and the credits refunded.
    static let reclaimExpired = """
        WITH expired AS (
            SELECT j.id, j.lease_token FROM job_running r CROSS JOIN LATERAL (
                SELECT j.id, j.lease_token FROM jobs j
                WHERE j.id = r.job_id AND j.status = 'running' AND j.lease_expires_at < now()
                FOR UPDATE SKIP LOCKED
            ) j
            WHERE r.job_id > $1
            ORDER BY r.job_id
            LIMIT $2
        ), reclaimed AS (
            UPDATE jobs j SET
                status = CASE WHEN j.cancel_requested THEN 'cancelled'
                              WHEN j.attempt < j.max_tries THEN 'queued' ELSE 'failed' END,
                run_at = CASE WHEN NOT j.cancel_requested AND j.attempt < j.max_tries
                              THEN now() + loom_backoff(j.attempt, $3, $4) ELSE j.run_at END,
                completed_at = CASE WHEN NOT j.cancel_requested AND j.attempt < j.max_tries THEN NULL ELSE now() END,
                error_message = CASE WHEN j.cancel_requested THEN j.error_message
                                     ELSE 'lease expired: worker ' || j.lease_owner || ' stopped heartbeating' END,
                lease_expires_at = NULL,
                event_seq = j.event_seq + 1
            FROM expired e
            WHERE j.id = e.id AND j.status = 'running' AND j.lease_token = e.lease_token
            RETURNING j.id, j.user_id, j.status, j.priority, j.run_at, j.lease_owner, j.attempt, j.credit_estimate, j.event_seq
        ), unheld AS (
            DELETE FROM job_running r USING reclaimed c WHERE r.job_id = c.id
        ), requeued AS (
            \(enqueue(from: "reclaimed"))
        ), recorded AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'lease_expired',
                   jsonb_build_object('worker', lease_owner, 'attempt', attempt, 'outcome', status)
            FROM reclaimed
            RETURNING job_id
        ), notified AS (
            SELECT pg_notify('loom_queue', '') WHERE EXISTS (SELECT 1 FROM reclaimed WHERE status = 'queued')
        )
        SELECT r.id, r.status, NULL::uuid, NULL::bigint, NULL::bigint, NULL::bigint
        FROM reclaimed r
        UNION ALL
        -- A last row with the batch's bookkeeping: the cursor, the rows scanned, the refund.
        SELECT NULL, NULL, (SELECT id FROM expired ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM expired),
               (SELECT loom_refund(ARRAY (SELECT id FROM reclaimed WHERE status <> 'queued'))),
               (SELECT count(*) FROM notified)
        """

    /// Fails running jobs whose attempt outlived their timeout, at most $1 of them. Their
    /// workers learn it from the next heartbeat (the job is no longer held) and stop. Only
    /// running jobs are read (job_running), in no particular order.
    ///
    /// Here and in `reclaimExpired` each running job is probed through a locking subquery,
    /// which the planner cannot turn around: joined plainly, with statistics that said few
    /// jobs were running, it scanned every job instead (17 ms, four times a second).
    static let failTimedOut = """
        WITH overdue AS (
            SELECT j.id, j.lease_token FROM job_running r CROSS JOIN LATERAL (
                SELECT j.id, j.lease_token FROM jobs j
                WHERE j.id = r.job_id AND j.status = 'running' AND j.attempt_started_at + make_interval(secs => j.timeout_seconds) < now()
                FOR UPDATE SKIP LOCKED
            ) j
            LIMIT $1
        ), timed_out AS (
            UPDATE jobs j SET status = 'failed', completed_at = now(), lease_expires_at = NULL,
                              error_message = 'timed out after ' || j.timeout_seconds || ' s',
                              event_seq = j.event_seq + 1
            FROM overdue o
            WHERE j.id = o.id AND j.status = 'running' AND j.lease_token = o.lease_token
            RETURNING j.id, j.event_seq, j.timeout_seconds
        ), unheld AS (
            DELETE FROM job_running r USING timed_out t WHERE r.job_id = t.id
        ), recorded AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'job_failed', jsonb_build_object('error', 'timeout', 'timeout_seconds', timeout_seconds)
            FROM timed_out
            RETURNING job_id
        )
        SELECT t.id, (SELECT loom_refund(ARRAY (SELECT id FROM timed_out))) FROM timed_out t
        """

    /// Sets node $3 of job $1 (token $2) to status $4, with output $5 and error $6, and
    /// records a node_status event, in one statement guarded by the lease.
    static let setNodeStatus = """
        WITH held AS (
            UPDATE jobs SET event_seq = event_seq + 1
            WHERE id = $1 AND lease_token = $2 AND status = 'running'
            RETURNING id, event_seq
        ), node AS (
            INSERT INTO job_nodes (job_id, node_id, status, started_at, completed_at, output_data, error_message)
            SELECT id, $3, $4,
                   CASE WHEN $4 <> 'pending' THEN now() END,
                   CASE WHEN $4 IN ('completed', 'failed', 'skipped') THEN now() END,
                   $5, $6
            FROM held
            ON CONFLICT (job_id, node_id) DO UPDATE SET
                status = EXCLUDED.status,
                started_at = coalesce(job_nodes.started_at, EXCLUDED.started_at),
                completed_at = EXCLUDED.completed_at,
                output_data = coalesce(EXCLUDED.output_data, job_nodes.output_data),
                error_message = EXCLUDED.error_message
            RETURNING job_id
        ), recorded AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'node_status', jsonb_build_object('node_id', $3::text, 'status', $4::text, 'error', $6::text)
            FROM held
            RETURNING seq
        )
        SELECT (SELECT seq FROM recorded) FROM held
        """

    /// Appends events to many jobs at once: $1 job ids, $2 tokens, $3 types, $4 payloads.
    /// Events of a job whose lease is lost are dropped; returns (job, seq) of those kept.
    static let appendEvents = """
        WITH input AS (
            SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[]) WITH ORDINALITY
                AS t(job_id, token, type, payload, ord)
        ), counts AS (
            SELECT job_id, token, count(*) AS n FROM input GROUP BY job_id, token
        ), bumped AS (
            UPDATE jobs j SET event_seq = j.event_seq + c.n
            FROM counts c
            WHERE j.id = c.job_id AND j.lease_token = c.token AND j.status = 'running'
            RETURNING j.id, j.lease_token, j.event_seq AS last, c.n
        )
        INSERT INTO job_events (job_id, seq, type, payload)
        SELECT i.job_id, b.last - b.n + row_number() OVER (PARTITION BY i.job_id ORDER BY i.ord), i.type, i.payload
        FROM input i JOIN bumped b ON b.id = i.job_id AND b.lease_token = i.token
        RETURNING job_id, seq
        """

    /// Stores artifact $4 of node $3 of job $1 (token $2): $5 content type, $6 bytes.
    static let storeArtifact = """
        WITH held AS (
            SELECT id FROM jobs WHERE id = $1 AND lease_token = $2 AND status = 'running' FOR SHARE
        )
        INSERT INTO artifacts (job_id, node_id, name, content_type, bytes)
        SELECT id, $3, $4, $5, $6 FROM held
        ON CONFLICT (job_id, node_id, name) DO UPDATE SET
            content_type = EXCLUDED.content_type, bytes = EXCLUDED.bytes, created_at = now()
        RETURNING job_id
        """

    /// Deletes events and artifacts of jobs that finished more than $1 s ago (a scan of
    /// jobs: pruning is rare, and an index on completed_at would cost every completion).
    static let prune = """
        WITH old AS (
            SELECT id FROM jobs
            WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at < now() - make_interval(secs => $1)
        ), events AS (
            DELETE FROM job_events WHERE job_id IN (SELECT id FROM old) RETURNING 1
        ), files AS (
            DELETE FROM artifacts WHERE job_id IN (SELECT id FROM old) RETURNING 1
        )
        SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM files)
        """

    /// The columns `JobRecord.decode` reads, in its order.
    static let recordColumns = """
        id, user_id, kind, status, priority, attempt, max_tries, run_at, lease_owner, lease_token,
        lease_expires_at, cancel_requested, credit_estimate, credit_cost, error_message,
        created_at, started_at, completed_at, workflow_snapshot_id, dataset_id, timeout_seconds
        """
    static let get = "SELECT \(recordColumns) FROM jobs WHERE id = $1"

    static let events = """
        SELECT seq, type, payload, created_at FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq
        """
}
