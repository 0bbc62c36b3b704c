-- The cluster (issue 8).

-- 'bench': a trivial job kind kept for benchmarks and tests (it sleeps and emits what its
-- spec says; see Sources/LoomWorker/BenchJob.swift). It never touches user data.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('ingestion', 'workflow', 'bench'));

-- What a job that is not a workflow runs with: an ingestion's CSV options and target, a
-- bench job's sleep and event counts. Workflow jobs take theirs from the snapshot.
ALTER TABLE jobs ADD COLUMN spec jsonb;

-- Columnar chunks a job streamed back: the dataset an ingestion made (stream 'dataset',
-- moved to dataset_chunks when the job completes) and node outputs such as predictions.
-- Keyed by the lease token too: a zombie's chunks never mix with the attempt that won,
-- and the completed attempt's chunks are the job's result.
CREATE TABLE job_output_chunks (
    job_id        uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    lease_token   bigint NOT NULL,
    stream        text NOT NULL,
    node_id       text,
    chunk_index   integer NOT NULL,
    row_count     integer NOT NULL,
    content_hash  bytea NOT NULL,
    bytes         bytea NOT NULL,
    PRIMARY KEY (job_id, lease_token, stream, chunk_index)
);
