// The viewer's Web Worker: all WebAssembly work happens here, so the page never freezes,
// even on a 13 MB pair. Messages in: {id, op: "compare", old, new, options} (old/new are
// ArrayBuffers or strings), {id, op: "report", report} (a report's JSON text) and
// {id, op: "reveal", texts}. Messages out: {id, ok: true, ...}
// or {id, ok: false, error: {code, message}}.
// @ts-check
import init, { diffJson, render, reveal, version } from "./pkg/driftguard_wasm.js";

/** @typedef {import("./pkg/driftguard_wasm.js").DiffOptions} DiffOptions */
/** @typedef {{id: number, op: string, old?: ArrayBuffer | string, new?: ArrayBuffer | string, options?: DiffOptions, texts?: string[], report?: string}} Request */

const ready = init();

/**
 * @param {number} id
 * @param {unknown} e
 */
function failure(id, e) {
  const error = /** @type {{code?: unknown, message?: unknown}} */ (e ?? {});
  return {
    id,
    ok: false,
    error: {
      code: typeof error.code === "string" ? error.code : "E_VIEWER",
      message: String(error.message ?? e),
    },
  };
}

/** @param {Request} request */
async function handle({ id, op, ...args }) {
  await ready;
  if (op === "version") return { id, ok: true, version: version() };
  if (op === "compare") {
    /** @param {ArrayBuffer | string | undefined} x */
    const bytes = (x) => (typeof x === "string" ? x : new Uint8Array(x ?? new ArrayBuffer(0)));
    const start = performance.now();
    const reportJson = diffJson(bytes(args.old), bytes(args.new), args.options);
    const diffMs = performance.now() - start;
    // The reports the page offers, rendered by the core from the exact report text.
    const markdown = render(reportJson, "markdown");
    return { id, ok: true, reportJson, markdown, diffMs };
  }
  if (op === "report") {
    // A stored change report (from a history export): read and rendered by the core, so it
    // is checked and shown exactly as a fresh comparison's report.
    const reportJson = render(String(args.report ?? ""), "json");
    const markdown = render(reportJson, "markdown");
    return { id, ok: true, reportJson, markdown, diffMs: 0 };
  }
  if (op === "reveal") return { id, ok: true, revealed: (args.texts ?? []).map((t) => reveal(t)) };
  throw Object.assign(new Error(`unknown operation ${op}`), { code: "E_VIEWER" });
}

self.onmessage = async (event) => {
  const id = event.data?.id;
  try {
    self.postMessage(await handle(event.data));
  } catch (e) {
    self.postMessage(failure(id, e));
  }
};
