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
 * @returns {Uint8ClampedArray} length 4 * n
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
 * Grayscale bytes to opaque RGBA blended between two colours
 * (0 -> `background`, 255 -> `ink`); used for the robot-vision view.
 * @param {Uint8Array} gray
 * @param {[number, number, number]} background
 * @param {[number, number, number]} ink
 * @returns {Uint8ClampedArray}
 */
export function grayToTinted(gray, background, ink) {
  const rgba = new Uint8ClampedArray(gray.length * 4);
  for (let i = 0, j = 0; i < gray.length; i++, j += 4) {
    const t = gray[i] / 255;
    rgba[j] = background[0] + (ink[0] - background[0]) * t;
    rgba[j + 1] = background[1] + (ink[1] - background[1]) * t;
    rgba[j + 2] = background[2] + (ink[2] - background[2]) * t;
    rgba[j + 3] = 255;
  }
  return rgba;
}

/**
 * Parse a CSS colour in `#rgb`, `#rrggbb` or `rgb(r, g, b)` form.
 * @param {string} text
 * @param {[number, number, number]} fallback returned when `text` is not understood
 * @returns {[number, number, number]}
 */
export function parseColor(text, fallback) {
  const s = text.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return /** @type {[number, number, number]} */ ([...m[1]].map((c) => parseInt(c + c, 16)));
  m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
  if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
  m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return fallback;
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
  const w = rect.width || size;
  const h = rect.height || size;
  return {
    x: clamp(((clientX - rect.left) * size) / w, 0, size),
    y: clamp(((clientY - rect.top) * size) / h, 0, size),
  };
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

/**
 * The whole stroke as smoothed segments: a continuous chain from the first
 * point to the last. A stroke of one point has no segments (draw a dot).
 * @param {Point[]} points
 * @returns {Segment[]}
 */
export function smoothStroke(points) {
  if (points.length < 2) return [];
  const segments = [];
  for (let i = 2; i < points.length; i++) segments.push(segmentEndingAt(points, i));
  segments.push(closingSegment(points));
  return segments;
}

/**
 * Index of the largest value, or -1 for an empty list or all zeros
 * (a blank canvas has no top class).
 * @param {ArrayLike<number>} values
 * @returns {number}
 */
export function argmax(values) {
  let best = -1;
  let bestValue = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestValue) {
      best = i;
      bestValue = values[i];
    }
  }
  return best;
}
