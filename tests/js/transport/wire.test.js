import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { pack, packState, unpack, unpackState } from "../../../js/transport/wire.js";

const bytes = (...v) => Uint8Array.from(v);
const toArray = (dv) => [...new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength)];

describe("pack and unpack", () => {
  test("bytes survive a zlib round trip", async () => {
    const original = bytes(0, 0, 0, 7, 255, 0, 0, 1);
    const packed = await pack(original);
    assert.equal(packed.encoding, "zlib");
    assert.deepEqual(toArray(await unpack(packed)), [...original]);
  });

  test("zlib data made by Python's zlib.compress unpacks", async () => {
    const packed = { encoding: "zlib", data: "eJxjYACB/w0AAoYBgA==" };
    assert.deepEqual(toArray(await unpack(packed)), [0, 0, 0, 0, 0, 0, 255, 128]);
  });

  test("plain base64 unpacks", async () => {
    assert.deepEqual(toArray(await unpack({ encoding: "base64", data: "AP8B" })), [0, 255, 1]);
  });

  test("an unknown encoding is refused with a message naming it", async () => {
    await assert.rejects(unpack({ encoding: "png", data: "" }), /received "png"/);
  });

  test("packState packs only a view's own bytes, also when they live in shared memory", async () => {
    for (const Buffer of [ArrayBuffer, SharedArrayBuffer]) {
      const whole = new Uint8Array(new Buffer(6));
      whole.set([9, 1, 2, 3, 9, 9]);
      const { state, buffers } = await packState({ brush: 18, _pixels: new DataView(whole.buffer, 1, 3) });
      assert.deepEqual(state, { brush: 18 });
      assert.deepEqual(toArray(await unpack(buffers._pixels)), [1, 2, 3], Buffer.name);
    }
  });

  test("an answer's state and buffers merge into one set of values", async () => {
    const values = await unpackState({
      state: { prediction: 3 },
      buffers: { _model_input: { encoding: "base64", data: "AQI=" } },
    });
    assert.equal(values.prediction, 3);
    assert.deepEqual(toArray(values._model_input), [1, 2]);
  });
});

describe("the wire against tests/fixtures/colab_wire.json (Python's tests read it too)", () => {
  const { cases, refused } = JSON.parse(readFileSync(new URL("../../fixtures/colab_wire.json", import.meta.url), "utf8"));
  const fromHex = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));

  for (const { raw_hex: hex, packed } of cases) {
    test(`${hex.length / 2} bytes: every packed form unpacks to them, Python's included`, async () => {
      const raw = [...fromHex(hex)];
      for (const [i, form] of packed.entries()) {
        assert.deepEqual(toArray(await unpack(form)), raw, `form ${i} (${form.encoding})`);
      }
      assert.deepEqual(toArray(await unpack(await pack(fromHex(hex)))), raw);
    });
  }

  for (const { packed, js_error: message } of refused) {
    test(`refuses ${JSON.stringify(packed)}, as Python does`, async () => {
      await assert.rejects(unpack(packed), message ? { message: new RegExp(message) } : Error);
    });
  }
});
