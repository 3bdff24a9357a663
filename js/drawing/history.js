// Undo/redo over snapshots of the logical raster. Pure: snapshots are byte
// arrays, so a change made anywhere (a stroke, clear, another view, Python)
// can be undone the same way.

import { equalBytes } from "./raster.js";

/**
 * @typedef {object} History
 * @property {(before: Uint8Array, after: Uint8Array) => boolean} commit
 *   record a change from `before` to `after`; a change that changed nothing is ignored
 * @property {(current: Uint8Array) => Uint8Array | null} undo the state to restore, or null
 * @property {(current: Uint8Array) => Uint8Array | null} redo the state to restore, or null
 * @property {() => boolean} canUndo
 * @property {() => boolean} canRedo
 * @property {() => void} reset forget everything (e.g. after the canvas size changed)
 */

/**
 * Create an undo history keeping at most `limit` steps (the oldest are dropped).
 * @param {number} [limit]
 * @returns {History}
 */
export function createHistory(limit = 50) {
  if (!(limit >= 1)) {
    throw new RangeError(`History limit must be at least 1, received ${limit}.`);
  }
  /** @type {Uint8Array[]} */
  const past = [];
  /** @type {Uint8Array[]} */
  const future = [];

  return {
    commit(before, after) {
      if (equalBytes(before, after)) return false;
      past.push(before);
      if (past.length > limit) past.shift();
      future.length = 0;
      return true;
    },
    undo(current) {
      const previous = past.pop();
      if (previous === undefined) return null;
      future.push(current);
      return previous;
    },
    redo(current) {
      const next = future.pop();
      if (next === undefined) return null;
      past.push(current);
      return next;
    },
    canUndo: () => past.length > 0,
    canRedo: () => future.length > 0,
    reset() {
      past.length = 0;
      future.length = 0;
    },
  };
}
