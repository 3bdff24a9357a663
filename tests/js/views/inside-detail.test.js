import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  answers,
  channelRows,
  detailPictures,
  detailRequest,
  detailRows,
  detailTitle,
  formatNumber,
  pictureRgba,
  placeName,
  strongestRows,
} from "../../../js/views/detail.js";
import { activationColor } from "../../../js/views/inside.js";

// Answers shaped as src/digitwidget/widget/inside/detail.py gives them.
const CONV = {
  request: { layer: 2, unit: 5, y: 3, x: 4 },
  name: "conv_2",
  kind: "conv",
  map: true,
  unit: 5,
  y: 3,
  x: 4,
  activation: "relu",
  value: 0.75,
  channels: [0, 1],
  kernel_shape: [2, 2, 2],
  kernel: [1, -1, 0.5, 0, 2, 2, 2, 2],
  patch: [0.5, 0, 1, 0, 0, 0, 0.25, 0],
  padding: [0, 0, 0, 0],
  per_channel: [1, 0.5],
  sum: 1.5,
  bias: -0.75,
  z: 0.75,
};
const DENSE = {
  request: { layer: 4, unit: 7, y: 0, x: 0 },
  name: "dense_1",
  kind: "dense",
  map: false,
  unit: 7,
  y: 0,
  x: 0,
  activation: "relu",
  value: 0,
  source: "pool_2",
  source_shape: [7, 7, 64],
  strongest: [{ index: 1571, at: [3, 3, 35], value: 1.656, weight: -0.331, product: -0.548 }],
  sum: -4.985,
  bias: 0.036,
  z: -4.949,
};

test("a request names the shown layer and the cell", () => {
  assert.deepEqual(detailRequest(3, { unit: 2, y: 1, x: 0 }), { layer: 3, unit: 2, y: 1, x: 0 });
});

test("answers: only the answer to the request that stands is shown", () => {
  assert.ok(answers(CONV, { layer: 2, unit: 5, y: 3, x: 4 }));
  assert.ok(!answers(CONV, { layer: 2, unit: 5, y: 3, x: 5 }));
  assert.ok(!answers(CONV, null));
  assert.ok(!answers({}, { layer: 2, unit: 5, y: 3, x: 4 }));
  assert.ok(answers({ request: { layer: 4, unit: 7 } }, { layer: 4, unit: 7, y: 0, x: 0 }), "a neuron's y and x are 0");
});

describe("formatNumber", () => {
  for (const [value, text] of [
    [0, "0"],
    [1.23456, "1.235"],
    [-0.000123456, "-0.0001235"],
    [12345.6, "12350"],
    [Number.NaN, "–"],
    [null, "–"],
  ]) {
    test(`${value} -> ${text}`, () => assert.equal(formatNumber(value), text));
  }
});

test("titles: a channel's point, or a neuron", () => {
  assert.equal(detailTitle(CONV), "conv_2 · channel 5 at row 3, column 4");
  assert.equal(detailTitle(DENSE), "dense_1 · neuron 7");
});

test("rows: the weighted sum, the bias, z and the activation, as the engine computed them", () => {
  assert.deepEqual(detailRows(CONV), [
    ["weighted sum: Σ patch × kernel", "1.5"],
    ["bias", "-0.75"],
    ["z = sum + bias", "0.75"],
    ["relu(z)", "0.75"],
  ]);
  assert.equal(detailRows(DENSE)[0][0], "weighted sum: Σ input × weight");
  assert.deepEqual(detailRows({ name: "pool_1", kind: "pool", value: 0.5 }), [["output", "0.5"]]);
});

test("pictures: a kernel and a patch per input channel, each kh x kw", () => {
  const { kernels, patches } = detailPictures(CONV);
  assert.equal(kernels.length, 2);
  assert.deepEqual(kernels[1], { label: "kernel on channel 1", values: [2, 2, 2, 2], rows: 2, cols: 2 });
  assert.deepEqual(patches[0].values, [0.5, 0, 1, 0]);
});

test("pictures: a pooling's window keeps its padding as missing values; a neuron on the input its template", () => {
  const pool = detailPictures({ name: "p", kind: "pool", unit: 2, window_shape: [2, 2], window: [1, null, 0, 0.5] });
  assert.deepEqual(pool.patches[0].values, [1, null, 0, 0.5]);
  assert.equal(pool.kernels.length, 0);
  const template = detailPictures({ ...DENSE, template: new Array(784).fill(0.1) });
  assert.deepEqual([template.kernels[0].rows, template.kernels[0].cols], [28, 28]);
});

test("pictures: a neuron traced down to the pixels is one 28x28 image", () => {
  const { traces } = detailPictures({ ...DENSE, trace: new Array(784).fill(-0.5) });
  assert.equal(traces.length, 1);
  assert.deepEqual([traces[0].rows, traces[0].cols, traces[0].values.length], [28, 28, 784]);
  assert.deepEqual(detailPictures(CONV).traces, []);
});

test("where a neuron's input sits: a map's channel and point, a pixel, a neuron", () => {
  assert.equal(placeName("pool_2", [7, 7, 64], [3, 3, 35]), "pool_2 channel 35 at (3, 3)");
  assert.equal(placeName("input", [28, 28], [4, 9]), "pixel (4, 9)");
  assert.equal(placeName("dense_1", [128], [17]), "dense_1 #17");
  assert.deepEqual(strongestRows(DENSE), [["pool_2 channel 35 at (3, 3)", "1.656 × -0.331 = -0.548"]]);
});

test("a convolution of many channels lists those that added the most", () => {
  assert.deepEqual(channelRows({ ...CONV, per_channel: [0.1, -2, 0.5], channels: [4, 5, 6] }, 2), [
    ["from input channel 5", "-2"],
    ["from input channel 6", "0.5"],
  ]);
  assert.deepEqual(channelRows({ ...CONV, per_channel: [1], channels: [0] }), []);
});

test("pictureRgba colours as the heat maps do and leaves padding transparent", () => {
  const rgba = pictureRgba([2, -1, null]);
  assert.deepEqual([...rgba.subarray(0, 4)], [...activationColor(1), 255]);
  assert.deepEqual([...rgba.subarray(4, 8)], [...activationColor(-0.5), 255]);
  assert.equal(rgba[11], 0);
});
