// Keyboard shortcuts of the widget, as a pure mapping from a key event to an action.

/**
 * @typedef {"undo" | "redo" | "clear" | "eraser" | "brush-down" | "brush-up" | "teach-mode"} KeyAction
 */

/**
 * The action a key press asks for, or null when the key is not a shortcut.
 * Ctrl/Cmd+Z undo, Shift+Ctrl/Cmd+Z or Ctrl/Cmd+Y redo, Delete or Backspace clear,
 * E eraser toggle, T teach mode toggle, [ and ] brush size. Every other key is left to the notebook: Escape
 * there means "leave this cell", and Shift+Enter runs it.
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, shiftKey?: boolean, altKey?: boolean}} e
 * @returns {KeyAction | null}
 */
export function keyAction(e) {
  if (e.altKey) return null;
  const mod = Boolean(e.ctrlKey || e.metaKey);
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod) {
    if (key === "z") return e.shiftKey ? "redo" : "undo";
    if (key === "y" && !e.shiftKey) return "redo";
    return null;
  }
  if (key === "Delete" || key === "Backspace") return "clear";
  if (key === "e" && !e.shiftKey) return "eraser";
  if (key === "t" && !e.shiftKey) return "teach-mode";
  if (key === "[") return "brush-down";
  if (key === "]") return "brush-up";
  return null;
}

/**
 * The digit a key labels the drawing with in the teach mode (0 to 9, without Ctrl, Cmd
 * or Alt; the digits of the number pad too), or null.
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean}} e
 * @returns {number | null}
 */
export function teachDigit(e) {
  if (e.altKey || e.ctrlKey || e.metaKey) return null;
  return /^[0-9]$/.test(e.key) ? Number(e.key) : null;
}

const MODIFIERS = new Set(["Control", "Shift", "Meta", "Alt", "AltGraph", "OS"]);

/**
 * True for the press of a modifier alone (the Ctrl of Ctrl+Z). The pad keeps these: the
 * notebook answers any key by focusing its active cell, which would take the rest of a
 * pad shortcut away from the pad. A modifier alone is no notebook shortcut either.
 * @param {{key: string}} e
 * @returns {boolean}
 */
export function isModifierOnly(e) {
  return MODIFIERS.has(e.key);
}

const NAVIGATION = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);

/**
 * True for a key that a focused control of the pad uses itself, so that it must not go on
 * to the notebook (where the arrows would move between cells): the arrows, Home, End and
 * the page keys move the brush slider or the model picker; the picker also opens on Space
 * or Enter and finds a model by its first letter. With Ctrl, Cmd or Alt a key is the
 * notebook's, and Shift+Enter still runs a cell.
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, shiftKey?: boolean, altKey?: boolean}} e
 * @param {"select" | "range"} control the focused control's kind
 * @returns {boolean}
 */
export function isControlKey(e, control) {
  if (e.altKey || e.ctrlKey || e.metaKey) return false;
  if (NAVIGATION.has(e.key)) return true;
  if (control !== "select") return false;
  return e.key === " " || (e.key === "Enter" && !e.shiftKey) || e.key.length === 1;
}
