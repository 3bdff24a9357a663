import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createHistory } from "../../../js/drawing/history.js";

const s = (...v) => Uint8Array.from(v);

describe("createHistory", () => {
  test("undo restores the state before the last change, redo reapplies it", () => {
    const h = createHistory();
    h.commit(s(0), s(1));
    h.commit(s(1), s(2));
    assert.deepEqual(h.undo(s(2)), s(1));
    assert.deepEqual(h.undo(s(1)), s(0));
    assert.equal(h.undo(s(0)), null);
    assert.deepEqual(h.redo(s(0)), s(1));
    assert.deepEqual(h.redo(s(1)), s(2));
    assert.equal(h.redo(s(2)), null);
  });

  test("a change that changed nothing is not recorded", () => {
    const h = createHistory();
    assert.equal(h.commit(s(3, 4), s(3, 4)), false);
    assert.equal(h.canUndo(), false);
  });

  test("a new change after undo drops the redo branch", () => {
    const h = createHistory();
    h.commit(s(0), s(1));
    h.undo(s(1));
    assert.equal(h.canRedo(), true);
    h.commit(s(0), s(5));
    assert.equal(h.canRedo(), false);
    assert.equal(h.redo(s(5)), null);
  });

  test("keeps only the newest `limit` steps", () => {
    const h = createHistory(3);
    for (let i = 0; i < 6; i++) h.commit(s(i), s(i + 1));
    const restored = [];
    let current = s(6);
    for (let state = h.undo(current); state; state = h.undo(current)) {
      restored.push(state[0]);
      current = state;
    }
    assert.deepEqual(restored, [5, 4, 3]);
  });

  test("reset forgets undo and redo", () => {
    const h = createHistory();
    h.commit(s(0), s(1));
    h.commit(s(1), s(2));
    h.undo(s(2));
    h.reset();
    assert.equal(h.canUndo(), false);
    assert.equal(h.canRedo(), false);
  });

  for (const limit of [0, -1, Number.NaN]) {
    test(`refuses limit ${limit}`, () => {
      assert.throws(() => createHistory(limit), /History limit must be at least 1, received/);
    });
  }
});
