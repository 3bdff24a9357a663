// DrawPad front end for anywidget: render({ model, el }) returns a cleanup.
// Uses only model.get/set/on/off/save_changes, so any anywidget-shaped model works.

import "./widget.css";
import { drawingCommands } from "./drawing/commands.js";
import { createHistory } from "./drawing/history.js";
import { isControlKey, isModifierOnly, keyAction, teachDigit } from "./drawing/keys.js";
import { createPad } from "./drawing/pad.js";
import { clamp, toBytes } from "./drawing/raster.js";
import { connectDrawing } from "./transport/sync.js";
import { layout, watchHostTheme } from "./views/frame.js";
import { decodeInside } from "./views/inside.js";
import { createInsideView } from "./views/insideview.js";
import { createPanels } from "./views/panels.js";
import { createResultTracker } from "./views/results.js";
import { createTeachMode } from "./views/teachmode.js";
import { createToolbar } from "./views/toolbar.js";

/**
 * The part of an anywidget model the widget uses.
 * @typedef {object} AnyModel
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, fn: (...args: any[]) => void) => void} on
 * @property {(event: string, fn: (...args: any[]) => void) => void} off
 * @property {() => void} save_changes
 * @property {(content: unknown) => void} send a custom message to Python
 */

/**
 * The numbers the pad takes from Python (`_limits`), written there only.
 * @typedef {object} Limits
 * @property {number} brush_min the smallest brush diameter Python accepts
 * @property {number} brush_max the largest
 * @property {number} size a new pad's canvas side
 * @property {number} brush a new pad's brush diameter
 * @property {number} confident the top probability from which an answer is a confident one
 */

const STALLED = "Kernel not responding… If it was restarted, run the cell again.";
const HINT_MS = 2500;
/** The model values the result panels show. */
const RESULT_KEYS = ["prediction", "probabilities", "_model_input", "_inside_data", "_inside_layout"];

/**
 * Render a DrawPad into `el`.
 * @param {{model: AnyModel, el: HTMLElement}} ctx
 * @returns {() => void} cleanup that removes every listener
 */
