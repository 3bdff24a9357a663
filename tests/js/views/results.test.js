import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createResultTracker, percent, verdict } from "../../../js/views/results.js";
import { connectDrawing } from "../../../js/transport/sync.js";

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A Backbone-like model: `set` assigns every value, then fires change:<key> in key order. */
function fakeModel(initial) {
  const values = { ...initial };
  const handlers = new Map();
  return {
    get: (key) => values[key],
    on: (event, fn) => handlers.set(event, [...(handlers.get(event) ?? []), fn]),
    off: (event, fn) => handlers.set(event, (handlers.get(event) ?? []).filter((f) => f !== fn)),
    set(key, value) {
      values[key] = value;
    },
    save_changes() {},
    /** A kernel message: all values first, then one event per key, in the given order. */
    receive(state) {
      Object.assign(values, state);
      for (const key of Object.keys(state)) for (const fn of handlers.get(`change:${key}`) ?? []) fn();
    },
  };
}

const KEYS = ["prediction", "probabilities", "_model_input"];

/** The widget's wiring of a tracker to a model, with a pad that never draws. */
function widget(model) {
  const log = { renders: [], updates: 0 };
  const results = createResultTracker({
    read: () => KEYS.map((key) => model.get(key)),
    render: () => log.renders.push(model.get("prediction")),
    count: () => log.updates++,
  });
  for (const key of KEYS) model.on(`change:${key}`, results.part);
  const pad = { getPixels: () => new Uint8Array(4), isDrawing: () => false, version: () => 0 };
  const history = { commit() {} };
  const sync = connectDrawing({
    model, pad, history, onResult: results.ack, onBusy() {}, onStall() {}, onAdopt() {},
  });
  results.refresh();
  return { log, sync };
}

function initial() {
  return { prediction: null, probabilities: [], _model_input: null, _pixels: null, _seq: 0, _ack: 0 };
}

function result(digit, seq) {
  const probabilities = Array.from({ length: 10 }, (_, d) => (d === digit ? 1 : 0));
  return { prediction: digit, probabilities, _model_input: new Uint8Array(784), _ack: seq };
}

describe("a result and its _ack in one message", () => {
  for (const [name, order] of [
    ["_ack first", ["_ack", "prediction", "probabilities", "_model_input"]],
    ["_ack last", ["prediction", "probabilities", "_model_input", "_ack"]],
    ["_ack between", ["prediction", "_ack", "probabilities", "_model_input"]],
  ]) {
    test(`${name}: every result is rendered once and counted once`, async () => {
      const model = fakeModel(initial());
      const { log, sync } = widget(model);
      for (let i = 1; i <= 15; i++) {
        sync.request();
        const state = result(i % 10, model.get("_seq"));
        model.receive(Object.fromEntries(order.map((key) => [key, state[key]])));
        await flush();
      }
      assert.equal(log.updates, 15);
      assert.deepEqual(log.renders.slice(1), Array.from({ length: 15 }, (_, i) => (i + 1) % 10));
    });
  }

  test("the result is shown synchronously when its _ack arrives", () => {
    const model = fakeModel(initial());
    const { log, sync } = widget(model);
    sync.request();
    model.receive({ _ack: 1, ...result(7, 1) });
    assert.deepEqual(log.renders, [null, 7]);
    assert.equal(log.updates, 1);
  });
});

describe("createResultTracker", () => {
  test("a result set without an _ack (from Python) is rendered and counted once", async () => {
    const model = fakeModel(initial());
    const { log } = widget(model);
    const { _ack, ...state } = result(3, 0);
    model.receive(state);
    await flush();
    assert.deepEqual(log.renders, [null, 3]);
    assert.equal(log.updates, 1);
  });

  test("an _ack whose answer did not change counts without rendering again", () => {
    const model = fakeModel(initial());
    const { log, sync } = widget(model);
    sync.request();
    model.receive({ _ack: 1 });
    assert.deepEqual(log.renders, [null]);
    assert.equal(log.updates, 1);
  });
});

describe("verdict", () => {
  const spread = (top, p) => Array.from({ length: 10 }, (_, d) => (d === top ? p : (1 - p) / 9));
  const CONFIDENT = 0.5; // what Python sends as _limits.confident (tests/widget/test_pad_inputs.py)

  test("a blank pad asks for a digit", () => {
    const blank = { blank: true, top: -1, confident: false, text: "Draw a digit" };
    assert.deepEqual(verdict(null, Array(10).fill(0), CONFIDENT), blank);
    assert.deepEqual(verdict(undefined, [], CONFIDENT), blank);
  });

  test("a top probability from the threshold on is an answer", () => {
    assert.deepEqual(verdict(7, spread(7, 0.87), CONFIDENT), { blank: false, top: 7, confident: true, text: "87% sure" });
    assert.equal(verdict(3, spread(3, 0.5), CONFIDENT).confident, true);
  });

  test("below the threshold it is a guess, said as one", () => {
    assert.deepEqual(verdict(0, spread(0, 0.32), CONFIDENT), { blank: false, top: 0, confident: false, text: "Not sure (32%)" });
    assert.equal(verdict(4, spread(4, 0.499), CONFIDENT).confident, false);
  });

  test("the threshold is the one given", () => {
    assert.equal(verdict(7, spread(7, 0.6), 0.75).confident, false);
    assert.equal(verdict(7, spread(7, 0.6), 0.25).confident, true);
  });

  test("the top digit is Python's prediction, not worked out again", () => {
    // NumPy's argmax gives the first of equal values, 0 for all zeros: whatever Python
    // decided is what the pad shows and highlights.
    assert.equal(verdict(0, Array(10).fill(0), CONFIDENT).top, 0);
    assert.equal(verdict(2, [0, 0, 0.5, 0.5, 0, 0, 0, 0, 0, 0], CONFIDENT).top, 2);
    assert.equal(verdict(3, [0, 0, 0.5, 0.5, 0, 0, 0, 0, 0, 0], CONFIDENT).top, 3);
  });
});

describe("percent", () => {
  for (const [p, text] of [
    [0, "0%"],
    [0.004, "<1%"],
    [0.32, "32%"],
    [0.994, "99%"],
    [0.995, "100%"],
  ]) {
    test(`${p} -> ${text}`, () => assert.equal(percent(p), text));
  }
});
