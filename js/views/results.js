// When the result panels render, and when `data-updates` counts a result.
// One kernel message may carry a result and its `_ack` together; their change
// events fire one at a time, in any order, after all the values are set. The
// result is rendered once, at the first event that can see it complete (the
// `_ack`, or a microtask after a change that came without one), and counted once.
// Pure: the model is read through `read`, so tests drive it without a DOM.
// Also how an answer is presented: confident or not, and its percent text.

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

/**
 * Percent text for a probability: whole percents, "<1%" for a trace, "100%" from 99.5%.
 * @param {number} p
 * @returns {string}
 */
export function percent(p) {
  return p >= 0.995 ? "100%" : p < 0.005 ? (p > 0 ? "<1%" : "0%") : `${Math.round(p * 100)}%`;
}

/**
 * @typedef {object} Verdict
 * @property {boolean} blank nothing is drawn (no prediction)
 * @property {number} top the predicted digit, as Python says (`prediction`); -1 while blank
 * @property {boolean} confident the top probability reaches the threshold
 * @property {string} text the line under the digit
 */

/**
 * How the pad presents an answer: the top digit, whether it is confident, and the line
 * that says so ("87% sure", "Not sure (32%)", "Draw a digit" while blank). The digit is
 * Python's `prediction`, never worked out again here.
 * @param {number | null | undefined} prediction
 * @param {ArrayLike<number>} probabilities
 * @param {number} threshold the top probability from which the answer is a confident one
 *   (`_limits.confident`, from Python)
 * @returns {Verdict}
 */
export function verdict(prediction, probabilities, threshold) {
  const blank = prediction === null || prediction === undefined;
  if (blank) return { blank, top: -1, confident: false, text: "Draw a digit" };
  const top = prediction;
  const p = Number(probabilities[top] ?? 0);
  const confident = p >= threshold;
  return { blank, top, confident, text: confident ? `${percent(p)} sure` : `Not sure (${percent(p)})` };
}
