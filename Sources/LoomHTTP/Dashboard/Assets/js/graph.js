// A workflow drawn as boxes and arrows: nodes are focusable HTML boxes over an SVG layer
// of edges. The canvas edits it (drag, connect, keyboard); the job page only colours it.
import { badge, clear, h, progressBar, s, setProgress } from "./dom.js";
import { NODE_WIDTH } from "./layout.js";

const TYPE_LABELS = {
  dataset: "Dataset", preprocessing: "Preprocess", split: "Split",
  model: "Model", evaluate: "Evaluate", visualize: "Visualize",
};
const NO_INPUT = new Set(["dataset"]);
const NO_OUTPUT = new Set(["visualize"]);

export function typeLabel(type) {
  return TYPE_LABELS[type] || type;
}

export class GraphView {
  /**
   * options: editable, summary(node) → text, onSelect(selection), onMove(), onConnect(source, target),
   * onDelete(selection). A selection is {node: id} or {edge: id} or null.
   */
  constructor(options) {
    this.options = options;
    this.nodes = [];
    this.edges = [];
    this.positions = {};
    this.boxes = new Map();
    this.selection = null;
    this.edgeLayer = s("svg", { class: "edges", "aria-hidden": "true" },
      s("defs", null, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
        s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }))));
    this.nodeLayer = h("div", { class: "node-layer" });
    this.stage = h("div", { class: "graph-stage" }, this.edgeLayer, this.nodeLayer);
    this.element = h("div", { class: ["graph", options.editable && "editable"] }, this.stage);
    if (options.editable) this.element.addEventListener("pointerdown", (event) => {
      if ([this.element, this.stage, this.nodeLayer, this.edgeLayer].includes(event.target)) this.select(null);
    });
  }

  /** Draws the graph again; positions maps node id → {x, y}. */
  setGraph(nodes, edges, positions) {
    this.nodes = nodes;
    this.edges = edges;
    this.positions = positions;
    clear(this.nodeLayer);
    this.boxes.clear();
    for (const node of nodes) {
      const box = this.box(node);
      this.boxes.set(node.id, box);
      this.nodeLayer.append(box.element);
    }
    this.place();
    if (this.selection && this.selection.node && !this.boxes.has(this.selection.node)) this.selection = null;
    this.markSelection();
  }

  box(node) {
    const element = h("div", {
      class: ["node", `type-${node.type}`], tabindex: "0", role: "button",
      dataset: { nodeId: node.id, type: node.type },
    });
    const title = h("div", { class: "node-title" }, node.data && node.data.label ? node.data.label : node.id);
    const summary = h("div", { class: "node-summary" }, this.options.summary ? this.options.summary(node) : "");
    const state = h("div", { class: "node-state" });
    const issues = h("div", { class: "node-issues", hidden: true });
    element.append(h("div", { class: "node-type" }, typeLabel(node.type)), title, summary, state, issues);
    if (this.options.editable) {
      if (!NO_INPUT.has(node.type)) element.append(h("span", { class: "port in", title: "input" }));
      if (!NO_OUTPUT.has(node.type)) element.append(h("span", { class: "port out", title: "drag to connect", dataset: { port: "out" } }));
      element.addEventListener("pointerdown", (event) => this.pointerDown(event, node.id));
      element.addEventListener("keydown", (event) => this.keyDown(event, node.id));
    } else {
      element.addEventListener("click", () => this.select({ node: node.id }));
      element.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") this.select({ node: node.id });
      });
    }
    element.addEventListener("focus", () => {
      if (!this.selection || this.selection.node !== node.id) this.select({ node: node.id });
    });
    element.setAttribute("aria-label", `${typeLabel(node.type)} node ${node.id}`);
    return { element, title, summary, state, issues, status: null, bar: null };
  }

  /** Positions every box and redraws the edges. */
  place() {
    let right = 0;
    let bottom = 0;
    for (const node of this.nodes) {
      const box = this.boxes.get(node.id);
      const position = this.positions[node.id] || { x: 20, y: 20 };
      box.element.style.left = `${position.x}px`;
      box.element.style.top = `${position.y}px`;
      right = Math.max(right, position.x + NODE_WIDTH);
      bottom = Math.max(bottom, position.y + box.element.offsetHeight);
    }
    const width = right + 48;
    const height = bottom + 48;
    this.nodeLayer.style.width = `${width}px`;
    this.nodeLayer.style.height = `${height}px`;
    this.edgeLayer.setAttribute("width", String(width));
    this.edgeLayer.setAttribute("height", String(height));
    if (this.options.fit) this.fit(width, height);
    this.drawEdges();
  }

  /** Read-only graphs shrink (down to 70%) to fit their container's width. */
  fit(width, height) {
    const available = this.element.parentElement ? this.element.parentElement.clientWidth - 4 : width;
    const scale = Math.max(0.7, Math.min(1, available / width));
    this.stage.style.transform = scale < 1 ? `scale(${scale})` : "";
    this.element.style.width = `${Math.ceil(width * scale)}px`;
    this.element.style.height = `${Math.ceil(height * scale)}px`;
  }

  anchor(id, side) {
    const box = this.boxes.get(id);
    const position = this.positions[id] || { x: 0, y: 0 };
    const height = box ? box.element.offsetHeight : 60;
    return { x: position.x + (side === "out" ? NODE_WIDTH : 0), y: position.y + Math.min(height / 2, 36) };
  }

  static curve(from, to) {
    if (to.x < from.x + 30) {
      // Backwards (a loop): swing below both nodes instead of through them.
      const drop = Math.max(from.y, to.y) + 90;
      return `M ${from.x} ${from.y} C ${from.x + 90} ${drop}, ${to.x - 90} ${drop}, ${to.x} ${to.y}`;
    }
    const bend = Math.max(40, Math.abs(to.x - from.x) / 2);
    return `M ${from.x} ${from.y} C ${from.x + bend} ${from.y}, ${to.x - bend} ${to.y}, ${to.x} ${to.y}`;
  }

  drawEdges() {
    for (const old of this.edgeLayer.querySelectorAll("g.edge, path.pending-edge")) old.remove();
    for (const edge of this.edges) {
      if (!this.boxes.has(edge.source) || !this.boxes.has(edge.target)) continue;
      const to = this.anchor(edge.target, "in");
      to.x -= this.options.editable ? 9 : 1; // the arrow's tip on the port, not under it
      const d = GraphView.curve(this.anchor(edge.source, "out"), to);
      const group = s("g", { class: ["edge", edge.problem && "edge-problem", this.isSelected({ edge: edge.id }) && "selected"], dataset: { edgeId: edge.id } },
        s("path", { d, class: "edge-hit" }),
        s("path", { d, class: "edge-line", "marker-end": "url(#arrow)" }));
      if (this.options.editable) group.addEventListener("pointerdown", (event) => {
        event.stopPropagation();
        this.select({ edge: edge.id });
      });
      this.edgeLayer.append(group);
    }
  }

  isSelected(selection) {
    if (!this.selection) return false;
    return (selection.node && this.selection.node === selection.node) || (selection.edge && this.selection.edge === selection.edge);
  }

  select(selection) {
    this.selection = selection;
    this.markSelection();
    if (this.options.onSelect) this.options.onSelect(selection);
  }

  markSelection() {
    for (const [id, box] of this.boxes) {
      const selected = this.isSelected({ node: id });
      box.element.classList.toggle("selected", selected);
      box.element.setAttribute("aria-pressed", selected ? "true" : "false");
    }
    this.drawEdges();
  }

  focusNode(id) {
    const box = this.boxes.get(id);
    if (box) box.element.focus();
  }

  // Editing.

  pointerDown(event, id) {
    if (event.button !== 0) return;
    event.preventDefault();
    const start = { x: event.clientX, y: event.clientY };
    const origin = { ...this.positions[id] };
    const connecting = event.target.dataset.port === "out";
    const element = this.boxes.get(id).element;
    element.focus({ preventScroll: true });
    this.select({ node: id });
    let pending = null;
    let moved = false;
    const move = (moveEvent) => {
      const dx = moveEvent.clientX - start.x;
      const dy = moveEvent.clientY - start.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) moved = true;
      if (connecting) {
        const bounds = this.nodeLayer.getBoundingClientRect();
        const to = { x: moveEvent.clientX - bounds.left, y: moveEvent.clientY - bounds.top };
        if (!pending) {
          pending = s("path", { class: "pending-edge" });
          this.edgeLayer.append(pending);
        }
        pending.setAttribute("d", GraphView.curve(this.anchor(id, "out"), to));
        this.highlightTarget(moveEvent, id);
      } else {
        this.positions[id] = { x: Math.max(0, origin.x + dx), y: Math.max(0, origin.y + dy) };
        element.style.left = `${this.positions[id].x}px`;
        element.style.top = `${this.positions[id].y}px`;
        this.drawEdges();
      }
    };
    const up = (upEvent) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      if (pending) pending.remove();
      this.highlightTarget(null);
      if (connecting) {
        const target = this.nodeAt(upEvent);
        if (target && target !== id && this.options.onConnect) this.options.onConnect(id, target);
      } else if (moved) {
        this.place();
        if (this.options.onMove) this.options.onMove();
      }
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  nodeAt(event) {
    const under = document.elementFromPoint(event.clientX, event.clientY);
    const node = under && under.closest(".node");
    return node ? node.dataset.nodeId : null;
  }

  highlightTarget(event, source) {
    const target = event ? this.nodeAt(event) : null;
    for (const [id, box] of this.boxes) box.element.classList.toggle("drop-target", id === target && id !== source);
  }

  keyDown(event, id) {
    const step = event.shiftKey ? 40 : 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[event.key]) {
      event.preventDefault();
      const [dx, dy] = moves[event.key];
      const position = this.positions[id];
      this.positions[id] = { x: Math.max(0, position.x + dx), y: Math.max(0, position.y + dy) };
      this.place();
      if (this.options.onMove) this.options.onMove();
    } else if ((event.key === "Delete" || event.key === "Backspace") && this.options.onDelete) {
      event.preventDefault();
      this.options.onDelete({ node: id });
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.select({ node: id });
    }
  }

  // Showing state.

  setSummary(id, text) {
    const box = this.boxes.get(id);
    if (box) box.summary.textContent = text;
  }

  /** A job node's status; progress in 0...1 while it runs; the error when it failed. */
  setStatus(id, status, details = {}) {
    const box = this.boxes.get(id);
    if (!box) return;
    if (box.status) box.element.classList.remove(`status-${box.status}`);
    box.status = status;
    box.element.classList.add(`status-${status}`);
    box.element.dataset.status = status;
    clear(box.state).append(badge(status));
    if (status === "running") {
      box.bar = box.bar || progressBar(details.progress ?? null, `${id} progress`);
      setProgress(box.bar, details.progress ?? null);
      box.state.append(box.bar);
    } else {
      box.bar = null;
    }
    if (details.duration !== undefined && details.duration !== null && status !== "running") {
      box.state.append(h("span", { class: "muted small" }, ` ${details.duration < 1 ? `${Math.round(details.duration * 1000)} ms` : `${details.duration.toFixed(1)} s`}`));
    }
    if (details.error) box.state.append(h("div", { class: "node-error" }, details.error));
    box.element.setAttribute("aria-label", `${typeLabel(box.element.dataset.type)} node ${id}: ${status}`);
    this.place(); // the box grew (badge, time, error): the graph's size follows
  }

  setProgress(id, fraction) {
    const box = this.boxes.get(id);
    if (box && box.bar) setProgress(box.bar, fraction);
  }

  /** issues: Map node id → [{code, field, message}]. Marks the nodes and lists the problems on them. */
  setIssues(issues, problemEdges = new Set()) {
    for (const [id, box] of this.boxes) {
      const list = issues.get(id) || [];
      box.element.classList.toggle("has-issues", list.length > 0);
      box.issues.hidden = list.length === 0;
      clear(box.issues);
      if (list.length) {
        box.issues.append(h("div", { class: "issue-count" }, h("span", { "aria-hidden": "true" }, "⚠ "),
          list.length === 1 ? "1 problem" : `${list.length} problems`));
        for (const issue of list.slice(0, 2)) box.issues.append(h("div", { class: "issue-line", dataset: { code: issue.code } }, issue.message));
      }
    }
    for (const edge of this.edges) edge.problem = problemEdges.has(edge.id);
    this.drawEdges();
  }
}
