import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import {
  activationColor,
  decodeInside,
  FIELD,
  gridShape,
  layerCaption,
  layerGrid,
  layerRgba,
  legendText,
  saliencyRgba,
} from "../../../js/views/inside.js";

/**
 * Pack a message the way src/digitwidget/widget/inside.py does (little-endian).
 * @param {{lo: number, hi: number, codes: number[]}[]} layers
 * @param {number} scale
 * @param {number[]} saliency 784 values in -127..127
 */
function pack(layers, scale, saliency) {
  const size = 1 + layers.reduce((n, l) => n + 10 + l.codes.length, 0) + 4 + saliency.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, layers.length);
  let offset = 1;
  for (const layer of layers) {
    view.setUint16(offset, layer.codes.length, true);
    view.setFloat32(offset + 2, layer.lo, true);
    view.setFloat32(offset + 6, layer.hi, true);
    bytes.set(layer.codes, offset + 10);
    offset += 10 + layer.codes.length;
  }
  view.setFloat32(offset, scale, true);
  bytes.set(Int8Array.from(saliency).map((v) => v & 0xff), offset + 4);
  return bytes;
}

const SALIENCY = Array.from({ length: FIELD * FIELD }, (_, i) => (i % 255) - 127);

describe("decodeInside", () => {
  test("reads every layer's range and codes, then the saliency", () => {
    const bytes = pack(
      [
        { lo: 0, hi: 2.5, codes: [0, 255, 128] },
        { lo: -1, hi: 0.5, codes: [7, 9] },
      ],
      0.25,
      SALIENCY,
    );
    const data = decodeInside(bytes);
    assert.ok(data);
    assert.equal(data.layers.length, 2);
    assert.deepEqual([...data.layers[0].codes], [0, 255, 128]);
    assert.equal(data.layers[0].hi, 2.5);
    assert.equal(data.layers[1].lo, -1);
    assert.deepEqual([...data.layers[1].codes], [7, 9]);
    assert.equal(data.scale, 0.25);
    assert.deepEqual([...data.saliency], SALIENCY);
  });

  test("works on a view into a larger buffer (as widget messages arrive)", () => {
    const inner = pack([{ lo: 0, hi: 1, codes: [1, 2, 3, 4] }], 1, SALIENCY);
    const outer = new Uint8Array(inner.length + 13);
    outer.set(inner, 5);
    const data = decodeInside(outer.subarray(5, 5 + inner.length));
    assert.ok(data);
    assert.deepEqual([...data.layers[0].codes], [1, 2, 3, 4]);
    assert.equal(data.saliency[0], -127);
  });

  test("empty, truncated or oversized messages give null", () => {
    const good = pack([{ lo: 0, hi: 1, codes: [1, 2] }], 1, SALIENCY);
    assert.equal(decodeInside(new Uint8Array(0)), null);
    assert.equal(decodeInside(good.subarray(0, good.length - 1)), null);
    assert.equal(decodeInside(good.subarray(0, 8)), null);
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    assert.equal(decodeInside(longer), null);
  });
});

describe("gridShape", () => {
  for (const [units, rows, cols] of [
    [128, 8, 16],
    [256, 16, 16],
    [64, 8, 8],
    [10, 2, 5],
    [24, 4, 6],
    [97, 10, 10],
    [1, 1, 1],
  ]) {
    test(`${units} units -> ${rows} x ${cols}`, () => {
      assert.deepEqual(gridShape(units), { rows, cols });
    });
  }

  test("gives Python's grid for every width of tests/fixtures/inside_grids.json", () => {
    const { grids } = JSON.parse(readFileSync(new URL("../../fixtures/inside_grids.json", import.meta.url), "utf8"));
    assert.ok(grids.length >= 1024);
    for (const [units, rows, cols] of grids) assert.deepEqual(gridShape(units), { rows, cols }, `${units} units`);
  });

  test("always has room for every unit and is never thinner than 1:4", () => {
    for (let units = 1; units <= 600; units++) {
      const { rows, cols } = gridShape(units);
      assert.ok(rows * cols >= units, `${units}`);
      assert.ok(cols <= 4 * rows, `${units}: ${rows} x ${cols}`);
    }
  });
});

