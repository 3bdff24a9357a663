// The detail panel's pure logic (no DOM): what to ask Python for, and how its answer
// (the `_detail` trait, src/digitwidget/widget/inside/detail.py) reads as text and pictures.

import { activationColor } from "./inside.js";

/**
 * Python's answer for one cell. Every kind has `request`, `name`, `kind`, `map`, `unit`, `y`, `x`,
 * `activation` and `value` (the engine's output there); a convolution adds `channels`,
 * `kernel_shape` [kh, kw, channels], `kernel` and `patch` (channel after channel, each
 * row-major), `padding`, `per_channel`, `sum`, `bias`, `z`; a pooling `window_shape` and
 * `window`; a dense neuron `source`, `source_shape`, `strongest`, `sum`, `bias`, `z`,
 * `trace` (d neuron / d pixel) and, reading the 28x28 input, `template`. `error` says why there is no answer.
 * @typedef {object} Detail
 * @property {Request} [request]
 * @property {string} [error]
 * @property {string} [name]
 * @property {string} [kind]
 * @property {boolean} [map] a feature map's cell (else a neuron)
 * @property {number} [unit]
 * @property {number} [y]
 * @property {number} [x]
 * @property {string} [activation]
 * @property {number} [value]
 * @property {number[]} [channels]
 * @property {number[]} [kernel_shape]
 * @property {number[]} [kernel]
 * @property {number[]} [patch]
 * @property {number[]} [per_channel]
 * @property {number[]} [window_shape]
 * @property {(number | null)[]} [window]
 * @property {string} [source]
 * @property {number[]} [source_shape]
 * @property {{index: number, at: number[], value: number, weight: number, product: number}[]} [strongest]
 * @property {number[]} [template]
 * @property {number[]} [trace] d neuron / d pixel, 28 x 28
 * @property {number} [sum]
 * @property {number} [bias]
 * @property {number} [z]
 */

/** @typedef {{layer: number, unit: number, y: number, x: number}} Request */

/** @typedef {{label: string, values: (number | null)[], rows: number, cols: number}} Picture */

/**
 * The request for a cell of shown layer `layer`.
 * @param {number} layer
 * @param {import("./inside.js").Cell} cell
 * @returns {Request}
 */
export function detailRequest(layer, cell) {
  return { layer, unit: cell.unit, y: cell.y, x: cell.x };
}

/**
 * Whether an answer is the one for `request` (an older one may still be on its way).
 * @param {Detail | null | undefined} detail
 * @param {Request | null} request
 * @returns {boolean}
 */
export function answers(detail, request) {
  const asked = detail?.request;
  if (!asked || !request) return false;
  return (["layer", "unit", "y", "x"]).every(
    (key) => Number(asked[/** @type {keyof Request} */ (key)] ?? 0) === request[/** @type {keyof Request} */ (key)],
  );
}

/**
 * A number as the panel shows it: four significant digits.
 * @param {number | null | undefined} value
 * @returns {string}
 */
export function formatNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value === 0) return "0";
  return String(Number(value.toPrecision(4)));
}

/**
 * The panel's heading: which cell of which layer.
 * @param {Detail} detail
 * @returns {string}
 */
export function detailTitle(detail) {
  if (!detail.map) return `${detail.name} · neuron ${detail.unit}`;
  return `${detail.name} · channel ${detail.unit} at row ${detail.y}, column ${detail.x}`;
}

/**
 * The panel's numbers, as [label, value] rows: the weighted sum, the bias, z and the
 * activation (what the engine computed), or the value alone.
 * @param {Detail} detail
 * @returns {[string, string][]}
 */
export function detailRows(detail) {
  const output = detail.activation && detail.activation !== "linear" ? `${detail.activation}(z)` : "output";
  if (detail.sum === undefined) return [["output", formatNumber(detail.value)]];
  const sum = detail.kind === "conv" ? "weighted sum: Σ patch × kernel" : "weighted sum: Σ input × weight";
  return [
    [sum, formatNumber(detail.sum)],
    ["bias", formatNumber(detail.bias)],
    ["z = sum + bias", formatNumber(detail.z)],
    [output, formatNumber(detail.value)],
  ];
}

