// Workflows: the caller's saved workflows, to open on the canvas or delete.
import { del, get } from "../api.js";
import { clear, errorBox, formatDate, h, toast } from "../dom.js";

export function renderWorkflows(main) {
  const body = h("tbody");
  const status = h("div", { class: "table-status muted" });
  main.append(
    h("div", { class: "page-head" }, h("h1", null, "Workflows"),
      h("div", { class: "actions" }, h("a", { class: "button primary", href: "#/canvas/new", id: "new-workflow" }, "New workflow"))),
    h("div", { class: "card flush" }, h("table", { class: "table", id: "workflows-table" },
      h("thead", null, h("tr", null, ["Name", "Nodes", "Version", "Updated", ""].map((title, index) => h("th", { scope: "col", class: index === 1 || index === 2 ? "num" : null }, title)))),
      body), status));

  async function load() {
    try {
      const page = await get("/api/workflows?limit=200");
      clear(body).append(...page.items.map((workflow) => h("tr", null,
        h("td", null, h("a", { href: `#/canvas/${workflow.id}` }, workflow.name)),
        h("td", { class: "num" }, String(workflow.nodes.length)),
        h("td", { class: "num" }, String(workflow.version)),
        h("td", null, formatDate(workflow.updated_at)),
        h("td", { class: "row-actions" },
          h("button", { type: "button", class: "link danger", onclick: () => remove(workflow) }, "Delete")))));
      status.textContent = page.items.length ? `${page.total} workflows` : "No workflows yet: start one on the canvas.";
    } catch (error) {
      clear(status).append(errorBox(error));
    }
  }

  async function remove(workflow) {
    if (!confirm(`Delete the workflow “${workflow.name}”? Its jobs keep their snapshots.`)) return;
    try {
      await del(`/api/workflows/${workflow.id}`);
      toast(`Deleted ${workflow.name}.`);
      load();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  load();
}
