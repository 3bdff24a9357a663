// Coalescing of updates sent to the kernel: at most one in flight, the latest
// state wins, and a request made while waiting is always sent once the answer
// arrives (so the end of a stroke is never lost) unless what is in flight already
// is the current state: then its answer is the final one. With a timeout, an
// update left unanswered (or reported failed) stalls, and the latest state is sent
// again, less often each time. Used for the drawing (transport/sync.js) and for
// the calls of the Colab wire (transport/colab.js, without a timeout).
// Pure: the clock is injected, so tests drive it by hand.

/**
 * @typedef {object} CoalescerOptions
 * @property {(seq: number) => void} send sends the CURRENT drawing tagged with `seq`
 * @property {() => boolean} [inFlightIsCurrent] the drawing in flight equals the current
 *   drawing (nothing changed since it was sent); default: never assumed
 * @property {() => number} [nextSeq] the number for the next update (default 1, 2, 3, ...)
 * @property {number | null | undefined} [timeoutMs] how long to wait for an answer before
 *   calling it stalled; null: wait as long as it takes (no stall, no resend)
 * @property {number} [maxRetryMs] the longest wait between resends while stalled; each
 *   unanswered resend doubles the wait up to this (a kernel that is gone is not flooded)
 * @property {(stalled: boolean) => void} [onStall] told when answers stop and start again
 * @property {(busy: boolean) => void} [onBusy] told when busy() changes
 * @property {(fn: () => void, ms: number) => unknown} [setTimer]
 * @property {(handle: unknown) => void} [clearTimer]
 */

/**
 * @typedef {object} Coalescer
 * @property {() => void} request the drawing changed: send it now or as soon as possible
 * @property {(seq: number) => void} ack the kernel has processed every update up to `seq`
 * @property {() => boolean} busy an update is in flight or waiting to be sent
 * @property {() => void} fail the kernel could not be reached (a call failed): stalled at
 *   once; the latest state is sent again when the wait runs out, as after a timeout
 * @property {() => boolean} stalled no answer arrived within the timeout, or a call failed
 * @property {() => void} dispose stop the timer; later calls do nothing
 */

/**
 * Create a coalescer.
 * @param {CoalescerOptions} options
 * @returns {Coalescer}
 */
export function createCoalescer(options) {
  const {
    send,
    timeoutMs = 3000,
    maxRetryMs = 60000,
    onStall = () => {},
    onBusy = () => {},
    setTimer = (fn, ms) => setTimeout(fn, ms),
    clearTimer = (handle) => clearTimeout(/** @type {ReturnType<typeof setTimeout>} */ (handle)),
  } = options;
  let counter = 0;
  const nextSeq = options.nextSeq ?? (() => ++counter);
  const inFlightIsCurrent = options.inFlightIsCurrent ?? (() => false);
  /** @type {number | null} */
  let inFlight = null;
  let pending = false;
  let isStalled = false;
  let wasBusy = false;
  let disposed = false;
  /** @type {unknown} */
  let timer = null;
  let wait = timeoutMs ?? 0; // doubles with each unanswered resend

  const busy = () => inFlight !== null || pending;

  function reportBusy() {
    const now = busy();
    if (now !== wasBusy) {
      wasBusy = now;
      onBusy(now);
    }
  }

  /** @param {boolean} value */
  function setStalled(value) {
    if (value !== isStalled) {
      isStalled = value;
      onStall(value);
    }
  }

  function disarm() {
    if (timer !== null) clearTimer(timer);
    timer = null;
  }

  function dispatch() {
    pending = false;
    const seq = nextSeq();
    inFlight = seq;
    disarm();
    if (timeoutMs !== null) timer = setTimer(onTimeout, wait);
    send(seq);
  }

  function onTimeout() {
    timer = null;
    if (disposed) return;
    setStalled(true);
    // The message or its answer may be lost: send the latest drawing again, less often
    // each time, as the kernel may be busy for long or gone.
    wait = Math.min(wait * 2, Math.max(maxRetryMs, timeoutMs ?? 0));
    dispatch();
  }

  return {
    request() {
      if (disposed) return;
      if (inFlight === null) dispatch();
      // Nothing new since the update in flight was sent: its answer will be the final one.
      else if (!pending) pending = !inFlightIsCurrent();
      reportBusy();
    },
    ack(seq) {
      if (disposed || inFlight === null || !(seq >= inFlight)) return;
      inFlight = null;
      disarm();
      wait = timeoutMs ?? 0;
      setStalled(false);
      if (pending && !inFlightIsCurrent()) dispatch();
      pending = false;
      reportBusy();
    },
    fail() {
      if (disposed || timeoutMs === null) return;
      setStalled(true);
      // Idle (the failed call was not an update): probe with the latest state after the
      // wait; in flight: the resend is already due when the wait runs out.
      if (timer === null) timer = setTimer(onTimeout, wait);
    },
    busy,
    stalled: () => isStalled,
    dispose() {
      disposed = true;
      disarm();
    },
  };
}
