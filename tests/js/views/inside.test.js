import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import {
  activationColor,
  cellAt,
  cellOrigin,
  decodeInside,
  FIELD,
  gridShape,
  layerCaption,
  layerGrid,
  layerRgba,
  legendText,
  mosaic,
  moveCell,
  saliencyRgba,
  thinningNote,
  valueAt,
} from "../../../js/views/inside.js";

/**
 * Pack a message the way src/digitwidget/widget/inside/message.py does (little-endian).
 * @param {{bits?: number, lo: number, hi: number, codes: number[]}[]} layers
 * @param {number} scale
 * @param {number[]} saliency 784 values in -127..127
 */
function pack(layers, scale, saliency) {
  const sizes = layers.map((l) => Math.ceil((l.codes.length * (l.bits ?? 8)) / 8));
  const size = 2 + sizes.reduce((n, s) => n + 13 + s, 0) + 4 + saliency.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, 2);
  view.setUint8(1, layers.length);
  let offset = 2;
  layers.forEach((layer, k) => {
    const bits = layer.bits ?? 8;
    view.setUint8(offset, bits);
    view.setUint32(offset + 1, layer.codes.length, true);
    view.setFloat32(offset + 5, layer.lo, true);
    view.setFloat32(offset + 9, layer.hi, true);
    offset += 13;
    if (bits === 8) bytes.set(layer.codes, offset);
    else layer.codes.forEach((c, i) => (bytes[offset + (i >> 1)] |= c << ((i & 1) * 4)));
    offset += sizes[k];
  });
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
    assert.equal(data.layers[0].count, 3);
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

  test("4-bit codes: two a byte, the first in the low nibble, an odd count padded", () => {
    const bytes = pack([{ bits: 4, lo: 0, hi: 3, codes: [15, 0, 7, 1, 9] }], 1, SALIENCY);
    assert.equal(bytes.length, 2 + 13 + 3 + 4 + 784);
    const data = decodeInside(bytes);
    assert.ok(data);
    assert.deepEqual([...data.layers[0].codes], [15, 0, 7, 1, 9]);
    assert.equal(valueAt(data.layers[0], 0), 3);
    assert.equal(valueAt(data.layers[0], 2), (7 / 15) * 3);
  });

  test("a message of another version, or with bits other than 4 and 8, gives null", () => {
    const good = pack([{ lo: 0, hi: 1, codes: [1, 2] }], 1, SALIENCY);
    const old = good.slice();
    old[0] = 1;
    assert.equal(decodeInside(old), null);
    const odd = good.slice();
    odd[2] = 6;
    assert.equal(decodeInside(odd), null);
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

/** @param {string} name a file in tests/fixtures/ */
function fixture(name) {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8"));
}

/** @param {string} hex */
function fromHex(hex) {
  return Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
}

describe("decodeInside against the messages Python's tests pack (tests/fixtures/)", () => {
  test("inside_message.json: a dense layer's 8-bit codes, the scale and the saliency", () => {
    const { message_hex: hex, decoded } = fixture("inside_message.json");
    const data = decodeInside(fromHex(hex));
    assert.deepEqual(
      data.layers.map((l) => ({ bits: l.bits, count: l.count, lo: l.lo, hi: l.hi, codes: [...l.codes] })),
      decoded.layers,
    );
    assert.equal(data.scale, decoded.scale);
    assert.deepEqual([...data.saliency.subarray(0, decoded.saliency_head.length)], decoded.saliency_head);
    assert.ok(data.saliency.subarray(decoded.saliency_head.length).every((v) => v === decoded.saliency_rest));
  });

  test("inside_maps.json: feature maps' 4-bit codes, channel after channel", () => {
    const { message_hex: hex, decoded, layout } = fixture("inside_maps.json");
    const data = decodeInside(fromHex(hex));
    assert.equal(data.layers.length, decoded.layers.length);
    data.layers.forEach((layer, i) => {
      const expected = decoded.layers[i];
      assert.equal(layer.bits, 4);
      assert.equal(layer.count, expected.count);
      assert.equal(layer.count, layout[i].shown * layout[i].height * layout[i].width);
      const nonzero = Object.fromEntries([...layer.codes.entries()].filter(([, c]) => c).map(([k, c]) => [String(k), c]));
      assert.deepEqual(nonzero, expected.nonzero);
    });
    assert.equal(data.scale, decoded.scale);
    assert.deepEqual([...data.saliency.subarray(0, 3)], decoded.saliency_head);
  });

  test("inside_maps.json: the conv layer's mosaic shows channel 1 in the second tile", () => {
    const { message_hex: hex, layout } = fixture("inside_maps.json");
    const data = decodeInside(fromHex(hex));
    const entry = layout[0];
    const m = mosaic(entry);
    assert.deepEqual([m.pixelsWide, m.pixelsHigh], [2 * 28 + 1, 28]);
    const rgba = layerRgba(data.layers[0], entry);
    const at = (px, py) => [...rgba.subarray((py * m.pixelsWide + px) * 4, (py * m.pixelsWide + px) * 4 + 4)];
    assert.deepEqual(at(0, 0), [...activationColor(1), 255], "channel 0, pixel 0: the layer's top value");
    assert.deepEqual(at(29, 0), [...activationColor(8 / 15), 255], "channel 1, pixel 0: code 8");
    assert.equal(at(28, 0)[3], 0, "the gap between tiles is transparent");
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

  test("layerRgba colours neurons in row-major order and leaves spare cells transparent", () => {
    const layer = { bits: 8, count: 3, lo: 0, hi: 1, codes: Uint8Array.from([0, 255, 0]) };
    const rgba = layerRgba(layer, { name: "d", units: 3, rows: 2, cols: 2, activation: "" });
    assert.equal(rgba.length, 16);
    assert.deepEqual([...rgba.subarray(0, 4)], [...activationColor(0), 255]);
    assert.deepEqual([...rgba.subarray(4, 8)], [...activationColor(1), 255]);
    assert.equal(rgba[15], 0, "the fourth cell has no unit");
  });

  test("layerRgba scales a signed layer by its largest magnitude", () => {
    const layer = { bits: 8, count: 2, lo: -2, hi: 1, codes: Uint8Array.from([0, 255]) };
    const rgba = layerRgba(layer, { name: "d", units: 2, rows: 1, cols: 2, activation: "" });
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

test("layerCaption names the layer, its size, a non-linear activation and how much is shown", () => {
  assert.equal(layerCaption({ name: "dense_1", units: 128, activation: "relu" }), "dense_1 · 128 relu");
  assert.equal(layerCaption({ name: "hidden", units: 12, activation: "linear" }), "hidden · 12");
  assert.equal(layerCaption({ name: "conv_2", units: 64, shown: 32, activation: "relu" }), "conv_2 · 64 relu, first 32 shown");
  assert.equal(layerCaption({ name: "huge", units: 9, shown: 0, activation: "" }), "huge · 9, not shown");
});

describe("mosaic, cellAt, cellOrigin, moveCell", () => {
  const conv = { name: "c", units: 6, shown: 6, height: 3, width: 4, rows: 2, cols: 3, activation: "relu" };
  const dense = { name: "d", units: 10, shown: 10, height: 1, width: 1, rows: 2, cols: 5, activation: "relu" };

  test("maps are tiles one pixel apart; neurons touch", () => {
    assert.deepEqual(mosaic(conv), { rows: 2, cols: 3, height: 3, width: 4, gap: 1, shown: 6, pixelsWide: 14, pixelsHigh: 7 });
    const m = mosaic(dense);
    assert.deepEqual([m.pixelsWide, m.pixelsHigh, m.gap], [5, 2, 0]);
  });

  test("a pixel of the mosaic is a channel's point; gaps and spare tiles are none", () => {
    assert.deepEqual(cellAt(conv, 0, 0), { unit: 0, y: 0, x: 0 });
    assert.deepEqual(cellAt(conv, 6.5, 2.9), { unit: 1, y: 2, x: 1 });
    assert.deepEqual(cellAt(conv, 13, 6), { unit: 5, y: 2, x: 3 });
    assert.equal(cellAt(conv, 4, 0), null, "the gap after tile 0");
    assert.equal(cellAt(conv, 0, 3), null, "the gap below row 0");
    assert.equal(cellAt({ ...conv, shown: 5 }, 13, 6), null, "a spare tile");
    assert.deepEqual(cellAt(dense, 3, 1), { unit: 8, y: 0, x: 0 });
  });

  test("cellOrigin is cellAt's inverse on every cell", () => {
    for (let unit = 0; unit < 6; unit++) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 4; x++) {
          const { px, py } = cellOrigin(conv, { unit, y, x });
          assert.deepEqual(cellAt(conv, px, py), { unit, y, x });
        }
      }
    }
  });

  test("arrows cross into the next channel at a map's edge and stop at the mosaic's", () => {
    assert.deepEqual(moveCell(conv, { unit: 0, y: 1, x: 3 }, "ArrowRight"), { unit: 1, y: 1, x: 0 });
    assert.deepEqual(moveCell(conv, { unit: 1, y: 2, x: 0 }, "ArrowDown"), { unit: 4, y: 0, x: 0 });
    assert.deepEqual(moveCell(conv, { unit: 0, y: 0, x: 0 }, "ArrowLeft"), { unit: 0, y: 0, x: 0 });
    assert.deepEqual(moveCell(conv, { unit: 5, y: 2, x: 3 }, "ArrowDown"), { unit: 5, y: 2, x: 3 });
    assert.deepEqual(moveCell({ ...conv, shown: 4 }, { unit: 2, y: 2, x: 3 }, "ArrowDown"), { unit: 2, y: 2, x: 3 });
  });

  test("Page Up/Down change channel at the same point; Home and End go to the first and last", () => {
    assert.deepEqual(moveCell(conv, { unit: 2, y: 1, x: 2 }, "PageDown"), { unit: 3, y: 1, x: 2 });
    assert.deepEqual(moveCell(conv, { unit: 0, y: 1, x: 2 }, "PageUp"), { unit: 0, y: 1, x: 2 });
    assert.deepEqual(moveCell(conv, { unit: 2, y: 1, x: 2 }, "End"), { unit: 5, y: 1, x: 2 });
    assert.equal(moveCell(conv, { unit: 2, y: 1, x: 2 }, "a"), null);
  });

  test("on neurons the arrows move one neuron", () => {
    assert.deepEqual(moveCell(dense, { unit: 4, y: 0, x: 0 }, "ArrowRight"), { unit: 4, y: 0, x: 0 });
    assert.deepEqual(moveCell(dense, { unit: 3, y: 0, x: 0 }, "ArrowRight"), { unit: 4, y: 0, x: 0 });
    assert.deepEqual(moveCell(dense, { unit: 3, y: 0, x: 0 }, "ArrowDown"), { unit: 8, y: 0, x: 0 });
  });
});

describe("thinningNote", () => {
  test("names the layers shown in part, and only those", () => {
    const note = thinningNote([
      { name: "conv_1", units: 32, shown: 32, activation: "relu" },
      { name: "conv_2", units: 64, shown: 32, activation: "relu" },
    ]);
    assert.match(note, /conv_2 \(32 of 64\)/);
    assert.doesNotMatch(note, /conv_1/);
    assert.equal(thinningNote([{ name: "dense_1", units: 128, shown: 128, activation: "relu" }]), "");
  });
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

  test("a layout with feature maps explains the small maps", () => {
    assert.match(legendText([{ name: "c", units: 8, height: 28, width: 28, activation: "relu", negative: false }]), /small map is one channel/);
    assert.doesNotMatch(legendText([relu]), /small map/);
  });

  test("the saliency colours are always explained", () => {
    assert.match(legendText([relu]), /red pixels push the prediction up, blue ones down/);
  });
});
