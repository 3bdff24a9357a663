// Keeps the drawing on the pad and the model's `_pixels` in step, both ways:
// drawing here is sent (coalesced, binary), a drawing set elsewhere (another
// view of the same model, or Python) is shown here. Also what the pad knows of
// its link to the kernel: stalled (no answer in time, or a call failed) and why.

import { equalBytes, toBytes } from "../drawing/raster.js";
import { createCoalescer } from "./coalesce.js";

/** @typedef {import("../widget.js").AnyModel} AnyModel */
/** @typedef {import("../drawing/pad.js").Pad} Pad */
/** @typedef {import("../drawing/history.js").History} History */

/**
 * The model event by which a transport says a call to the kernel failed, with a short
 * message saying why. Colab's wire fires it; the widget comm has no such signal (an
 * unanswered update stalls when its time runs out).
 */
export const TRANSPORT_ERROR = "transport:error";

/**
 * @typedef {object} SyncOptions
 * @property {AnyModel} model
 * @property {Pad} pad
 * @property {History} history
 * @property {() => void} onResult a result (`_ack`) arrived; called before the busy state updates
 * @property {(busy: boolean) => void} onBusy
 * @property {(stalled: boolean, reason: string) => void} onStall the link stalled or recovered;
 *   `reason` is why, when a transport said so (else empty)
 * @property {() => void} onAdopt the pad now shows a drawing made elsewhere
 * @property {number} [timeoutMs]
 */

/**
 * @typedef {object} Sync
 * @property {() => void} request the local drawing changed: send it (coalesced)
 * @property {(record: boolean) => void} adopt show the model's drawing; `record` makes it undoable
 * @property {() => boolean} stalled no answer in time, or a call failed; until the next answer
 * @property {() => string} reason why the link stalled, when a transport said so
 * @property {() => void} destroy
 */

/**
 * Connect a pad to a model.
 * @param {SyncOptions} options
 * @returns {Sync}
 */
export function connectDrawing(options) {
  const { model, pad, history } = options;
  /** @type {unknown} */
  let lastSent = null;
  let sentVersion = -1;
  let localSeq = 0;
  let externalPending = false;
  let reason = "";

  const coalescer = createCoalescer({
    timeoutMs: options.timeoutMs,
    // The pad's pixels include the closing part of a stroke under way, so a lift with
    // no move since the last update sent needs no further update.
    inFlightIsCurrent: () => pad.version() === sentVersion,
    nextSeq: () => (localSeq = Math.max(localSeq, Number(model.get("_seq")) || 0) + 1),
    send(seq) {
      const gray = pad.getPixels();
      sentVersion = pad.version();
      lastSent = new DataView(gray.buffer, gray.byteOffset, gray.byteLength);
      model.set("_pixels", lastSent);
      model.set("_seq", seq);
      model.save_changes();
    },
    onBusy(busy) {
      options.onBusy(busy);
      if (!busy && externalPending) adopt(true);
    },
    onStall(stalled) {
      if (!stalled) reason = "";
      options.onStall(stalled, reason);
    },
  });

  /** @param {boolean} record */
  function adopt(record) {
    externalPending = false;
    const incoming = toBytes(model.get("_pixels"));
    const current = pad.getPixels();
    if (incoming.length !== current.length || equalBytes(incoming, current)) return;
    if (record) history.commit(current, incoming);
    pad.setPixels(incoming);
    options.onAdopt();
  }

  function onPixels() {
    if (model.get("_pixels") === lastSent) return;
    // While this view is drawing or waiting, its own newer drawing wins;
    // look again once it is idle.
    if (pad.isDrawing() || coalescer.busy()) externalPending = true;
    else adopt(true);
  }

  function onAck() {
    options.onResult();
    coalescer.ack(Number(model.get("_ack")));
  }

  /** @param {unknown} message why the call failed */
  function onTransportError(message) {
    const wasStalled = coalescer.stalled();
    reason = String(message);
    coalescer.fail();
    if (wasStalled) options.onStall(true, reason); // stalled already: only the reason is new
  }

  model.on("change:_pixels", onPixels);
  model.on("change:_ack", onAck);
  model.on(TRANSPORT_ERROR, onTransportError);

  return {
    request: () => coalescer.request(),
    adopt,
    stalled: () => coalescer.stalled(),
    reason: () => reason,
    destroy() {
      model.off("change:_pixels", onPixels);
      model.off("change:_ack", onAck);
      model.off(TRANSPORT_ERROR, onTransportError);
      coalescer.dispose();
    },
  };
}
