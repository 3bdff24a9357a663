import assert from "node:assert/strict";
import { test } from "node:test";

import { isControlKey, isModifierOnly, keyAction } from "../../../js/drawing/keys.js";

for (const [event, expected] of [
  [{ key: "z", ctrlKey: true }, "undo"],
  [{ key: "z", metaKey: true }, "undo"],
  [{ key: "Z", ctrlKey: true, shiftKey: true }, "redo"],
  [{ key: "z", metaKey: true, shiftKey: true }, "redo"],
  [{ key: "y", ctrlKey: true }, "redo"],
  [{ key: "Delete" }, "clear"],
  [{ key: "Backspace" }, "clear"],
  [{ key: "Escape" }, null],
  [{ key: "e" }, "eraser"],
  [{ key: "E" }, "eraser"],
  [{ key: "[" }, "brush-down"],
  [{ key: "]" }, "brush-up"],
  [{ key: "z" }, null],
  [{ key: "e", ctrlKey: true }, null],
  [{ key: "z", ctrlKey: true, altKey: true }, null],
  [{ key: "Enter" }, null],
  [{ key: "E", shiftKey: true }, null],
]) {
  test(`${JSON.stringify(event)} -> ${expected}`, () => {
    assert.equal(keyAction(event), expected);
  });
}

for (const [key, expected] of [
  ["Control", true],
  ["Shift", true],
  ["Meta", true],
  ["Alt", true],
  ["Enter", false],
  ["z", false],
  ["Delete", false],
]) {
  test(`${key} alone is ${expected ? "" : "not "}a modifier`, () => {
    assert.equal(isModifierOnly({ key }), expected);
  });
}

for (const [event, control, expected] of [
  [{ key: "ArrowUp" }, "select", true],
  [{ key: "ArrowDown" }, "range", true],
  [{ key: "Home" }, "range", true],
  [{ key: "PageDown" }, "select", true],
  [{ key: " " }, "select", true],
  [{ key: "Enter" }, "select", true],
  [{ key: "m" }, "select", true],
  [{ key: "m" }, "range", false],
  [{ key: " " }, "range", false],
  [{ key: "Enter", shiftKey: true }, "select", false],
  [{ key: "ArrowUp", ctrlKey: true }, "select", false],
  [{ key: "ArrowUp", metaKey: true }, "range", false],
  [{ key: "ArrowUp", altKey: true }, "select", false],
  [{ key: "Escape" }, "select", false],
  [{ key: "Tab" }, "select", false],
]) {
  test(`${JSON.stringify(event)} on a ${control} is ${expected ? "the control's" : "the notebook's"}`, () => {
    assert.equal(isControlKey(event, control), expected);
  });
}
