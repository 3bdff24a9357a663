// The inside view's pure logic (no DOM): decode the packed activations and saliency
// sent by Python (src/digitwidget/widget/inside.py), lay units out on a grid, colour them.

/**
 * @typedef {object} LayerData
 * @property {number} units
 * @property {number} lo value of code 0
 * @property {number} hi value of code 255
 * @property {Uint8Array} codes one byte per unit: lo + code / 255 * (hi - lo)
 */

/**
 * @typedef {object} InsideData
 * @property {LayerData[]} layers
 * @property {number} scale max |saliency|: int8 code q stands for q / 127 * scale
 * @property {Int8Array} saliency 28 x 28 row-major
 */

export const FIELD = 28;
const LAYER_HEADER = 10;

/**
 * Decode one inside-view message. Little-endian: uint8 L; L times (uint16 units,
 * float32 lo, float32 hi, units x uint8); float32 scale; 784 x int8.
 * @param {Uint8Array} bytes
 * @returns {InsideData | null} null for an empty or malformed message
 */
export function decodeInside(bytes) {
  if (!bytes || bytes.length < 1) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint8(0);
  let offset = 1;
  /** @type {LayerData[]} */
  const layers = [];
  for (let i = 0; i < count; i++) {
    if (offset + LAYER_HEADER > bytes.length) return null;
    const units = view.getUint16(offset, true);
    const lo = view.getFloat32(offset + 2, true);
    const hi = view.getFloat32(offset + 6, true);
    offset += LAYER_HEADER;
    if (offset + units > bytes.length) return null;
    layers.push({ units, lo, hi, codes: bytes.subarray(offset, offset + units) });
    offset += units;
  }
  if (offset + 4 + FIELD * FIELD !== bytes.length) return null;
  const scale = view.getFloat32(offset, true);
  const saliency = new Int8Array(bytes.buffer, bytes.byteOffset + offset + 4, FIELD * FIELD);
  return { layers, scale, saliency };
}

/**
 * A compact grid for `units` cells: the most square exact factorisation
 * (128 -> 8 x 16, 256 -> 16 x 16), or a near-square grid with empty cells
 * at the end when that would be too thin (a prime like 97 -> 10 x 10).
 * @param {number} units
 * @returns {{rows: number, cols: number}}
 */
export function gridShape(units) {
  const n = Math.max(1, Math.floor(units));
  let rows = Math.floor(Math.sqrt(n));
  while (n % rows !== 0) rows--;
  const cols = n / rows;
  if (cols <= 4 * rows) return { rows, cols };
  const side = Math.ceil(Math.sqrt(n));
  return { rows: Math.ceil(n / side), cols: side };
}

/**
 * The grid of one layer of the inside view: the `rows` and `cols` Python sends in the
 * layout, when it sends them (and they hold every unit); else worked out from `units` as
 * Python's grid_shape does (tests/fixtures/inside_grids.json holds both sides to it).
 * @param {{units: number, rows?: number, cols?: number}} entry
 * @returns {{rows: number, cols: number}}
 */
export function layerGrid(entry) {
  const { units, rows, cols } = entry;
  const whole = (/** @type {unknown} */ n) => Number.isInteger(n) && /** @type {number} */ (n) > 0;
  if (whole(rows) && whole(cols) && Number(rows) * Number(cols) >= units) {
    return { rows: Number(rows), cols: Number(cols) };
  }
  return gridShape(units);
}

const ZERO = [17, 17, 20];
const WARM = [
  [228, 87, 46],
  [255, 209, 102],
];
const COOL = [76, 201, 240];

/**
 * @param {number[]} a
 * @param {number[]} b
 * @param {number} t in [0, 1]
 * @returns {number[]}
 */
function mix(a, b, t) {
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t));
}

/**
 * The colour of one activation: dark at zero, red to yellow as it grows, blue below zero.
 * @param {number} t the value divided by the layer's largest magnitude, in [-1, 1]
 * @returns {number[]} [r, g, b]
 */
export function activationColor(t) {
  const a = Math.min(1, Math.abs(t));
  if (t < 0) return mix(ZERO, COOL, a);
  return a < 0.5 ? mix(ZERO, WARM[0], a * 2) : mix(WARM[0], WARM[1], (a - 0.5) * 2);
}

/**
 * RGBA pixels of one layer drawn on its grid (row-major, unit i at row i / cols);
 * the cells after the last unit stay transparent.
 * @param {LayerData} layer
 * @param {{rows: number, cols: number}} grid
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function layerRgba(layer, grid) {
  const rgba = new Uint8ClampedArray(grid.rows * grid.cols * 4);
  const span = layer.hi - layer.lo;
  const top = Math.max(Math.abs(layer.lo), Math.abs(layer.hi)) || 1;
  const count = Math.min(layer.units, grid.rows * grid.cols);
  for (let i = 0; i < count; i++) {
    const value = layer.lo + (layer.codes[i] / 255) * span;
    const [r, g, b] = activationColor(value / top);
    rgba.set([r, g, b, 255], i * 4);
  }
  return rgba;
}

/**
 * RGBA overlay of a saliency map: red where more ink raises the predicted digit's score,
 * blue where it lowers it, opacity growing with the magnitude.
 * @param {Int8Array} saliency 784 codes in -127..127
 * @returns {Uint8ClampedArray<ArrayBuffer>} 28 x 28 x 4
 */
export function saliencyRgba(saliency) {
  const rgba = new Uint8ClampedArray(saliency.length * 4);
  for (let i = 0; i < saliency.length; i++) {
    const t = Math.max(-1, Math.min(1, saliency[i] / 127));
    const alpha = Math.round(225 * Math.abs(t));
    rgba.set(t >= 0 ? [255, 59, 48, alpha] : [10, 132, 255, alpha], i * 4);
  }
  return rgba;
}

/**
 * A layer's caption: "dense_1 · 128 relu".
 * @param {{name: string, units: number, activation: string}} entry
 * @returns {string}
 */
export function layerCaption(entry) {
  const activation = entry.activation && entry.activation !== "linear" ? ` ${entry.activation}` : "";
  return `${entry.name} · ${entry.units}${activation}`;
}

/**
 * The inside view's legend. Blue (negative) is mentioned only when a shown layer can be
 * negative (`negative` in its layout entry, sent by Python; unknown counts as possible):
 * a network of ReLUs never shows it.
 * @param {{negative?: boolean}[]} layout
 * @returns {string}
 */
export function legendText(layout) {
  const negative = layout.some((entry) => entry.negative !== false);
  return (
    `Each square is one neuron: dark is 0, red to yellow is active${negative ? ", blue is negative" : ""}. ` +
    "On the robot vision, red pixels push the prediction up, blue ones down."
  );
}
