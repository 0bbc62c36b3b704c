/// The statements the cluster (LoomCoordinator) adds to the queue: leases with a per-user
/// cap and the job's spec, giving a lease back, datasets served to workers under a lease,
/// and the chunks workers stream back. Like JobSQL, each is one statement guarded by
/// (job id, lease token, status running) wherever a worker writes.
enum ClusterSQL {
    /// As `JobSQL.lease`, but a user never has more than $4 jobs running: users at their
    /// cap are passed over (their jobs wait their turn), the others share the batch by
    /// priority then age. Window functions cannot take row locks, so the order is decided
    /// on a peek at 4 rows per slot and the rows are locked after.
    static let leaseCapped = JobSQL.leaseStatement(locked: """
        running AS (
            SELECT user_id, count(*) AS n FROM job_running GROUP BY user_id
        ), peek AS (
            SELECT q.job_id AS id, q.user_id, q.priority, q.run_at FROM job_queue q
            WHERE NOT q.pending AND q.run_at <= now()
              AND q.user_id NOT IN (SELECT user_id FROM running WHERE n >= $4)
            ORDER BY q.priority DESC, q.run_at, q.job_id
            LIMIT cardinality($1::uuid[]) * 4
        ), allowed AS (
            SELECT p.id FROM (
                SELECT p.*, row_number() OVER (PARTITION BY p.user_id ORDER BY p.priority DESC, p.run_at, p.id) AS rn
                FROM peek p
            ) p LEFT JOIN running r ON r.user_id = p.user_id
            WHERE coalesce(r.n, 0) + p.rn <= $4
            ORDER BY p.priority DESC, p.run_at, p.id
            LIMIT cardinality($1::uuid[])
        ), locked AS (
            SELECT j.id, j.ctid AS tid, j.status, j.user_id, \(JobSQL.reservationNeed)
            FROM job_queue q JOIN jobs j ON j.id = q.job_id
            WHERE q.job_id IN (SELECT id FROM allowed) AND NOT q.pending AND q.run_at <= now()
            FOR UPDATE OF j SKIP LOCKED
        )
        """)

    /// Gives job $1 (token $2) back without using up a try: queued again, due in $3 s, its
    /// attempt count lowered again. A job whose cancellation was requested ends cancelled.
    static let release = """
        WITH released AS (
            UPDATE jobs j SET status = 'queued', attempt = j.attempt - 1, run_at = now() + make_interval(secs => $3),
                              lease_expires_at = NULL, event_seq = j.event_seq + 1
            WHERE j.id = $1 AND j.lease_token = $2 AND j.status = 'running' AND NOT j.cancel_requested
            RETURNING j.id, j.user_id, j.status, j.priority, j.run_at, j.credit_estimate, j.event_seq
        ), cancelled AS (
            UPDATE jobs j SET status = 'cancelled', completed_at = now(), lease_expires_at = NULL,
                              event_seq = j.event_seq + 1
            WHERE j.id = $1 AND j.lease_token = $2 AND j.status = 'running' AND j.cancel_requested
            RETURNING j.id, j.event_seq
        ), unheld AS (
            DELETE FROM job_running r WHERE r.job_id IN (SELECT id FROM released UNION ALL SELECT id FROM cancelled)
        ), requeued AS (
            \(JobSQL.enqueue(from: "released"))
        ), recorded AS (
            INSERT INTO job_events (job_id, seq, type, payload)
            SELECT id, event_seq, 'job_released', jsonb_build_object('type', 'job_released', 'job_id', id,
                   'status', 'queued', 'reason', $4::text, 'timestamp', now()) FROM released
            UNION ALL
            SELECT id, event_seq, 'job_cancelled', jsonb_build_object('type', 'job_cancelled', 'job_id', id,
                   'status', 'cancelled', 'timestamp', now()) FROM cancelled
            RETURNING job_id
        ), notified AS (
            SELECT pg_notify('loom_queue', '') FROM released
        )
        SELECT (SELECT count(*) FROM released) + (SELECT count(*) FROM cancelled),
               (SELECT loom_refund(ARRAY (SELECT id FROM cancelled))), (SELECT count(*) FROM notified)
        """

    /// The chunks of the dataset job $1 reads: index, rows, content hash, byte size.
    static let datasetChunkList = """
        SELECT c.chunk_index, c.row_count, c.content_hash, octet_length(c.bytes)
        FROM dataset_chunks c JOIN jobs j ON j.dataset_id = c.dataset_id
        WHERE j.id = $1 ORDER BY c.chunk_index
        """

