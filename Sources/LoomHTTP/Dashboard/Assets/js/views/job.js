// One job: its workflow drawn with each node's live status, the errors, the metrics of
// each model side by side, the plots, and cancel and retry.
import { get, listDatasets, post } from "../api.js";
import { badge, clear, errorBox, formatDate, formatDuration, h, secondsBetween, shortID, toast } from "../dom.js";
import { GraphView } from "../graph.js";
import { layout } from "../layout.js";
import { findDataset } from "../catalog.js";
import { metricsTable, showPlots } from "../metrics.js";
import { jobSubject } from "../names.js";
import { JobStream } from "../stream.js";

const FINISHED = new Set(["completed", "failed", "cancelled"]);

export function renderJob(main, jobID) {
  let job = null;
  let snapshot = null;
  let stream = null;
  let stopped = false;
  const metrics = {};
  const shownPlots = new Set();
  const nodeState = new Map();

  const title = h("h1", null, "Job ", h("span", { class: "mono" }, shortID(jobID)));
  const statusHolder = h("span", { id: "job-status" });
  const liveState = h("span", { class: "muted small", id: "live-state", role: "status" });
  const cancel = h("button", { type: "button", id: "cancel", class: "danger", hidden: true, onclick: () => act("cancel") }, "Cancel");
  const retry = h("button", { type: "button", id: "retry", hidden: true, onclick: () => act("retry") }, "Retry");
  const facts = h("dl", { class: "facts" });
  const errorHolder = h("div");
  const graph = new GraphView({ editable: false, fit: true, summary: nodeSummary, onSelect: () => {} });
  let datasets = [];
  const metricsHolder = h("div", { id: "metrics" }, h("p", { class: "muted" }, "Metrics appear as each evaluation finishes."));
  const plotsHolder = h("div", { id: "plots", class: "plots" });
  const graphCard = h("section", { class: "card" }, h("h2", null, "Workflow"), h("div", { class: "graph-scroll" }, graph.element));
  main.append(
    h("div", { class: "page-head" }, h("div", { class: "title-row" }, title, statusHolder, liveState),
      h("div", { class: "actions" }, cancel, retry)),
    facts, errorHolder, graphCard,
    h("section", { class: "card" }, h("h2", null, "Metrics"), metricsHolder),
    h("section", { class: "card" }, h("h2", null, "Plots"), plotsHolder));

  function nodeSummary(node) {
    const data = node.data || {};
    if (node.type === "dataset") {
      const record = findDataset(datasets, data.datasetId);
      return `${record ? record.name : data.datasetId || ""}${data.targetColumn ? ` → ${data.targetColumn}` : ""}`;
    }
    return data.algorithm || data.method || (data.metrics || data.plots || []).join(", ") || "";
  }

  function showJob() {
    clear(statusHolder).append(badge(job.status));
    const finished = FINISHED.has(job.status);
    cancel.hidden = finished;
    cancel.disabled = job.cancel_requested;
    if (job.cancel_requested && !finished) cancel.textContent = "Cancelling…";
    retry.hidden = !finished || job.kind !== "workflow";
    const duration = job.duration_seconds ?? (job.status === "running" ? secondsBetween(job.started_at) : null);
    const fact = (term, ...value) => [h("div", null, h("dt", null, term), h("dd", null, ...value))];
    const subject = h("span", null, "…");
    jobSubject(job).then((value) => clear(subject).append(value.href ? h("a", { href: value.href }, value.text) : value.text));
    clear(facts).append(
      ...fact("What", subject),
      ...fact("Created", formatDate(job.created_at)),
      ...fact("Started", formatDate(job.started_at)),
      ...fact("Duration", formatDuration(duration)),
      ...fact("Credits", job.credit_cost != null ? `${job.credit_cost} charged` : job.credit_estimate != null ? `${job.credit_estimate} estimated` : "—"),
      ...fact("Attempt", `${job.attempt} of ${job.max_tries}`));
    clear(errorHolder);
    if (job.error_message) errorHolder.append(h("div", { class: "notice notice-error", role: "alert", id: "job-error" }, h("strong", null, "Failed: "), job.error_message));
  }

  function setNode(id, status, details = {}) {
    const previous = nodeState.get(id) || {};
    const next = { ...previous, status, ...details };
    nodeState.set(id, next);
    graph.setStatus(id, status, next);
  }

  async function refreshResults() {
    if (job.kind !== "workflow") return;
    const [results, artifacts] = await Promise.all([get(`/api/jobs/${jobID}/results`), get(`/api/jobs/${jobID}/artifacts`)]);
    Object.assign(metrics, results.metrics || {});
    showMetrics();
    await showPlots(plotsHolder, artifacts, shownPlots);
  }

  function showMetrics() {
    if (!Object.keys(metrics).length) return;
    clear(metricsHolder).append(metricsTable(metrics, describeColumn));
  }

  /** An evaluate node's column: the model it evaluates. */
  function describeColumn(nodeID) {
    if (!snapshot) return nodeID;
    const edge = snapshot.edges.find((item) => item.target === nodeID);
    const model = edge ? snapshot.nodes.find((node) => node.id === edge.source) : null;
    if (!model) return nodeID;
    const label = model.data.label || model.id;
    return model.data.algorithm && model.data.algorithm !== label ? `${label} (${model.data.algorithm})` : label;
  }

  async function poll() {
    try {
      job = await get(`/api/jobs/${jobID}`);
      if (stopped) return;
      showJob();
      if (job.kind === "workflow") {
        const nodes = await get(`/api/jobs/${jobID}/nodes`);
        for (const node of nodes) {
          const current = nodeState.get(node.node_id);
          setNode(node.node_id, node.status, {
            error: node.error_message, duration: node.duration_seconds,
            progress: current && current.status === "running" && node.status === "running" ? current.progress : null,
          });
        }
        if (nodes.some((node) => node.status === "completed") || FINISHED.has(job.status)) await refreshResults();
      }
      if (FINISHED.has(job.status) && stream) stream.finish();
    } catch (error) {
      if (!stopped) liveState.textContent = `could not refresh: ${error.message}`;
    }
  }

  function onMessage(message) {
    switch (message.type) {
      case "node_status":
        setNode(message.node_id, message.status, {
          error: message.error || message.error_message || (message.status === "failed" ? message.message : undefined),
          duration: message.duration_seconds ?? message.duration,
          progress: message.status === "running" ? message.progress ?? null : null,
        });
        if (message.status === "completed") refreshResults().catch(() => {});
        break;
      case "node_progress":
        if ((nodeState.get(message.node_id) || {}).status !== "running") setNode(message.node_id, "running", {});
        nodeState.get(message.node_id).progress = message.progress;
        graph.setProgress(message.node_id, message.progress);
        break;
      case "metrics":
        if (message.node_id) {
          metrics[message.node_id] = message;
          showMetrics();
        }
        break;
      default:
        // job_started, job_completed, job_failed, job_cancelled, job_retrying, lease_expired
        poll();
    }
  }

  async function act(action) {
    try {
      const result = await post(`/api/jobs/${jobID}/${action}`);
      if (action === "retry") {
        toast("Queued again as a new job.");
        location.hash = `#/jobs/${result.id}`;
      } else {
        job = result;
        showJob();
        toast("Cancellation requested.");
      }
    } catch (error) {
      toast(error.message, "error");
    }
  }

  (async () => {
    try {
      job = await get(`/api/jobs/${jobID}`);
      showJob();
      if (job.kind === "workflow" && job.workflow_snapshot_id) {
        [snapshot, datasets] = await Promise.all([get(`/api/snapshots/${job.workflow_snapshot_id}`), listDatasets().catch(() => [])]);
        graph.setGraph(snapshot.nodes, snapshot.edges, layout(snapshot.nodes, snapshot.edges));
        for (const node of snapshot.nodes) setNode(node.id, "pending");
      } else {
        graphCard.hidden = true;
      }
      if (stopped) return;
      await poll();
      if (stopped || FINISHED.has(job.status)) return;
      stream = new JobStream(jobID, {
        onMessage, onPoll: poll,
        onState: (state) => {
          const words = { live: "● live", reconnecting: "reconnecting…", polling: "updating every few seconds", done: "" };
          liveState.textContent = words[state];
        },
      });
      stream.start();
    } catch (error) {
      main.append(errorBox(error));
    }
  })();

  return () => {
    stopped = true;
    if (stream) stream.close();
  };
}
