// The inside view: one picture per shown layer (a mosaic of channel maps for a
// convolution or a pooling, a grid of squares for dense neurons), redrawn with every
// result, and the detail panel for the cell under the pointer or the keyboard's cursor.

import { answers, detailRequest } from "./detail.js";
import { createDetailView } from "./detailview.js";
import { cellAt, cellOrigin, layerCaption, layerRgba, legendText, mosaic, moveCell, thinningNote } from "./inside.js";
import { make } from "./panels.js";

/**
 * @typedef {import("./inside.js").LayoutEntry} LayoutEntry
 * @typedef {import("./inside.js").InsideData} InsideData
 * @typedef {import("./inside.js").Cell} Cell
 * @typedef {import("./detail.js").Detail} Detail
 * @typedef {import("./detail.js").Request} Request
 */

/**
 * @typedef {object} InsideView
 * @property {HTMLElement} element
 * @property {(layout: LayoutEntry[], data: InsideData | null) => void} update
 * @property {(detail: Detail | null) => void} showDetail Python's answer to a request
 * @property {(e: KeyboardEvent) => boolean} handleKey true when a focused layer used the key
 * @property {() => void} destroy
 */

/** A channel's map is drawn about this many CSS pixels high, whatever its size. */
const TILE_PX = 56;
/** A neuron's square, in CSS pixels. */
const NEURON_PX = 8;
/** Requests go to Python at most this often while the pointer moves. */
const THROTTLE_MS = 50;
const HINT = "Point at a map or a neuron, or focus a layer and use the arrow keys, to see its numbers here.";

/**
 * One layer's figure: a canvas with one pixel per value (scaled up by CSS), the cursor
 * that marks the cell the detail panel shows, and a caption.
 * @param {LayoutEntry} entry
 * @param {number} index
 */
function layerFigure(entry, index) {
  const m = mosaic(entry);
  const figure = make("figure", "dw-layer");
  const box = make("div", "dw-layer-box");
  const canvas = /** @type {HTMLCanvasElement} */ (
    make("canvas", "dw-layer-canvas", {
      "data-testid": `digitwidget-layer-${index}`,
      "data-kind": String(entry.kind ?? "dense"),
      "data-units": String(entry.units),
      "data-shown": String(m.shown),
      "data-index": String(index),
      tabindex: "0",
      role: "img",
      "aria-label": `Layer ${index + 1}, ${layerCaption(entry)}. Arrow keys pick a cell for the detail panel.`,
    })
  );
  canvas.width = m.pixelsWide;
  canvas.height = m.pixelsHigh;
  const cell = m.height > 1 || m.width > 1 ? Math.max(1, Math.round(TILE_PX / m.height)) : NEURON_PX;
  box.style.setProperty("--dw-cols", String(m.pixelsWide));
  box.style.setProperty("--dw-cell", `${cell}px`);
  const cursor = make("div", "dw-cursor", { "aria-hidden": "true" });
  box.append(canvas, cursor);
  const caption = make("figcaption", "dw-caption");
  caption.textContent = layerCaption(entry);
  figure.append(box, caption);
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  return { entry, figure, canvas, cursor, ctx, m };
}

/**
 * @param {Request | null} a
 * @param {Request | null} b
 */
function sameRequest(a, b) {
  return Boolean(a && b && a.layer === b.layer && a.unit === b.unit && a.y === b.y && a.x === b.x);
}

/**
 * Build the inside view (empty until the first layout arrives).
 * @param {{request: (request: Request | null) => void}} options `request` asks Python for a
 *   cell's numbers (null: none); the answer comes back through `showDetail`
 * @returns {InsideView}
 */
