// Colab entry point: the DrawPad over google.colab.kernel.invokeFunction.
//
// Colab outputs cannot rely on the Jupyter widget comm, so this module builds an
// object shaped like anywidget's model (get, set, on, off, save_changes, send) on top of
// Colab's own bridge to the kernel, and hands it to the same render() as the widget.
// The module boots itself: it mounts every `[data-digitwidget-colab]` element on the
// page that is not mounted yet (the Python side inlines it in the cell's HTML output).

/**
 * A binary value as it travels in JSON.
 * @typedef {{encoding: "zlib" | "base64", data: string}} Packed
 */

/**
 * What the kernel answers: the state that changed since `since`, or an error.
 * @typedef {object} Answer
 * @property {number} [version] the kernel's state version after this call
 * @property {Record<string, unknown>} [state] changed JSON values
 * @property {Record<string, Packed>} [buffers] changed binary values
 * @property {string} [error] what went wrong (nothing else is set then)
 */

/**
 * One call to the kernel: the changed values since `since`, and queued custom messages.
 * @typedef {object} Request
 * @property {number} since the state version the sender last saw
 * @property {Record<string, unknown>} state changed JSON values
 * @property {Record<string, Packed>} buffers changed binary values
 * @property {unknown[]} [custom] messages sent with `model.send`
 */

/**
 * @typedef {object} ColabModelOptions
 * @property {Record<string, unknown>} state initial values (binary ones already unpacked)
 * @property {number} version the kernel's state version the initial values belong to
 * @property {(request: Request) => Promise<unknown>} invoke one call to the kernel; resolves
 *   with its {@link Answer} (anything else is reported as an error)
 * @property {(error: Error) => void} [onError] a call failed
 * @property {() => void} [onOk] a call succeeded
 */

/**
 * What the Python side inlines in the pad's `<script type="application/json">`.
 * @typedef {object} ColabConfig
 * @property {string} name the kernel callback that answers this pad
 * @property {number} version the kernel's state version of `state` and `buffers`
 * @property {Record<string, unknown>} [state] initial JSON values
 * @property {Record<string, Packed>} [buffers] initial binary values
 */

/**
 * The part of `google.colab.kernel` the pad uses.
 * @typedef {object} ColabKernel
 * @property {(name: string, args: unknown[], kwargs: object) => Promise<{data?: Record<string, unknown>} | undefined>} invokeFunction
 */

/** @typedef {(...args: unknown[]) => void} Listener */

const ACK_KEY = "_ack";
const MAX_MESSAGE = 240;

/** @param {Uint8Array} bytes @returns {string} */
export function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** @param {string} text @returns {Uint8Array<ArrayBuffer>} */
export function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * Run bytes through a CompressionStream or DecompressionStream.
 * @param {Uint8Array<ArrayBuffer>} bytes
 * @param {CompressionStream | DecompressionStream} stream
 * @returns {Promise<Uint8Array<ArrayBuffer>>}
 */
async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/**
 * Pack bytes for JSON: zlib (RFC 1950) then base64; a drawing shrinks ~100-fold.
 * @param {Uint8Array<ArrayBuffer>} bytes
 * @returns {Promise<Packed>}
 */
export async function pack(bytes) {
  if (typeof CompressionStream === "undefined") return { encoding: "base64", data: toBase64(bytes) };
  return { encoding: "zlib", data: toBase64(await pipe(bytes, new CompressionStream("deflate"))) };
}

/**
 * Unpack a value made by {@link pack} (or by the Python side).
 * @param {Packed} packed
 * @returns {Promise<DataView>}
 */