    /// The uploaded CSV parts of the dataset job $1 ingests: part, size, and the first 8
    /// bytes of the part's MD5 (the worker checks what it fetched against them).
    static let uploadPartList = """
        SELECT u.part, octet_length(u.bytes), substr(decode(md5(u.bytes), 'hex'), 1, 8)
        FROM dataset_uploads u JOIN jobs j ON j.dataset_id = u.dataset_id
        WHERE j.id = $1 ORDER BY u.part
        """

    /// A chunk of job $1's dataset by content hash $3, read under the lease (token $2).
    /// One row always: whether the lease is held, then the bytes (NULL when unknown).
    static let fetchDatasetChunk = """
        WITH held AS (SELECT dataset_id FROM jobs WHERE id = $1 AND lease_token = $2 AND status = 'running')
        SELECT (SELECT count(*) FROM held),
               (SELECT c.bytes FROM dataset_chunks c, held h WHERE c.dataset_id = h.dataset_id AND c.content_hash = $3 LIMIT 1)
        """

    /// Part $3 of the upload of job $1's dataset, read under the lease (token $2).
    static let fetchUploadPart = """
        WITH held AS (SELECT dataset_id FROM jobs WHERE id = $1 AND lease_token = $2 AND status = 'running')
        SELECT (SELECT count(*) FROM held),
               (SELECT u.bytes FROM dataset_uploads u, held h WHERE u.dataset_id = h.dataset_id AND u.part = $3)
        """

    /// Stores chunk $5 of stream $3 (node $4) of job $1 under token $2: $6 rows, hash $7, bytes $8.
    static let storeOutputChunk = """
        INSERT INTO job_output_chunks (job_id, lease_token, stream, node_id, chunk_index, row_count, content_hash, bytes)
        SELECT id, lease_token, $3, $4, $5, $6, $7, $8 FROM jobs WHERE id = $1 AND lease_token = $2 AND status = 'running'
        ON CONFLICT (job_id, lease_token, stream, chunk_index) DO UPDATE SET
            row_count = EXCLUDED.row_count, content_hash = EXCLUDED.content_hash, bytes = EXCLUDED.bytes
        RETURNING job_id
        """

    /// The lock an ingestion's completion takes first: the job, if $2 still holds it.
    static let lockHeldJob = """
        SELECT dataset_id FROM jobs WHERE id = $1 AND lease_token = $2 AND status = 'running' FOR UPDATE
        """

    /// Moves the chunks of stream 'dataset' of job $1 (token $2) into dataset $3.
    static let moveDatasetChunks = """
        INSERT INTO dataset_chunks (dataset_id, chunk_index, row_count, content_hash, bytes)
        SELECT $3, chunk_index, row_count, content_hash, bytes FROM job_output_chunks
        WHERE job_id = $1 AND lease_token = $2 AND stream = 'dataset'
        """

    /// Dataset $1 is ready: profile $2, $3 rows, $4 columns; its content hash is the SHA-256
    /// of its chunks' hashes in order.
    static let markDatasetReady = """
        UPDATE datasets SET status = 'ready', profile = $2, row_count = $3, column_count = $4,
               content_hash = (SELECT sha256(coalesce(string_agg(content_hash, ''::bytea ORDER BY chunk_index), ''::bytea))
                               FROM dataset_chunks WHERE dataset_id = $1)
        WHERE id = $1 AND status = 'ingesting'
        RETURNING id
        """

    static let dropStagedChunks = "DELETE FROM job_output_chunks WHERE job_id = $1 AND stream = 'dataset'"

    /// Ingestion jobs among $1 that ended failed or cancelled: their datasets fail too.
    static let failIngestionDatasets = """
        UPDATE datasets d SET status = 'failed', error_message = coalesce(j.error_message, 'ingestion ' || j.status)
        FROM jobs j
        WHERE j.id = ANY ($1::uuid[]) AND j.kind = 'ingestion' AND j.status IN ('failed', 'cancelled')
          AND d.id = j.dataset_id AND d.status = 'ingesting'
        RETURNING d.id
        """

    /// The chunks of stream $2 that the final attempt of job $1 stored, in order.
    static let outputChunks = """
        SELECT c.chunk_index, c.row_count, c.content_hash, c.bytes, c.node_id
        FROM job_output_chunks c JOIN jobs j ON j.id = c.job_id AND j.lease_token = c.lease_token
        WHERE c.job_id = $1 AND c.stream = $2 ORDER BY c.chunk_index
        """
}
