// Pure helpers for the drawing surface: no DOM, no canvas, tested with `node --test`.

/** @typedef {{x: number, y: number}} Point */
/**
 * One piece of a smoothed stroke: a quadratic Bezier from `from` to `to`
 * bent towards `ctrl` (a straight line when `ctrl` lies on the chord).
 * @typedef {{from: Point, ctrl: Point, to: Point}} Segment
 */

/**
 * Clamp a number into [lo, hi].
 * @param {number} value
 * @param {number} lo
 * @param {number} hi
 * @returns {number}
 */
export function clamp(value, lo, hi) {
  return Math.min(hi, Math.max(lo, value));
}

/**
 * View any binary value the model may hold as bytes, without copying.
 * Accepts DataView, ArrayBuffer, any typed array; anything else gives an empty array.
 * @param {unknown} value
 * @returns {Uint8Array}
 */
export function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(0);
}

/**
 * True when two byte arrays hold the same values.
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {boolean}
 */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * RGBA pixels (ink drawn as colour with alpha on a transparent background)
 * to one grayscale byte per pixel: 0 = background, 255 = full ink.
 * gray = alpha * luminance / 255, so white ink gives its alpha.
 * @param {Uint8ClampedArray | Uint8Array} rgba length 4 * n
 * @returns {Uint8Array} length n
 */
export function rgbaToGray(rgba) {
  const n = rgba.length >> 2;
  const gray = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const lum = 0.299 * rgba[j] + 0.587 * rgba[j + 1] + 0.114 * rgba[j + 2];
    gray[i] = Math.round((rgba[j + 3] * lum) / 255);
  }
  return gray;
}

/**
 * Grayscale bytes to RGBA: white ink whose alpha is the gray value.
 * The inverse of `rgbaToGray` for white ink.
 * @param {Uint8Array} gray length n
 * @returns {Uint8ClampedArray<ArrayBuffer>} length 4 * n
 */
export function grayToRgba(gray) {
  const rgba = new Uint8ClampedArray(gray.length * 4);
  for (let i = 0, j = 0; i < gray.length; i++, j += 4) {
    rgba[j] = 255;
    rgba[j + 1] = 255;
    rgba[j + 2] = 255;
    rgba[j + 3] = gray[i];
  }
  return rgba;
}

/**
 * Grayscale bytes to opaque gray RGBA (0 black, 255 white): the robot-vision view.
 * @param {Uint8Array} gray
 * @returns {Uint8ClampedArray<ArrayBuffer>}
 */
export function grayToOpaque(gray) {
  const rgba = new Uint8ClampedArray(gray.length * 4);
  for (let i = 0, j = 0; i < gray.length; i++, j += 4) {
    rgba[j] = rgba[j + 1] = rgba[j + 2] = gray[i];
    rgba[j + 3] = 255;
  }
  return rgba;
}

/**
 * A pointer position in client (CSS) pixels to logical canvas pixels,
 * whatever the canvas's CSS size.
 * @param {number} clientX
 * @param {number} clientY
 * @param {{left: number, top: number, width: number, height: number}} rect the canvas's drawing area
 * @param {number} size logical canvas size
 * @returns {Point}
 */
export function clientToLogical(clientX, clientY, rect, size) {
  const p = clientToCanvas(clientX, clientY, rect, size);
  return { x: clamp(p.x, 0, size), y: clamp(p.y, 0, size) };
}

/**
 * A pointer position in client (CSS) pixels to logical canvas pixels, not clamped:
 * a pointer outside the canvas maps outside [0, size].
 * @param {number} clientX
 * @param {number} clientY
 * @param {{left: number, top: number, width: number, height: number}} rect the canvas's drawing area
 * @param {number} size logical canvas size
 * @returns {Point}
 */
export function clientToCanvas(clientX, clientY, rect, size) {
  const w = rect.width || size;
  const h = rect.height || size;
  return { x: ((clientX - rect.left) * size) / w, y: ((clientY - rect.top) * size) / h };
}

