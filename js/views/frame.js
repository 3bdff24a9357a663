// The widget's frame: the root element that holds the pad, toolbar, status line, result
// panels and inside view, and the page theme it follows.

import { make } from "./panels.js";

/**
 * Build the static structure of the widget.
 * @param {HTMLCanvasElement} canvas
 * @param {HTMLElement} toolbar
 * @param {HTMLElement} panels
 * @param {HTMLElement} inside
 * @returns {{root: HTMLElement, status: HTMLElement}}
 */
export function layout(canvas, toolbar, panels, inside) {
  const root = make("div", "digitwidget", {
    "data-testid": "digitwidget",
    "data-busy": "0",
    "data-updates": "0",
    "data-stale": "0",
    tabindex: "0",
    role: "group",
    "aria-label": "Digit drawing pad with live recognition",
  });
  const frame = make("div", "dw-pad-frame");
  const status = make("div", "dw-status", { role: "status", "data-testid": "digitwidget-status" });
  frame.append(canvas);
  const left = make("div", "dw-left");
  left.append(frame, toolbar, status);
  // The pad and the results side by side (or wrapped), the inside view below them.
  const main = make("div", "dw-main");
  main.append(left, panels);
  root.append(main, inside);
  return { root, status };
}

/**
 * Call `onChange` when the page's theme may have changed: the OS colour scheme,
 * or the theme attributes/classes notebook hosts set on <html> and <body>.
 * @param {() => void} onChange
 * @returns {() => void} stop watching
 */
export function watchHostTheme(onChange) {
  const media = window.matchMedia?.("(prefers-color-scheme: dark)");
  media?.addEventListener?.("change", onChange);
  const observer = new MutationObserver(onChange);
  const attributeFilter = ["class", "data-theme", "data-jp-theme-light", "data-jp-theme-name"];
  for (const node of [document.documentElement, document.body]) {
    if (node) observer.observe(node, { attributes: true, attributeFilter });
  }
  return () => {
    media?.removeEventListener?.("change", onChange);
    observer.disconnect();
  };
}
