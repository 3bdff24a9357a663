// The Colab wire: an object shaped like anywidget's model (get, set, on, off,
// save_changes, send) whose state lives in the kernel and travels through
// google.colab.kernel.invokeFunction, and the polling that brings changes made in Python.
// Only the carrying differs from the widget comm: coalescing, stalls, resends and the
// status line are the widget's own (transport/sync.js), told of a failed call by the
// TRANSPORT_ERROR event.

import { createCoalescer } from "./coalesce.js";
import { TRANSPORT_ERROR } from "./sync.js";
import { packState, unpackState } from "./wire.js";

/** @typedef {import("./wire.js").Answer} Answer */
/** @typedef {import("./wire.js").Request} Request */

/**
 * @typedef {object} ColabModelOptions
 * @property {Record<string, unknown>} state initial values (binary ones already unpacked)
 * @property {number} version the kernel's state version the initial values belong to
 * @property {(request: Request) => Promise<unknown>} invoke one call to the kernel; resolves
 *   with its {@link Answer} (anything else is reported as an error)
 */

/** @typedef {(...args: unknown[]) => void} Listener */

const ACK_KEY = "_ack";
const MAX_MESSAGE = 240;
/** How often a pad on screen asks the kernel for changes made in Python. */
export const POLL_MS = 1500;

/** @param {unknown} error @returns {Error} */
export function asError(error) {
  if (error instanceof Error) return error;
  return new Error(typeof error === "string" ? error : JSON.stringify(error));
}

/**
 * An anywidget-shaped model whose state lives in the kernel and travels through `invoke`.
 *
 * `set` changes the value here and fires `change:<key>` at once (as Backbone does);
 * `save_changes` sends the changed values. Calls go one at a time, in order, as messages
 * do on a comm: values saved while a call is in flight go with the next one (coalesced
 * by js/transport/coalesce.js). Each answer updates the values that changed in the
 * kernel and fires their `change:<key>` events, `_ack` last. A failed call fires
 * TRANSPORT_ERROR with a short message and keeps its values marked changed, so the next
 * call carries them; nothing is retried here.
 * @param {ColabModelOptions} options
 */
export function createColabModel(options) {
  const { invoke } = options;
  /** @type {Record<string, unknown>} */
  const values = { ...options.state };
  /** @type {Map<string, Set<Listener>>} */
  const listeners = new Map();
  /** @type {Set<string>} */
  const dirty = new Set();
  /** @type {unknown[]} */
  let outbox = [];
  let version = options.version; // the wire's cursor: the answer brings what changed since
  let failing = false;
  let disposed = false;

  /** @param {string} event @param {unknown[]} args */
  function emit(event, ...args) {
    for (const fn of [...(listeners.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (error) {
        console.error(`digitwidget: a "${event}" handler failed`, error);
      }
    }
  }

  /** @param {unknown} reply what `invoke` resolved with: an {@link Answer} if all went well */
  async function apply(reply) {
    if (!reply || typeof reply !== "object") {
      throw new Error(`Expected a JSON object from the kernel, received ${JSON.stringify(reply)}.`);
    }
    const answer = /** @type {Answer} */ (reply);
    if (answer.error) throw new Error(String(answer.error));
    const incoming = await unpackState(answer);
    if (Number.isInteger(answer.version)) version = /** @type {number} */ (answer.version);
    const keys = Object.keys(incoming).filter((key) => !dirty.has(key));
    keys.sort((a, b) => Number(a === ACK_KEY) - Number(b === ACK_KEY));
    for (const key of keys) values[key] = incoming[key];
    for (const key of keys) emit(`change:${key}`, model, values[key]);
    if (keys.length) emit("change", model);
  }

  /**
   * One call: the changed values and queued messages out, the kernel's changes in.
   * @param {number} seq the call's number, acknowledged when it is over
   */
  async function exchange(seq) {
    const keys = [...dirty];
    const messages = outbox;
    dirty.clear();
    outbox = [];
    try {
      const sent = Object.fromEntries(keys.map((key) => [key, values[key]]));
      /** @type {Request} */
      const request = { since: version, ...(await packState(sent)) };
      if (messages.length) request.custom = messages;
      await apply(await invoke(request));
      failing = false;
    } catch (error) {
      for (const key of keys) dirty.add(key);
      outbox = [...messages, ...outbox];
      failing = true;
      if (!disposed) {
        console.error("digitwidget: a call to the kernel failed:", error);
        emit(TRANSPORT_ERROR, describeError(asError(error)));
      }
    }
    calls.ack(seq);
  }

  const calls = createCoalescer({
    send: (seq) => void exchange(seq),
    inFlightIsCurrent: () => dirty.size === 0 && outbox.length === 0,
    timeoutMs: null,
  });

  const model = {
    /** @param {string} key */
    get: (key) => values[key],
    /** @param {string} key @param {unknown} value */
    set(key, value) {
      values[key] = value;
      dirty.add(key);
      emit(`change:${key}`, model, value);
    },
    /** @param {string} event @param {Listener} fn */
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)?.add(fn);
    },
    /** @param {string} [event] @param {Listener} [fn] */
    off(event, fn) {
      if (event === undefined) listeners.clear();
      else if (fn === undefined) listeners.delete(event);
      else listeners.get(event)?.delete(fn);
    },
    save_changes: () => {
      if (!disposed && dirty.size) calls.request();
    },
    /**
     * Send a custom message to the kernel (handled like a widget's custom message).
     * @param {unknown} content
     */
    send(content) {
      if (disposed) return;
      outbox.push(content);
      calls.request();
    },
    /**
     * Ask the kernel for changes made there (e.g. `pad.clear()` in another cell): a call
     * with nothing in it, made only when no call is under way or due, and not while
     * calls fail (the pad's own resends find out when the kernel answers again).
     */
    poll() {
      if (!disposed && !failing && !model.busy()) calls.request();
    },
    /** True while a call is in flight or values wait to be sent. */
    busy: () => calls.busy() || dirty.size > 0,
    dispose() {
      disposed = true;
      calls.dispose();
      listeners.clear();
    },
  };
  return model;
}

/**
 * Poll the model every `intervalMs` while `active()` says the pad is on screen, so changes
 * made in the kernel show up without a comm.
 * @param {{poll: () => void}} model
 * @param {object} options
 * @param {() => boolean} options.active
 * @param {number} [options.intervalMs]
 * @param {(fn: () => void, ms: number) => unknown} [options.setTimer]
 * @param {(handle: unknown) => void} [options.clearTimer]
 * @returns {() => void} stop
 */
export function startPolling(model, options) {
  const { active, intervalMs = POLL_MS } = options;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(/** @type {ReturnType<typeof setTimeout>} */ (handle)));
  let stopped = false;
  /** @type {unknown} */
  let timer = setTimer(tick, intervalMs);

  function tick() {
    if (stopped) return;
    if (active()) model.poll();
    timer = setTimer(tick, intervalMs);
  }

  return () => {
    stopped = true;
    clearTimer(timer);
  };
}

/**
 * A short message for a failed call.
 * @param {Error} error
 * @returns {string}
 */
export function describeError(error) {
  const text = String(error.message || error).replace(/\s+/g, " ").trim();
  if (/Function not found/i.test(text)) {
    return "The kernel no longer knows this pad (restarted?). Re-run the cell to draw again.";
  }
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
