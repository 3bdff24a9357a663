// The model picker: a native <select> of the models Python offers (`_models`), showing
// the one in use (`model_name`). Choosing one asks Python to switch; Python answers with
// the new `model_name` and the drawing read again, or with the previous `model_name` and
// why in the status line, and the select follows `model_name` either way.

import { make } from "./panels.js";

/**
 * One model the picker offers, as Python lists it in `_models`.
 * @typedef {object} ModelEntry
 * @property {string} name what `model_name` says when it is in use ("cnn", "mlp", "custom")
 * @property {string} label what the select shows
 * @property {string} title what the tooltip says of it
 */

/**
 * @typedef {object} Picker
 * @property {HTMLSelectElement} element
 * @property {(models: unknown, current: unknown) => void} update show these models, `current` selected
 * @property {() => void} destroy
 */

/**
 * The entries the select shows: Python's list, checked, with the model in use added if the
 * list lacks it (so the select never shows another model than the one reading the drawing).
 * Pure: tested without a DOM.
 * @param {unknown} models `_models` as it arrived
 * @param {unknown} current `model_name`
 * @returns {ModelEntry[]}
 */
export function pickerEntries(models, current) {
  /** @type {ModelEntry[]} */
  const entries = [];
  for (const item of Array.isArray(models) ? models : []) {
    if (!item || typeof item !== "object") continue;
    const { name, label, title } = /** @type {Record<string, unknown>} */ (item);
    if (typeof name !== "string" || !name || entries.some((e) => e.name === name)) continue;
    entries.push({
      name,
      label: typeof label === "string" && label ? label : name,
      title: typeof title === "string" ? title : "",
    });
  }
  if (typeof current === "string" && current && !entries.some((e) => e.name === current)) {
    entries.push({ name: current, label: current, title: "" });
  }
  return entries;
}

/**
 * The select's tooltip: which model is in use, and what it is.
 * @param {ModelEntry[]} entries
 * @param {unknown} current
 * @returns {string}
 */
export function pickerTitle(entries, current) {
  const entry = entries.find((e) => e.name === current);
  if (!entry) return "Model";
  return entry.title ? `Model: ${entry.label}, ${entry.title}` : `Model: ${entry.label}`;
}

/**
 * Build the picker; `choose` is called with the name of the model the user picked.
 * @param {(name: string) => void} choose
 * @returns {Picker}
 */
export function createPicker(choose) {
  const element = /** @type {HTMLSelectElement} */ (
    make("select", "dw-model", { "data-testid": "digitwidget-model", "aria-label": "Model" })
  );
  /** @type {string} */
  let shown = "";

  /** @param {unknown} models @param {unknown} current */
  function update(models, current) {
    const entries = pickerEntries(models, current);
    const key = JSON.stringify(entries);
    if (key !== shown) {
      shown = key;
      element.replaceChildren(
        ...entries.map(({ name, label, title }) => {
          const option = /** @type {HTMLOptionElement} */ (make("option", "", { value: name }));
          option.textContent = label;
          if (title) option.title = title;
          return option;
        }),
      );
    }
    const value = typeof current === "string" ? current : "";
    if (element.value !== value) element.value = value;
    element.title = pickerTitle(entries, current);
  }

  const onChange = () => choose(element.value);
  element.addEventListener("change", onChange);
  return {
    element,
    update,
    destroy() {
      element.removeEventListener("change", onChange);
    },
  };
}
