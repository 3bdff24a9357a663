import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createCoalescer } from "../../../js/transport/coalesce.js";

/** A hand-driven clock: timers fire only when `advance` passes their time. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { fn, at: now + ms });
      return id;
    },
    clearTimer: (id) => timers.delete(id),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now && timers.has(id)) {
          timers.delete(id);
          t.fn();
        }
      }
    },
    pending: () => timers.size,
  };
}

/** A coalescer whose sends record the drawing version current at send time. */
function setup(extra = {}) {
  const clock = fakeClock();
  const drawing = { version: 0 };
  const sent = [];
  const events = [];
  const c = createCoalescer({
    send: (seq) => sent.push({ seq, version: drawing.version }),
    timeoutMs: 1000,
    onStall: (s) => events.push(s ? "stall" : "recover"),
    onBusy: (b) => events.push(b ? "busy" : "idle"),
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    ...extra,
  });
  const draw = () => {
    drawing.version++;
    c.request();
  };
  return { c, clock, sent, events, draw };
}

describe("createCoalescer", () => {
  test("the first request is sent at once", () => {
    const { c, sent, draw } = setup();
    draw();
    assert.deepEqual(sent, [{ seq: 1, version: 1 }]);
    assert.equal(c.busy(), true);
  });

  test("at most one update is in flight and only the latest drawing is sent next", () => {
    const { c, sent, draw } = setup();
    for (let i = 0; i < 50; i++) draw();
    assert.equal(sent.length, 1);
    c.ack(1);
    assert.deepEqual(sent, [
      { seq: 1, version: 1 },
      { seq: 2, version: 50 },
    ]);
  });

  test("the stroke's final drawing is always sent after the answer arrives", () => {
    const { c, sent, draw, events } = setup();
    draw();
    draw(); // the stroke ends while the first update is in flight
    c.ack(1);
    c.ack(2);
    assert.deepEqual(sent.at(-1), { seq: 2, version: 2 });
    assert.equal(c.busy(), false);
    assert.deepEqual(events, ["busy", "idle"]);
  });

  test("becomes idle only when the latest drawing has been answered", () => {
    const { c, draw } = setup();
    draw();
    draw();
    c.ack(1);
    assert.equal(c.busy(), true);
    c.ack(2);
    assert.equal(c.busy(), false);
  });

  for (const stale of [0, -1, Number.NaN]) {
    test(`ignores a stale or invalid ack (${stale})`, () => {
      const { c, draw, sent } = setup({ nextSeq: (() => { let n = 4; return () => ++n; })() });
      draw();
      c.ack(stale);
      assert.equal(c.busy(), true);
      assert.equal(sent.length, 1);
    });
  }

  test("uses the injected sequence numbers", () => {
    let n = 41;
    const { c, sent, draw } = setup({ nextSeq: () => ++n });
    draw();
    c.ack(42);
    draw();
    assert.deepEqual(sent.map((s) => s.seq), [42, 43]);
  });

  test("reports a stall after the timeout, resends the latest drawing and recovers on answer", () => {
    const { c, clock, sent, events, draw } = setup();
    draw();
    clock.advance(999);
    assert.equal(c.stalled(), false);
    draw();
    clock.advance(1);
    assert.equal(c.stalled(), true);
    assert.deepEqual(sent.at(-1), { seq: 2, version: 2 });
    c.ack(2);
    assert.equal(c.stalled(), false);
    assert.deepEqual(events, ["busy", "stall", "recover", "idle"]);
  });

  test("while stalled, each resend waits twice as long, up to maxRetryMs; an answer resets it", () => {
    const { c, clock, sent, draw } = setup({ maxRetryMs: 5000 });
    draw();
    const sentAt = [];
    for (let t = 1; t <= 20000; t++) {
      const before = sent.length;
      clock.advance(1);
      if (sent.length > before) sentAt.push(t);
    }
    assert.deepEqual(sentAt, [1000, 3000, 7000, 12000, 17000]);
    c.ack(sent.at(-1).seq);
    assert.equal(c.stalled(), false);
    draw();
    const resent = sent.length;
    clock.advance(999);
    assert.equal(sent.length, resent);
    clock.advance(1);
    assert.equal(sent.length, resent + 1);
  });

  test("after a resend, the stall ends with the answer to the resend", () => {
    const { c, clock, draw } = setup();
    draw();
    clock.advance(1000);
    c.ack(1); // older than the resend: not enough
    assert.equal(c.stalled(), true);
    c.ack(2);
    assert.equal(c.stalled(), false);
    assert.equal(c.busy(), false);
  });

  test("no timer is left once idle, and dispose silences everything", () => {
    const { c, clock, sent, draw } = setup();
    draw();
    c.ack(1);
    assert.equal(clock.pending(), 0);
    draw();
    c.dispose();
    assert.equal(clock.pending(), 0);
    clock.advance(5000);
    draw();
    assert.equal(sent.length, 2);
  });
});

