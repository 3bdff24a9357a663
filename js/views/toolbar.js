// The compact toolbar: brush size (with its value), then the model picker and a group of
// buttons: inside view, eraser, undo, redo, clear. All share a row when the pad is wide
// enough; else the picker and the buttons wrap onto a second row, and, in the narrowest
// column, the buttons onto a third (toolbar.css).

import { make } from "./panels.js";
import { createPicker } from "./picker.js";

/**
 * @typedef {object} ToolbarActions
 * @property {() => void} undo
 * @property {() => void} redo
 * @property {() => void} clear
 * @property {() => void} toggleEraser
 * @property {() => void} toggleInside
 * @property {(brush: number) => void} brush
 * @property {(name: string) => void} model the user picked the model `name`
 * @property {() => void} refocus keep the keyboard in the pad when the focused button is
 *   disabled (else focus falls to the page and the pad's shortcuts stop working)
 */

/**
 * @typedef {object} Toolbar
 * @property {HTMLElement} element
 * @property {(on: boolean) => void} setEraser
 * @property {(on: boolean) => void} setInside
 * @property {(brush: number) => void} setBrush
 * @property {(canUndo: boolean, canRedo: boolean) => void} setHistory
 * @property {(models: unknown, current: unknown) => void} setModels the picker's models
 *   (`_models`) and the one in use (`model_name`)
 * @property {() => void} destroy
 */

const ICONS = {
  undo: '<path d="M9 14 4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>',
  redo: '<path d="m15 14 5-5-5-5"/><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13"/>',
  eraser:
    '<path d="m7 21-4.3-4.3a1 1 0 0 1 0-1.4l10-10a1 1 0 0 1 1.4 0l5.6 5.6a1 1 0 0 1 0 1.4L11 21"/><path d="M22 21H7"/><path d="m5 11 9 9"/>',
  inside:
    '<circle cx="5" cy="6" r="2"/><circle cx="5" cy="18" r="2"/><circle cx="19" cy="12" r="2"/><path d="m7 7 10 4M7 17l10-4"/>',
  clear: '<path d="M3 6h18"/><path d="M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6"/><path d="M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2"/>',
};

/**
 * An icon button.
 * @param {keyof typeof ICONS} icon
 * @param {string} testid
 * @param {string} label accessible name, also the tooltip
 * @returns {HTMLButtonElement}
 */
function iconButton(icon, testid, label) {
  const button = /** @type {HTMLButtonElement} */ (
    make("button", "dw-button", { type: "button", "data-testid": testid, "aria-label": label, title: label })
  );
  button.innerHTML =
    '<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" ' +
    `stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${ICONS[icon]}</svg>`;
  return button;
}

/**
 * Build the toolbar and wire it to `actions`.
 * @param {ToolbarActions} actions
 * @param {number} brush initial brush size
 * @param {{min: number, max: number}} range the brushes the pad accepts (from Python)
 * @returns {Toolbar}
 */
export function createToolbar(actions, brush, range) {
  const element = make("div", "dw-toolbar", { role: "toolbar", "aria-label": "Drawing tools" });
  const sizeLabel = make("label", "dw-brush");
  const sizeText = make("span", "dw-brush-text");
  sizeText.textContent = "Brush";
  const slider = /** @type {HTMLInputElement} */ (
    make("input", "dw-range", {
      type: "range",
      min: String(range.min),
      max: String(range.max),
      step: "1",
      "data-testid": "digitwidget-brush",
      "aria-label": "Brush size",
      "aria-keyshortcuts": "[ ]",
      title: "Brush size in pixels: [ and ] change it",
    })
  );
  const sizeValue = make("span", "dw-brush-value", { "aria-hidden": "true" });
  sizeLabel.append(sizeText, slider, sizeValue);
  const eraser = iconButton("eraser", "digitwidget-eraser", "Eraser (E)");
  eraser.setAttribute("aria-pressed", "false");
  const inside = iconButton("inside", "digitwidget-inside-toggle", "Inside the network");
  inside.setAttribute("aria-pressed", "false");
  const undo = iconButton("undo", "digitwidget-undo", "Undo (Ctrl+Z)");
  const redo = iconButton("redo", "digitwidget-redo", "Redo (Shift+Ctrl+Z)");
  const clear = iconButton("clear", "digitwidget-clear", "Clear (Delete)");
  const picker = createPicker(actions.model);
  const tools = make("div", "dw-tools");
  tools.append(inside, eraser, undo, redo, clear);
  const rest = make("div", "dw-actions");
  rest.append(picker.element, tools);
  element.append(sizeLabel, rest);

  /** @param {number} value */
  function setBrush(value) {
    if (Number(slider.value) !== value) slider.value = String(value);
    const text = `${Math.round(value)} px`;
    if (sizeValue.textContent !== text) sizeValue.textContent = text;
    slider.setAttribute("aria-valuetext", `${Math.round(value)} pixels`);
  }
  setBrush(brush);

  const onRange = () => actions.brush(Number(slider.value));
  const handlers = /** @type {[HTMLElement, string, () => void][]} */ ([
    [slider, "input", onRange],
    [eraser, "click", actions.toggleEraser],
    [inside, "click", actions.toggleInside],
    [undo, "click", actions.undo],
    [redo, "click", actions.redo],
    [clear, "click", actions.clear],
  ]);
  for (const [node, type, fn] of handlers) node.addEventListener(type, fn);

  return {
    element,
    setEraser(on) {
      eraser.setAttribute("aria-pressed", String(on));
    },
    setInside(on) {
      inside.setAttribute("aria-pressed", String(on));
    },
    setBrush,
    setModels: picker.update,
    setHistory(canUndo, canRedo) {
      const losing = (undo.matches(":focus") && !canUndo) || (redo.matches(":focus") && !canRedo);
      undo.disabled = !canUndo;
      redo.disabled = !canRedo;
      // Not to the other button: Enter pressed again on it would redo what was just undone.
      if (losing) actions.refocus();
    },
    destroy() {
      for (const [node, type, fn] of handlers) node.removeEventListener(type, fn);
      picker.destroy();
    },
  };
}
