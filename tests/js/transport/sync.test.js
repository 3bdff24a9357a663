import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { connectDrawing, TRANSPORT_ERROR } from "../../../js/transport/sync.js";

/** A Backbone-like model that records what the pad sends with save_changes. */
function fakeModel() {
  const values = { _pixels: null, _seq: 0, _ack: 0 };
  const handlers = new Map();
  const sent = [];
  return {
    sent,
    get: (key) => values[key],
    set(key, value) {
      values[key] = value;
    },
    on: (event, fn) => handlers.set(event, [...(handlers.get(event) ?? []), fn]),
    off: (event, fn) => handlers.set(event, (handlers.get(event) ?? []).filter((f) => f !== fn)),
    save_changes() {
      const bytes = values._pixels;
      sent.push({ seq: values._seq, first: new Uint8Array(bytes.buffer, bytes.byteOffset, 1)[0] });
    },
    /** The kernel's answer: every update up to `seq` was handled. */
    ack(seq) {
      values._ack = seq;
      for (const fn of handlers.get("change:_ack") ?? []) fn();
    },
    /** What a transport does when a call fails. */
    fail(message) {
      for (const fn of handlers.get(TRANSPORT_ERROR) ?? []) fn(message);
    },
  };
}

/** A pad whose drawing is one counter: each change bumps its version and its first byte. */
function fakePad() {
  let version = 0;
  let pixels = new Uint8Array(4);
  return {
    getPixels: () => pixels.slice(),
    isDrawing: () => false,
    version: () => version,
    draw() {
      pixels = pixels.slice();
      pixels[0] += 1;
      version += 1;
    },
  };
}

/** Connections to dispose after each test (their stall timers would keep node running). */
const open = [];
afterEach(() => {
  for (const sync of open.splice(0)) sync.destroy();
});

function connect() {
  const model = fakeModel();
  const pad = fakePad();
  const stalls = [];
  const sync = connectDrawing({
    model, pad, history: { commit() {} },
    onResult() {}, onBusy() {}, onAdopt() {},
    onStall: (stalled, reason) => stalls.push([stalled, reason]),
  });
  open.push(sync);
  return { model, pad, sync, stalls };
}

describe("connectDrawing: is the drawing in flight still the current one?", () => {
  test("a change while an update is in flight is sent when the answer arrives", () => {
    const { model, pad, sync } = connect();
    pad.draw();
    sync.request();
    pad.draw();
    sync.request();
    assert.equal(model.sent.length, 1, "one update in flight at most");
    model.ack(model.sent[0].seq);
    assert.deepEqual(model.sent.map((s) => s.first), [1, 2]);
  });

  test("a request with no change since the update in flight sends nothing more", () => {
    const { model, pad, sync } = connect();
    pad.draw();
    sync.request();
    sync.request(); // e.g. the lift, with no move since the last update was sent
    model.ack(model.sent[0].seq);
    assert.equal(model.sent.length, 1);
  });

  test("the latest drawing wins: several changes in flight make one more update", () => {
    const { model, pad, sync } = connect();
    pad.draw();
    sync.request();
    for (let i = 0; i < 5; i++) {
      pad.draw();
      sync.request();
    }
    model.ack(model.sent[0].seq);
    model.ack(model.sent[1].seq);
    assert.deepEqual(model.sent.map((s) => s.first), [1, 6]);
  });
});

describe("connectDrawing: the link to the kernel", () => {
  test("a failed call stalls the pad at once with the transport's reason, until an answer", () => {
    const { model, pad, sync, stalls } = connect();
    pad.draw();
    sync.request();
    model.fail("The kernel no longer knows this pad (restarted?). Re-run the cell to draw again.");
    assert.equal(sync.stalled(), true);
    assert.match(sync.reason(), /Re-run the cell/);
    model.ack(model.sent[0].seq);
    assert.equal(sync.stalled(), false);
    assert.equal(sync.reason(), "");
    assert.deepEqual(stalls.map(([stalled]) => stalled), [true, false]);
  });

  test("a second failure while stalled brings its own reason", () => {
    const { model, pad, sync, stalls } = connect();
    pad.draw();
    sync.request();
    model.fail("first");
    model.fail("second");
    assert.deepEqual(stalls.at(-1), [true, "second"]);
    assert.equal(sync.reason(), "second");
  });
});
