// The drawing commands shared by the toolbar and the keyboard: clear, undo, redo.

/**
 * The drawing commands shared by the toolbar and the keyboard.
 * @param {{pad: import("./pad.js").Pad, history: import("./history.js").History, changed: () => void}} deps
 *   `changed` is called after the drawing was replaced
 */
export function drawingCommands({ pad, history, changed }) {
  /** @param {Uint8Array} gray */
  function replace(gray) {
    pad.setPixels(gray);
    changed();
  }
  // Mid-stroke (a key pressed or a button tapped with another finger while drawing) the
  // commands do nothing: the stroke's undo step was taken at its start, and replacing
  // the drawing under it would make that step undo the clear as well.
  return {
    clear() {
      if (pad.isDrawing()) return;
      const before = pad.getPixels();
      const blank = new Uint8Array(before.length);
      if (history.commit(before, blank)) replace(blank);
    },
    /** @param {"undo" | "redo"} direction */
    travel(direction) {
      if (pad.isDrawing()) return;
      const current = pad.getPixels();
      const state = direction === "undo" ? history.undo(current) : history.redo(current);
      if (state) replace(state);
    },
  };
}
