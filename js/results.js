// When the result panels render, and when `data-updates` counts a result.
// One kernel message may carry a result and its `_ack` together; their change
// events fire one at a time, in any order, after all the values are set. The
// result is rendered once, at the first event that can see it complete (the
// `_ack`, or a microtask after a change that came without one), and counted once.
// Pure: the model is read through `read`, so tests drive it without a DOM.

/**
 * @typedef {object} ResultTracker
 * @property {() => void} part a result value changed (prediction, probabilities, ...)
 * @property {() => void} ack an update was acknowledged: its result is complete, show it now
 * @property {() => void} refresh render the current values now, without counting
 */

/**
 * Create a tracker.
 * @param {object} options
 * @param {() => unknown[]} options.read the current result values (compared by identity)
 * @param {() => void} options.render show the current values
 * @param {() => void} options.count one more result was shown
 * @param {(fn: () => void) => void} [options.defer] run `fn` after the current event
 * @returns {ResultTracker}
 */
export function createResultTracker({ read, render, count, defer = queueMicrotask }) {
  /** @type {unknown[]} */
  let shown = [];
  let queued = false;

  /** @param {boolean} acked */
  function show(acked) {
    const values = read();
    const changed = values.length !== shown.length || values.some((v, i) => v !== shown[i]);
    if (changed) {
      shown = values;
      render();
    }
    // An acknowledged update always counts (its answer may equal the previous one).
    if (changed || acked) count();
  }

  return {
    part() {
      if (queued) return;
      queued = true;
      defer(() => {
        queued = false;
        show(false);
      });
    },
    ack: () => show(true),
    refresh() {
      shown = read();
      render();
    },
  };
}
