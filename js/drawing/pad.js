// The drawing surface: pointer strokes on the two canvases of ./surface.js.
// All coordinates are logical pixels; pointer positions are mapped on the way in.

import { clientToCanvas, clientToLogical, closingSegment, penMove, segmentEndingAt } from "./raster.js";
import { createSurface } from "./surface.js";

/** @typedef {import("./raster.js").Point} Point */
/** @typedef {import("./surface.js").Pen} Pen */
/**
 * @typedef {object} PadOptions
 * @property {number} size logical canvas size in pixels
 * @property {number} brush brush diameter in logical pixels
 * @property {() => void} onDraw the drawing changed during a stroke
 * @property {(before: Uint8Array, erased: boolean) => void} onStrokeEnd a stroke ended; `before`
 *   is the raster before it, `erased` says the stroke was drawn with the eraser
 */

/**
 * @typedef {object} Pad
 * @property {HTMLCanvasElement} element the visible canvas
 * @property {() => Uint8Array} getPixels the logical raster, one byte per pixel; during a
 *   stroke, the drawing as it will be if the stroke ends now (its closing segment included)
 * @property {(gray: Uint8Array) => boolean} setPixels replace the drawing; false if the length is wrong
 * @property {(size: number) => void} setSize change the logical size (clears the drawing)
 * @property {(brush: number) => void} setBrush
 * @property {() => number} brush the current brush diameter
 * @property {(on: boolean) => void} setEraser strokes from the next one on erase (or draw)
 * @property {() => boolean} erasing the eraser is on
 * @property {() => void} repaint redraw the visible canvas (after a theme change)
 * @property {() => boolean} isDrawing a stroke is under way
 * @property {() => number} version changes whenever `getPixels()` may return something new
 * @property {() => void} destroy remove every listener
 */

/**
 * Create the drawing surface.
 * @param {PadOptions} options
 * @returns {Pad}
 */
