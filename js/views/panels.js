// The result side of the widget: the predicted digit, ten probability bars
// (the top one highlighted) and the robot-vision view of the 28x28 input.

import { saliencyRgba } from "./inside.js";
import { grayToOpaque } from "../drawing/raster.js";
import { percent, verdict } from "./results.js";

/**
 * @typedef {object} Result
 * @property {number | null} prediction
 * @property {number[]} probabilities
 * @property {Uint8Array} modelInput 784 bytes, row-major 28 x 28
 */

/**
 * @typedef {object} Panels
 * @property {HTMLElement} element
 * @property {(result: Result) => void} update
 * @property {(saliency: Int8Array | null) => void} setSaliency overlay on the robot vision; null hides it
 * @property {(busy: boolean) => void} setBusy while drawing, screen readers hold the
 *   prediction back (aria-busy) and read only the one the drawing ends with
 * @property {(stale: boolean) => void} setStale the answer shown is for an older drawing
 *   (the kernel stopped answering): shown greyed out until a fresh one arrives
 */

const VISION = 28;

/**
 * Create an element with a class and optional attributes.
 * @param {string} tag
 * @param {string} className
 * @param {Record<string, string>} [attrs]
 * @returns {HTMLElement}
 */
export function make(tag, className, attrs = {}) {
  const node = document.createElement(tag);
  node.className = className;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

/**
 * Set a node's text only when it differs: each DOM write makes the browser restyle and
 * lay out again, and results arrive many times a second while drawing.
 * @param {Node} node
 * @param {string} text
 */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** @returns {{element: HTMLElement, rows: HTMLElement[], values: HTMLElement[]}} */
function createBars() {
  const element = make("div", "dw-bars", { role: "list", "aria-label": "Probability of each digit" });
  const rows = [];
  const values = [];
  for (let d = 0; d < 10; d++) {
    const row = make("div", "dw-bar", {
      role: "listitem",
      "data-testid": `digitwidget-bar-${d}`,
      "data-value": "0",
    });
    const label = make("span", "dw-bar-label");
    label.textContent = String(d);
    const track = make("span", "dw-bar-track");
    track.append(make("span", "dw-bar-fill"));
    const value = make("span", "dw-bar-value");
    value.textContent = "0%";
    row.append(label, track, value);
    element.append(row);
    rows.push(row);
    values.push(value);
  }
  return { element, rows, values };
}

/**
 * A 28 x 28 canvas.
 * @param {string} className
 * @param {Record<string, string>} attrs
 * @returns {HTMLCanvasElement}
 */
function fieldCanvas(className, attrs) {
  const canvas = /** @type {HTMLCanvasElement} */ (make("canvas", className, attrs));
  canvas.width = canvas.height = VISION;
  return canvas;
}

/** @returns {{element: HTMLElement, canvas: HTMLCanvasElement, overlay: HTMLCanvasElement}} */
function createVision() {
  const element = make("figure", "dw-vision");
  const frame = make("div", "dw-vision-frame");
  const canvas = fieldCanvas("dw-vision-canvas", {
    "data-testid": "digitwidget-vision",
    role: "img",
    "aria-label": "What the network sees: the 28 by 28 pixel input",
  });
  const overlay = fieldCanvas("dw-saliency-canvas", {
    "data-testid": "digitwidget-saliency",
    role: "img",
    "aria-label": "Saliency: pixels where more ink raises (red) or lowers (blue) the predicted digit's score",
  });
  frame.append(canvas, overlay, make("div", "dw-vision-grid", { "aria-hidden": "true" }));
  const caption = make("figcaption", "dw-caption");
  caption.textContent = "Robot vision";
  element.append(frame, caption);
  return { element, canvas, overlay };
}

/**
 * Build the panels.
 * @param {{confident: number}} limits from Python: the top probability from which an
 *   answer is presented as a confident one
 * @returns {Panels}
 */
export function createPanels(limits) {
  const element = make("div", "dw-panels", { "data-stale": "0" });
  // One live region for the digit and how sure it is, read as a whole: "Prediction 0
  // Not sure (32%)".
  const result = make("div", "dw-result", { role: "status", "aria-atomic": "true" });
  const label = make("div", "dw-caption");
  label.textContent = "Prediction";
  const digit = make("div", "dw-digit", { "data-testid": "digitwidget-prediction" });
  const confidence = make("div", "dw-confidence");
  result.append(label, digit, confidence);
  const bars = createBars();
  const vision = createVision();
  element.append(result, bars.element, vision.element);
  const visionCtx = /** @type {CanvasRenderingContext2D} */ (vision.canvas.getContext("2d"));
  const overlayCtx = /** @type {CanvasRenderingContext2D} */ (vision.overlay.getContext("2d"));

  return {
    element,
    setBusy(busy) {
      result.setAttribute("aria-busy", String(busy));
    },
    setStale(stale) {
      element.dataset.stale = stale ? "1" : "0";
    },
    update({ prediction, probabilities, modelInput }) {
      const { blank, top, confident, text } = verdict(prediction, probabilities, limits.confident);
      setText(digit, blank ? "" : String(prediction));
      element.classList.toggle("is-blank", blank);
      if (blank) delete digit.dataset.confident;
      else digit.dataset.confident = confident ? "1" : "0";
      setText(confidence, text);
      confidence.classList.toggle("is-unsure", !blank && !confident);
      bars.rows.forEach((row, d) => {
        const value = String(Number(probabilities[d] ?? 0));
        if (row.dataset.value !== value) {
          row.dataset.value = value;
          row.style.setProperty("--p", value);
        }
        row.classList.toggle("is-top", d === top);
        setText(bars.values[d], percent(Number(value)));
      });
      if (modelInput.length === VISION * VISION) {
        const rgba = grayToOpaque(modelInput);
        visionCtx.putImageData(new ImageData(rgba, VISION, VISION), 0, 0);
      }
    },
    setSaliency(saliency) {
      if (saliency && saliency.length === VISION * VISION) {
        overlayCtx.putImageData(new ImageData(saliencyRgba(saliency), VISION, VISION), 0, 0);
      } else {
        overlayCtx.clearRect(0, 0, VISION, VISION);
      }
    },
  };
}
