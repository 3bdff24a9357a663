// The inside view's pure logic (no DOM): decode the message Python packs
// (src/digitwidget/widget/inside/message.py), lay each layer out as a mosaic of channel
// maps (or a grid of neurons), colour it, and find the cell under a point or a key.

/**
 * @typedef {object} LayerData
 * @property {number} bits 4 or 8
 * @property {number} count how many values
 * @property {number} lo value of code 0
 * @property {number} hi value of the top code (15 or 255)
 * @property {Uint8Array} codes one per value: lo + code / top * (hi - lo)
 */

/**
 * @typedef {object} InsideData
 * @property {LayerData[]} layers
 * @property {number} scale max |saliency|: int8 code q stands for q / 127 * scale
 * @property {Int8Array} saliency 28 x 28 row-major
 */

/**
 * One shown layer, as Python's layout describes it (widget/inside/layers.py layout).
 * @typedef {object} LayoutEntry
 * @property {string} name
 * @property {string} [kind] conv, pool, dense, norm, activation, other
 * @property {number} units channels of a feature map, neurons of a vector
 * @property {number} [shown] how many of them are sent: the first ones
 * @property {number} [height] of each channel's map (1 for neurons)
 * @property {number} [width]
 * @property {number} [rows] the grid the channels (or neurons) are drawn on
 * @property {number} [cols]
 * @property {string} activation
 * @property {boolean} [negative] whether the layer can output values below zero
 */

/** @typedef {{unit: number, y: number, x: number}} Cell */

export const FIELD = 28;
export const VERSION = 2;
const LAYER_HEADER = 13;

/**
 * Decode one inside-view message. Little-endian: uint8 version (2), uint8 L; L times
 * (uint8 bits, uint32 count, float32 lo, float32 hi, the codes: one a byte at 8 bits,
 * two a byte at 4, the first in the low nibble); float32 scale; 784 x int8.
 * @param {Uint8Array} bytes
 * @returns {InsideData | null} null for an empty or malformed message
 */
export function decodeInside(bytes) {
  if (!bytes || bytes.length < 2) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== VERSION) return null;
  const count = view.getUint8(1);
  let offset = 2;
  /** @type {LayerData[]} */
  const layers = [];
  for (let i = 0; i < count; i++) {
    if (offset + LAYER_HEADER > bytes.length) return null;
    const bits = view.getUint8(offset);
    const n = view.getUint32(offset + 1, true);
    const lo = view.getFloat32(offset + 5, true);
    const hi = view.getFloat32(offset + 9, true);
    offset += LAYER_HEADER;
    const size = Math.ceil((n * bits) / 8);
    if ((bits !== 4 && bits !== 8) || offset + size > bytes.length) return null;
    const raw = bytes.subarray(offset, offset + size);
    layers.push({ bits, count: n, lo, hi, codes: bits === 8 ? raw : unpackNibbles(raw, n) });
    offset += size;
  }
  if (offset + 4 + FIELD * FIELD !== bytes.length) return null;
  const scale = view.getFloat32(offset, true);
  const saliency = new Int8Array(bytes.buffer, bytes.byteOffset + offset + 4, FIELD * FIELD);
  return { layers, scale, saliency };
}

/**
 * 4-bit codes, two a byte (the first in the low nibble), as one byte each.
 * @param {Uint8Array} raw
 * @param {number} count
 * @returns {Uint8Array}
 */
export function unpackNibbles(raw, count) {
  const codes = new Uint8Array(count);
  for (let i = 0; i < count; i++) codes[i] = (raw[i >> 1] >> ((i & 1) * 4)) & 15;
  return codes;
}

/**
 * The value code `i` of a layer stands for.
 * @param {LayerData} layer
 * @param {number} i
 * @returns {number}
 */
export function valueAt(layer, i) {
  return layer.lo + (layer.codes[i] / ((1 << layer.bits) - 1)) * (layer.hi - layer.lo);
}

/**
 * A compact grid for `units` cells: the most square exact factorisation
 * (128 -> 8 x 16, 256 -> 16 x 16), or a near-square grid with empty cells
 * at the end when that would be too thin (a prime like 97 -> 10 x 10).
 * @param {number} units
 * @returns {{rows: number, cols: number}}
 */
