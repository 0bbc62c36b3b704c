// Jobs: a table of the caller's jobs, refreshed every few seconds while on screen.
import { get } from "../api.js";
import { badge, clear, errorBox, formatDate, formatDuration, h, secondsBetween, shortID } from "../dom.js";
import { jobSubject } from "../names.js";

const STATUSES = ["pending", "queued", "running", "completed", "failed", "cancelled"];
const REFRESH_MS = 3000;

export function renderJobs(main) {
  const filter = h("select", { id: "job-filter", "aria-label": "Show jobs with status" },
    h("option", { value: "" }, "All statuses"),
    STATUSES.map((status) => h("option", { value: status }, status)));
  const body = h("tbody");
  const table = h("table", { class: "table", id: "jobs-table" },
    h("caption", { class: "visually-hidden" }, "Your jobs, newest first"),
    h("thead", null, h("tr", null,
      ["Status", "Job", "Workflow", "Started", "Duration", "Credits"].map((title, index) => h("th", { scope: "col", class: index >= 4 ? "num" : null }, title)))),
    body);
  const status = h("div", { class: "table-status muted" });
  main.append(
    h("div", { class: "page-head" }, h("h1", null, "Jobs"),
      h("div", { class: "actions" }, filter, h("a", { class: "button primary", href: "#/canvas/new" }, "New workflow"))),
    h("div", { class: "card flush" }, table, status));

  let timer = null;
  let stopped = false;
  async function load() {
    const query = filter.value ? `&status=${filter.value}` : "";
    try {
      const page = await get(`/api/jobs?limit=50${query}`);
      if (stopped) return;
      const rows = await Promise.all(page.items.map(row));
      if (stopped) return;
      clear(body).append(...rows);
      status.textContent = page.items.length === 0
        ? "No jobs yet. Design a workflow on the canvas and execute it."
        : `${page.items.length} of ${page.total} · updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      clear(status).append(errorBox(error));
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  }
  filter.addEventListener("change", () => {
    clearTimeout(timer);
    load();
  });
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function row(job) {
  const subject = await jobSubject(job);
  const running = job.status === "running";
  const duration = job.duration_seconds ?? (running ? secondsBetween(job.started_at) : null);
  const credits = job.credit_cost ?? job.credit_estimate;
  return h("tr", { dataset: { jobId: job.id, status: job.status } },
    h("td", null, badge(job.status)),
    h("td", null, h("a", { href: `#/jobs/${job.id}`, class: "mono" }, shortID(job.id))),
    h("td", null, subject.href ? h("a", { href: subject.href }, subject.text) : subject.text,
      job.kind === "ingestion" ? h("span", { class: "tag" }, "ingestion") : null),
    h("td", null, formatDate(job.started_at)),
    h("td", { class: "num" }, formatDuration(duration)),
    h("td", { class: "num", title: job.credit_cost == null ? "estimate" : "charged" },
      credits == null ? "—" : `${credits}${job.credit_cost == null ? " (est.)" : ""}`));
}
