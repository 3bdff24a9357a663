// Colab entry point: the DrawPad over google.colab.kernel.invokeFunction.
//
// Colab outputs cannot rely on the Jupyter widget comm, so this module builds an
// object shaped like anywidget's model (get, set, on, off, save_changes, send) on top of
// Colab's own bridge to the kernel (transport/colab.js), and hands it to the same
// render() as the widget.
// The module boots itself: it mounts every `[data-digitwidget-colab]` element on the
// page that is not mounted yet (the Python side inlines it in the cell's HTML output).

import { asError, createColabModel, describeError, startPolling } from "./transport/colab.js";
import { unpackState } from "./transport/wire.js";

/** @typedef {import("./transport/wire.js").Packed} Packed */

/**
 * What the Python side inlines in the pad's `<script type="application/json">`.
 * @typedef {object} ColabConfig
 * @property {string} name the kernel callback that answers this pad
 * @property {number} version the kernel's state version of `state` and `buffers`
 * @property {Record<string, unknown>} [state] initial JSON values
 * @property {Record<string, Packed>} [buffers] initial binary values
 */

/**
 * The part of `google.colab.kernel` the pad uses.
 * @typedef {object} ColabKernel
 * @property {(name: string, args: unknown[], kwargs: object) => Promise<{data?: Record<string, unknown>} | undefined>} invokeFunction
 */

/**
 * Say under `host` why its pad could not start (no pad, so no status line of its own).
 * @param {HTMLElement} host
 * @param {unknown} error
 */
function showStartFailure(host, error) {
  const box = document.createElement("div");
  box.className = "digitwidget-colab-error";
  box.setAttribute("role", "alert");
  box.setAttribute("data-testid", "digitwidget-colab-error");
  box.textContent = `digitwidget: ${describeError(asError(error))}`;
  host.append(box);
  console.error("digitwidget: the pad could not start:", error);
}

/**
 * Mount one pad: read its config, build the model, render the widget, start polling.
 * A failed call later shows in the pad's own status line, as a kernel that does not
 * answer does.
 * @param {HTMLElement} host
 */
async function mount(host) {
  host.dataset.mounted = "1";
  try {
    const configEl = host.querySelector("script[type='application/json']");
    /** @type {ColabConfig | null} */
    const config = JSON.parse(configEl?.textContent ?? "null");
    if (!config) throw new Error("The pad's configuration is missing from the cell's output. Run the cell again.");
    const kernel = /** @type {{google?: {colab?: {kernel?: ColabKernel}}}} */ (globalThis).google?.colab?.kernel;
    if (!kernel?.invokeFunction) {
      throw new Error("google.colab.kernel is not available: this output needs Google Colab. Outside Colab, use DrawPad(backend='widget').");
    }
    const model = createColabModel({
      state: await unpackState(config),
      version: config.version,
      invoke: async (request) => {
        const result = await kernel.invokeFunction(config.name, [request], {});
        return result?.data?.["application/json"];
      },
    });
    const view = document.createElement("div");
    host.append(view);
    const { default: widget } = await import("./widget.js");
    const cleanup = await widget.render({ model, el: view });
    const active = () => host.isConnected && document.visibilityState !== "hidden";
    const stop = startPolling(model, { active });
    host.addEventListener("digitwidget:unmount", () => {
      stop();
      cleanup?.();
      model.dispose();
    });
  } catch (error) {
    showStartFailure(host, error);
  }
}

/** Mount every pad on the page that is not mounted yet. */
export function boot() {
  if (typeof document === "undefined") return;
  for (const host of document.querySelectorAll("[data-digitwidget-colab]:not([data-mounted])")) {
    mount(/** @type {HTMLElement} */ (host));
  }
}

boot();