export function gridShape(units) {
  const n = Math.max(1, Math.floor(units) || 1); // never NaN: the loop below must end
  let rows = Math.floor(Math.sqrt(n));
  while (n % rows !== 0) rows--;
  const cols = n / rows;
  if (cols <= 4 * rows) return { rows, cols };
  const side = Math.ceil(Math.sqrt(n));
  return { rows: Math.ceil(n / side), cols: side };
}

/**
 * The grid a layer's channels (or neurons) are drawn on: the `rows` and `cols` Python
 * sends in the layout, when it sends them (and they hold every shown one); else worked
 * out as Python's grid_shape does (tests/fixtures/inside_grids.json holds both sides to it).
 * @param {{units: number, shown?: number, rows?: number, cols?: number}} entry
 * @returns {{rows: number, cols: number}}
 */
export function layerGrid(entry) {
  const { rows, cols } = entry;
  const count = shownOf(entry);
  const whole = (/** @type {unknown} */ n) => Number.isInteger(n) && /** @type {number} */ (n) > 0;
  if (whole(rows) && whole(cols) && Number(rows) * Number(cols) >= count) {
    return { rows: Number(rows), cols: Number(cols) };
  }
  return gridShape(count);
}

/**
 * @param {{units: number, shown?: number}} entry
 * @returns {number} how many channels (or neurons) are sent
 */
function shownOf(entry) {
  return Number.isInteger(entry.shown) ? Number(entry.shown) : entry.units;
}

/**
 * Where a layer's cells sit in its picture: a mosaic of `rows x cols` tiles, one per
 * channel, each `height x width` pixels, one pixel apart (neurons: 1 x 1 tiles, no gap).
 * @param {LayoutEntry} entry
 * @returns {{rows: number, cols: number, height: number, width: number, gap: number, shown: number, pixelsWide: number, pixelsHigh: number}}
 */
