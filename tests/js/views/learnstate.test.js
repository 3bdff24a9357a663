import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { QUIET_TEXT, galleryItems, learnView, share } from "../../../js/views/learnstate.js";
import { keyAction, teachDigit } from "../../../js/drawing/keys.js";

const COUNTS = [0, 0, 0, 2, 0, 0, 1, 0, 0, 0];

describe("learnView", () => {
  test("idle: no progress, the number taught, nothing to undo", () => {
    const view = learnView({ state: "idle", can_undo: false }, COUNTS);
    assert.equal(view.running, false);
    assert.equal(view.progress, null);
    assert.equal(view.taught, 3);
    assert.equal(view.status, "3 drawings taught.");
    assert.equal(view.canUndo, false);
    assert.deepEqual(view.rows, []);
  });

  test("running: the progress bar, the epoch and the loss", () => {
    const view = learnView({ state: "running", done: 7, total: 20, loss: 0.31234, stage: "learning", can_undo: true }, COUNTS);
    assert.deepEqual(view.progress, { value: 7, max: 20 });
    assert.equal(view.status, "Learning: epoch 7 of 20, loss 0.312");
    assert.equal(view.canUndo, false, "no undo while learning");
  });

  test("running a measuring run says so", () => {
    const view = learnView({ state: "running", done: 30, total: 100, loss: 0.5, stage: "measuring: held out 1 of 4" }, COUNTS);
    assert.equal(view.status, "Learning (measuring: held out 1 of 4): epoch 30 of 100, loss 0.500");
  });

  test("progress never passes its end and a zero total still draws", () => {
    assert.deepEqual(learnView({ state: "running", done: 25, total: 20 }, COUNTS).progress, { value: 20, max: 20 });
    assert.deepEqual(learnView({ state: "running" }, COUNTS).progress, { value: 0, max: 1 });
  });

  test("done: before and after on your drawings and on MNIST", () => {
    const result = {
      method: "leave-one-out",
      examples: 3,
      learned_from: 3,
      seconds: 1.234,
      mine: { before: 0, after: 2 / 3, total: 3 },
      mnist: { before: 0.987, after: 0.981, total: 1000 },
    };
    const view = learnView({ state: "done", result, can_undo: true }, COUNTS);
    assert.equal(view.status, "Learned from 3 of 3 drawings in 1.2 s; measured leave-one-out.");
    assert.equal(view.canUndo, true);
    assert.deepEqual(
      view.rows.map((row) => [row.label, row.before, row.after]),
      [
        ["Your drawings", "0%", "67%"],
        ["MNIST (forgetting)", "99%", "98%"],
      ],
    );
    assert.match(view.rows[1].title, /1000 MNIST test digits/);
  });

  test("done with nothing held out says how to measure", () => {
    const result = { method: "nothing held out", examples: 3, learned_from: 3, seconds: 0.2, mine: { before: null, after: null, total: 0 }, mnist: { before: 0.99, after: 0.98, total: 1000 } };
    const view = learnView({ state: "done", result }, COUNTS);
    assert.match(view.status, /none could be held out to measure it: teach two or more of a digit/);
    assert.deepEqual(view.rows[0].before, "–");
  });

  test("a kernel silent while learning is said to be so; silence when idle is not", () => {
    const running = { state: "running", done: 3, total: 20, loss: 0.5 };
    const view = learnView(running, COUNTS, true);
    assert.equal(view.quiet, true);
    assert.equal(view.status, QUIET_TEXT);
    assert.match(view.status, /run the cell again/);
    assert.equal(learnView(running, COUNTS, false).quiet, false);
    assert.equal(learnView({ state: "done" }, COUNTS, true).quiet, false);
  });

  test("failed or stopped: Python's message", () => {
    const view = learnView({ state: "failed", message: "Learning failed (ValueError: x); the pad kept its model." }, COUNTS);
    assert.equal(view.status, "Learning failed (ValueError: x); the pad kept its model.");
  });

  test("missing values do not throw", () => {
    const view = learnView(null, undefined);
    assert.equal(view.taught, 0);
    assert.equal(view.status, "");
  });
});

test("share: whole percents, a dash for nothing measured", () => {
  assert.equal(share(0.5), "50%");
  assert.equal(share(1), "100%");
  assert.equal(share(null), "–");
  assert.equal(share(Number.NaN), "–");
});

describe("galleryItems", () => {
  test("each entry gets its 784 bytes, in order", () => {
    const images = new Uint8Array(784 * 3);
    images[0] = 1;
    images[784] = 2;
    images[784 * 2] = 3;
    const learn = {
      gallery: [
        { when: "before", label: 6, predicted: 0 },
        { when: "before", label: 6, predicted: 5 },
        { when: "after", label: 6, predicted: 0 },
      ],
    };
    const items = galleryItems(learn, images);
    assert.deepEqual(
      items.map((item) => [item.when, item.label, item.predicted, item.pixels[0], item.pixels.length]),
      [
        ["before", 6, 0, 1, 784],
        ["before", 6, 5, 2, 784],
        ["after", 6, 0, 3, 784],
      ],
    );
  });

  test("entries without their bytes are left out", () => {
    const items = galleryItems({ gallery: [{ when: "before", label: 1, predicted: 7 }, { when: "after", label: 1, predicted: 7 }] }, new Uint8Array(784));
    assert.equal(items.length, 1);
    assert.deepEqual(galleryItems({}, new Uint8Array(0)), []);
  });
});

describe("teach keys", () => {
  for (const [event, expected] of [
    [{ key: "0" }, 0],
    [{ key: "7" }, 7],
    [{ key: "9", shiftKey: true }, 9],
    [{ key: "7", ctrlKey: true }, null],
    [{ key: "7", metaKey: true }, null],
    [{ key: "7", altKey: true }, null],
    [{ key: "a" }, null],
    [{ key: "F1" }, null],
  ]) {
    test(`${JSON.stringify(event)} -> ${expected}`, () => {
      assert.equal(teachDigit(event), expected);
    });
  }

  test("T switches the teach mode; Ctrl+T stays the browser's", () => {
    assert.equal(keyAction({ key: "t" }), "teach-mode");
    assert.equal(keyAction({ key: "T" }), "teach-mode");
    assert.equal(keyAction({ key: "t", ctrlKey: true }), null);
    assert.equal(keyAction({ key: "T", shiftKey: true }), null);
  });
});
