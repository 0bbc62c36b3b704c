/// The stream's one query of its own (the events themselves come from `JobQueue.events`).
enum StreamSQL {
    /// The last sequence number job $1 has given out: where a job's fan-out starts.
    static let lastSeq = "SELECT event_seq FROM jobs WHERE id = $1"
}
