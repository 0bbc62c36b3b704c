// The side panel of the canvas: the selected node's settings, with the values the catalog
// allows for its problem type, its problems, and its connections.
import { h } from "./dom.js";
import { checkList, parameterField } from "./fields.js";
import { typeLabel } from "./graph.js";
import { datasetReference, findDataset } from "./catalog.js";

/**
 * context: {node, catalog, datasets, problemType, columns, issues, nodes, edges,
 *   changed(rerender), remove(), connect(target), disconnect(edgeId)}
 */
export function nodePanel(context) {
  const { node } = context;
  const body = h("div", { class: "panel-body" });
  const label = h("input", { id: "f-label", type: "text", value: node.data.label || "", placeholder: node.id });
  label.addEventListener("input", () => {
    if (label.value.trim()) node.data.label = label.value.trim();
    else delete node.data.label;
    context.changed(false);
  });
  body.append(...[
    h("div", { class: "panel-head" },
      h("h2", null, typeLabel(node.type), h("span", { class: "muted mono small" }, ` ${node.id}`)),
      h("button", { type: "button", class: "danger small", id: "remove-node", onclick: context.remove }, "Remove node")),
    issueList(context.issues),
    h("div", { class: "field" }, h("label", { for: "f-label" }, "label"), label),
    ...settings(context),
    connections(context)].filter(Boolean));
  return body;
}

function issueList(issues) {
  if (!issues || !issues.length) return null;
  return h("ul", { class: "issues-inline", "aria-label": "Problems with this node" },
    issues.map((issue) => h("li", null, h("strong", null, issue.field ? `${issue.field}: ` : ""), issue.message,
      h("span", { class: "mono muted small" }, ` (${issue.code})`))));
}

function select(id, labelText, options, current, onChange, hintText) {
  const control = h("select", { id },
    options.map((option) => {
      const value = typeof option === "string" ? option : option.value;
      const text = typeof option === "string" ? option : option.label;
      return h("option", { value, selected: value === (current ?? "") }, text);
    }));
  control.addEventListener("change", () => onChange(control.value));
  return h("div", { class: "field" }, h("label", { for: id }, labelText), control,
    hintText ? h("span", { class: "field-hint" }, hintText) : null);
}