export async function unpack(packed) {
  let bytes = fromBase64(packed.data);
  if (packed.encoding === "zlib") bytes = await pipe(bytes, new DecompressionStream("deflate"));
  else if (packed.encoding !== "base64") {
    throw new Error(`Expected a binary value encoded as "zlib" or "base64", received "${packed.encoding}".`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @param {unknown} value @returns {value is ArrayBuffer | ArrayBufferView} */
function isBinary(value) {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * The bytes of a binary value, without copying; a view of shared memory is copied, as
 * Blob refuses one in browsers.
 * @param {ArrayBuffer | ArrayBufferView} value
 * @returns {Uint8Array<ArrayBuffer>}
 */
function bytesOf(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  const { buffer, byteOffset, byteLength } = value;
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer, byteOffset, byteLength);
  return new Uint8Array(buffer, byteOffset, byteLength).slice();
}

/**
 * Split values into JSON ones and packed binary ones, ready for the kernel.
 * @param {Record<string, unknown>} values
 * @returns {Promise<{state: Record<string, unknown>, buffers: Record<string, Packed>}>}
 */
export async function packState(values) {
  /** @type {Record<string, unknown>} */
  const state = {};
  /** @type {Record<string, Packed>} */
  const buffers = {};
  for (const [key, value] of Object.entries(values)) {
    if (isBinary(value)) buffers[key] = await pack(bytesOf(value));
    else state[key] = value;
  }
  return { state, buffers };
}

/**
 * Merge an answer's JSON values and unpacked binary values.
 * @param {Answer} answer
 * @returns {Promise<Record<string, unknown>>}
 */
export async function unpackState(answer) {
  /** @type {Record<string, unknown>} */
  const values = { ...(answer.state ?? {}) };
  for (const [key, packed] of Object.entries(answer.buffers ?? {})) values[key] = await unpack(packed);
  return values;
}

/** @param {unknown} error @returns {Error} */
function asError(error) {
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

/**
 * Mount one pad: read its config, build the model, render the widget, start polling.
 * @param {HTMLElement} host
 */
async function mount(host) {
  host.dataset.mounted = "1";
  const status = document.createElement("div");
  status.className = "digitwidget-colab-error";
  status.setAttribute("role", "alert");
  status.setAttribute("data-testid", "digitwidget-colab-error");
  status.hidden = true;
  /** @param {string} text */
  const show = (text) => {
    status.textContent = text;
    status.hidden = !text;
  };
  const view = document.createElement("div");
  host.append(view, status);
  try {
    const configEl = host.querySelector("script[type='application/json']");
    /** @type {ColabConfig | null} */
    const config = JSON.parse(configEl?.textContent ?? "null");
    if (!config) throw new Error("The pad's configuration is missing from the cell's output. Run the cell again.");
    const kernel = /** @type {{google?: {colab?: {kernel?: ColabKernel}}}} */ (globalThis).google?.colab?.kernel;
    if (!kernel?.invokeFunction) {
      throw new Error("google.colab.kernel is not available: this output needs Google Colab. Outside Colab, use DrawPad(backend='widget').");
    }
    let failing = false;
    const model = createColabModel({
      state: await unpackState(config),
      version: config.version,
      invoke: async (request) => {
        const result = await kernel.invokeFunction(config.name, [request], {});
        return result?.data?.["application/json"];
      },
      onError(error) {
        failing = true;
        show(`digitwidget: ${describeError(error)}`);
        console.error("digitwidget: a call to the kernel failed:", error);
      },
      onOk() {
        failing = false;
        show("");
      },
    });
    const { default: widget } = await import("./widget.js");
    const cleanup = await widget.render({ model, el: view });
    const active = () => host.isConnected && document.visibilityState !== "hidden";
    const stop = startPolling(model, { active, failing: () => failing });
    host.addEventListener("digitwidget:unmount", () => {
      stop();
      cleanup?.();
      model.dispose();
    });
  } catch (error) {
    show(`digitwidget: ${describeError(asError(error))}`);
    console.error("digitwidget: the pad could not start:", error);
  }
}

/** Mount every pad on the page that is not mounted yet. */
export function boot() {
  if (typeof document === "undefined") return;
  for (const host of document.querySelectorAll("[data-digitwidget-colab]:not([data-mounted])")) {
    mount(/** @type {HTMLElement} */ (host));
  }
}

boot();