export function createPad(options) {
  let { size, brush } = options;
  let erase = false;
  const surface = createSurface(size);
  const canvas = surface.canvas;
  canvas.className = "dw-pad";
  canvas.dataset.testid = "digitwidget-pad";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Drawing area: draw a digit with mouse, pen or finger");

  // A stroke keeps the pen it started with: a brush or eraser change during it applies
  // from the next stroke, so what was sent while drawing is what the lift leaves.
  // `points` is the line under way (empty while the pointer is off the canvas: a stroke
  // that leaves the canvas and comes back is two lines); `last` is the pointer's
  // latest position, off the canvas or on it.
  /** @type {{id: number, points: Point[], last: Point, before: Uint8Array, pen: Pen} | null} */
  let stroke = null;
  // Bumped by every change to what getPixels() returns, so "did the drawing change since
  // it was sent?" costs a comparison instead of reading back and comparing the canvas.
  let version = 0;
  // The canvas's page box, read once per stroke and again after a scroll or resize:
  // reading it on every move would make the browser lay out the whole notebook each
  // time something else on the page changed. (A layout shift with neither, mid-stroke,
  // goes unnoticed until the next stroke.)
  /** @type {import("./surface.js").Box | null} */
  let box = null;
  const forgetBox = () => {
    box = null;
  };
  const strokePen = () => stroke?.pen ?? null;
  const repaint = () => surface.repaint(strokePen());
  const fitBackingStore = () => surface.fit(strokePen());
  const getPixels = () => surface.pixels(stroke?.points ?? null, strokePen());

  /** @param {PointerEvent} e */
  function toPoint(e) {
    box ??= surface.contentBox();
    return clientToCanvas(e.clientX, e.clientY, box, size);
  }

  /**
   * Add `p` (on the canvas) to the line under way and draw what it makes drawable.
   * @param {Point[]} points
   * @param {Point} p
   */
  function extendLine(points, p) {
    const last = points[points.length - 1];
    if (last && Math.hypot(p.x - last.x, p.y - last.y) < 0.5) return;
    points.push(p);
    version++;
    if (points.length >= 3) {
      const seg = segmentEndingAt(points, points.length - 1);
      surface.stroke(seg);
    }
  }

  /**
   * Follow the pointer to `p`. Off the canvas nothing is drawn: the line goes to the edge
   * where the pointer left, and a new one starts where it comes back, so the two are
   * never joined along the border.
   * @param {NonNullable<typeof stroke>} s
   * @param {Point} p logical position, possibly off the canvas
   */
  function moveTo(s, p) {
    const prev = s.last;
    if (Math.hypot(p.x - prev.x, p.y - prev.y) < 0.5) return;
    s.last = p;
    const move = penMove(prev, p, size);
    if (!move) return;
    if (move.start) s.points = [move.start];
    extendLine(s.points, move.to);
    if (move.lift) {
      if (s.points.length >= 2) {
        const seg = closingSegment(s.points);
        surface.stroke(seg);
      }
      s.points = [];
    }
  }

  /** @param {PointerEvent} e */
  function onPointerDown(e) {
    // Only the primary button draws: a mouse's left button, a pen's tip, a finger; not a
    // pen's barrel button or eraser end.
    if (stroke || e.button !== 0) return;
    e.preventDefault();
    canvas.setPointerCapture?.(e.pointerId);
    fitBackingStore();
    box = surface.contentBox();
    const p = clientToLogical(e.clientX, e.clientY, box, size); // pressed on it: on the canvas
    const pen = { brush, erase };
    stroke = { id: e.pointerId, points: [p], last: p, before: getPixels(), pen };
    surface.prepare(pen);
    surface.dot(p, pen.brush / 2);
    version++;
    options.onDraw();
  }

  /** @param {PointerEvent} e */
  function onPointerMove(e) {
    if (!stroke || e.pointerId !== stroke.id) return;
    e.preventDefault();
    const events = e.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e]) moveTo(stroke, toPoint(ev));
    options.onDraw();
  }

  /** @param {PointerEvent} e */
  function onPointerUp(e) {
    if (!stroke || e.pointerId !== stroke.id) return;
    const { points, before, pen } = stroke;
    stroke = null;
    // No version change: getPixels() already included this closing segment.
    if (points.length >= 2) {
      surface.prepare(pen);
      const seg = closingSegment(points);
      surface.stroke(seg);
    }
    if (canvas.hasPointerCapture?.(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    options.onStrokeEnd(before, pen.erase);
  }

  /**
   * No notebook menu over the pad: a right click or a long press is not a request for one.
   * @param {MouseEvent} e
   */
  function onContextMenu(e) {
    e.preventDefault();
    e.stopPropagation();
  }

  const observer = new ResizeObserver(() => {
    forgetBox();
    fitBackingStore();
  });
  observer.observe(canvas);
  // Scrolling any ancestor moves the canvas on the page.
  window.addEventListener("scroll", forgetBox, { capture: true, passive: true });
  canvas.addEventListener("pointerdown", onPointerDown);
  canvas.addEventListener("pointermove", onPointerMove);
  canvas.addEventListener("pointerup", onPointerUp);
  canvas.addEventListener("pointercancel", onPointerUp);
  // Capture can go without a pointerup (the browser took the pointer): end the stroke.
  canvas.addEventListener("lostpointercapture", onPointerUp);
  canvas.addEventListener("contextmenu", onContextMenu);

  return {
    element: canvas,
    getPixels,
    setPixels(gray) {
      if (gray.length !== size * size) return false;
      surface.setPixels(gray);
      version++;
      repaint();
      return true;
    },
    setSize(n) {
      size = n;
      stroke = null;
      surface.setSize(n);
      version++;
      fitBackingStore();
      repaint();
    },
    setBrush(b) {
      brush = b;
    },
    brush: () => brush,
    setEraser(on) {
      erase = on;
    },
    erasing: () => erase,
    repaint,
    isDrawing: () => stroke !== null,
    version: () => version,
    destroy() {
      observer.disconnect();
      window.removeEventListener("scroll", forgetBox, { capture: true });
      canvas.removeEventListener("pointerdown", onPointerDown);
      canvas.removeEventListener("pointermove", onPointerMove);
      canvas.removeEventListener("pointerup", onPointerUp);
      canvas.removeEventListener("pointercancel", onPointerUp);
      canvas.removeEventListener("lostpointercapture", onPointerUp);
      canvas.removeEventListener("contextmenu", onContextMenu);
    },
  };
}
