// The teach panel: how many drawings of each digit were taught, Learn, Stop and Undo
// learning, learning's progress and loss, what learning changed (your drawings and the
// MNIST check set, before and after) and the error gallery. Shown while the teach mode
// is on, and while learning runs or has something to show.

import { grayToOpaque } from "../drawing/raster.js";
import { galleryItems, learnView } from "./learnstate.js";
import { make } from "./panels.js";

/** @typedef {import("./learnstate.js").LearnState} LearnState */

/**
 * @typedef {object} TeachActions
 * @property {() => void} learn
 * @property {() => void} stop
 * @property {() => void} undo
 * @property {() => void} toggle the teach mode on or off
 * @property {() => void} refocus keep the keyboard in the pad when the focused button is
 *   hidden or disabled (else focus falls to the page and the pad's keys stop working)
 */

/**
 * @typedef {object} TeachView
 * @property {HTMLElement} element
 * @property {HTMLButtonElement} toggle the teach mode's switch (`aria-pressed`), placed under the bars
 * @property {(teaching: boolean, counts: unknown, learn: LearnState | null, images: Uint8Array, quiet: boolean) => void} update
 *   `quiet`: learning runs but nothing was heard from the kernel for a while
 * @property {() => void} destroy
 */

const SIDE = 28;

/**
 * @param {string} testid
 * @param {string} text
 * @param {string} title
 * @returns {HTMLButtonElement}
 */
function textButton(testid, text, title) {
  const button = /** @type {HTMLButtonElement} */ (
    make("button", "dw-button dw-text-button", { type: "button", "data-testid": testid, title })
  );
  button.textContent = text;
  return button;
}

const CAP = '<path d="M22 10 12 5 2 10l10 5 10-5z"/><path d="M6 12v5c3 2 9 2 12 0v-5"/>';

/** @returns {HTMLButtonElement} the teach mode's switch: a mortarboard and "Teach" */
function createToggle() {
  const button = textButton("digitwidget-teach-toggle", "", "Teach mode (T): label drawings, then learn from them");
  button.classList.add("dw-teach-toggle");
  button.setAttribute("aria-pressed", "false");
  button.innerHTML =
    '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" ' +
    `stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${CAP}</svg><span>Teach</span>`;
  return button;
}

/** @returns {{element: HTMLElement, cells: HTMLElement[]}} */
function createCounts() {
  const element = make("div", "dw-teach-counts", { role: "list", "aria-label": "Drawings taught of each digit" });
  const cells = [];
  for (let d = 0; d < 10; d++) {
    const cell = make("div", "dw-teach-count", { role: "listitem", "data-testid": `digitwidget-teach-count-${d}`, "data-count": "0" });
    const digit = make("span", "dw-teach-digit");
    digit.textContent = String(d);
    const count = make("span", "dw-teach-number");
    count.textContent = "0";
    cell.append(digit, count);
    element.append(cell);
    cells.push(cell);
  }
  return { element, cells };
}

/**
 * A row of thumbnails: the drawings read wrong (`when` is before or after learning).
 * @param {"before" | "after"} when
 * @returns {{element: HTMLElement, strip: HTMLElement}}
 */
function createGallery(when) {
  const element = make("figure", "dw-gallery", { "data-testid": `digitwidget-gallery-${when}` });
  const caption = make("figcaption", "dw-caption");
  caption.textContent = `Read wrong ${when}`;
  const strip = make("div", "dw-gallery-strip");
  element.append(caption, strip);
  return { element, strip };
}

/**
 * @param {import("./learnstate.js").GalleryItem} item
 * @returns {HTMLElement}
 */
function thumbnail(item) {
  const text = `drawn ${item.label}, read ${item.predicted}`;
  const figure = make("div", "dw-thumb", { "data-label": String(item.label), "data-predicted": String(item.predicted), title: text });
  const canvas = /** @type {HTMLCanvasElement} */ (make("canvas", "dw-thumb-canvas", { role: "img", "aria-label": text }));
  canvas.width = canvas.height = SIDE;
  canvas.getContext("2d")?.putImageData(new ImageData(grayToOpaque(item.pixels), SIDE, SIDE), 0, 0);
  const label = make("span", "dw-thumb-label");
  label.textContent = `${item.label}→${item.predicted}`;
  figure.append(canvas, label);
  return figure;
}

/**
 * Build the teach panel and wire its buttons to `actions`.
 * @param {TeachActions} actions
 * @returns {TeachView}
 */
