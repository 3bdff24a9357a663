// The teach mode, wired: the teach panel kept in step with Python, a digit key or a click
// on a bar labels the drawing shown, and Learn, Stop and Undo learning go to Python as
// custom messages. Python owns the examples, the counts and the learning; the drawing is
// cleared once Python has kept it (`_teach_ack`), so the next one can be drawn.

import { toBytes } from "../drawing/raster.js";
import { QUIET_MS } from "./learnstate.js";
import { createTeachView } from "./teach.js";

/**
 * @typedef {object} TeachModel
 * @property {(name: string) => any} get
 * @property {(name: string, value: any) => void} set
 * @property {(event: string, fn: (...args: any[]) => void) => void} on
 * @property {(event: string, fn: (...args: any[]) => void) => void} off
 * @property {() => void} save_changes
 * @property {(content: unknown) => void} send
 */

/**
 * @typedef {object} TeachMode
 * @property {HTMLElement} element the teach panel
 * @property {HTMLButtonElement} toggleButton the teach mode's switch, for the page to place
 * @property {() => void} toggle the teach mode on or off
 * @property {(digit: number) => boolean} label label the drawing shown as `digit`, if the
 *   teach mode is on; true when the key or click was the teach mode's
 * @property {(busy: boolean) => void} setBusy the drawing's answer is on its way (a label
 *   waits for it: Python keeps the drawing the answer is for)
 * @property {() => void} destroy
 */

/**
 * @param {object} options
 * @param {TeachModel} options.model
 * @param {HTMLElement} options.bars the element holding the bars (`digitwidget-bar-<d>`)
 * @param {() => void} options.clear clear the drawing (undoable)
 * @param {(text: string) => void} options.hint say something in the status line for a moment
 * @param {(on: boolean) => void} options.onTeaching the teach mode was switched (the switch
 *   itself shows it already)
 * @param {() => void} options.refocus give the keyboard back to the pad
 * @returns {TeachMode}
 */
export function createTeachMode({ model, bars, clear, hint, onTeaching, refocus }) {
  const view = createTeachView({
    learn: () => model.send({ learn: true }),
    stop: () => model.send({ stop_learning: true }),
    undo: () => model.send({ undo_learning: true }),
    toggle: () => mode.toggle(),
    refocus,
  });
  let busy = false;
  /** @type {number | null} */
  let waiting = null; // a digit labelled while the drawing's answer was on its way
  let lastId = Math.floor(Math.random() * 2 ** 30); // views of one pad never share an id
  /** @type {{id: number, digit: number} | null} */
  let sent = null;
  let heardAt = Date.now(); // when Python last said how learning goes
  let quiet = false;

  const teaching = () => Boolean(model.get("teaching"));

  /** @param {number} digit */
  function send(digit) {
    lastId += 1;
    sent = { id: lastId, digit };
    model.send({ teach: digit, seq: model.get("_seq"), id: lastId });
  }

  function onAck() {
    if (sent && model.get("_teach_ack") === sent.id) {
      hint(`Kept as a ${sent.digit}`);
      sent = null;
      clear();
    }
  }

  function render() {
    view.update(teaching(), model.get("_teach_counts"), model.get("_learn") ?? null, toBytes(model.get("_learn_images")), quiet);
  }

  function onLearn() {
    heardAt = Date.now();
    quiet = false;
    render();
  }

  /** While learning runs, a kernel silent for QUIET_MS is said to be so. */
  function watch() {
    const silent = model.get("_learn")?.state === "running" && Date.now() - heardAt > QUIET_MS;
    if (silent !== quiet) {
      quiet = silent;
      render();
    }
  }
  const watcher = setInterval(watch, 1000);

  function onTeachingChange() {
    onTeaching(teaching());
    render();
  }

  /** @param {MouseEvent} e */
  function onBarClick(e) {
    const bar = /** @type {Element | null} */ (e.target instanceof Element ? e.target.closest("[data-testid^='digitwidget-bar-']") : null);
    if (bar) mode.label(Number(bar.getAttribute("data-testid")?.slice(-1)));
  }

  /** @type {[string, () => void][]} */
  const handlers = [
    ["change:teaching", onTeachingChange],
    ["change:_teach_counts", render],
    ["change:_learn", onLearn],
    ["change:_learn_images", render],
    ["change:_teach_ack", onAck],
  ];
  for (const [event, fn] of handlers) model.on(event, fn);
  bars.addEventListener("click", onBarClick);

  const mode = {
    element: view.element,
    toggleButton: view.toggle,
    toggle() {
      model.set("teaching", !teaching());
      model.save_changes();
      onTeachingChange();
    },
    /** @param {number} digit */
    label(digit) {
      if (!teaching()) return false;
      if (busy) waiting = digit;
      else send(digit);
      return true;
    },
    /** @param {boolean} now */
    setBusy(now) {
      busy = now;
      if (!busy && waiting !== null) {
        const digit = waiting;
        waiting = null;
        send(digit);
      }
    },
    destroy() {
      for (const [event, fn] of handlers) model.off(event, fn);
      bars.removeEventListener("click", onBarClick);
      clearInterval(watcher);
      view.destroy();
    },
  };
  onTeachingChange();
  return mode;
}
