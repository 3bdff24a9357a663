import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  backingSize,
  clientToCanvas,
  clientToLogical,
  clipSegment,
  closingSegment,
  equalBytes,
  grayToOpaque,
  grayToRgba,
  onCanvas,
  penMove,
  rgbaToGray,
  segmentEndingAt,
  toBytes,
} from "../../../js/drawing/raster.js";

describe("rgbaToGray", () => {
  test("white ink gives its alpha, black ink and transparency give 0", () => {
    const rgba = new Uint8ClampedArray([255, 255, 255, 255, 255, 255, 255, 128, 0, 0, 0, 255, 9, 9, 9, 0]);
    assert.deepEqual([...rgbaToGray(rgba)], [255, 128, 0, 0]);
  });

  test("coloured ink is weighted by luminance", () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
    assert.deepEqual([...rgbaToGray(rgba)], [76, 150, 29]);
  });

  test("round-trips every gray level through grayToRgba", () => {
    const gray = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepEqual(rgbaToGray(grayToRgba(gray)), gray);
  });
});

describe("grayToOpaque", () => {
  test("0 is black, 255 white, every pixel opaque", () => {
    const rgba = grayToOpaque(new Uint8Array([0, 255, 51]));
    assert.deepEqual([...rgba], [0, 0, 0, 255, 255, 255, 255, 255, 51, 51, 51, 255]);
  });
});

describe("toBytes", () => {
  test("views a DataView window without copying", () => {
    const buf = new Uint8Array([1, 2, 3, 4, 5]).buffer;
    const bytes = toBytes(new DataView(buf, 1, 3));
    assert.deepEqual([...bytes], [2, 3, 4]);
    assert.equal(bytes.buffer, buf);
  });

  for (const [name, value, expected] of [
    ["ArrayBuffer", new Uint8Array([7, 8]).buffer, [7, 8]],
    ["Uint8Array", new Uint8Array([9]), [9]],
    ["Uint16Array bytes", new Uint16Array([0x0102]), [2, 1]],
    ["null", null, []],
    ["a list", [1, 2], []],
    ["a string", "abc", []],
  ]) {
    test(`accepts ${name}`, () => {
      assert.deepEqual([...toBytes(value)], expected);
    });
  }
});

describe("equalBytes", () => {
  for (const [a, b, expected] of [
    [[1, 2], [1, 2], true],
    [[1, 2], [1, 3], false],
    [[1, 2], [1, 2, 3], false],
    [[], [], true],
  ]) {
    test(`${JSON.stringify(a)} vs ${JSON.stringify(b)} is ${expected}`, () => {
      assert.equal(equalBytes(Uint8Array.from(a), Uint8Array.from(b)), expected);
    });
  }
});

describe("clientToLogical", () => {
  test("maps CSS pixels to logical pixels whatever the displayed size", () => {
    const rect = { left: 100, top: 50, width: 140, height: 140 };
    assert.deepEqual(clientToLogical(170, 120, rect, 280), { x: 140, y: 140 });
  });

  test("clamps positions outside the canvas to its edges", () => {
    const rect = { left: 0, top: 0, width: 280, height: 280 };
    assert.deepEqual(clientToLogical(-20, 400, rect, 280), { x: 0, y: 280 });
  });
});

describe("clientToCanvas", () => {
  test("maps positions off the canvas off it, unclamped", () => {
    const rect = { left: 100, top: 50, width: 140, height: 140 };
    assert.deepEqual(clientToCanvas(80, 260, rect, 280), { x: -40, y: 420 });
  });
});

describe("onCanvas", () => {
  for (const [p, expected] of [
    [{ x: 0, y: 0 }, true],
    [{ x: 280, y: 140 }, true],
    [{ x: 280.5, y: 140 }, false],
    [{ x: 10, y: -1 }, false],
  ]) {
    test(`${JSON.stringify(p)} -> ${expected}`, () => assert.equal(onCanvas(p, 280), expected));
  }
});

describe("clipSegment", () => {
  test("a move on the canvas is kept whole, ends untouched", () => {
    const a = { x: 10, y: 20 };
    const b = { x: 30, y: 40 };
    const piece = clipSegment(a, b, 100);
    assert.equal(piece.from, a);
    assert.equal(piece.to, b);
  });

  test("a move leaving the canvas stops at the edge it crosses", () => {
    assert.deepEqual(clipSegment({ x: 80, y: 50 }, { x: 120, y: 70 }, 100), {
      from: { x: 80, y: 50 },
      to: { x: 100, y: 60 },
    });
  });

  test("a move coming back starts at the edge it crosses", () => {
    assert.deepEqual(clipSegment({ x: 50, y: -20 }, { x: 50, y: 30 }, 100).from, { x: 50, y: 0 });
  });

  test("a move across a corner keeps only its part on the canvas", () => {
    assert.deepEqual(clipSegment({ x: -10, y: 20 }, { x: 20, y: -10 }, 100), {
      from: { x: 0, y: 10 },
      to: { x: 10, y: 0 },
    });
  });

  for (const [a, b] of [
    [{ x: 110, y: 10 }, { x: 110, y: 90 }], // along the right side, outside
    [{ x: -10, y: 50 }, { x: -30, y: 70 }],
    [{ x: 90, y: -30 }, { x: 130, y: 10 }], // passes the corner outside
  ]) {
    test(`a move off the canvas, ${JSON.stringify([a, b])}, has no part on it`, () => {
      assert.equal(clipSegment(a, b, 100), null);
    });
  }
});

