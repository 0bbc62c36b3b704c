// Names for jobs: a workflow job shows its workflow's name (through its snapshot), an
// ingestion job its dataset's. Looked up once per id and kept for the page's life.
import { get } from "./api.js";

const snapshots = new Map();
const workflows = new Map();
const datasets = new Map();

async function cached(map, key, load) {
  if (!map.has(key)) map.set(key, load().catch(() => null));
  return map.get(key);
}

export function snapshot(id) {
  return cached(snapshots, id, () => get(`/api/snapshots/${id}`));
}

export function workflow(id) {
  return cached(workflows, id, () => get(`/api/workflows/${id}`));
}

export function dataset(id) {
  return cached(datasets, id, () => get(`/api/datasets/${id}`));
}

/** {text, href} naming what a job ran. */
export async function jobSubject(job) {
  if (job.kind === "ingestion") {
    const record = job.dataset_id ? await dataset(job.dataset_id) : null;
    return { text: `ingest ${record ? record.name : "dataset"}`, href: job.dataset_id ? `#/datasets/${job.dataset_id}` : null };
  }
  const shot = job.workflow_snapshot_id ? await snapshot(job.workflow_snapshot_id) : null;
  if (!shot || !shot.workflow_id) return { text: "workflow", href: null };
  const record = await workflow(shot.workflow_id);
  const name = record ? record.name : "deleted workflow";
  return { text: `${name} · v${shot.workflow_version}`, href: record ? `#/canvas/${record.id}` : null };
}

export function forgetWorkflow(id) {
  workflows.delete(id);
}