describe("createCoalescer: a failed call", () => {
  test("stalls at once; the latest drawing is sent again when the wait runs out", () => {
    const { c, clock, sent, events, draw } = setup();
    draw();
    clock.advance(10);
    c.fail();
    assert.equal(c.stalled(), true);
    draw();
    clock.advance(989);
    assert.equal(sent.length, 1, "the resend keeps the stall's schedule");
    clock.advance(1);
    assert.deepEqual(sent.at(-1), { seq: 2, version: 2 });
    c.ack(2);
    assert.deepEqual(events, ["busy", "stall", "recover", "idle"]);
  });

  test("while idle, probes with the latest drawing after the wait, then backs off as a stall does", () => {
    const { c, clock, sent, draw } = setup({ maxRetryMs: 5000 });
    draw();
    c.ack(1);
    c.fail(); // e.g. a call that asked for changes made in Python
    assert.equal(c.stalled(), true);
    const sentAt = [];
    for (let t = 1; t <= 12000; t++) {
      const before = sent.length;
      clock.advance(1);
      if (sent.length > before) sentAt.push(t);
      if (sent.length > before) c.fail(); // each probe fails at once
    }
    assert.deepEqual(sentAt, [1000, 3000, 7000, 12000]);
    c.ack(sent.at(-1).seq);
    assert.equal(c.stalled(), false);
    assert.equal(clock.pending(), 0);
  });

  test("without a timeout nothing stalls, resends or is armed; a failure changes nothing", () => {
    const { c, clock, sent, events, draw } = setup({ timeoutMs: null });
    draw();
    assert.equal(clock.pending(), 0);
    clock.advance(100000);
    c.fail();
    assert.equal(c.stalled(), false);
    assert.equal(sent.length, 1);
    c.ack(1);
    assert.deepEqual(events, ["busy", "idle"]);
  });
});

describe("createCoalescer with inFlightIsCurrent", () => {
  /** The sent drawing is compared with the current one, as sync.js does with the pixels. */
  function track() {
    const clock = fakeClock();
    const drawing = { version: 0 };
    const sent = [];
    let lastSent = null;
    const c = createCoalescer({
      send: (seq) => {
        lastSent = drawing.version;
        sent.push({ seq, version: drawing.version });
      },
      inFlightIsCurrent: () => lastSent === drawing.version,
      timeoutMs: 1000,
      setTimer: clock.setTimer,
      clearTimer: clock.clearTimer,
    });
    return { c, sent, drawing };
  }

  test("a lift with nothing new since the update in flight sends nothing more", () => {
    const { c, sent, drawing } = track();
    drawing.version++;
    c.request(); // the last move: sent at once
    c.request(); // the lift: the drawing is the one in flight
    assert.equal(c.busy(), true);
    c.ack(1);
    assert.deepEqual(sent, [{ seq: 1, version: 1 }]);
    assert.equal(c.busy(), false);
  });

  test("a lift after a change since the update in flight sends a final update", () => {
    const { c, sent, drawing } = track();
    drawing.version++;
    c.request();
    drawing.version++;
    c.request(); // the lift changed the drawing
    c.ack(1);
    assert.deepEqual(sent, [
      { seq: 1, version: 1 },
      { seq: 2, version: 2 },
    ]);
    c.ack(2);
    assert.equal(c.busy(), false);
  });

  test("a change undone before the answer needs no further update", () => {
    const { c, sent, drawing } = track();
    drawing.version = 1;
    c.request();
    drawing.version = 2;
    c.request();
    drawing.version = 1; // e.g. undo back to the drawing in flight
    c.ack(1);
    assert.deepEqual(sent, [{ seq: 1, version: 1 }]);
    assert.equal(c.busy(), false);
  });
});