/**
 * True when `p` lies on the canvas [0, size] x [0, size] (its edges included).
 * @param {Point} p
 * @param {number} size
 * @returns {boolean}
 */
export function onCanvas(p, size) {
  return p.x >= 0 && p.x <= size && p.y >= 0 && p.y <= size;
}

/**
 * The part of the straight move from `a` to `b` that lies on the canvas
 * [0, size] x [0, size] (Liang-Barsky clipping), or null when the move misses it.
 * An end on the canvas is returned as it is; an end off it becomes the point where
 * the move crosses the edge: where a stroke leaves the canvas, or comes back.
 * @param {Point} a
 * @param {Point} b
 * @param {number} size
 * @returns {{from: Point, to: Point} | null}
 */
export function clipSegment(a, b, size) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let t0 = 0;
  let t1 = 1;
  // Each edge as p * t <= q: left, right, top, bottom.
  for (const [p, q] of [
    [-dx, a.x],
    [dx, size - a.x],
    [-dy, a.y],
    [dy, size - a.y],
  ]) {
    if (p === 0) {
      if (q < 0) return null; // parallel to this edge and outside it
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return null;
  }
  const at = (/** @type {number} */ t) => ({ x: a.x + t * dx, y: a.y + t * dy });
  return { from: t0 === 0 ? a : at(t0), to: t1 === 1 ? b : at(t1) };
}

/**
 * What a pointer move from `prev` to `p` (logical pixels, either possibly off the canvas)
 * draws during a stroke: nothing off the canvas, so a stroke that leaves and comes back
 * is two lines, never one joined along the border.
 * @param {Point} prev
 * @param {Point} p
 * @param {number} size
 * @returns {{start: Point | null, to: Point, lift: boolean} | null} null when the move
 *   stays off the canvas; else `start`, where a new line begins (the edge point where the
 *   move comes back onto the canvas; null when it was already on it), `to`, the point the
 *   line goes to (`p`, or the edge point where the move leaves), and `lift`, true when
 *   the move leaves the canvas: the line ends at `to`.
 */
export function penMove(prev, p, size) {
  const piece = clipSegment(prev, p, size);
  if (!piece) return null;
  return { start: onCanvas(prev, size) ? null : piece.from, to: piece.to, lift: !onCanvas(p, size) };
}

/**
 * Backing-store size of a canvas shown `cssSize` CSS pixels wide on a screen
 * with the given devicePixelRatio.
 * @param {number} cssSize
 * @param {number} dpr
 * @returns {number} at least 1
 */
export function backingSize(cssSize, dpr) {
  return Math.max(1, Math.round(cssSize * (dpr > 0 ? dpr : 1)));
}

/** @param {Point} a @param {Point} b @returns {Point} */
function midpoint(a, b) {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/**
 * The segment that becomes drawable once point `i` of a stroke is known
 * (quadratic midpoint smoothing). Segment k runs from the midpoint of
 * points k-1 and k (point 0 for k = 1) to the midpoint of points k and k+1,
 * bent towards point k; so it exists once point k+1 is known.
 * @param {Point[]} points the stroke so far
 * @param {number} i index of the newest point (>= 2)
 * @returns {Segment}
 */
export function segmentEndingAt(points, i) {
  const k = i - 1;
  const from = k === 1 ? points[0] : midpoint(points[k - 1], points[k]);
  return { from, ctrl: points[k], to: midpoint(points[k], points[i]) };
}

/**
 * The straight piece that closes a stroke: from the last midpoint to the last point.
 * For a stroke of two points it is the whole stroke.
 * @param {Point[]} points at least 2
 * @returns {Segment}
 */
export function closingSegment(points) {
  const n = points.length;
  const last = points[n - 1];
  const from = n === 2 ? points[0] : midpoint(points[n - 2], last);
  return { from, ctrl: midpoint(from, last), to: last };
}
