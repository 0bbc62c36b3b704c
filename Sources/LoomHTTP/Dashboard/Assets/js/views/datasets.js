// Datasets: upload a CSV (with the upload's progress, then the ingestion's), and the list.
import { get, listDatasets, upload } from "../api.js";
import { badge, clear, errorBox, formatBytes, formatDate, h, progressBar, setProgress, toast } from "../dom.js";

const REFRESH_MS = 1500;

export function renderDatasets(main) {
  const file = h("input", { type: "file", id: "csv-file", accept: ".csv,text/csv", required: true });
  const name = h("input", { type: "text", id: "csv-name", placeholder: "name (default: the file's)", "aria-label": "Dataset name" });
  const submit = h("button", { type: "submit", class: "primary", id: "upload" }, "Upload");
  const bar = progressBar(0, "upload progress");
  const barLabel = h("span", { class: "muted small", id: "upload-state", role: "status" });
  const progress = h("div", { class: "upload-progress", hidden: true }, bar, barLabel);
  const form = h("form", { class: "card upload", id: "upload-form" },
    h("h2", null, "Upload a CSV"),
    h("div", { class: "row" },
      h("div", { class: "field" }, h("label", { for: "csv-file" }, "CSV file"), file),
      h("div", { class: "field grow" }, h("label", { for: "csv-name" }, "Name"), name),
      submit),
    progress);
  const body = h("tbody");
  const status = h("div", { class: "table-status muted" });
  main.append(h("div", { class: "page-head" }, h("h1", null, "Datasets")), form,
    h("div", { class: "card flush" }, h("table", { class: "table", id: "datasets-table" },
      h("thead", null, h("tr", null, ["Name", "Status", "Rows", "Columns", "Size", "Added"].map((title, index) => h("th", { scope: "col", class: index >= 2 && index <= 4 ? "num" : null }, title)))),
      body), status));

  let timer = null;
  let stopped = false;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    submit.disabled = true;
    progress.hidden = false;
    setProgress(bar, 0);
    barLabel.textContent = `uploading ${chosen.name}…`;
    const query = new URLSearchParams({ name: name.value.trim() || chosen.name });
    try {
      const result = await upload(`/api/datasets?${query}`, chosen, (fraction) => {
        setProgress(bar, fraction);
        barLabel.textContent = fraction < 1 ? `uploading ${chosen.name}: ${Math.round(fraction * 100)}%` : "uploaded; waiting for ingestion…";
      });
      setProgress(bar, null);
      barLabel.textContent = `uploaded; ingestion job ${result.job.id.slice(0, 8)} is ${result.job.status}`;
      form.reset();
      watchIngestion(result.dataset.id, result.job.id);
      load();
    } catch (error) {
      progress.hidden = true;
      toast(error.message, "error");
    } finally {
      submit.disabled = false;
    }
  });

  async function watchIngestion(datasetID, jobID) {
    while (!stopped) {
      try {
        const [dataset, job] = await Promise.all([get(`/api/datasets/${datasetID}`), get(`/api/jobs/${jobID}`)]);
        if (dataset.status === "ready") {
          setProgress(bar, 1);
          barLabel.textContent = `${dataset.name} is ready: ${dataset.rows} rows, ${dataset.columns} columns.`;
          return;
        }
        if (dataset.status === "failed" || job.status === "failed" || job.status === "cancelled") {
          progress.hidden = true;
          toast(`Ingestion of ${dataset.name} failed: ${dataset.error_message || job.error_message || job.status}`, "error");
          return;
        }
        barLabel.textContent = `ingesting ${dataset.name}: job ${job.status}${job.status === "queued" ? " (waiting for a worker)" : ""}`;
      } catch {
        // keep trying; the table shows errors
      }
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    }
  }

  async function load() {
    clearTimeout(timer);
    try {
      const records = await listDatasets();
      if (stopped) return;
      records.sort((a, b) => (Boolean(a.sample) === Boolean(b.sample) ? String(b.created_at ?? "").localeCompare(String(a.created_at ?? "")) : a.sample ? 1 : -1));
      clear(body).append(...records.map((record) => h("tr", { dataset: { datasetId: record.id, status: record.status } },
        h("td", null, h("a", { href: `#/datasets/${record.id}` }, record.name), record.sample ? h("span", { class: "tag" }, "sample") : null),
        h("td", null, badge(record.status), record.error_message ? h("div", { class: "form-error small" }, record.error_message) : null),
        h("td", { class: "num" }, record.rows?.toLocaleString() ?? "—"),
        h("td", { class: "num" }, record.columns ?? "—"),
        h("td", { class: "num" }, record.bytes ? formatBytes(record.bytes) : "—"),
        h("td", null, formatDate(record.created_at)))));
      status.textContent = records.length === 1 ? "1 dataset" : `${records.length} datasets`;
      if (records.some((record) => record.status === "uploading" || record.status === "ingesting")) timer = setTimeout(load, REFRESH_MS);
    } catch (error) {
      clear(status).append(errorBox(error));
    }
  }

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