export function mosaic(entry) {
  const { rows, cols } = layerGrid(entry);
  const height = Math.max(1, Number(entry.height) || 1);
  const width = Math.max(1, Number(entry.width) || 1);
  const gap = height > 1 || width > 1 ? 1 : 0;
  return {
    rows,
    cols,
    height,
    width,
    gap,
    shown: shownOf(entry),
    pixelsWide: cols * (width + gap) - gap,
    pixelsHigh: rows * (height + gap) - gap,
  };
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
 * RGBA pixels of one layer's mosaic (see {@link mosaic}): channel k's map in tile k
 * (row-major), neuron k in cell k; the gaps and spare tiles stay transparent.
 * @param {LayerData} layer
 * @param {LayoutEntry} entry
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function layerRgba(layer, entry) {
  const m = mosaic(entry);
  const rgba = new Uint8ClampedArray(m.pixelsWide * m.pixelsHigh * 4);
  const top = Math.max(Math.abs(layer.lo), Math.abs(layer.hi)) || 1;
  // One colour per code, worked out once: the loop below only copies bytes.
  const levels = 1 << layer.bits;
  const palette = new Uint8ClampedArray(levels * 4);
  for (let q = 0; q < levels; q++) {
    const value = layer.lo + (q / (levels - 1)) * (layer.hi - layer.lo);
    palette.set([...activationColor(value / top), 255], q * 4);
  }
  const tile = m.height * m.width;
  const units = Math.min(m.shown, m.rows * m.cols, Math.floor(layer.count / tile));
  let i = 0;
  for (let unit = 0; unit < units; unit++) {
    const top0 = Math.floor(unit / m.cols) * (m.height + m.gap);
    const left = (unit % m.cols) * (m.width + m.gap);
    for (let y = 0; y < m.height; y++) {
      let o = ((top0 + y) * m.pixelsWide + left) * 4;
      for (let x = 0; x < m.width; x++, o += 4) {
        const p = layer.codes[i++] * 4;
        rgba[o] = palette[p];
        rgba[o + 1] = palette[p + 1];
        rgba[o + 2] = palette[p + 2];
        rgba[o + 3] = 255;
      }
    }
  }
  return rgba;
}

/**
 * The cell at pixel (px, py) of a layer's mosaic, or null in a gap or a spare tile.
 * @param {LayoutEntry} entry
 * @param {number} px
 * @param {number} py
 * @returns {Cell | null}
 */
export function cellAt(entry, px, py) {
  const m = mosaic(entry);
  const col = Math.floor(px / (m.width + m.gap));
  const row = Math.floor(py / (m.height + m.gap));
  const x = Math.floor(px) - col * (m.width + m.gap);
  const y = Math.floor(py) - row * (m.height + m.gap);
  const unit = row * m.cols + col;
  if (px < 0 || py < 0 || col >= m.cols || x >= m.width || y >= m.height || unit >= m.shown) return null;
  return { unit, y, x };
}

/**
 * The top-left pixel of a cell in its layer's mosaic.
 * @param {LayoutEntry} entry
 * @param {Cell} cell
 * @returns {{px: number, py: number}}
 */
export function cellOrigin(entry, cell) {
  const m = mosaic(entry);
  return {
    px: (cell.unit % m.cols) * (m.width + m.gap) + cell.x,
    py: Math.floor(cell.unit / m.cols) * (m.height + m.gap) + cell.y,
  };
}

const MOVES = {
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
};

/**
 * The cell a key moves to: the arrows go one pixel (or neuron) at a time across the
 * whole mosaic, into the next channel at a map's edge; Page Up and Page Down go to the
 * previous or next channel at the same point; Home and End to the first and last.
 * @param {LayoutEntry} entry
 * @param {Cell} cell
 * @param {string} key
 * @returns {Cell | null} null for a key that moves nothing
 */
export function moveCell(entry, cell, key) {
  const m = mosaic(entry);
  const last = m.shown - 1;
  if (key === "PageUp" || key === "PageDown") {
    return { ...cell, unit: Math.min(last, Math.max(0, cell.unit + (key === "PageUp" ? -1 : 1))) };
  }
  if (key === "Home" || key === "End") return { ...cell, unit: key === "Home" ? 0 : last };
  const step = MOVES[/** @type {keyof typeof MOVES} */ (key)];
  if (!step) return null;
  // On the mosaic without its gaps: row Y, column X.
  const Y = Math.floor(cell.unit / m.cols) * m.height + cell.y + step[0];
  const X = (cell.unit % m.cols) * m.width + cell.x + step[1];
  if (Y < 0 || X < 0 || X >= m.cols * m.width || Y >= m.rows * m.height) return cell;
  const unit = Math.floor(Y / m.height) * m.cols + Math.floor(X / m.width);
  if (unit > last) return cell;
  return { unit, y: Y % m.height, x: X % m.width };
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
 * A layer's caption: "dense_1 · 128 relu", "conv_2 · 64 relu, 32 shown".
 * @param {LayoutEntry} entry
 * @returns {string}
 */
export function layerCaption(entry) {
  const activation = entry.activation && entry.activation !== "linear" ? ` ${entry.activation}` : "";
  const shown = shownOf(entry);
  const thinned = shown < entry.units ? `, ${shown ? `first ${shown} shown` : "not shown"}` : "";
  return `${entry.name} · ${entry.units}${activation}${thinned}`;
}

/**
 * The inside view's legend. Blue (negative) is mentioned only when a shown layer can be
 * negative (`negative` in its layout entry, sent by Python; unknown counts as possible):
 * a network of ReLUs never shows it.
 * @param {LayoutEntry[]} layout
 * @returns {string}
 */
export function legendText(layout) {
  const negative = layout.some((entry) => entry.negative !== false);
  const maps = layout.some((entry) => (Number(entry.height) || 1) > 1 || (Number(entry.width) || 1) > 1);
  const what = maps ? "Each small map is one channel of a layer, each square one neuron" : "Each square is one neuron";
  return (
    `${what}: dark is 0, red to yellow is active${negative ? ", blue is negative" : ""}. ` +
    "On the robot vision, red pixels push the prediction up, blue ones down."
  );
}

/**
 * What the view says about layers shown in part, or "" when every channel is shown.
 * @param {LayoutEntry[]} layout
 * @returns {string}
 */
export function thinningNote(layout) {
  const thinned = layout.filter((entry) => shownOf(entry) < entry.units);
  if (!thinned.length) return "";
  const names = thinned.map((entry) => `${entry.name} (${shownOf(entry)} of ${entry.units})`).join(", ");
  return `To keep each update small, only the first channels of the largest layers are shown: ${names}. Point at a map, or focus it and use the arrow keys, for its numbers.`;
}