describe("penMove", () => {
  // Out through the right edge at y = 100, down outside, back in at y = 200 (size 280).
  const path = [
    { x: 260, y: 100 },
    { x: 300, y: 100 },
    { x: 300, y: 150 },
    { x: 300, y: 200 },
    { x: 260, y: 200 },
  ];
  const moves = path.slice(1).map((p, i) => penMove(path[i], p, 280));

  test("leaving: the line goes to the edge where the pointer left, and lifts", () => {
    assert.deepEqual(moves[0], { start: null, to: { x: 280, y: 100 }, lift: true });
  });

  test("off the canvas nothing is drawn: no line along the border", () => {
    assert.equal(moves[1], null);
    assert.equal(moves[2], null);
  });

  test("coming back: a new line starts at the edge where it re-enters", () => {
    assert.deepEqual(moves[3], { start: { x: 280, y: 200 }, to: { x: 260, y: 200 }, lift: false });
  });

  test("a move on the canvas just goes on", () => {
    assert.deepEqual(penMove({ x: 1, y: 1 }, { x: 2, y: 3 }, 280), { start: null, to: { x: 2, y: 3 }, lift: false });
  });

  test("a move crossing a corner from outside draws its part on the canvas alone", () => {
    assert.deepEqual(penMove({ x: -10, y: 20 }, { x: 20, y: -10 }, 100), {
      start: { x: 0, y: 10 },
      to: { x: 10, y: 0 },
      lift: true,
    });
  });
});

describe("backingSize", () => {
  for (const [css, dpr, expected] of [
    [280, 1, 280],
    [280, 2, 560],
    [140, 1.5, 210],
    [280, 0, 280],
    [0, 2, 1],
  ]) {
    test(`${css} CSS px at dpr ${dpr} -> ${expected}`, () => {
      assert.equal(backingSize(css, dpr), expected);
    });
  }
});

describe("a stroke's smoothed segments", () => {
  // What the pad draws: segmentEndingAt(points, i) as each point i >= 2 arrives, then the
  // closing segment when the stroke ends (a stroke of one point is a dot).
  const smoothStroke = (points) =>
    points.length < 2
      ? []
      : [...points.slice(2).map((_, k) => segmentEndingAt(points, k + 2)), closingSegment(points)];
  const zigzag = [
    { x: 0, y: 0 },
    { x: 10, y: 10 },
    { x: 20, y: 0 },
    { x: 30, y: 10 },
    { x: 40, y: 0 },
  ];

  test("a single point has no segments", () => {
    assert.deepEqual(smoothStroke([{ x: 1, y: 1 }]), []);
  });

  test("two points give one straight segment between them", () => {
    const [seg, ...rest] = smoothStroke(zigzag.slice(0, 2));
    assert.equal(rest.length, 0);
    assert.deepEqual(seg.from, zigzag[0]);
    assert.deepEqual(seg.to, zigzag[1]);
    assert.deepEqual(seg.ctrl, { x: 5, y: 5 });
  });

  test("segments form a continuous chain from the first to the last point", () => {
    const segments = smoothStroke(zigzag);
    assert.equal(segments.length, zigzag.length - 1);
    assert.deepEqual(segments[0].from, zigzag[0]);
    assert.deepEqual(segments.at(-1).to, zigzag.at(-1));
    for (let i = 1; i < segments.length; i++) assert.deepEqual(segments[i].from, segments[i - 1].to);
  });

  test("inner segments bend towards the input points through their midpoints", () => {
    const segments = smoothStroke(zigzag);
    assert.deepEqual(segments[1], { from: { x: 15, y: 5 }, ctrl: { x: 20, y: 0 }, to: { x: 25, y: 5 } });
  });

  test("the closing segment is straight", () => {
    const seg = closingSegment(zigzag);
    const cross = (seg.to.x - seg.from.x) * (seg.ctrl.y - seg.from.y) - (seg.to.y - seg.from.y) * (seg.ctrl.x - seg.from.x);
    assert.equal(cross, 0);
  });
});

