// Building the page: elements, formatting, status badges, messages.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(node, attributes) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h("a", {href: "#/jobs", class: "x"}, "text", child). */
export function h(tag, attributes, ...children) {
  const node = document.createElement(tag);
  apply(node, attributes);
  append(node, children);
  return node;
}

/** An SVG element. */
export function s(tag, attributes, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attributes);
  append(node, children);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

// Statuses: the Okabe–Ito palette (safe for the common colour-vision deficiencies), and
// every status also has its own symbol and word, so colour is never the only signal.
const SYMBOLS = {
  pending: "○", queued: "◷", running: "▶", completed: "✓", failed: "✕",
  cancelled: "⊘", skipped: "–", uploading: "↑", ingesting: "◷", ready: "✓",
  active: "●", draining: "◐", gone: "○",
};

export function badge(status) {
  return h("span", { class: ["badge", `status-${status}`], title: status },
    h("span", { class: "symbol", "aria-hidden": "true" }, SYMBOLS[status] || "•"), status);
}

/** The first 8 characters of a UUID, in lower case whatever case the API wrote. */
export function shortID(id) {
  return id ? String(id).slice(0, 8).toLowerCase() : "";
}

export function formatDate(text) {
  if (!text) return "—";
  const date = new Date(text);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : date.toLocaleString([], { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Seconds between two ISO times, or from one to now. */
export function secondsBetween(start, end) {
  if (!start) return null;
  return ((end ? new Date(end) : new Date()) - new Date(start)) / 1000;
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatNumber(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return value.toLocaleString();
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 0.001 || magnitude >= 1e6)) return value.toExponential(3);
  return value.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
}

/** A short message in the corner: kind is "info" or "error". */
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: ["toast", `toast-${kind}`] }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

/** An error box for a page section. */
export function errorBox(error) {
  return h("div", { class: "notice notice-error", role: "alert" }, error.message || String(error));
}

export function progressBar(fraction, label) {
  const bar = h("div", { class: "progress", role: "progressbar", "aria-label": label || "progress", "aria-valuemin": "0", "aria-valuemax": "100" });
  const fill = h("div", { class: "progress-fill" });
  bar.append(fill);
  setProgress(bar, fraction);
  return bar;
}

/** fraction in 0...1, or null for "working, amount unknown". */
export function setProgress(bar, fraction) {
  const fill = bar.firstChild;
  if (fraction === null || fraction === undefined) {
    bar.classList.add("indeterminate");
    bar.removeAttribute("aria-valuenow");
    fill.style.width = "";
  } else {
    const percent = Math.max(0, Math.min(100, Math.round(fraction * 100)));
    bar.classList.remove("indeterminate");
    bar.setAttribute("aria-valuenow", String(percent));
    fill.style.width = `${percent}%`;
  }
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", null, title), ...children);
}
