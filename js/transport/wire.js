// The Colab wire: binary values as JSON. Bytes travel zlib-compressed (RFC 1950) and
// base64-encoded, as src/digitwidget/widget/wire.py packs and unpacks them.

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
