// The kernel link of a Colab pad: an object shaped like anywidget's model (get, set, on,
// off, save_changes, send) whose state lives in the kernel and travels through
// google.colab.kernel.invokeFunction, and the polling that brings changes made in Python.

import { packState, unpackState } from "./wire.js";

/** @typedef {import("./wire.js").Answer} Answer */
/** @typedef {import("./wire.js").Request} Request */

/**
 * @typedef {object} ColabModelOptions
 * @property {Record<string, unknown>} state initial values (binary ones already unpacked)
 * @property {number} version the kernel's state version the initial values belong to
 * @property {(request: Request) => Promise<unknown>} invoke one call to the kernel; resolves
 *   with its {@link Answer} (anything else is reported as an error)
 * @property {(error: Error) => void} [onError] a call failed
 * @property {() => void} [onOk] a call succeeded
 */

/** @typedef {(...args: unknown[]) => void} Listener */

const ACK_KEY = "_ack";
const MAX_MESSAGE = 240;

/** @param {unknown} error @returns {Error} */
export function asError(error) {
  if (error instanceof Error) return error;
  return new Error(typeof error === "string" ? error : JSON.stringify(error));
}

/**
 * An anywidget-shaped model whose state lives in the kernel and travels through `invoke`.
 *
 * `set` changes the value here and fires `change:<key>` at once (as Backbone does);
 * `save_changes` sends the changed values. At most one call is in flight: changes saved
 * meanwhile are merged and sent, latest values only, when the answer arrives. Each answer
 * updates the values that changed in the kernel and fires their `change:<key>` events,
 * `_ack` last. A failed call keeps its values marked changed, so the next save sends them.
 * @param {ColabModelOptions} options
 */
export function createColabModel(options) {
  const { invoke, onError = () => {}, onOk = () => {} } = options;
  /** @type {Record<string, unknown>} */
  const values = { ...options.state };
  /** @type {Map<string, Set<Listener>>} */
  const listeners = new Map();
  /** @type {Set<string>} */
  const dirty = new Set();
  /** @type {unknown[]} */
  let outbox = [];
  let version = options.version;
  /** @type {Promise<void> | null} */
  let inFlight = null;
  let again = false;
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

  /** One call: the changed values and queued messages out, the kernel's changes in. */
  async function exchange() {
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
      onOk();
    } catch (error) {
      for (const key of keys) dirty.add(key);
      outbox = [...messages, ...outbox];
      throw error;
    }
  }

  /** Run exchanges until nothing more was saved meanwhile; never rejects. */
  function run() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        try {
          await exchange();
        } catch (error) {
          again = false;
          if (!disposed) onError(asError(error));
        }
      } while (again && !disposed);
      inFlight = null;
    })();
    return inFlight;
  }

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
      if (!disposed && dirty.size) run();
    },
    /**
     * Send a custom message to the kernel (handled like a widget's custom message).
     * @param {unknown} content
     */
    send(content) {
      if (disposed) return;
      outbox.push(content);
      run();
    },
    /** Ask the kernel for changes made there (e.g. `pad.clear()` in another cell). */
    poll: () => (disposed || inFlight || dirty.size ? inFlight ?? Promise.resolve() : run()),
    /** True while a call is in flight or values wait to be sent. */
    busy: () => Boolean(inFlight) || dirty.size > 0,
    dispose() {
      disposed = true;
      listeners.clear();
    },
  };
  return model;
}

/**
 * Poll the model now and then while `active()` says the pad is on screen, so changes
 * made in the kernel show up without a comm. After a failure the pause doubles (up to
 * `maxMs`), after a success it is `intervalMs` again.
 * @param {{poll: () => Promise<void>}} model
 * @param {object} options
 * @param {() => boolean} options.active
 * @param {() => boolean} options.failing the last call failed
 * @param {number} [options.intervalMs]
 * @param {number} [options.maxMs]
 * @param {(fn: () => void, ms: number) => unknown} [options.setTimer]
 * @param {(handle: unknown) => void} [options.clearTimer]
 * @returns {() => void} stop
 */
export function startPolling(model, options) {
  const { active, failing, intervalMs = 1500, maxMs = 30000 } = options;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((handle) => clearTimeout(/** @type {ReturnType<typeof setTimeout>} */ (handle)));
  let delay = intervalMs;
  let stopped = false;
  /** @type {unknown} */
  let timer = setTimer(tick, delay);

  async function tick() {
    if (stopped) return;
    if (active()) {
      await model.poll();
      delay = failing() ? Math.min(delay * 2, maxMs) : intervalMs;
    }
    if (!stopped) timer = setTimer(tick, delay);
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
