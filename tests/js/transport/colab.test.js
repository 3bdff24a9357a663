import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createColabModel } from "../../../js/transport/colab.js";
import { TRANSPORT_ERROR } from "../../../js/transport/sync.js";
import { pack, unpack } from "../../../js/transport/wire.js";

const bytes = (...v) => Uint8Array.from(v);
const view = (u8) => new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
const toArray = (dv) => [...new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength)];

/** A stand-in for the kernel: every call waits until the test answers it. */
function fakeKernel() {
  const calls = [];
  return {
    calls,
    invoke(request) {
      return new Promise((resolve, reject) => calls.push({ request, resolve, reject }));
    },
  };
}

/** Let pending promise callbacks (and stream work) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Wait until `ready()` holds (compression streams finish on their own schedule). */
async function until(ready, what = "the condition") {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(ready(), `timed out waiting for ${what}`);
}

/** The messages of failed calls (the TRANSPORT_ERROR events), and the console's lines. */
function modelWith(kernel, extra = {}) {
  const errors = [];
  const model = createColabModel({
    state: { _seq: 0, _ack: 0, prediction: null, brush: 18 },
    version: 4,
    invoke: (request) => kernel.invoke(request),
    ...extra,
  });
  model.on(TRANSPORT_ERROR, (message) => errors.push(message));
  return { model, errors };
}

/** Run `fn` with console.error recorded instead of printed; returns what was logged. */
async function quietly(fn) {
  const logged = [];
  const original = console.error;
  console.error = (...args) => logged.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return logged;
}

