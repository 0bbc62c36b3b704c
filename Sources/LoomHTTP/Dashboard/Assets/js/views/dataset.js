// One dataset: its ingestion state and profile (types, missing counts, histograms).
import { get } from "../api.js";
import { badge, clear, errorBox, formatBytes, formatNumber, h, progressBar, s } from "../dom.js";

export function renderDataset(main, datasetID) {
  let timer = null;
  let stopped = false;
  const head = h("div", { class: "page-head" }, h("h1", null, "Dataset"));
  const content = h("div");
  main.append(head, content);

  async function load() {
    try {
      const record = await get(`/api/datasets/${datasetID}`);
      if (stopped) return;
      clear(head).append(h("div", { class: "title-row" }, h("h1", null, record.name), badge(record.status),
        record.sample ? h("span", { class: "tag" }, "sample") : null));
      clear(content);
      if (record.status === "uploading" || record.status === "ingesting") {
        content.append(h("section", { class: "card" }, h("h2", null, "Ingestion"),
          h("p", null, record.status === "uploading" ? "The file is still arriving." : "A worker is turning the file into columns and a profile."),
          progressBar(null, "ingestion progress")));
        timer = setTimeout(load, 1500);
        return;
      }
      if (record.status === "failed") {
        content.append(h("div", { class: "notice notice-error", role: "alert" }, h("strong", null, "Ingestion failed: "), record.error_message || "no reason given"));
        return;
      }
      const profile = record.profile;
      content.append(
        h("dl", { class: "facts" },
          h("div", null, h("dt", null, "Rows"), h("dd", null, (profile?.rows ?? record.rows)?.toLocaleString() ?? "—")),
          h("div", null, h("dt", null, "Columns"), h("dd", null, String(profile?.column_count ?? record.columns ?? "—"))),
          h("div", null, h("dt", null, "Size"), h("dd", null, record.bytes ? formatBytes(record.bytes) : profile?.bytes ? formatBytes(profile.bytes) : "—")),
          profile?.suggested_problem ? h("div", null, h("dt", null, "Suggested"), h("dd", null,
            `${profile.suggested_problem.problem_type} on ${profile.suggested_problem.target}`)) : null),
        profile ? columnsTable(profile) : h("p", { class: "muted" }, "No profile."));
    } catch (error) {
      clear(content).append(errorBox(error));
    }
  }

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function columnsTable(profile) {
  return h("section", { class: "card flush" }, h("table", { class: "table profile", id: "profile-table" },
    h("caption", { class: "visually-hidden" }, "Column profile"),
    h("thead", null, h("tr", null, ["Column", "Type", "Missing", "Distinct", "Mean", "Min … Max", "Distribution"].map((title, index) => h("th", { scope: "col", class: index >= 2 && index <= 5 ? "num" : null }, title)))),
    h("tbody", null, profile.columns.map((column) => {
      const numeric = column.numeric || {};
      const missingShare = column.count ? column.missing / column.count : 0;
      return h("tr", { dataset: { column: column.name } },
        h("th", { scope: "row" }, column.name, profile.target === column.name ? h("span", { class: "tag" }, "target") : null),
        h("td", null, h("span", { class: "mono" }, column.type)),
        h("td", { class: ["num", column.missing > 0 && "warn"] }, column.missing.toLocaleString(),
          column.missing > 0 ? h("span", { class: "muted small" }, ` (${(missingShare * 100).toFixed(1)}%)`) : null),
        h("td", { class: "num" }, `${column.distinct.estimated ? "≈" : ""}${column.distinct.value.toLocaleString()}`),
        h("td", { class: "num" }, formatNumber(numeric.mean)),
        h("td", { class: "num" }, numeric.min !== undefined && numeric.min !== null ? `${formatNumber(numeric.min)} … ${formatNumber(numeric.max)}` : "—"),
        h("td", null, column.histogram ? histogram(column) : column.top_values ? topValues(column) : null));
    }))));
}

const WIDTH = 180;
const HEIGHT = 40;

function histogram(column) {
  const bins = column.histogram.bins;
  const top = Math.max(1, ...bins.map((bin) => bin.count));
  const width = WIDTH / Math.max(1, bins.length);
  return s("svg", { class: "histogram", width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img",
    "aria-label": `histogram of ${column.name}` },
  bins.map((bin, index) => {
    const height = Math.max(bin.count > 0 ? 1 : 0, (bin.count / top) * (HEIGHT - 2));
    return s("rect", { x: index * width + 0.5, y: HEIGHT - height, width: Math.max(1, width - 1), height },
      s("title", null, `${formatNumber(bin.lower)} to ${formatNumber(bin.upper)}: ${bin.count}`));
  }));
}

function topValues(column) {
  const values = column.top_values.slice(0, 5);
  const top = Math.max(1, ...values.map((value) => value.count));
  return h("div", { class: "top-values", role: "list", "aria-label": `most common values of ${column.name}` },
    values.map((value) => {
      const bar = h("span", { class: "bar" });
      bar.style.width = `${Math.max(2, (value.count / top) * 100)}%`;
      return h("div", { class: "top-value", role: "listitem", title: `${value.value}: ${value.count}` },
        h("span", { class: "label" }, value.value || "(empty)"), h("span", { class: "track" }, bar),
        h("span", { class: "count" }, value.count.toLocaleString()));
    }));
}
