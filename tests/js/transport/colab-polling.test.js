import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { describeError, startPolling } from "../../../js/transport/colab.js";

describe("startPolling", () => {
  function manualTimers() {
    const timers = [];
    const delays = [];
    return {
      timers,
      delays,
      setTimer: (fn, ms) => {
        delays.push(ms);
        return timers.push({ fn, ms }) - 1;
      },
      clearTimer: (handle) => {
        timers[handle] = null;
      },
      async fire() {
        const timer = timers.findLast((t) => t !== null);
        timers[timers.indexOf(timer)] = null;
        await timer.fn();
      },
    };
  }

  test("polls only while the pad is active", async () => {
    const clock = manualTimers();
    let polls = 0;
    let active = false;
    startPolling({ poll: () => void polls++ }, { active: () => active, intervalMs: 100, ...clock });
    await clock.fire();
    active = true;
    await clock.fire();
    assert.equal(polls, 1);
  });

  test("polls at the same interval whatever the calls do: the pad's resends back off", async () => {
    const clock = manualTimers();
    startPolling({ poll() {} }, { active: () => true, intervalMs: 100, ...clock });
    for (let i = 0; i < 4; i++) await clock.fire();
    assert.deepEqual(clock.delays, [100, 100, 100, 100, 100]);
  });

  test("stop cancels the pending poll", async () => {
    const clock = manualTimers();
    const stop = startPolling({ poll() {} }, { active: () => true, ...clock });
    stop();
    assert.ok(clock.timers.every((t) => t === null));
  });
});

describe("describeError", () => {
  test("a missing callback reads as a hint to re-run the cell", () => {
    const text = describeError(new Error("ValueError: Function not found: digitwidget.pad.ab"));
    assert.match(text, /Re-run the cell/);
  });

  test("long messages are shortened", () => {
    assert.ok(describeError(new Error("x".repeat(1000))).length <= 240);
  });
});
