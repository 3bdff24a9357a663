// The inside view: one small heat map per hidden layer, redrawn with every result.

import { layerCaption, layerGrid, layerRgba, legendText } from "./inside.js";
import { make } from "./panels.js";

/**
 * @typedef {{name: string, units: number, activation: string, negative?: boolean, rows?: number, cols?: number}} LayoutEntry
 * @typedef {import("./inside.js").InsideData} InsideData
 */

/**
 * @typedef {object} InsideView
 * @property {HTMLElement} element
 * @property {(layout: LayoutEntry[], data: InsideData | null) => void} update
 */

/**
 * One layer's figure: a canvas with one pixel per unit (scaled up by CSS) and a caption.
 * @param {LayoutEntry} entry
 * @param {number} index
 * @returns {{figure: HTMLElement, canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D, grid: {rows: number, cols: number}}}
 */
function layerFigure(entry, index) {
  const grid = layerGrid(entry);
  const figure = make("figure", "dw-layer");
  const canvas = /** @type {HTMLCanvasElement} */ (
    make("canvas", "dw-layer-canvas", {
      "data-testid": `digitwidget-layer-${index}`,
      role: "img",
      "aria-label": `Activations of layer ${index + 1}, ${layerCaption(entry)}`,
    })
  );
  canvas.width = grid.cols;
  canvas.height = grid.rows;
  canvas.style.setProperty("--dw-cols", String(grid.cols));
  canvas.style.setProperty("--dw-rows", String(grid.rows));
  const caption = make("figcaption", "dw-caption");
  caption.textContent = layerCaption(entry);
  figure.append(canvas, caption);
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  return { figure, canvas, ctx, grid };
}

/**
 * Build the inside view (empty until the first layout arrives).
 * @returns {InsideView}
 */
export function createInsideView() {
  const element = make("section", "dw-inside", { "aria-label": "Inside the network" });
  const title = make("div", "dw-caption");
  title.textContent = "Inside the network";
  const layersRow = make("div", "dw-layers");
  const legend = make("p", "dw-inside-legend");
  legend.textContent = legendText([]);
  element.append(title, layersRow, legend);
  /** @type {ReturnType<typeof layerFigure>[]} */
  let figures = [];
  let layoutKey = "";

  /** @param {LayoutEntry[]} layout */
  function build(layout) {
    const key = JSON.stringify(layout);
    if (key === layoutKey) return;
    layoutKey = key;
    legend.textContent = legendText(layout);
    figures = layout.map(layerFigure);
    layersRow.replaceChildren(...figures.map((f) => f.figure));
    if (!figures.length) {
      const note = make("p", "dw-inside-note");
      note.textContent = "The inside view needs a digitwidget model (digitwidget.load_model()).";
      layersRow.append(note);
    }
  }

  return {
    element,
    update(layout, data) {
      build(layout);
      figures.forEach((f, i) => {
        const layer = data?.layers[i];
        if (!layer) {
          f.ctx.clearRect(0, 0, f.grid.cols, f.grid.rows);
          f.canvas.dataset.max = "0";
          return;
        }
        f.ctx.putImageData(new ImageData(layerRgba(layer, f.grid), f.grid.cols, f.grid.rows), 0, 0);
        f.canvas.dataset.max = String(layer.hi);
      });
    },
  };
}
