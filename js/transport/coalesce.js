// Coalescing of drawing updates sent to the kernel: at most one in flight,
// the latest drawing wins, and a request made while waiting is always sent
// once the answer arrives (so the end of a stroke is never lost) unless the
// drawing in flight already is the current one: then its answer is the final one.
// Pure: the clock is injected, so tests drive it by hand.

/**
 * @typedef {object} CoalescerOptions
 * @property {(seq: number) => void} send sends the CURRENT drawing tagged with `seq`
 * @property {() => boolean} [inFlightIsCurrent] the drawing in flight equals the current
 *   drawing (nothing changed since it was sent); default: never assumed
 * @property {() => number} [nextSeq] the number for the next update (default 1, 2, 3, ...)
 * @property {number | undefined} [timeoutMs] how long to wait for an answer before calling it stalled
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
 * @property {() => boolean} stalled no answer arrived within the timeout
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
  let wait = timeoutMs; // doubles with each unanswered resend

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
    timer = setTimer(onTimeout, wait);
    send(seq);
  }

  function onTimeout() {
    timer = null;
    if (disposed) return;
    setStalled(true);
    // The message or its answer may be lost: send the latest drawing again, less often
    // each time, as the kernel may be busy for long or gone.
    wait = Math.min(wait * 2, Math.max(maxRetryMs, timeoutMs));
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
      wait = timeoutMs;
      setStalled(false);
      if (pending && !inFlightIsCurrent()) dispatch();
      pending = false;
      reportBusy();
    },
    busy,
    stalled: () => isStalled,
    dispose() {
      disposed = true;
      disarm();
    },
  };
}