function render({ model, el }) {
  const history = createHistory(50);
  /** @type {Limits} */
  const limits = model.get("_limits");
  const panels = createPanels(limits);
  const insideView = createInsideView({
    request: (request) => {
      model.set("_detail_request", request ?? {}); // Python answers in _detail
      model.save_changes();
    },
  });
  /** @param {number} value a brush diameter, made one the pad accepts */
  const inRange = (value) => clamp(value, limits.brush_min, limits.brush_max);
  const brushOf = () => inRange(Number(model.get("brush")) || limits.brush);
  const sizeOf = () => Number(model.get("size")) || limits.size;
  let updates = 0;
  let hint = "";
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let hintTimer;

  const pad = createPad({
    size: sizeOf(),
    brush: brushOf(),
    onDraw: () => sync.request(),
    onStrokeEnd: (before, erased) => {
      if (erased && !before.some(Boolean)) showHint("Nothing to erase");
      history.commit(before, pad.getPixels());
      syncButtons();
      sync.request();
    },
  });
  const commands = drawingCommands({
    pad,
    history,
    changed: () => {
      syncButtons();
      sync.request();
    },
  });
  const toolbar = createToolbar(
    {
      undo: () => commands.travel("undo"),
      redo: () => commands.travel("redo"),
      clear: commands.clear,
      toggleEraser: () => setEraser(!pad.erasing()),
      toggleInside: () => {
        model.set("inside", !model.get("inside"));
        model.save_changes();
        onInside();
      },
      brush: (value) => setBrush(value, true),
      model: (name) => {
        model.set("model_name", name); // Python switches, or sends the previous one back
        model.save_changes();
      },
      refocus: () => root.focus({ preventScroll: true }),
    },
    brushOf(),
    { min: limits.brush_min, max: limits.brush_max },
  );
  const { root, status } = layout(pad.element, toolbar.element, panels.element, insideView.element);
  const teachMode = createTeachMode({
    model,
    bars: panels.element,
    clear: commands.clear,
    hint: showHint,
    onTeaching: (on) => root.classList.toggle("is-teaching", on),
    refocus: () => root.focus({ preventScroll: true }),
  });
  root.insertBefore(teachMode.element, insideView.element);
  panels.element.append(teachMode.toggleButton); // under the bars it labels with

  function renderResult() {
    panels.update({
      prediction: model.get("prediction"),
      probabilities: model.get("probabilities") ?? [],
      modelInput: toBytes(model.get("_model_input")),
    });
    renderInside();
  }
  function renderInside() {
    const data = model.get("inside") ? decodeInside(toBytes(model.get("_inside_data"))) : null;
    panels.setSaliency(data ? data.saliency : null);
    if (model.get("inside")) insideView.update(model.get("_inside_layout") ?? [], data);
  }
  const results = createResultTracker({
    read: () => RESULT_KEYS.map((key) => model.get(key)),
    render: renderResult,
    count: () => {
      root.dataset.updates = String(++updates);
    },
  });
  const onResultPart = results.part;

  const sync = connectDrawing({
    model,
    pad,
    history,
    onResult: results.ack,
    onBusy: (busy) => {
      root.dataset.busy = busy ? "1" : "0";
      panels.setBusy(busy || pad.isDrawing()); // a stroke's end always sends an update
      teachMode.setBusy(busy);
    },
    onStall: (stalled) => {
      root.classList.toggle("is-stalled", stalled);
      panels.setStale(stalled); // the answer shown is not the drawing's until one arrives
      root.dataset.stale = stalled ? "1" : "0";
      renderStatus();
    },
    onAdopt: syncButtons,
  });

  /**
   * The status line: a kernel that does not answer (and why, when the transport knows),
   * else why the drawing has no answer, else a passing hint.
   */
  function renderStatus() {
    const stalled = sync.stalled();
    const error = String(model.get("_error") ?? "");
    root.classList.toggle("has-error", Boolean(error));
    root.classList.toggle("has-hint", Boolean(hint) && !stalled && !error);
    status.textContent = stalled ? sync.reason() || STALLED : error || hint;
  }

  /** @param {string} text shown in the status line for a moment */
  function showHint(text) {
    hint = text;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(() => {
      hint = "";
      renderStatus();
    }, HINT_MS);
    renderStatus();
  }

  function syncButtons() {
    toolbar.setHistory(history.canUndo(), history.canRedo());
  }

  /** @param {boolean} on */
  function setEraser(on) {
    pad.setEraser(on); // the pad holds it; the button and the root class show it
    toolbar.setEraser(on);
    root.classList.toggle("is-erasing", on);
  }

  /**
   * @param {number} value
   * @param {boolean} save write it to the model (a local change)
   */
  function setBrush(value, save) {
    const brush = inRange(Math.round(value));
    pad.setBrush(brush);
    toolbar.setBrush(brush);
    if (save && Number(model.get("brush")) !== brush) {
      model.set("brush", brush);
      model.save_changes();
    }
  }

  function onSize() {
    const size = sizeOf();
    pad.setSize(size);
    root.style.setProperty("--dw-size", `${size}px`);
    history.reset();
    syncButtons();
    sync.adopt(false);
  }

  function onTheme() {
    root.dataset.dwTheme = String(model.get("theme") || "auto");
    pad.repaint();
  }

  const onBrush = () => setBrush(brushOf(), false);
  const onModels = () => toolbar.setModels(model.get("_models"), model.get("model_name"));

  const onDetail = () => insideView.showDetail(model.get("_detail") ?? null);

  function onInside() {
    const on = Boolean(model.get("inside"));
    toolbar.setInside(on);
    root.classList.toggle("is-inside", on);
    renderInside();
  }

  /**
   * The pad's own shortcuts stop here, and so do the keys its focused brush slider or
   * model picker uses; every other key goes on to the notebook, so that Shift+Enter still
   * runs a cell after drawing. Listening on the window, before the
   * document, lets the pad see its keys first where the notebook reads shortcuts on the
   * document's way down (Notebook 7) as well as on the way up (JupyterLab).
   * @param {KeyboardEvent} e
   */
  function onKeyDown(e) {
    if (!e.composedPath().includes(root)) return; // composedPath: also inside a shadow root
    if (insideView.handleKey(e)) {
      e.preventDefault(); // a focused layer's arrows move its cursor, not the notebook's
      e.stopPropagation();
      return;
    }
    if (isModifierOnly(e)) {
      e.stopPropagation(); // the notebook would move the keyboard to its active cell
      return;
    }
    const digit = teachDigit(e);
    if (digit !== null && teachMode.label(digit)) {
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    const action = keyAction(e);
    if (action === null) {
      const control = controlOf(e.composedPath()[0]);
      if (control && isControlKey(e, control)) e.stopPropagation(); // its default action stays
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    if (action === "undo" || action === "redo") commands.travel(action);
    else if (action === "clear") commands.clear();
    else if (action === "eraser") setEraser(!pad.erasing());
    else if (action === "teach-mode") teachMode.toggle();
    else setBrush(pad.brush() + (action === "brush-up" ? 2 : -2), true);
  }

  /**
   * The kind of the pad's control `node` is, if it is one that reads keys itself.
   * @param {EventTarget | undefined} node
   * @returns {"select" | "range" | null}
   */
  function controlOf(node) {
    if (node instanceof HTMLSelectElement) return "select";
    if (node instanceof HTMLInputElement && node.type === "range") return "range";
    return null;
  }

  /** @param {PointerEvent} e */
  function onPointerDown(e) {
    if (e.target === pad.element) root.focus({ preventScroll: true, focusVisible: false });
  }

  /**
   * Using the pad does not select its cell. The notebook makes a cell the active one on
   * focusin and mousedown, and Shift+Enter runs the active cell: stopping both here keeps
   * the cell the user was on (usually the one after the pad) active, so Shift+Enter after
   * drawing runs that cell instead of running the pad's own again and losing the drawing.
   * @param {Event} e
   */
  const keepNotebookSelection = (e) => e.stopPropagation();
  const selectionEvents = ["focusin", "mousedown"];

  /** @type {[string, () => void][]} */
  const modelHandlers = [
    ["change:prediction", onResultPart],
    ["change:probabilities", onResultPart],
    ["change:_model_input", onResultPart],
    ["change:_inside_data", onResultPart],
    ["change:_inside_layout", onResultPart],
    ["change:inside", onInside],
    ["change:_detail", onDetail],
    ["change:size", onSize],
    ["change:theme", onTheme],
    ["change:brush", onBrush],
    ["change:_error", renderStatus],
    ["change:_models", onModels],
    ["change:model_name", onModels],
  ];
  for (const [event, fn] of modelHandlers) model.on(event, fn);
  window.addEventListener("keydown", onKeyDown, { capture: true });
  root.addEventListener("pointerdown", onPointerDown);
  for (const type of selectionEvents) root.addEventListener(type, keepNotebookSelection);
  const stopWatchingTheme = watchHostTheme(() => pad.repaint());

  el.append(root);
  onTheme();
  onSize();
  onInside();
  onModels();
  renderStatus();
  results.refresh();

  return () => {
    for (const [event, fn] of modelHandlers) model.off(event, fn);
    window.removeEventListener("keydown", onKeyDown, { capture: true });
    root.removeEventListener("pointerdown", onPointerDown);
    for (const type of selectionEvents) root.removeEventListener(type, keepNotebookSelection);
    stopWatchingTheme();
    clearTimeout(hintTimer);
    sync.destroy();
    teachMode.destroy();
    insideView.destroy();
    toolbar.destroy();
    pad.destroy();
    root.remove();
  };
}

export default { render };
