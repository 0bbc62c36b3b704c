/// The stream's one query of its own (the events themselves come from `JobQueue.events`).
enum StreamSQL {
    /// Follows job $1 and returns the last sequence number it has given out: where the
    /// job's fan-out starts. Events are announced only for followed jobs (migration 0008);
    /// locking the job's row orders this with every statement that stores its events, so
    /// each of them either is counted in the seq returned or is announced. Follows of jobs
    /// that finished since are dropped on the way. No row: the job does not exist.
    static let follow = """
        WITH job AS (
            SELECT id, event_seq FROM jobs WHERE id = $1 FOR SHARE
        ), followed AS (
            INSERT INTO stream_follows (job_id) SELECT id FROM job ON CONFLICT (job_id) DO NOTHING RETURNING job_id
        ), finished AS (
            DELETE FROM stream_follows f USING jobs j
            WHERE j.id = f.job_id AND f.job_id <> $1 AND j.status IN ('completed', 'failed', 'cancelled')
            RETURNING f.job_id
        )
        SELECT event_seq FROM job
        """
}