describe("createColabModel", () => {
  test("set changes the value at once and fires change:<key>", () => {
    const { model } = modelWith(fakeKernel());
    const seen = [];
    model.on("change:brush", (_m, value) => seen.push(value));
    model.set("brush", 20);
    assert.equal(model.get("brush"), 20);
    assert.deepEqual(seen, [20]);
  });

  test("save_changes sends only the changed values, binary ones packed, with the version", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    model.set("_pixels", view(bytes(0, 9, 0)));
    model.set("_seq", 1);
    model.save_changes();
    await until(() => kernel.calls.length > 0, "the call");
    assert.equal(kernel.calls.length, 1);
    const { request } = kernel.calls[0];
    assert.equal(request.since, 4);
    assert.deepEqual(request.state, { _seq: 1 });
    assert.deepEqual(toArray(await unpack(request.buffers._pixels)), [0, 9, 0]);
  });

  test("save_changes with nothing changed makes no call", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    model.save_changes();
    await settle();
    assert.equal(kernel.calls.length, 0);
  });

  test("one call in flight: saves meanwhile merge and only the latest values follow", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    for (let seq = 1; seq <= 4; seq++) {
      model.set("_seq", seq);
      model.save_changes();
      await settle();
    }
    assert.equal(kernel.calls.length, 1);
    kernel.calls[0].resolve({ version: 5, state: { _ack: 1 } });
    await settle();
    assert.equal(kernel.calls.length, 2);
    assert.deepEqual(kernel.calls[1].request.state, { _seq: 4 });
    assert.equal(kernel.calls[1].request.since, 5);
  });

  test("an answer updates the values and fires their events, _ack last", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    const order = [];
    for (const key of ["_ack", "prediction", "_model_input"]) {
      model.on(`change:${key}`, () => order.push(key));
    }
    model.set("_seq", 1);
    model.save_changes();
    await settle();
    kernel.calls[0].resolve({
      version: 9,
      state: { _ack: 1, prediction: 7 },
      buffers: { _model_input: { encoding: "base64", data: "AAE=" } },
    });
    await settle();
    assert.equal(model.get("prediction"), 7);
    assert.deepEqual(toArray(model.get("_model_input")), [0, 1]);
    assert.equal(order.at(-1), "_ack");
    assert.deepEqual(order.slice(0, 2).sort(), ["_model_input", "prediction"]);
  });

  test("a value set here while a call was in flight is not overwritten by its answer", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    model.set("brush", 10);
    model.save_changes();
    await settle();
    model.set("brush", 30);
    kernel.calls[0].resolve({ version: 5, state: { brush: 10 } });
    await settle();
    assert.equal(model.get("brush"), 30);
  });

  test("a failed call is reported and its values are sent again on the next save", async () => {
    const kernel = fakeKernel();
    const { model, errors } = modelWith(kernel);
    model.set("_seq", 1);
    model.save_changes();
    await settle();
    const logged = await quietly(async () => {
      kernel.calls[0].reject(new Error("kernel died"));
      await settle();
    });
    assert.deepEqual(errors, ["kernel died"]);
    assert.match(logged[0], /digitwidget: a call to the kernel failed/);
    assert.equal(kernel.calls.length, 1, "nothing is retried by the wire itself");
    model.save_changes();
    await settle();
    assert.equal(kernel.calls.length, 2);
    assert.deepEqual(kernel.calls[1].request.state, { _seq: 1 });
  });

  test("an error answer from the kernel is reported like a failed call", async () => {
    const kernel = fakeKernel();
    const { model, errors } = modelWith(kernel);
    model.set("_seq", 1);
    model.save_changes();
    await settle();
    await quietly(async () => {
      kernel.calls[0].resolve({ error: "ValueError: Expected _pixels of 78400 bytes" });
      await settle();
    });
    assert.deepEqual(errors, ["ValueError: Expected _pixels of 78400 bytes"]);
    assert.equal(model.busy(), true);
  });

  test("an answer that is not an object is reported, not applied", async () => {
    const kernel = fakeKernel();
    const { model, errors } = modelWith(kernel);
    model.set("_seq", 1);
    model.save_changes();
    await settle();
    await quietly(async () => {
      kernel.calls[0].resolve(undefined);
      await settle();
    });
    assert.match(errors[0], /Expected a JSON object from the kernel/);
  });

  test("off removes one handler, or every handler of an event", () => {
    const { model } = modelWith(fakeKernel());
    let a = 0;
    let b = 0;
    const fa = () => a++;
    const fb = () => b++;
    model.on("change:brush", fa);
    model.on("change:brush", fb);
    model.off("change:brush", fa);
    model.set("brush", 1);
    model.off("change:brush");
    model.set("brush", 2);
    assert.deepEqual([a, b], [0, 1]);
  });

  test("send delivers custom messages in order with the next call", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    model.send({ type: "a" });
    model.send({ type: "b" });
    await settle();
    kernel.calls[0].resolve({ version: 4 });
    await settle();
    const sent = kernel.calls.flatMap((call) => call.request.custom ?? []);
    assert.deepEqual(sent, [{ type: "a" }, { type: "b" }]);
  });

  test("poll asks for the kernel's changes and applies them (e.g. a clear from Python)", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    const seen = [];
    model.on("change:_pixels", (_m, value) => seen.push(toArray(value)));
    model.poll();
    await settle();
    assert.deepEqual(kernel.calls[0].request, { since: 4, state: {}, buffers: {} });
    kernel.calls[0].resolve({ version: 6, buffers: { _pixels: await pack(bytes(0, 0)) } });
    await until(() => seen.length > 0, "the change event");
    assert.deepEqual(seen, [[0, 0]]);
  });

  test("poll makes no call while the last call failed: the pad's resend finds the kernel again", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    model.poll();
    await settle();
    await quietly(async () => {
      kernel.calls[0].reject(new Error("Function not found: digitwidget.pad.x"));
      await settle();
    });
    model.poll();
    await settle();
    assert.equal(kernel.calls.length, 1);
    model.set("_seq", 2); // the pad's resend after its wait
    model.save_changes();
    await until(() => kernel.calls.length === 2, "the resend");
    kernel.calls[1].resolve({ version: 5, state: { _ack: 2 } });
    await settle();
    model.poll();
    await until(() => kernel.calls.length === 3, "a poll once the kernel answers again");
    assert.deepEqual(kernel.calls[2].request, { since: 5, state: {}, buffers: {} });
  });

  test("poll does nothing while values wait to be sent", async () => {
    const kernel = fakeKernel();
    const { model } = modelWith(kernel);
    model.set("_seq", 1);
    model.poll();
    await settle();
    assert.equal(kernel.calls.length, 0);
  });
});