describe("decodeInside against tests/fixtures/inside_message.json (Python's tests pack it)", () => {
  const fixture = JSON.parse(readFileSync(new URL("../../fixtures/inside_message.json", import.meta.url), "utf8"));

  test("reads the layers, the scale and the saliency Python packed", () => {
    const bytes = Uint8Array.from(fixture.message_hex.match(/../g), (h) => parseInt(h, 16));
    const data = decodeInside(bytes);
    const { layers, scale, saliency_head: head, saliency_rest: rest } = fixture.decoded;
    assert.deepEqual(
      data.layers.map((l) => ({ units: l.units, lo: l.lo, hi: l.hi, codes: [...l.codes] })),
      layers,
    );
    assert.equal(data.scale, scale);
    assert.deepEqual([...data.saliency.subarray(0, head.length)], head);
    assert.ok(data.saliency.subarray(head.length).every((v) => v === rest));
    assert.equal(data.saliency.length, FIELD * FIELD);
  });
});

describe("layerGrid", () => {
  test("uses the rows and cols Python sends in the layout", () => {
    assert.deepEqual(layerGrid({ units: 128, rows: 4, cols: 32 }), { rows: 4, cols: 32 });
  });

  test("works the grid out from the units when Python sends none, or too small a one", () => {
    assert.deepEqual(layerGrid({ units: 128 }), gridShape(128));
    assert.deepEqual(layerGrid({ units: 128, rows: 2, cols: 2 }), gridShape(128));
    assert.deepEqual(layerGrid({ units: 10, rows: 0, cols: 10 }), gridShape(10));
  });
});

describe("colours", () => {
  test("zero is dark, positive warm and brighter when larger, negative blue", () => {
    const brightness = (c) => c[0] + c[1] + c[2];
    const [zero, half, full, negative] = [0, 0.5, 1, -1].map(activationColor);
    assert.ok(brightness(zero) < 80);
    assert.ok(brightness(half) > brightness(zero));
    assert.ok(brightness(full) > brightness(half));
    assert.ok(half[0] > half[2], "warm: more red than blue");
    assert.ok(negative[2] > negative[0], "cool: more blue than red");
  });

  test("layerRgba colours units in row-major order and leaves padding transparent", () => {
    const layer = { units: 3, lo: 0, hi: 1, codes: Uint8Array.from([0, 255, 0]) };
    const rgba = layerRgba(layer, { rows: 2, cols: 2 });
    assert.equal(rgba.length, 16);
    assert.deepEqual([...rgba.subarray(0, 4)], [...activationColor(0), 255]);
    assert.deepEqual([...rgba.subarray(4, 8)], [...activationColor(1), 255]);
    assert.equal(rgba[15], 0, "the fourth cell has no unit");
  });

  test("layerRgba scales a signed layer by its largest magnitude", () => {
    const layer = { units: 2, lo: -2, hi: 1, codes: Uint8Array.from([0, 255]) };
    const rgba = layerRgba(layer, { rows: 1, cols: 2 });
    assert.deepEqual([...rgba.subarray(0, 3)], activationColor(-1));
    assert.deepEqual([...rgba.subarray(4, 7)], activationColor(0.5));
  });

  test("saliencyRgba: red up, blue down, transparent at zero, opacity grows", () => {
    const rgba = saliencyRgba(Int8Array.from([127, -127, 0, 30]));
    assert.ok(rgba[0] > rgba[2] && rgba[3] > 200);
    assert.ok(rgba[6] > rgba[4] && rgba[7] > 200);
    assert.equal(rgba[11], 0);
    assert.ok(rgba[15] > 0 && rgba[15] < rgba[3]);
  });
});

test("layerCaption names the layer, its size and a non-linear activation", () => {
  assert.equal(layerCaption({ name: "dense_1", units: 128, activation: "relu" }), "dense_1 · 128 relu");
  assert.equal(layerCaption({ name: "hidden", units: 12, activation: "linear" }), "hidden · 12");
});

describe("legendText", () => {
  const relu = { name: "dense_1", units: 128, activation: "relu", negative: false };
  const tanh = { name: "squash", units: 12, activation: "tanh", negative: true };

  test("layers that cannot be negative: no blue for negative values", () => {
    assert.doesNotMatch(legendText([relu, { ...relu, name: "dense_2" }]), /negative/);
  });

  test("a layer that can be negative: blue is explained", () => {
    assert.match(legendText([relu, tanh]), /blue is negative/);
  });

  test("a layout that does not say counts as possibly negative", () => {
    assert.match(legendText([{ name: "x", units: 4, activation: "custom" }]), /blue is negative/);
  });

  test("the saliency colours are always explained", () => {
    assert.match(legendText([relu]), /red pixels push the prediction up, blue ones down/);
  });
});
