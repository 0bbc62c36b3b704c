// The canvas: design a workflow from a palette, connect, configure, validate, save, execute.
import { ApiError, get, listDatasets, post, put } from "../api.js";
import { clear, errorBox, h, toast } from "../dom.js";
import { GraphView } from "../graph.js";
import { COLUMN_GAP, NODE_WIDTH, ROW_HEIGHT, cycles, layout } from "../layout.js";
import { datasetColumns, findDataset, loadCatalog } from "../catalog.js";
import { nodePanel } from "../panel.js";
import { forgetWorkflow } from "../names.js";

const PALETTE = ["dataset", "preprocessing", "split", "model", "evaluate", "visualize"];
const positionsKey = (id) => `loom.positions.${id}`;

export function renderCanvas(main, id) {
  const state = { id: id === "new" ? null : id, name: "Untitled workflow", version: null, nodes: [], edges: [], dirty: false };
  let positions = {};
  let catalog = null;
  let datasets = [];
  let issues = new Map();
  const placedByUser = new Set();
  let stopped = false;

  const name = h("input", { id: "wf-name", type: "text", value: state.name, "aria-label": "Workflow name", class: "title-input" });
  const saveState = h("span", { class: "muted small", id: "save-state", role: "status" });
  const issuesBox = h("div", { id: "issues", class: "issues", "aria-live": "polite" });
  const canvasArea = h("div", { class: "card flush canvas-area", id: "canvas" });
  const panel = h("aside", { class: "panel card", id: "panel", "aria-label": "Node settings" });
  const graph = new GraphView({
    editable: true,
    summary,
    onSelect: () => showPanel(),
    onMove: () => {
      if (graph.selection && graph.selection.node) placedByUser.add(graph.selection.node);
      persistPositions();
    },
    onConnect: (source, target) => connect(source, target),
    onDelete: (selection) => remove(selection),
  });
  const buttons = {
    validate: h("button", { type: "button", id: "validate", onclick: () => validate() }, "Validate"),
    save: h("button", { type: "button", id: "save", onclick: () => save().catch(report) }, "Save"),
    execute: h("button", { type: "button", id: "execute", class: "primary", onclick: () => execute() }, "Execute"),
  };
  const palette = h("div", { class: "palette", role: "toolbar", "aria-label": "Add a node" },
    h("span", { class: "muted small" }, "Add"),
    PALETTE.map((type) => h("button", { type: "button", id: `add-${type}`, class: ["chip", `type-${type}`], onclick: () => addNode(type) }, type)),
    h("button", { type: "button", class: "link small", id: "auto-layout", onclick: () => relayout() }, "Tidy layout"));

  main.append(
    h("div", { class: "page-head" }, name,
      h("div", { class: "actions" }, saveState, buttons.validate, buttons.save, buttons.execute)),
    palette,
    issuesBox,
    h("div", { class: "canvas-layout" }, canvasArea, panel));
  canvasArea.append(graph.element);
  name.addEventListener("input", () => {
    state.name = name.value;
    markDirty();
  });
  document.addEventListener("keydown", onKey);

  function onKey(event) {
    if (event.key !== "Delete" && event.key !== "Backspace") return;
    if (!graph.selection || !graph.selection.edge) return;
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    event.preventDefault();
    remove(graph.selection);
  }

  function report(error) {
    toast(error.message || String(error), "error");
  }

  function markDirty() {
    state.dirty = true;
    saveState.textContent = "unsaved changes";
  }

  function persistPositions() {
    if (state.id) localStorage.setItem(positionsKey(state.id), JSON.stringify(positions));
  }

  // Reading the graph.

  function inputsOf(nodeID) {
    return state.edges.filter((edge) => edge.target === nodeID).map((edge) => state.nodes.find((node) => node.id === edge.source)).filter(Boolean);
  }

  /** The nearest node of `type` upstream of a node (the node itself counts). */
  function upstream(nodeID, type) {
    const seen = new Set();
    const queue = [nodeID];
    while (queue.length) {
      const current = queue.shift();
      if (seen.has(current)) continue;
      seen.add(current);
      const node = state.nodes.find((item) => item.id === current);
      if (node && node.type === type) return node;
      queue.push(...inputsOf(current).map((item) => item.id));
    }
    return null;
  }

  function summary(node) {
    const data = node.data || {};
    switch (node.type) {
      case "dataset": {
        const record = findDataset(datasets, data.datasetId);
        const dataset = record ? record.name : data.datasetId || "no dataset";
        return `${dataset}${data.targetColumn ? ` → ${data.targetColumn}` : ""}${data.problemType ? ` · ${data.problemType}` : ""}`;
      }
      case "preprocessing": return data.method || "no method";
      case "split": return `test ${Math.round((data.testSize ?? 0.2) * 100)}%`;
      case "model": return data.algorithm || "no algorithm";
      case "evaluate": return data.metrics && data.metrics.length ? data.metrics.join(", ") : "standard metrics";
      case "visualize": return data.plots && data.plots.length ? data.plots.join(", ") : "standard plots";
      default: return "";
    }
  }

  // Editing.

  function freeSpot(near) {
    const occupied = (x, y) => Object.values(positions).some((p) => Math.abs(p.x - x) < NODE_WIDTH && Math.abs(p.y - y) < ROW_HEIGHT - 8);
    let x = near ? near.x + NODE_WIDTH + COLUMN_GAP : 32;
    let y = near ? near.y : 32;
    // Past the visible width, start a new band below everything rather than scroll sideways.
    if (x + NODE_WIDTH > Math.max(canvasArea.clientWidth - 16, 2 * (NODE_WIDTH + COLUMN_GAP))) {
      x = 32;
      y = Math.max(32, ...Object.values(positions).map((p) => p.y + ROW_HEIGHT));
    }
    while (occupied(x, y)) y += ROW_HEIGHT;
    return { x, y };
  }

  function addNode(type) {
    let number = state.nodes.filter((node) => node.type === type).length + 1;
    while (state.nodes.some((node) => node.id === `${type}-${number}`)) number += 1;
    const node = { id: `${type}-${number}`, type, data: defaults(type) };
    const selected = graph.selection && graph.selection.node ? positions[graph.selection.node] : null;
    const last = state.nodes.length ? positions[state.nodes[state.nodes.length - 1].id] : null;
    positions[node.id] = freeSpot(selected || last);
    state.nodes.push(node);
    markDirty();
    redraw();
    graph.select({ node: node.id });
    graph.focusNode(node.id);
  }

  function defaults(type) {
    switch (type) {
      case "dataset": return { problemType: "classification" };
      case "preprocessing": return { method: "standard_scaler", parameters: {} };
      case "split": return { testSize: 0.2 };
      case "model": return { hyperparameters: {} };
      default: return {};
    }
  }

  function connect(source, target) {
    if (source === target) return;
    // A node the user has not placed yet goes to the right of what feeds it.
    if (!placedByUser.has(target) && !state.edges.some((edge) => edge.target === target)) {
      delete positions[target];
      positions[target] = freeSpot(positions[source]);
    }
    if (state.edges.some((edge) => edge.source === source && edge.target === target)) return;
    let number = state.edges.length + 1;
    while (state.edges.some((edge) => edge.id === `e${number}`)) number += 1;
    state.edges.push({ id: `e${number}`, source, target });
    markDirty();
    redraw();
    showPanel();
  }

  function remove(selection) {
    if (!selection) return;
    if (selection.edge) {
      state.edges = state.edges.filter((edge) => edge.id !== selection.edge);
    } else if (selection.node) {
      state.nodes = state.nodes.filter((node) => node.id !== selection.node);
      state.edges = state.edges.filter((edge) => edge.source !== selection.node && edge.target !== selection.node);
      delete positions[selection.node];
      graph.selection = null;
    }
    issues.delete(selection.node);
    markDirty();
    redraw();
    graph.select(null);
  }

  function relayout() {
    positions = layout(state.nodes, state.edges);
    persistPositions();
    redraw();
  }

  function redraw() {
    graph.setGraph(state.nodes, state.edges, positions);
    showIssues();
  }

  async function showPanel() {
    const selection = graph.selection;
    clear(panel);
    if (!selection || !catalog) {
      panel.append(h("h2", null, "Settings"), h("p", { class: "muted" },
        "Add nodes from the bar above, drag from a node's right-hand port to another node to connect them, and select a node to configure it. ",
        "With the keyboard: Tab to a node, arrow keys move it, Delete removes it; connect from the settings panel."));
      return;
    }
    if (selection.edge) {
      const edge = state.edges.find((item) => item.id === selection.edge);
      if (!edge) return;
      panel.append(h("h2", null, "Connection"), h("p", null, h("span", { class: "mono" }, edge.source), " → ", h("span", { class: "mono" }, edge.target)),
        h("button", { type: "button", class: "danger", id: "remove-edge", onclick: () => remove(selection) }, "Remove connection"),
        h("p", { class: "muted small" }, "Or press Delete."));
      return;
    }
    const node = state.nodes.find((item) => item.id === selection.node);
    if (!node) return;
    const datasetNode = upstream(node.id, "dataset");
    const record = datasetNode ? findDataset(datasets, datasetNode.data.datasetId) : null;
    const profile = record && record.status === "ready" ? await datasetColumns(record.id) : null;
    if (stopped || !graph.selection || graph.selection.node !== node.id) return;
    const model = node.type === "visualize" ? upstream(node.id, "model") : null;
    clear(panel).append(nodePanel({
      node, catalog, datasets, profile,
      columns: profile ? profile.columns.map((column) => column.name) : [],
      problemType: datasetNode ? datasetNode.data.problemType : null,
      modelAlgorithm: model ? model.data.algorithm : null,
      issues: issues.get(node.id) || [],
      nodes: state.nodes, edges: state.edges,
      changed: (rerender) => {
        markDirty();
        graph.setSummary(node.id, summary(node));
        if (rerender) showPanel();
      },
      remove: () => remove({ node: node.id }),
      connect: (target) => connect(node.id, target),
      disconnect: (edgeID) => remove({ edge: edgeID }),
    }));
  }

  // Problems.

  function showIssues(list = null) {
    if (list) {
      issues = new Map();
      const loop = cycles(state.nodes, state.edges);
      for (const issue of list) {
        // A cycle is reported once; show it on every node of the loop.
        const targets = issue.code === "cycle" && loop.nodes.size ? [...loop.nodes] : issue.node_id ? [issue.node_id] : [];
        for (const target of targets) {
          if (!issues.has(target)) issues.set(target, []);
          issues.get(target).push(issue);
        }
      }
      clear(issuesBox);
      issuesBox.dataset.count = String(list.length);
      if (list.length === 0) {
        issuesBox.append(h("div", { class: "notice notice-ok", id: "valid-notice" }, h("span", { "aria-hidden": "true" }, "✓ "), "The workflow is valid."));
      } else {
        issuesBox.append(h("div", { class: "notice notice-error" },
          h("strong", null, list.length === 1 ? "1 problem" : `${list.length} problems`),
          h("ul", null, list.map((issue) => h("li", { dataset: { code: issue.code } },
            issue.node_id ? h("button", { type: "button", class: "link", onclick: () => { graph.select({ node: issue.node_id }); graph.focusNode(issue.node_id); } }, issue.node_id) : null,
            issue.node_id ? ": " : "", issue.message)))));
      }
      graph.problemEdges = loop.edges;
    }
    graph.setIssues(issues, list ? graph.problemEdges : graph.problemEdges || new Set());
  }

  function document_() {
    return {
      name: state.name.trim() || "Untitled workflow",
      nodes: state.nodes.map((node) => ({ id: node.id, type: node.type, data: node.data })),
      edges: state.edges.map((edge) => ({ id: edge.id, source: edge.source, target: edge.target })),
    };
  }

  async function validate() {
    buttons.validate.disabled = true;
    try {
      const result = await post("/api/workflows/validate", document_());
      showIssues(result.issues);
      showPanel();
      return result.valid;
    } catch (error) {
      report(error);
      return false;
    } finally {
      buttons.validate.disabled = false;
    }
  }

  async function save() {
    const body = document_();
    let record;
    try {
      record = state.id ? await put(`/api/workflows/${state.id}`, { ...body, version: state.version }) : await post("/api/workflows", body);
    } catch (error) {
      if (error.code === "version_conflict") throw new Error("Someone changed this workflow meanwhile. Reload the page to see their version.");
      throw error;
    }
    const created = !state.id;
    state.id = record.id;
    state.version = record.version;
    state.dirty = false;
    forgetWorkflow(record.id);
    persistPositions();
    saveState.textContent = `saved · version ${record.version}`;
    if (created) history.replaceState(null, "", `#/canvas/${record.id}`);
    return record;
  }

  async function execute() {
    buttons.execute.disabled = true;
    try {
      if (state.dirty || !state.id) await save();
      const job = await post(`/api/workflows/${state.id}/execute`);
      toast("The job is queued.");
      location.hash = `#/jobs/${job.id}`;
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_workflow" && Array.isArray(error.details)) {
        showIssues(error.details);
        showPanel();
      }
      report(error);
    } finally {
      buttons.execute.disabled = false;
    }
  }

  // Loading.

  (async () => {
    try {
      [catalog, datasets] = await Promise.all([loadCatalog(), listDatasets()]);
      if (state.id) {
        const record = await get(`/api/workflows/${state.id}`);
        state.name = record.name;
        state.version = record.version;
        state.nodes = record.nodes.map((node) => ({ ...node, data: node.data || {} }));
        state.edges = record.edges;
        name.value = record.name;
        saveState.textContent = `version ${record.version}`;
        let stored = null;
        try {
          stored = JSON.parse(localStorage.getItem(positionsKey(state.id)) || "null");
        } catch {
          stored = null;
        }
        const computed = layout(state.nodes, state.edges);
        positions = Object.fromEntries(state.nodes.map((node) => [node.id, (stored && stored[node.id]) || computed[node.id]]));
      }
      if (stopped) return;
      redraw();
      showPanel();
    } catch (error) {
      main.prepend(errorBox(error));
    }
  })();

  return () => {
    stopped = true;
    document.removeEventListener("keydown", onKey);
  };
}
