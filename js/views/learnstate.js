// What the teach panel shows, worked out from Python's `_learn` and `_teach_counts`:
// pure, so node tests drive it without a DOM. Python owns every fact; this only words them.

/**
 * Python's `_learn` (see widget/teaching.py).
 * @typedef {object} LearnState
 * @property {string} [state] idle, running, done, failed or stopped
 * @property {number} [done] epochs done (all runs together)
 * @property {number} [total] epochs in all
 * @property {number | null} [loss] the last epoch's loss
 * @property {string} [stage] what is under way
 * @property {string} [message] what happened, in a sentence
 * @property {boolean} [can_undo]
 * @property {{method: string, examples: number, learned_from: number, seconds: number,
 *   mine: Pair, mnist: Pair}} [result]
 * @property {{when: string, label: number, predicted: number}[]} [gallery]
 */

/** @typedef {{before: number | null, after: number | null, total: number}} Pair */

/**
 * @typedef {object} GalleryItem
 * @property {"before" | "after"} when
 * @property {number} label the digit it is
 * @property {number} predicted what the model read
 * @property {Uint8Array} pixels 784 bytes, row-major 28 x 28
 */

/**
 * @typedef {object} LearnView
 * @property {boolean} running
 * @property {{value: number, max: number} | null} progress the progress bar, while running
 * @property {string} status the line under the buttons
 * @property {boolean} canUndo
 * @property {{label: string, before: string, after: string, title: string}[]} rows
 *   before/after: your held-out drawings, then the MNIST check set (the forgetting meter)
 * @property {number} taught how many drawings were taught
 * @property {boolean} quiet learning runs but the kernel has not been heard from for a while
 */

const FIELD = 28 * 28;
/** How long a running job may stay silent before the view says the kernel seems gone:
 * Python gives a sign of life every 2 s while learning, whatever an epoch takes. */
export const QUIET_MS = 10_000;
export const QUIET_TEXT =
  "No word from the kernel for 10 s while learning: it may have stopped or restarted. The pad keeps its model; " +
  'run the cell again (drawings kept with DrawPad(examples="file.npz") come back).';

/**
 * A share as a whole percent; "–" when there was nothing to measure.
 * @param {number | null | undefined} share
 * @returns {string}
 */
export function share(share) {
  return typeof share === "number" && Number.isFinite(share) ? `${Math.round(share * 100)}%` : "–";
}

/**
 * The teach panel's contents.
 * @param {LearnState | null | undefined} learn
 * @param {unknown} counts Python's `_teach_counts`
 * @param {boolean} [silent] nothing heard of learning for `QUIET_MS`
 * @returns {LearnView}
 */
export function learnView(learn, counts, silent = false) {
  const state = learn ?? {};
  const running = state.state === "running";
  const taught = Array.isArray(counts) ? counts.reduce((sum, n) => sum + (Number(n) || 0), 0) : 0;
  const total = Math.max(0, Number(state.total) || 0);
  const progress = running ? { value: Math.min(Number(state.done) || 0, total), max: Math.max(total, 1) } : null;
  const quiet = running && silent;
  return {
    running,
    progress,
    quiet,
    status: quiet ? QUIET_TEXT : statusLine(state, taught),
    canUndo: Boolean(state.can_undo) && !running,
    rows: resultRows(state),
    taught,
  };
}

/**
 * @param {LearnState} state
 * @param {number} taught
 * @returns {string}
 */
function statusLine(state, taught) {
  if (state.state === "running") {
    const loss = typeof state.loss === "number" ? `, loss ${state.loss.toFixed(3)}` : "";
    const stage = state.stage && state.stage !== "learning" ? ` (${state.stage})` : "";
    return `Learning${stage}: epoch ${Number(state.done) || 0} of ${Number(state.total) || 0}${loss}`;
  }
  if (state.state === "done" && state.result) {
    const { learned_from: from, examples, seconds, method } = state.result;
    const learned = `Learned from ${from} of ${examples} drawings in ${Number(seconds).toFixed(1)} s`;
    if (!state.result.mine?.total) return `${learned}; none could be held out to measure it: teach two or more of a digit.`;
    return `${learned}; measured ${method}.`;
  }
  if (state.message) return state.message;
  return taught ? `${taught} drawing${taught === 1 ? "" : "s"} taught.` : "";
}

/**
 * @param {LearnState} state
 * @returns {LearnView["rows"]}
 */
function resultRows(state) {
  const result = state.result;
  if (!result || state.state === "running") return [];
  return [
    {
      label: "Your drawings",
      before: share(result.mine?.before),
      after: share(result.mine?.after),
      title: `${result.mine?.total ?? 0} of your drawings, each read by a model that did not learn from it (${result.method})`,
    },
    {
      label: "MNIST (forgetting)",
      before: share(result.mnist?.before),
      after: share(result.mnist?.after),
      title: `${result.mnist?.total ?? 0} MNIST test digits shipped with the package: what learning made it forget`,
    },
  ];
}

/**
 * The error gallery: the drawings read wrong before and after, each with its pixels.
 * Entries without their 784 bytes (a message cut short) are left out.
 * @param {LearnState | null | undefined} learn
 * @param {Uint8Array} images Python's `_learn_images`
 * @returns {GalleryItem[]}
 */
export function galleryItems(learn, images) {
  const entries = Array.isArray(learn?.gallery) ? learn.gallery : [];
  /** @type {GalleryItem[]} */
  const items = [];
  entries.forEach((entry, i) => {
    if ((i + 1) * FIELD > images.length) return;
    const when = entry.when === "after" ? "after" : "before";
    items.push({ when, label: Number(entry.label), predicted: Number(entry.predicted), pixels: images.subarray(i * FIELD, (i + 1) * FIELD) });
  });
  return items;
}
