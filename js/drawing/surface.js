// The two canvases that hold the drawing:
// - a hidden LOGICAL canvas (size x size, white ink on transparent) that is the
//   truth: pixels sent to the kernel and undo snapshots are read from it;
// - the VISIBLE canvas, its backing store scaled by devicePixelRatio, where the
//   same strokes are drawn in the theme's ink colour so lines stay crisp.
// Both are drawn on in logical pixels.

import { backingSize, closingSegment, grayToRgba, rgbaToGray } from "./raster.js";

/** @typedef {import("./raster.js").Point} Point */
/** @typedef {import("./raster.js").Segment} Segment */
/** @typedef {{brush: number, erase: boolean}} Pen */
/** @typedef {{left: number, top: number, width: number, height: number}} Box */

/**
 * @typedef {object} Surface
 * @property {HTMLCanvasElement} canvas the visible canvas
 * @property {() => Box} contentBox the visible canvas's drawing area on the page (CSS pixels)
 * @property {(pen: Pen) => void} prepare set both canvases up to draw with `pen`
 * @property {(seg: Segment) => void} stroke draw a segment on both canvases
 * @property {(p: Point, radius: number) => void} dot draw a dot on both canvases
 * @property {(pen: Pen | null) => void} repaint redraw the visible canvas from the logical
 *   one; `pen` is the pen of a stroke under way (drawing goes on with it), else null
 * @property {(pen: Pen | null) => void} fit size the backing store to the canvas's CSS size
 * @property {(line: Point[] | null, pen: Pen | null) => Uint8Array} pixels the logical
 *   raster, one byte per pixel; with the `line` under way (2+ points), as it will be once
 *   its closing segment is drawn with `pen`
 * @property {(gray: Uint8Array) => void} setPixels replace the logical drawing (length
 *   size * size); a repaint shows it
 * @property {(size: number) => void} setSize change the logical size (clears the drawing)
 */

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {boolean} erase
 */
function setMode(ctx, erase) {
  ctx.globalCompositeOperation = erase ? "destination-out" : "source-over";
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Segment} seg
 */
function strokeSegment(ctx, seg) {
  ctx.beginPath();
  ctx.moveTo(seg.from.x, seg.from.y);
  ctx.quadraticCurveTo(seg.ctrl.x, seg.ctrl.y, seg.to.x, seg.to.y);
  ctx.stroke();
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Point} p
 * @param {number} radius
 */
function fillDot(ctx, p, radius) {
  ctx.beginPath();
  ctx.arc(p.x, p.y, radius, 0, 2 * Math.PI);
  ctx.fill();
}

/**
 * Create the two canvases for a `size` x `size` drawing.
 * @param {number} size
 * @returns {Surface}
 */
export function createSurface(size) {
  const canvas = document.createElement("canvas");
  const view = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const logical = document.createElement("canvas");
  const ink = /** @type {CanvasRenderingContext2D} */ (
    logical.getContext("2d", { willReadFrequently: true })
  );
  logical.width = logical.height = size;
  canvas.width = canvas.height = size;
  // A copy of the ink with the closing segment of the stroke under way, drawn exactly as
  // the lift will draw it: what is sent while drawing is then what the lift leaves when
  // the pointer did not move since, so that update's answer is already the final one.
  const ending = document.createElement("canvas");
  const endingCtx = /** @type {CanvasRenderingContext2D} */ (
    ending.getContext("2d", { willReadFrequently: true })
  );

  // The area the drawing fills: the canvas's box without its border (CSS pixels).
  function contentBox() {
    const rect = canvas.getBoundingClientRect();
    const [x, y] = [canvas.clientLeft, canvas.clientTop];
    const [width, height] = [rect.width - 2 * x, rect.height - 2 * y];
    return { left: rect.left + x, top: rect.top + y, width, height };
  }

  const inkColor = () =>
    getComputedStyle(canvas).getPropertyValue("--dw-ink").trim() || "#1f2328";

  /** @param {Pen} pen */
  function prepare(pen) {
    const scale = canvas.width / size;
    view.setTransform(scale, 0, 0, scale, 0, 0);
    for (const ctx of [view, ink]) {
      setMode(ctx, pen.erase);
      ctx.lineWidth = pen.brush;
    }
    view.strokeStyle = view.fillStyle = inkColor();
    ink.strokeStyle = ink.fillStyle = "#fff";
  }

  /** @param {Pen | null} pen */
  function repaint(pen) {
    const { width, height } = canvas;
    view.setTransform(1, 0, 0, 1, 0, 0);
    view.globalCompositeOperation = "source-over";
    view.clearRect(0, 0, width, height);
    view.imageSmoothingEnabled = true;
    view.drawImage(logical, 0, 0, width, height);
    view.globalCompositeOperation = "source-in";
    view.fillStyle = inkColor();
    view.fillRect(0, 0, width, height);
    view.globalCompositeOperation = "source-over";
    if (pen) prepare(pen); // a repaint mid-stroke (theme, resize): go on drawing
  }

  /** @param {Pen | null} pen */
  function fit(pen) {
    const cssWidth = contentBox().width || size;
    const px = backingSize(cssWidth, window.devicePixelRatio || 1);
    if (canvas.width !== px || canvas.height !== px) {
      canvas.width = canvas.height = px;
      repaint(pen);
    }
  }

  /** @param {CanvasRenderingContext2D} ctx */
  const readGray = (ctx) => rgbaToGray(ctx.getImageData(0, 0, size, size).data);

  return {
    canvas,
    contentBox,
    prepare,
    stroke(seg) {
      strokeSegment(view, seg);
      strokeSegment(ink, seg);
    },
    dot(p, radius) {
      fillDot(view, p, radius);
      fillDot(ink, p, radius);
    },
    repaint,
    fit,
    pixels(line, pen) {
      if (!line || !pen || line.length < 2) return readGray(ink);
      if (ending.width !== size) ending.width = ending.height = size;
      endingCtx.globalCompositeOperation = "copy";
      endingCtx.drawImage(logical, 0, 0);
      setMode(endingCtx, pen.erase);
      endingCtx.lineWidth = pen.brush;
      endingCtx.strokeStyle = "#fff";
      strokeSegment(endingCtx, closingSegment(line));
      return readGray(endingCtx);
    },
    setPixels(gray) {
      ink.putImageData(new ImageData(grayToRgba(gray), size, size), 0, 0);
    },
    setSize(n) {
      size = n;
      logical.width = logical.height = n;
    },
  };
}