function settings(context) {
  const { node, catalog } = context;
  const data = node.data;
  const set = (key, rerender = false) => (value) => {
    if (value === "" || value === undefined) delete data[key];
    else data[key] = value;
    context.changed(rerender);
  };
  switch (node.type) {
    case "dataset": {
      const ready = context.datasets.filter((record) => record.status === "ready");
      const record = findDataset(context.datasets, data.datasetId);
      const columns = context.columns;
      const suggestion = context.profile && context.profile.suggested_problem;
      return [
        select("f-datasetId", "dataset", [{ value: "", label: "choose a dataset…" },
          ...ready.map((item) => ({ value: datasetReference(item), label: item.sample ? `${item.name} (sample)` : item.name }))],
        record ? datasetReference(record) : data.datasetId, set("datasetId", true), record ? `${record.rows ?? "?"} rows × ${record.columns ?? "?"} columns` : null),
        select("f-problemType", "problem type", catalog.problem_types, data.problemType, set("problemType", true)),
        columns.length
          ? select("f-targetColumn", data.problemType === "clustering" ? "column left out (optional)" : "target column",
            [{ value: "", label: "choose a column…" }, ...columns], data.targetColumn, set("targetColumn"),
            suggestion ? `suggested: ${suggestion.target} (${suggestion.problem_type})` : null)
          : h("div", { class: "field" }, h("label", { for: "f-targetColumn" }, "target column"),
            textInput("f-targetColumn", data.targetColumn, set("targetColumn"))),
      ];
    }
    case "preprocessing": {
      const method = catalog.preprocessing.find((item) => item.method === data.method);
      data.parameters ||= {};
      return [
        select("f-method", "method", [{ value: "", label: "choose a method…" }, ...catalog.preprocessing.map((item) => item.method)],
          data.method, (value) => {
            data.method = value;
            data.parameters = {};
            context.changed(true);
          }),
        method && method.parameters.length ? h("h3", null, "Parameters") : null,
        ...(method ? method.parameters.map((parameter) => parameterField(parameter, data.parameters, parameter.name,
          { columns: context.columns, idPrefix: "p", onChange: () => context.changed(false) })) : []),
      ];
    }
    case "split":
      return catalog.split.map((parameter) => parameterField(parameter, data, parameter.name, { onChange: () => context.changed(false) }));
    case "model": {
      const problem = context.problemType;
      const algorithms = problem ? catalog.algorithms[problem] : Object.values(catalog.algorithms).flat();
      const algorithm = algorithms.find((item) => item.name === data.algorithm);
      data.hyperparameters ||= {};
      return [
        select("f-algorithm", "algorithm", [{ value: "", label: "choose an algorithm…" }, ...new Set(algorithms.map((item) => item.name))],
          data.algorithm, (value) => {
            data.algorithm = value;
            data.hyperparameters = {};
            context.changed(true);
          }, problem ? `${problem} algorithms` : "connect a dataset to narrow these down"),
        algorithm && algorithm.hyperparameters.length ? h("h3", null, "Hyperparameters") : null,
        ...(algorithm ? algorithm.hyperparameters.map((parameter) => parameterField(parameter, data.hyperparameters, parameter.name,
          { idPrefix: "hp", onChange: () => context.changed(false) })) : []),
      ];
    }
    case "evaluate": {
      const problem = context.problemType;
      const metrics = catalog.metrics.filter((metric) => !problem || metric.problem_type === problem);
      const standard = problem ? (catalog.standard_metrics[problem] || []).join(", ") : "";
      return [checkList("metrics", "metric", metrics.map((metric) => ({ name: metric.name, title: metric.needs_probabilities ? "needs class probabilities" : "" })),
        data.metrics, (names) => set("metrics")(names), `none ticked: the standard set${standard ? ` (${standard})` : ""}`)];
    }
    case "visualize": {
      const problem = context.problemType;
      const importances = context.modelAlgorithm ? findAlgorithm(catalog, context.modelAlgorithm)?.feature_importances !== false : true;
      const plots = catalog.plots.filter((plot) => !problem || plot.problem_types.includes(problem)).map((plot) => ({
        name: plot.name,
        disabled: plot.needs_feature_importances && !importances && !(data.plots || []).includes(plot.name),
        title: plot.needs_feature_importances && !importances ? `${context.modelAlgorithm} has no feature importances` : "",
      }));
      return [checkList("plots", "plot", plots, data.plots, (names) => set("plots")(names), "none ticked: the standard plots of the problem type")];
    }
    default:
      return [h("p", { class: "muted" }, `Unknown node type ${node.type}.`)];
  }
}

function findAlgorithm(catalog, name) {
  for (const list of Object.values(catalog.algorithms)) {
    const found = list.find((item) => item.name === name);
    if (found) return found;
  }
  return null;
}

function textInput(id, value, onChange) {
  const input = h("input", { id, type: "text", value: value ?? "" });
  input.addEventListener("input", () => onChange(input.value.trim()));
  return input;
}

function connections(context) {
  const { node, nodes, edges } = context;
  const inputs = edges.filter((edge) => edge.target === node.id);
  const outputs = edges.filter((edge) => edge.source === node.id);
  const row = (edge, other) => h("li", null, h("span", { class: "mono" }, other),
    h("button", { type: "button", class: "link small", "aria-label": `Disconnect ${edge.source} from ${edge.target}`, onclick: () => context.disconnect(edge.id) }, "disconnect"));
  const targets = nodes.filter((other) => other.id !== node.id && other.type !== "dataset" && !outputs.some((edge) => edge.target === other.id));
  const choose = h("select", { id: "connect-target", "aria-label": "Node to connect this node's output to" },
    h("option", { value: "" }, "connect output to…"), targets.map((other) => h("option", { value: other.id }, `${other.id} (${other.type})`)));
  choose.addEventListener("change", () => {
    if (choose.value) context.connect(choose.value);
  });
  return h("div", { class: "connections" },
    h("h3", null, "Connections"),
    h("div", { class: "muted small" }, "Inputs"),
    inputs.length ? h("ul", { class: "plain" }, inputs.map((edge) => row(edge, edge.source))) : h("div", { class: "muted small" }, "none"),
    h("div", { class: "muted small" }, "Outputs"),
    outputs.length ? h("ul", { class: "plain" }, outputs.map((edge) => row(edge, edge.target))) : h("div", { class: "muted small" }, "none"),
    node.type === "visualize" ? null : choose);
}
