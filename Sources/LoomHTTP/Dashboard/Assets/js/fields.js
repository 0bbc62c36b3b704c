// Form fields for a node's settings: each shows the allowed values and the default, and
// writes only what the user chose (an empty field means "the default").
import { h } from "./dom.js";

let counter = 0;

function describeDefault(parameter) {
  const value = parameter.default;
  if (value === undefined || value === null) return parameter.kind === "integer" || parameter.kind === "number" ? "none" : null;
  return Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
}

function rangeText(parameter) {
  const parts = [];
  if (parameter.minimum !== undefined && parameter.minimum !== null) parts.push(`${parameter.exclusive_minimum ? ">" : "≥"} ${parameter.minimum}`);
  if (parameter.maximum !== undefined && parameter.maximum !== null) parts.push(`≤ ${parameter.maximum}`);
  return parts.join(", ");
}

function hint(parameter) {
  const parts = [];
  const fallback = describeDefault(parameter);
  if (fallback !== null) parts.push(`default ${fallback}`);
  const range = rangeText(parameter);
  if (range) parts.push(range);
  if (parameter.required) parts.push("required");
  return parts.join(" · ");
}

/**
 * A labelled field for one parameter. values: the object the value lives in; key: its name
 * there; columns: the dataset's column names when known; onChange() after every edit.
 */
export function parameterField(parameter, values, key, { columns = [], idPrefix = "f", onChange }) {
  const id = `${idPrefix}-${key}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const current = values[key];
  const write = (value) => {
    if (value === undefined) delete values[key];
    else values[key] = value;
    onChange();
  };
  const label = h("label", { for: id }, key);
  const help = h("span", { class: "field-hint", id: `${id}-hint` }, hint(parameter));
  let control;
  switch (parameter.kind) {
    case "boolean":
    case "choice":
    case "max_features": {
      const choices = parameter.kind === "boolean" ? ["true", "false"] : parameter.choices || [];
      control = h("select", { id, "aria-describedby": `${id}-hint` },
        h("option", { value: "" }, `default${describeDefault(parameter) !== null ? ` (${describeDefault(parameter)})` : ""}`),
        choices.map((choice) => h("option", { value: choice, selected: String(current) === choice }, choice)));
      control.addEventListener("change", () => {
        const value = control.value;
        write(value === "" ? undefined : parameter.kind === "boolean" ? value === "true" : value);
      });
      break;
    }
    case "integer":
    case "number": {
      control = h("input", {
        id, type: "number", inputmode: parameter.kind === "integer" ? "numeric" : "decimal",
        step: parameter.kind === "integer" ? "1" : "any",
        min: parameter.minimum ?? undefined, max: parameter.maximum ?? undefined,
        placeholder: describeDefault(parameter) ?? "", value: current ?? "", "aria-describedby": `${id}-hint`,
      });
      control.addEventListener("input", () => {
        const text = control.value.trim();
        write(text === "" || Number.isNaN(Number(text)) ? undefined : Number(text));
      });
      break;
    }
    case "columns":
      return columnsField(id, key, values, columns, parameter, write);
    case "pair": {
      const pair = Array.isArray(current) ? current : [];
      const fallback = Array.isArray(parameter.default) ? parameter.default : [];
      const low = h("input", { id, type: "number", step: "any", value: pair[0] ?? "", placeholder: fallback[0] ?? "low", "aria-label": `${key} low` });
      const high = h("input", { type: "number", step: "any", value: pair[1] ?? "", placeholder: fallback[1] ?? "high", "aria-label": `${key} high` });
      const update = () => {
        if (low.value === "" && high.value === "") write(undefined);
        else write([Number(low.value || fallback[0] || 0), Number(high.value || fallback[1] || 0)]);
      };
      low.addEventListener("input", update);
      high.addEventListener("input", update);
      control = h("div", { class: "pair" }, low, high);
      break;
    }
    default: {
      control = h("input", { id, type: "text", value: current ?? "", "aria-describedby": `${id}-hint` });
      control.addEventListener("input", () => {
        const text = control.value.trim();
        if (text === "") write(undefined);
        else if (text === "true" || text === "false") write(text === "true");
        else if (!Number.isNaN(Number(text))) write(Number(text));
        else write(text);
      });
    }
  }
  return h("div", { class: "field" }, label, control, help);
}

function columnsField(id, key, values, columns, parameter, write) {
  const chosen = new Set(Array.isArray(values[key]) ? values[key] : []);
  const help = parameter.required ? "required" : "none ticked: every suitable column";
  if (!columns.length) {
    const input = h("input", { id, type: "text", value: [...chosen].join(", "), placeholder: "column, column", "aria-describedby": `${id}-hint` });
    input.addEventListener("input", () => {
      const names = input.value.split(",").map((name) => name.trim()).filter(Boolean);
      write(names.length ? names : undefined);
    });
    return h("div", { class: "field" }, h("label", { for: id }, key), input, h("span", { class: "field-hint", id: `${id}-hint` }, help));
  }
  const boxes = columns.map((name) => {
    counter += 1;
    const boxID = `${id}-${counter}`;
    const box = h("input", { type: "checkbox", id: boxID, value: name, checked: chosen.has(name) });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(name);
      else chosen.delete(name);
      write(chosen.size ? columns.filter((column) => chosen.has(column)) : undefined);
    });
    return h("label", { class: "check", for: boxID }, box, name);
  });
  return h("fieldset", { class: "field" }, h("legend", null, key), h("div", { class: "checks" }, boxes), h("span", { class: "field-hint" }, help));
}

/** A group of checkboxes for a list setting (metrics, plots). */
export function checkList(legend, idPrefix, options, selected, onChange, emptyText) {
  const chosen = new Set(selected || []);
  const boxes = options.map((option) => {
    const id = `${idPrefix}-${option.name}`;
    const box = h("input", { type: "checkbox", id, value: option.name, checked: chosen.has(option.name), disabled: option.disabled || false });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(option.name);
      else chosen.delete(option.name);
      onChange(options.map((item) => item.name).filter((name) => chosen.has(name)));
    });
    return h("label", { class: ["check", option.disabled && "disabled"], for: id, title: option.title || "" }, box, option.name);
  });
  return h("fieldset", { class: "field" }, h("legend", null, legend), h("div", { class: "checks" }, boxes),
    h("span", { class: "field-hint" }, emptyText));
}