export function createTeachView(actions) {
  const element = make("section", "dw-teach", { "data-testid": "digitwidget-teach", "aria-label": "Teach the network", "data-state": "idle" });
  const hint = make("p", "dw-teach-hint");
  hint.textContent = "Draw a digit, then press its key (0–9) or click its bar to teach it. T leaves the teach mode.";
  const counts = createCounts();
  const learn = textButton("digitwidget-learn", "Learn", "Fine-tune the network on the drawings taught");
  const stop = textButton("digitwidget-learn-stop", "Stop", "Stop learning; the pad keeps its model");
  const undo = textButton("digitwidget-learn-undo", "Undo learning", "Go back to the model before learning");
  const buttons = make("div", "dw-teach-buttons");
  buttons.append(learn, stop, undo);
  const progress = /** @type {HTMLProgressElement} */ (make("progress", "dw-learn-progress", { "data-testid": "digitwidget-learn-progress", "aria-label": "Learning" }));
  const status = make("div", "dw-learn-status", { "data-testid": "digitwidget-learn-status", role: "status" });
  const table = make("table", "dw-learn-result", { "data-testid": "digitwidget-learn-result" });
  const before = createGallery("before");
  const after = createGallery("after");
  const galleries = make("div", "dw-galleries");
  galleries.append(before.element, after.element);
  element.append(hint, counts.element, buttons, progress, status, table, galleries);
  let shownGallery = /** @type {unknown} */ (null);
  const toggle = createToggle();

  const handlers = /** @type {[HTMLElement, () => void][]} */ ([
    [learn, actions.learn],
    [stop, actions.stop],
    [undo, actions.undo],
    [toggle, actions.toggle],
  ]);
  for (const [node, fn] of handlers) node.addEventListener("click", fn);

  let shownRows = "";
  /** @param {ReturnType<typeof learnView>["rows"]} rows */
  function renderTable(rows) {
    const key = JSON.stringify(rows);
    if (key === shownRows) return; // progress arrives many times a second
    shownRows = key;
    table.replaceChildren();
    if (!rows.length) return;
    const head = make("tr", "");
    for (const text of ["", "Before", "After"]) {
      const cell = make("th", "");
      cell.textContent = text;
      head.append(cell);
    }
    table.append(head);
    for (const row of rows) {
      const line = make("tr", "", { title: row.title });
      for (const text of [row.label, row.before, row.after]) {
        const cell = make("td", "");
        cell.textContent = text;
        line.append(cell);
      }
      table.append(line);
    }
  }

  /**
   * @param {LearnState | null} state
   * @param {Uint8Array} images
   */
  function renderGallery(state, images) {
    if (state?.gallery === shownGallery) return; // thumbnails drawn once per result
    shownGallery = state?.gallery;
    const items = state?.state === "done" ? galleryItems(state, images) : [];
    before.strip.replaceChildren(...items.filter((item) => item.when === "before").map(thumbnail));
    after.strip.replaceChildren(...items.filter((item) => item.when === "after").map(thumbnail));
    galleries.hidden = items.length === 0 && state?.state !== "done";
    for (const gallery of [before, after]) gallery.element.dataset.count = String(gallery.strip.childElementCount);
  }

  return {
    element,
    toggle,
    update(teaching, countsValue, state, images, quiet) {
      toggle.setAttribute("aria-pressed", String(teaching));
      const view = learnView(state, countsValue, quiet);
      const phase = String(state?.state ?? "idle");
      element.dataset.state = phase;
      element.dataset.quiet = view.quiet ? "1" : "0";
      element.hidden = !teaching && phase === "idle" && !view.canUndo;
      hint.hidden = !teaching;
      counts.cells.forEach((cell, d) => {
        const n = String(Array.isArray(countsValue) ? Number(countsValue[d]) || 0 : 0);
        if (cell.dataset.count !== n) {
          cell.dataset.count = n;
          /** @type {HTMLElement} */ (cell.lastElementChild).textContent = n;
        }
      });
      const losing =
        (learn.matches(":focus") && view.running) ||
        (stop.matches(":focus") && !view.running) ||
        (undo.matches(":focus") && !view.canUndo);
      learn.disabled = view.running;
      stop.hidden = !view.running;
      undo.disabled = !view.canUndo;
      if (losing) actions.refocus();
      progress.hidden = !view.progress;
      if (view.progress) {
        progress.max = view.progress.max;
        progress.value = view.progress.value;
      }
      if (status.textContent !== view.status) status.textContent = view.status;
      renderTable(view.rows);
      renderGallery(state, images);
    },
    destroy() {
      for (const [node, fn] of handlers) node.removeEventListener("click", fn);
    },
  };
}