/**
 * The pictures of a convolution's cell: its kernel and the input patch, one small image
 * per input channel; a pooling's window; a dense neuron's weights over the 28x28 input,
 * and the neuron traced down to the pixels.
 * @param {Detail} detail
 * @returns {{kernels: Picture[], patches: Picture[], traces: Picture[]}}
 */
export function detailPictures(detail) {
  /** @type {Picture[]} */
  const kernels = [];
  /** @type {Picture[]} */
  const patches = [];
  if (detail.kernel && detail.patch && detail.kernel_shape && detail.channels) {
    const [rows, cols] = detail.kernel_shape;
    const tile = rows * cols;
    detail.channels.forEach((channel, k) => {
      kernels.push({ label: `kernel on channel ${channel}`, values: detail.kernel?.slice(k * tile, (k + 1) * tile) ?? [], rows, cols });
      patches.push({ label: `input channel ${channel}`, values: detail.patch?.slice(k * tile, (k + 1) * tile) ?? [], rows, cols });
    });
  } else if (detail.window && detail.window_shape) {
    const [rows, cols] = detail.window_shape;
    patches.push({ label: `window of channel ${detail.unit}`, values: detail.window, rows, cols });
  } else if (detail.template) {
    kernels.push({ label: "weights on the 28x28 input", values: detail.template, rows: 28, cols: 28 });
  }
  /** @type {Picture[]} */
  const traces = [];
  if (detail.trace && detail.trace.length === 28 * 28) {
    traces.push({ label: "d neuron / d pixel: where more ink raises it (red) or lowers it (blue)", values: detail.trace, rows: 28, cols: 28 });
  }
  return { kernels, patches, traces };
}

/**
 * Where a neuron's input sits in the layer below, in words.
 * @param {string} source the layer's name, or "input"
 * @param {number[]} shape its output shape
 * @param {number[]} at the input's index in that shape
 * @returns {string}
 */
export function placeName(source, shape, at) {
  if (shape.length === 3) return `${source} channel ${at[2]} at (${at[0]}, ${at[1]})`;
  if (source === "input" && shape.length === 2) return `pixel (${at[0]}, ${at[1]})`;
  return `${source} #${at.join(", ")}`;
}

/**
 * A dense neuron's strongest inputs as text rows: where, value × weight = product.
 * @param {Detail} detail
 * @returns {[string, string][]}
 */
export function strongestRows(detail) {
  const shape = detail.source_shape ?? [];
  return (detail.strongest ?? []).map((input) => [
    placeName(detail.source ?? "input", shape, input.at),
    `${formatNumber(input.value)} × ${formatNumber(input.weight)} = ${formatNumber(input.product)}`,
  ]);
}

/**
 * A convolution's input channels that added the most to its sum (of many), as text rows.
 * @param {Detail} detail
 * @param {number} [count]
 * @returns {[string, string][]}
 */
export function channelRows(detail, count = 4) {
  const per = detail.per_channel ?? [];
  const channels = detail.channels ?? [];
  if (per.length < 2) return [];
  const order = per.map((_, k) => k).sort((a, b) => Math.abs(per[b]) - Math.abs(per[a]));
  return order.slice(0, count).map((k) => [`from input channel ${channels[k]}`, formatNumber(per[k])]);
}

/**
 * RGBA pixels of a small picture, coloured as the heat maps are (scaled by the largest
 * magnitude in it); missing values (padding) transparent.
 * @param {(number | null)[]} values
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function pictureRgba(values) {
  const top = Math.max(0, ...values.map((v) => (v === null ? 0 : Math.abs(v)))) || 1;
  const rgba = new Uint8ClampedArray(values.length * 4);
  values.forEach((v, i) => {
    if (v !== null) rgba.set([...activationColor(v / top), 255], i * 4);
  });
  return rgba;
}
