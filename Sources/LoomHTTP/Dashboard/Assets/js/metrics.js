// Metrics of the models of a job, side by side, and the plots inline.
import { blobURL } from "./api.js";
import { clear, formatNumber, h } from "./dom.js";

const LOWER_IS_BETTER = new Set(["mse", "rmse", "mae", "mape", "log_loss", "davies_bouldin", "inertia"]);

/** The scalar metrics of a `metrics` event or result, whatever level they sit at. */
export function scalarMetrics(payload) {
  if (!payload || typeof payload !== "object") return {};
  const candidates = [payload.metrics && payload.metrics.metrics, payload.report && payload.report.metrics, payload.metrics];
  for (const candidate of candidates) {
    if (candidate && typeof candidate === "object" && !Array.isArray(candidate)) {
      const numbers = Object.entries(candidate).filter(([, value]) => typeof value === "number");
      if (numbers.length) return Object.fromEntries(numbers);
    }
  }
  return {};
}

/** byNode: {evaluateNodeID: payload}; describe(nodeID) → column title. */
export function metricsTable(byNode, describe) {
  const columns = Object.keys(byNode).sort();
  const values = Object.fromEntries(columns.map((id) => [id, scalarMetrics(byNode[id])]));
  const names = [...new Set(columns.flatMap((id) => Object.keys(values[id])))].sort();
  if (!names.length) return h("p", { class: "muted" }, "No metrics yet.");
  const best = (name) => {
    const numbers = columns.map((id) => values[id][name]).filter((value) => typeof value === "number");
    if (numbers.length < 2) return null;
    return LOWER_IS_BETTER.has(name) ? Math.min(...numbers) : Math.max(...numbers);
  };
  return h("div", { class: "table-scroll" }, h("table", { class: "table metrics", id: "metrics-table" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "metric"),
      columns.map((id) => h("th", { scope: "col", class: "num" }, describe(id))))),
    h("tbody", null, names.map((name) => {
      const top = best(name);
      return h("tr", { dataset: { metric: name } }, h("th", { scope: "row" }, name,
        LOWER_IS_BETTER.has(name) ? h("span", { class: "muted small", title: "lower is better" }, " ↓") : null),
      columns.map((id) => {
        const value = values[id][name];
        const isBest = top !== null && value === top;
        return h("td", { class: ["num", isBest && "best"], title: isBest ? "best of the models" : "" },
          formatNumber(value), isBest ? h("span", { class: "visually-hidden" }, " (best)") : null);
      }));
    }))));
}

/** Shows each image artifact once; `shown` remembers urls already drawn. */
export async function showPlots(container, artifacts, shown) {
  // A plot drawn in several formats is shown once, as SVG when there is one; the other
  // formats become download links under it.
  const stem = (artifact) => `${artifact.node_id}/${artifact.name.replace(/\.[a-z]+$/, "")}`;
  const all = artifacts.filter((artifact) => artifact.content_type.startsWith("image/"));
  const images = all.filter((artifact) => artifact.content_type === "image/svg+xml"
    || !all.some((other) => other !== artifact && stem(other) === stem(artifact) && other.content_type === "image/svg+xml"));
  if (!images.length && !container.childElementCount) {
    clear(container).append(h("p", { class: "muted", id: "no-plots" }, "No plots yet."));
    return;
  }
  for (const artifact of images) {
    if (shown.has(artifact.url)) continue;
    shown.add(artifact.url);
    const placeholder = container.querySelector("#no-plots");
    if (placeholder) placeholder.remove();
    const words = artifact.name.replace(/\.[a-z]+$/, "").replaceAll("_", " ").replace(/\broc\b/, "ROC");
    const title = words.charAt(0).toUpperCase() + words.slice(1);
    const figure = h("figure", { class: "plot", dataset: { node: artifact.node_id, name: artifact.name } },
      h("figcaption", null, h("strong", null, title), h("span", { class: "muted small" }, ` · ${artifact.node_id}`),
        ...all.filter((other) => other !== artifact && stem(other) === stem(artifact)).map((other) =>
          h("a", { class: "small", href: "#", onclick: (event) => { event.preventDefault(); download(other); } },
            ` · ${other.name.split(".").pop().toUpperCase()}`))));
    container.append(figure);
    try {
      const url = await blobURL(artifact.url);
      const image = h("img", { src: url, alt: `${title} plot of ${artifact.node_id}`, loading: "lazy" });
      figure.prepend(image);
    } catch (error) {
      figure.append(h("p", { class: "form-error" }, error.message));
    }
  }
}

/** Saves an artifact as a file (it needs the token, so a plain link cannot fetch it). */
async function download(artifact) {
  const link = h("a", { href: await blobURL(artifact.url), download: `${artifact.node_id}-${artifact.name}` });
  document.body.append(link);
  link.click();
  link.remove();
}
