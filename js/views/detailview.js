// The detail panel: the numbers behind the cell of the inside view under the pointer
// (or the keyboard's cursor), as Python computed them from the engine's weights.

import { channelRows, detailPictures, detailRows, detailTitle, pictureRgba, strongestRows } from "./detail.js";
import { make } from "./panels.js";

/** @typedef {import("./detail.js").Detail} Detail */
/** @typedef {import("./detail.js").Picture} Picture */

const MAX_PICTURES = 32;

/**
 * One small picture: a canvas with one pixel per value (scaled up by CSS) and its label.
 * @param {Picture} picture
 * @returns {HTMLElement}
 */
function pictureFigure(picture) {
  const figure = make("figure", "dw-detail-picture");
  const canvas = /** @type {HTMLCanvasElement} */ (
    make("canvas", "dw-detail-canvas", { role: "img", "aria-label": picture.label, title: picture.label })
  );
  canvas.width = picture.cols;
  canvas.height = picture.rows;
  canvas.style.setProperty("--dw-cols", String(picture.cols));
  const ctx = canvas.getContext("2d");
  ctx?.putImageData(new ImageData(pictureRgba(picture.values), picture.cols, picture.rows), 0, 0);
  figure.append(canvas);
  return figure;
}

/**
 * A labelled row of pictures, at most MAX_PICTURES of them.
 * @param {string} title
 * @param {Picture[]} pictures
 * @returns {HTMLElement | null}
 */
function pictureRow(title, pictures) {
  if (!pictures.length) return null;
  const row = make("div", "dw-detail-row");
  const caption = make("div", "dw-detail-label");
  caption.textContent = pictures.length > MAX_PICTURES ? `${title} (first ${MAX_PICTURES} of ${pictures.length})` : title;
  const strip = make("div", "dw-detail-strip");
  strip.append(...pictures.slice(0, MAX_PICTURES).map(pictureFigure));
  row.append(caption, strip);
  return row;
}

/**
 * Rows of label and number, as a description list.
 * @param {[string, string][]} rows
 * @param {string} className
 * @returns {HTMLElement}
 */
function numberList(rows, className) {
  const list = make("dl", className);
  for (const [label, value] of rows) {
    const term = make("dt", "");
    term.textContent = label;
    const number = make("dd", "");
    number.textContent = value;
    list.append(term, number);
  }
  return list;
}

/**
 * A kernel and its patch as numbers, side by side, for a single input channel.
 * @param {Picture} kernel
 * @param {Picture} patch
 * @returns {HTMLElement}
 */
function numberGrids(kernel, patch) {
  const box = make("div", "dw-detail-grids");
  for (const [title, picture] of /** @type {[string, Picture][]} */ ([["patch", patch], ["kernel", kernel]])) {
    const table = make("table", "dw-detail-grid", { "aria-label": title });
    const caption = make("caption", "");
    caption.textContent = title;
    table.append(caption);
    for (let r = 0; r < picture.rows; r++) {
      const tr = make("tr", "");
      for (let c = 0; c < picture.cols; c++) {
        const td = make("td", "");
        const v = picture.values[r * picture.cols + c];
        td.textContent = v === null || v === undefined ? "·" : String(Number(v.toPrecision(3)));
        tr.append(td);
      }
      table.append(tr);
    }
    box.append(table);
  }
  return box;
}

/**
 * Build the detail panel (empty and hidden until an answer arrives).
 * @returns {{element: HTMLElement, show: (detail: Detail | null, hint?: string) => void}}
 */
export function createDetailView() {
  const element = make("section", "dw-detail", {
    "data-testid": "digitwidget-detail",
    "aria-label": "Detail of the cell under the pointer",
    "aria-live": "polite",
  });
  const title = make("div", "dw-detail-title");
  const body = make("div", "dw-detail-body");
  element.append(title, body);

  /**
   * @param {Detail | null} detail
   * @param {string} [hint] shown when there is no detail
   */
  function show(detail, hint = "") {
    for (const key of ["layer", "unit", "y", "x", "value", "sum", "bias", "z"]) delete element.dataset[key];
    if (!detail || detail.error || !detail.name) {
      element.dataset.state = detail?.error ? "error" : "empty";
      title.textContent = detail?.error ?? hint;
      body.replaceChildren();
      return;
    }
    element.dataset.state = "shown";
    element.dataset.layer = String(detail.request?.layer ?? "");
    element.dataset.kind = String(detail.kind ?? "");
    for (const key of /** @type {const} */ (["unit", "y", "x", "value", "sum", "bias", "z"])) {
      if (detail[key] !== undefined) element.dataset[key] = String(detail[key]);
    }
    title.textContent = detailTitle(detail);
    const { kernels, patches, traces } = detailPictures(detail);
    const parts = [
      pictureRow(detail.template ? "weights (the pattern this neuron looks for)" : "kernel", kernels),
      pictureRow(detail.window ? "window" : "input patch", patches),
      pictureRow("traced down to the pixels (d neuron / d pixel)", traces),
      kernels.length === 1 && patches.length === 1 && detail.kernel ? numberGrids(kernels[0], patches[0]) : null,
      numberList(detailRows(detail), "dw-detail-numbers"),
    ];
    const channels = channelRows(detail);
    if (channels.length) parts.push(numberList(channels, "dw-detail-inputs"));
    const strongest = strongestRows(detail);
    if (strongest.length) {
      const label = make("div", "dw-detail-label");
      label.textContent = `strongest inputs from ${detail.source} (value × weight)`;
      parts.push(label, numberList(strongest, "dw-detail-inputs"));
    }
    body.replaceChildren(.../** @type {HTMLElement[]} */ (parts.filter(Boolean)));
  }

  show(null, "");
  return { element, show };
}