export function createInsideView({ request }) {
  const element = make("section", "dw-inside", { "aria-label": "Inside the network" });
  const title = make("div", "dw-caption");
  title.textContent = "Inside the network";
  const layersRow = make("div", "dw-layers");
  const note = make("p", "dw-inside-note");
  const legend = make("p", "dw-inside-legend");
  legend.textContent = legendText([]);
  const detail = createDetailView();
  element.append(title, layersRow, note, legend, detail.element);
  /** @type {ReturnType<typeof layerFigure>[]} */
  let figures = [];
  let layoutKey = "";
  /** @type {{layer: number, cell: Cell} | null} */
  let cursor = null;
  let pinned = false;
  /** @type {Request | null} */
  let wanted = null;
  /** @type {Request | null} */
  let sent = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  /** @param {LayoutEntry[]} layout */
  function build(layout) {
    const key = JSON.stringify(layout);
    if (key === layoutKey) return;
    layoutKey = key;
    legend.textContent = legendText(layout);
    note.textContent = thinningNote(layout);
    figures = layout.map(layerFigure);
    layersRow.replaceChildren(...figures.map((f) => f.figure));
    cursor = null;
    pinned = false;
    wanted = sent = null;
    detail.show(null, figures.length ? HINT : "");
    if (!figures.length) {
      const empty = make("p", "dw-inside-note");
      empty.textContent = "The inside view needs a digitwidget model (digitwidget.load_model()).";
      layersRow.append(empty);
    }
  }

  function flush() {
    if (!wanted || sameRequest(wanted, sent)) return;
    sent = wanted;
    request(wanted);
    timer = setTimeout(() => {
      timer = undefined;
      flush();
    }, THROTTLE_MS);
  }

  /**
   * Mark a cell and ask Python for its numbers.
   * @param {number} layer
   * @param {Cell} cell
   */
  function select(layer, cell) {
    cursor = { layer, cell };
    figures.forEach((f, i) => {
      f.cursor.hidden = i !== layer;
      if (i !== layer) return;
      const { px, py } = cellOrigin(f.entry, cell);
      f.cursor.style.left = `${(px / f.m.pixelsWide) * 100}%`;
      f.cursor.style.top = `${(py / f.m.pixelsHigh) * 100}%`;
      f.cursor.style.width = `${100 / f.m.pixelsWide}%`;
      f.cursor.style.height = `${100 / f.m.pixelsHigh}%`;
    });
    figures[layer]?.figure.classList.toggle("is-pinned", pinned);
    wanted = detailRequest(layer, cell);
    if (timer === undefined) flush();
  }

  /**
   * The figure index and cell under a pointer event, if any.
   * @param {PointerEvent | MouseEvent} e
   * @returns {{layer: number, cell: Cell} | null}
   */
  function pointed(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const layer = Number(target?.dataset?.index);
    const f = figures[layer];
    if (!f || target !== f.canvas) return null;
    const box = f.canvas.getBoundingClientRect();
    if (!box.width || !box.height) return null;
    const px = ((e.clientX - box.left) / box.width) * f.m.pixelsWide;
    const py = ((e.clientY - box.top) / box.height) * f.m.pixelsHigh;
    const cell = cellAt(f.entry, px, py);
    return cell ? { layer, cell } : null;
  }

  /** @param {PointerEvent} e */
  function onPointerMove(e) {
    if (pinned) return;
    const found = pointed(e);
    if (found) select(found.layer, found.cell);
  }

  /** @param {MouseEvent} e */
  function onClick(e) {
    const found = pointed(e);
    if (!found) return;
    const same = cursor && cursor.layer === found.layer && sameRequest(detailRequest(found.layer, found.cell), detailRequest(cursor.layer, cursor.cell));
    pinned = !(pinned && same);
    select(found.layer, found.cell);
  }

  /** @param {FocusEvent} e */
  function onFocus(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const layer = Number(target?.dataset?.index);
    // A click focuses the layer too: the keyboard's first cell is for keyboard focus only.
    if (!figures[layer] || cursor?.layer === layer || !target.matches(":focus-visible")) return;
    select(layer, { unit: 0, y: 0, x: 0 });
  }

  layersRow.addEventListener("pointermove", onPointerMove);
  layersRow.addEventListener("click", onClick);
  layersRow.addEventListener("focusin", onFocus);

  return {
    element,
    update(layout, data) {
      build(layout);
      figures.forEach((f, i) => {
        const layer = data?.layers[i];
        if (!layer || layer.count !== f.m.shown * f.m.height * f.m.width) {
          f.ctx.clearRect(0, 0, f.m.pixelsWide, f.m.pixelsHigh);
          f.canvas.dataset.max = "0";
          return;
        }
        f.ctx.putImageData(new ImageData(layerRgba(layer, f.entry), f.m.pixelsWide, f.m.pixelsHigh), 0, 0);
        f.canvas.dataset.max = String(layer.hi);
      });
    },
    showDetail(answer) {
      if (!answer || !answer.request) {
        if (!sent) detail.show(null, figures.length ? HINT : "");
        return;
      }
      if (answers(answer, sent)) detail.show(answer);
    },
    handleKey(e) {
      const target = e.composedPath()[0];
      const f = figures.find((figure) => figure.canvas === target);
      if (!f || e.altKey || e.ctrlKey || e.metaKey) return false;
      const layer = figures.indexOf(f);
      const from = cursor?.layer === layer ? cursor.cell : { unit: 0, y: 0, x: 0 };
      if ((e.key === "Enter" && !e.shiftKey) || e.key === " ") {
        pinned = !pinned;
        select(layer, from);
        return true;
      }
      const next = moveCell(f.entry, from, e.key);
      if (!next) return false;
      pinned = true; // the keyboard's cell stays until the keyboard moves it
      select(layer, next);
      return true;
    },
    destroy() {
      clearTimeout(timer);
      layersRow.removeEventListener("pointermove", onPointerMove);
      layersRow.removeEventListener("click", onClick);
      layersRow.removeEventListener("focusin", onFocus);
    },
  };
}
