// The DriftGuard diff viewer (main thread): inputs, the report view, filters, details.
//
// Safety rule of this file: every string that comes from a document or a report (paths,
// messages, rule ids, before/after values, file names, URLs) reaches the page through
// text nodes only (`textContent`, `createTextNode`), never through an HTML parser. The
// page's Content-Security-Policy enforces Trusted Types, so an HTML sink would throw.
// All WebAssembly work (parse, diff, render, reveal) runs in worker.js. A history export
// (`driftguard history SURFACE --export FILE`) opens as a timeline (timeline.js).

// @ts-check
import { caption, chart, gaps, looksLikeHistory, parseHistory } from "./timeline.js";
/** @typedef {import("./pkg/driftguard_wasm.js").Report} Report */
/** @typedef {import("./pkg/driftguard_wasm.js").Change} Change */
/** @typedef {import("./pkg/driftguard_wasm.js").Severity} Severity */
/** @typedef {import("./pkg/driftguard_wasm.js").Revealed} Revealed */
/** @typedef {import("./pkg/driftguard_wasm.js").DiffOptions} DiffOptions */
/** @typedef {"old" | "new"} Side */
/** @typedef {{data: ArrayBuffer | string, name: string, size: number}} Doc */
/** @typedef {{change: Change, index: number, search: string, node?: HTMLLIElement}} Row */
/** @typedef {{name: string, rows: Row[], max: number, node?: HTMLElement}} Group */
/** @typedef {{reportJson: string, markdown: string, diffMs: number}} CompareResult */
/** @typedef {{severities: Set<string>, rule: string, text: string}} Filter */
/** @typedef {Error & {code?: string}} CodedError */

/** @type {Severity[]} */
const SEVERITIES = ["breaking", "dangerous", "safe"];
/** @type {Record<Severity, number>} */
const RANK = { breaking: 2, dangerous: 1, safe: 0 };
const PATH_SEPARATOR = " › ";
const CHUNK = 200; // change rows built per task while rendering a report
/** @type {Side[]} */
const SIDES = ["old", "new"];

/**
 * The element with this id (the page's own markup: a missing one is a bug).
 * @param {string} id
 * @returns {HTMLElement}
 */
function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}
/** @param {string} id */
const $input = (id) => /** @type {HTMLInputElement} */ ($(id));
/** @param {string} id */
const $text = (id) => /** @type {HTMLTextAreaElement} */ ($(id));
/** @param {string} id */
const $select = (id) => /** @type {HTMLSelectElement} */ ($(id));
/** @param {string} id */
const $button = (id) => /** @type {HTMLButtonElement} */ ($(id));

/**
 * An error with a code, as the worker and the fetches report them.
 * @param {string} code
 * @param {string} message
 * @returns {CodedError}
 */
const coded = (code, message) => Object.assign(new Error(message), { code });

/**
 * An element with attributes and children (strings become text nodes).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @param {...(Node | string | null | undefined)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = String(v);
    else if (k === "text") node.textContent = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return node;
}

// ---------------------------------------------------------------- worker

/** @type {Worker} */
let worker;
let nextId = 1;
/** @type {Map<number, {resolve: (data: any) => void, reject: (e: CodedError) => void}>} */
const pending = new Map();

function startWorker() {
  /** @type {string | URL} */
  let url = new URL("worker.js", import.meta.url).href;
  /** @type {any} Trusted Types (not in TypeScript's DOM types yet) */
  const tt = /** @type {any} */ (window).trustedTypes;
  if (tt) {
    // The one script URL this page ever loads dynamically.
    const expected = url;
    const policy = tt.createPolicy("driftguard-worker", {
      /** @param {string} u */
      createScriptURL: (u) => {
        if (u !== expected) throw new TypeError("unexpected script URL");
        return u;
      },
    });
    url = policy.createScriptURL(url);
  }
  worker = new Worker(url, { type: "module", name: "driftguard" });
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.ok) p.resolve(data);
    else p.reject(coded(data.error.code, data.error.message));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const error = coded("E_VIEWER", `the worker failed: ${event.message || "could not start"}`);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
}

/**
 * Sends one request to the worker.
 * @param {string} op
 * @param {Record<string, unknown>} [args]
 * @param {Transferable[]} [transfer]
 * @returns {Promise<any>}
 */
function call(op, args = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, op, ...args }, transfer);
  });
}

// ---------------------------------------------------------------- inputs

/** What each side holds. @type {Record<Side, Doc | null>} */
const docs = { old: null, new: null };

/**
 * @param {Side} side
 * @param {Doc | null} doc
 */
function setDoc(side, doc) {
  docs[side] = doc;
  const status = $(`${side}-status`);
  if (!doc) {
    status.textContent = "Drop a file here, open one, or paste below.";
    return;
  }
  status.textContent = `${doc.name} — ${formatBytes(doc.size)}`;
}

/** @param {number} n */
function formatBytes(n) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * @param {Side} side
 * @param {File} file
 */
async function loadFile(side, file) {
  const data = await file.arrayBuffer();
  if (data.byteLength <= MAX_HISTORY_BYTES) {
    const text = new TextDecoder("utf-8", { fatal: false }).decode(data);
    if (looksLikeHistory(text)) {
      showTimeline(side, file.name, text);
      return false;
    }
  }
  $text(`${side}-text`).value = "";
  setDoc(side, { data, name: file.name, size: data.byteLength });
  return true;
}

/**
 * @param {Side} side
 * @returns {Doc | null}
 */
function pastedDoc(side) {
  const text = $text(`${side}-text`).value;
  if (!text.trim()) return null;
  return { data: text, name: "pasted text", size: new TextEncoder().encode(text).length };
}

function wireInputs() {
  for (const side of SIDES) {
    $input(`${side}-file`).addEventListener("change", async () => {
      const file = $input(`${side}-file`).files?.[0];
      if (!file) return;
      if (await loadFile(side, file)) maybeCompare();
    });
    $(`${side}-text`).addEventListener("input", () => {
      // Typing or pasting replaces a loaded file.
      setDoc(side, pastedDoc(side));
    });
    const zone = $(`side-${side}`);
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", async (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length >= 2) {
        // Two files dropped at once: old, then new.
        if (!(await loadFile("old", files[0])) || !(await loadFile("new", files[1]))) return;
      } else if (files.length === 1) {
        if (!(await loadFile(side, files[0]))) return;
      } else {
        const text = event.dataTransfer?.getData("text/plain");
        if (text) {
          $text(`${side}-text`).value = text;
          setDoc(side, pastedDoc(side));
        }
      }
      maybeCompare();
    });
  }
  // Dropping outside the two panels must not navigate away to the file.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  $("compare").addEventListener("click", () => compare());
}

/** Compares as soon as both sides hold a file. */
function maybeCompare() {
  if (docs.old && docs.new) compare();
}

function localToday() {
  const d = new Date();
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Fetches `?old=` and `?new=` with the browser's normal CORS rules, without credentials. */
async function loadFromQuery() {
  const params = new URLSearchParams(location.search);
  const urls = { old: params.get("old"), new: params.get("new") };
  if (!urls.old && !urls.new) return false;
  if (!urls.old || !urls.new) {
    showError(coded("E_VIEWER", "give both ?old= and ?new= URLs"));
    return true;
  }
  const given = { old: urls.old, new: urls.new };
  progress("Fetching both documents…");
  try {
    await Promise.all(
      SIDES.map(async (side) => {
        const url = new URL(given[side], location.href);
        if (url.protocol !== "https:" && url.protocol !== "http:") {
          throw coded("E_FETCH", `${side}: only http(s) URLs can be loaded, not ${url.protocol}`);
        }
        let response;
        try {
          response = await fetch(url, { mode: "cors", credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store" });
        } catch (e) {
          throw coded("E_FETCH", `${side}: cannot fetch ${url.href} (${e instanceof Error ? e.message : e}; the server must allow CORS)`);
        }
        if (!response.ok) {
          throw coded("E_FETCH", `${side}: ${url.href} answered HTTP ${response.status}`);
        }
        const data = await response.arrayBuffer();
        setDoc(side, { data, name: url.href, size: data.byteLength });
      }),
    );
  } catch (e) {
    showError(/** @type {CodedError} */ (e));
    return true;
  }
  await compare();
  return true;
}

// ---------------------------------------------------------------- timeline

/** History exports larger than this are read as documents to compare. */
const MAX_HISTORY_BYTES = 64 * 1024 * 1024;

/**
 * Shows a history export as a timeline; choosing a marker shows that change's report.
 * @param {Side} side
 * @param {string} name
 * @param {string} text
 */
function showTimeline(side, name, text) {
  $("error").hidden = true;
  let history;
  try {
    history = parseHistory(text);
  } catch (e) {
    document.body.dataset.state = "error";
    showError(/** @type {CodedError} */ (e));
    return;
  }
  renderGeneration++;
  compareSeq++;
  current = null;
  $("results").hidden = true;
  $(`${side}-status`).textContent = `${name} — the timeline of ${history.surface}`;
  const failed = history.observations.filter((o) => !o.ok);
  const approved = history.approved;
  /** @type {SVGElement | null} */
  let selected = null;
  const svg = chart(history, async (change, marker) => {
    selected?.setAttribute("aria-pressed", "false");
    selected?.classList.remove("selected");
    selected = marker;
    marker.setAttribute("aria-pressed", "true");
    marker.classList.add("selected");
    await showStoredReport(history.surface, change);
  });
  /** @type {HTMLLIElement[]} */
  const events = [];
  for (const c of history.changes) {
    const sev = c.max_severity ?? "none";
    const button = el(
      "button",
      { type: "button", class: "event-change", "data-change": c.id },
      el("span", { class: `badge sev-${sev}`, text: sev }),
      el("time", { text: c.time }),
      el("span", { class: "event-summary", text: c.summary }),
    );
    button.addEventListener("click", () => {
      /** @type {SVGElement | null} */ (svg.querySelector(`.marker[data-change="${c.id}"]`))?.dispatchEvent(new MouseEvent("click"));
    });
    events.push(el("li", { class: `event sev-${sev}`, "data-t": c.t }, button));
  }
  for (const o of failed) {
    events.push(
      el(
        "li",
        { class: "event failure", "data-t": o.t },
        el("span", { class: "badge sev-breaking", text: "failed" }),
        el("time", { text: o.time }),
        el("code", { class: "error-code", text: o.error_code ?? "error" }),
        el("span", { class: "error-message", text: o.error_message ?? "" }),
      ),
    );
  }
  events.sort((a, b) => Number(a.dataset.t) - Number(b.dataset.t));
  $("timeline-title").textContent = `Timeline of ${history.surface}`;
  $("timeline-source").textContent = history.source ?? "";
  $("timeline-approved").textContent = approved ? `approved: ${approved.digest} at ${approved.approved_at}` : "approved: nothing";
  $("timeline-caption").textContent = caption(history);
  $("timeline-chart").replaceChildren(svg);
  $("timeline-events").replaceChildren(...events);
  $("timeline").hidden = false;
  document.body.dataset.state = "timeline";
  document.body.dataset.gaps = String(gaps(history.observations).length);
  progress(history.changes.length ? "Choose a marker to see that change's report." : "");
}

/**
 * Shows one stored change report in the report view (read and rendered by the core).
 * @param {string} surface
 * @param {import("./timeline.js").Change} change
 */
async function showStoredReport(surface, change) {
  const seq = ++compareSeq;
  const start = performance.now();
  $("error").hidden = true;
  document.body.dataset.state = "comparing";
  try {
    /** @type {CompareResult} */
    const result = await call("report", { report: JSON.stringify(change.report) });
    if (seq !== compareSeq) return;
    /** @type {Report} */
    const report = JSON.parse(result.reportJson);
    const name = `${surface} at ${change.time}`;
    await showReport(report, result, start, { data: "", name: `${surface} before`, size: 0 }, { data: "", name, size: 0 });
    $("timing").textContent = `Stored report of change #${change.id}${change.fails ? " (fails the policy)" : ""}, read and rendered by the core`;
    document.body.dataset.change = String(change.id);
  } catch (e) {
    if (seq !== compareSeq) return;
    document.body.dataset.state = "error";
    showError(/** @type {CodedError} */ (e));
  }
}

// ---------------------------------------------------------------- compare

/** The report on the page. @type {{report: Report, reportJson: string, markdown: string, groups: Group[]} | null} */
let current = null;
let renderGeneration = 0;
let compareSeq = 0; // only the latest comparison's result is shown

/** @param {string} text */
function progress(text) {
  $("progress").textContent = text;
}

/** @param {CodedError} e */
function showError(e) {
  const box = $("error");
  box.replaceChildren(el("strong", { text: `error[${e.code ?? "E_VIEWER"}]` }), document.createTextNode(`: ${e.message}`));
  box.hidden = false;
  progress("");
}

async function compare() {
  const old = docs.old ?? pastedDoc("old");
  const neu = docs.new ?? pastedDoc("new");
  if (!old || !neu) {
    showError(coded("E_VIEWER", "give both an old and a new document"));
    return;
  }
  $("error").hidden = true;
  /** @type {DiffOptions} */
  const options = { format: /** @type {DiffOptions["format"]} */ ($select("format").value), today: localToday() };
  const policy = $text("policy").value;
  if (policy.trim()) options.policy = policy;
  // Copies go to the worker so the documents stay loaded for another comparison.
  /** @param {Doc} d */
  const copy = (d) => (typeof d.data === "string" ? d.data : d.data.slice(0));
  const oldData = copy(old);
  const newData = copy(neu);
  /** @type {Transferable[]} */
  const transfer = [];
  for (const d of [oldData, newData]) if (typeof d !== "string") transfer.push(d);
  const start = performance.now();
  const seq = ++compareSeq;
  progress(`Comparing ${old.name} (${formatBytes(old.size)}) with ${neu.name} (${formatBytes(neu.size)})…`);
  $button("compare").disabled = true;
  document.body.dataset.state = "comparing";
  try {
    /** @type {CompareResult} */
    const result = await call("compare", { old: oldData, new: newData, options }, transfer);
    if (seq !== compareSeq) return;
    /** @type {Report} */
    const report = JSON.parse(result.reportJson);
    await showReport(report, result, start, old, neu);
  } catch (e) {
    if (seq !== compareSeq) return;
    document.body.dataset.state = "error";
    showError(/** @type {CodedError} */ (e));
  } finally {
    if (seq === compareSeq) $button("compare").disabled = false;
  }
}

// ---------------------------------------------------------------- report

/** @param {string} path */
function groupName(path) {
  const i = path.indexOf(PATH_SEPARATOR);
  return i < 0 ? path : path.slice(0, i);
}

/**
 * @param {string} a
 * @param {string} b
 */
const compareText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Most severe first, then by path, rule, pointer, message (as the core's renderers).
 * @param {Change} a
 * @param {Change} b
 */
function byChange(a, b) {
  return (
    RANK[b.severity] - RANK[a.severity] ||
    compareText(a.path, b.path) ||
    compareText(a.rule, b.rule) ||
    compareText(a.pointer, b.pointer) ||
    compareText(a.message, b.message)
  );
}

/**
 * @param {Change[]} changes
 * @returns {Group[]}
 */
function buildGroups(changes) {
  /** @type {Map<string, Row[]>} */
  const map = new Map();
  changes.forEach((change, index) => {
    const name = groupName(change.path);
    let rows = map.get(name);
    if (!rows) map.set(name, (rows = []));
    rows.push({ change, index, search: `${change.rule}\n${change.path}\n${change.message}\n${change.pointer}`.toLowerCase() });
  });
  const groups = [...map.entries()].map(([name, rows]) => {
    rows.sort((a, b) => byChange(a.change, b.change));
    const max = rows.reduce((m, r) => Math.max(m, RANK[r.change.severity]), 0);
    return { name, rows, max };
  });
  groups.sort((a, b) => b.max - a.max || compareText(a.name, b.name));
  return groups;
}

/**
 * @param {number} rank
 * @returns {Severity}
 */
const severityName = (rank) => SEVERITIES.find((s) => RANK[s] === rank) ?? "safe";

/**
 * Shows a report: summary first, then the rows in chunks so the page stays responsive.
 * @param {Report} report
 * @param {CompareResult} result
 * @param {number} start
 * @param {Doc} old
 * @param {Doc} neu
 */
async function showReport(report, result, start, old, neu) {
  const generation = ++renderGeneration;
  const groups = buildGroups(report.changes);
  current = { report, reportJson: result.reportJson, markdown: result.markdown, groups };

  for (const s of SEVERITIES) $(`count-${s}`).textContent = String(report.summary[s]);
  const total = report.changes.length;
  const ignored = report.ignored?.length ?? 0;
  $("headline").textContent =
    total === 0 ? "No changes" : `${total} change${total === 1 ? "" : "s"} in ${groups.length} group${groups.length === 1 ? "" : "s"}`;
  $("digests").textContent = `${old.name} (${report.old}) → ${neu.name} (${report.new})${ignored ? ` — ${ignored} ignored by the policy` : ""}`;
  fillRuleFilter(report.changes);
  $("results").hidden = false;
  document.body.dataset.severity = report.changes.length ? severityName(Math.max(...groups.map((g) => g.max))) : "none";

  const list = $("groups");
  list.replaceChildren();
  const filter = currentFilter();
  let built = 0;
  let firstShown = null;
  for (const group of groups) {
    if (generation !== renderGeneration) return;
    const section = groupSection(group);
    list.append(section);
    const ul = /** @type {HTMLUListElement} */ (section.querySelector("ul"));
    for (const row of group.rows) {
      row.node = changeItem(row);
      row.node.hidden = !matches(row, filter);
      ul.append(row.node);
      if (++built % CHUNK === 0) {
        if (firstShown === null) firstShown = markFirstResult(start, result);
        updateGroupVisibility();
        // Yield so the page stays responsive while thousands of rows are built.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (generation !== renderGeneration) return;
      }
    }
  }
  if (firstShown === null) firstShown = markFirstResult(start, result);
  applyFilter();
  const all = performance.now() - start;
  document.body.dataset.state = "done";
  document.body.dataset.allRenderedMs = all.toFixed(0);
  $("timing").textContent = `${$("timing").textContent}; all ${total} rows in ${all.toFixed(0)} ms`;
  progress("");
}

/** Records and shows the time from the start of the comparison to the first rows. */
/**
 * @param {number} start
 * @param {CompareResult} result
 */
function markFirstResult(start, result) {
  const ms = performance.now() - start;
  document.body.dataset.firstResultMs = ms.toFixed(0);
  document.body.dataset.diffMs = result.diffMs.toFixed(0);
  $("timing").textContent = `First result in ${ms.toFixed(0)} ms (parse + diff in the worker: ${result.diffMs.toFixed(0)} ms)`;
  return ms;
}

/** @param {Group} group */
function groupSection(group) {
  const sev = severityName(group.max);
  const counts = SEVERITIES.map((s) => [s, group.rows.filter((r) => r.change.severity === s).length]).filter(([, n]) => n);
  const heading = el(
    "h3",
    { class: "group-heading" },
    el("span", { class: `badge sev-${sev}`, text: sev }),
    el("span", { class: "group-name", text: group.name }),
    el("span", { class: "subtle group-count", text: counts.map(([s, n]) => `${n} ${s}`).join(", ") }),
  );
  const section = el("section", { class: `group sev-${sev}` }, heading, el("ul", { class: "changes" }));
  group.node = section;
  return section;
}

/** @param {Row} row */
function changeItem(row) {
  const c = row.change;
  const id = `change-${row.index}`;
  const rest = c.path.startsWith(groupName(c.path) + PATH_SEPARATOR) ? c.path.slice(groupName(c.path).length + PATH_SEPARATOR.length) : c.path;
  const button = el(
    "button",
    { type: "button", class: "change-toggle", "aria-expanded": "false", "aria-controls": `${id}-detail`, "data-index": row.index },
    el("span", { class: `badge sev-${c.severity}`, text: c.severity }),
    el("code", { class: "rule", text: c.rule }),
    el("span", { class: "path", text: rest }),
    el("span", { class: "message", text: c.message }),
  );
  button.addEventListener("click", () => toggle(row));
  return el("li", { class: `change sev-${c.severity}`, id, "data-rule": c.rule, "data-severity": c.severity }, button);
}

// ---------------------------------------------------------------- details

/**
 * Expands (or collapses) a change.
 * @param {Row} row
 * @param {boolean} [open]
 */
async function toggle(row, open) {
  const item = row.node;
  const button = item?.querySelector(".change-toggle");
  if (!item || !button) return;
  const isOpen = button.getAttribute("aria-expanded") === "true";
  const want = open ?? !isOpen;
  if (want === isOpen) return;
  button.setAttribute("aria-expanded", String(want));
  /** @type {HTMLElement | null} */
  let detail = item.querySelector(".detail");
  if (!want) {
    if (detail) detail.hidden = true;
    return;
  }
  if (!detail) {
    detail = await buildDetail(row);
    item.append(detail);
  }
  detail.hidden = false;
}

/** A before/after value as text: strings as they are, anything else as pretty JSON. */
/**
 * @param {unknown} value
 * @returns {string | null}
 */
function valueText(value) {
  if (value === undefined) return null;
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** @param {Row} row */
async function buildDetail(row) {
  const c = row.change;
  const before = valueText(c.before);
  const after = valueText(c.after);
  /** @type {(Revealed | null)[]} */
  let revealed = [null, null];
  try {
    const texts = [before ?? "", after ?? ""];
    revealed = (await call("reveal", { texts })).revealed;
  } catch {
    // Without the worker the values are still shown as plain text.
  }
  const meta = el(
    "dl",
    { class: "meta" },
    el("dt", { text: "Rule" }),
    el("dd", {}, el("code", { text: c.rule })),
    el("dt", { text: "Path" }),
    el("dd", { text: c.path }),
    el("dt", { text: "Pointer" }),
    el("dd", {}, el("code", { text: c.pointer })),
    el("dt", { text: "Position" }),
    el("dd", { text: c.position }),
    c.tags?.length ? el("dt", { text: "Tags" }) : null,
    c.tags?.length ? el("dd", { text: c.tags.join(", ") }) : null,
  );
  const beforeHidden = new Set((revealed[0]?.segments ?? []).filter((s) => s.hidden).map((s) => s.text));
  const beforeLines = linesOf(revealed[0]);
  const afterLines = linesOf(revealed[1]);
  // Lines only on one side are marked, when there are two sides to compare.
  const both = before !== null && after !== null;
  const panes = el(
    "div",
    { class: "sides-compare" },
    pane("Before", before, beforeLines, null, both ? new Set(afterLines.map((l) => l.key)) : null, "before"),
    pane("After", after, afterLines, beforeHidden, both ? new Set(beforeLines.map((l) => l.key)) : null, "after"),
  );
  const notes = [];
  /** @type {[string, Revealed | null, string | null][]} */
  const sides = [["before", revealed[0], before], ["after", revealed[1], after]];
  for (const [label, r, text] of sides) {
    if (r?.tags) {
      notes.push(el("p", { class: "decoded" }, el("strong", { text: `Hidden text (Unicode tag characters) ${label}: ` }), el("code", { text: r.tags })));
    }
    if (text !== null && r?.segments?.some((s) => s.hidden)) {
      const n = r.segments.filter((s) => s.hidden).length;
      notes.push(el("p", { class: "subtle", text: `${n} run${n === 1 ? "" : "s"} of hidden characters ${label}, shown as \\u{…} escapes.` }));
    }
  }
  return el("div", { class: "detail", id: `change-${row.index}-detail` }, el("p", { class: "full-message", text: c.message }), meta, panes, ...notes);
}

/** @typedef {{key: string, parts: Revealed["segments"]}} Line */

/**
 * A revealed text cut into lines (hidden runs never contain a newline).
 * @param {Revealed | null} revealed
 * @returns {Line[]}
 */
function linesOf(revealed) {
  if (!revealed) return [];
  /** @type {Line[]} */
  const lines = [{ key: "", parts: [] }];
  for (const segment of revealed.segments) {
    const pieces = segment.hidden ? [segment.text] : segment.text.split("\n");
    pieces.forEach((text, i) => {
      if (i > 0) lines.push({ key: "", parts: [] });
      const line = lines[lines.length - 1];
      if (!text) return;
      line.key += text;
      line.parts.push(segment.hidden ? segment : { text });
    });
  }
  return lines;
}

/**
 * One side of the before/after view. Hidden-character runs are highlighted (those not in
 * `knownHidden`, the runs of the other side, as added); lines not in `otherLines` (the
 * other side's lines) are marked as changed.
 * @param {string} title
 * @param {string | null} text
 * @param {Line[]} lines
 * @param {Set<string> | null} knownHidden
 * @param {Set<string> | null} otherLines
 * @param {"before" | "after"} cls
 */
function pane(title, text, lines, knownHidden, otherLines, cls) {
  const pre = el("pre", { class: `value ${cls}`, tabindex: "0", "aria-label": `${title} value` });
  if (text === null) {
    pre.append(el("span", { class: "absent", text: cls === "before" ? "(absent: added)" : "(absent: removed)" }));
  } else if (lines.length) {
    lines.forEach((line, i) => {
      const changed = otherLines !== null && !otherLines.has(line.key);
      const span = el("span", { class: changed ? `line changed-${cls}` : "line" });
      for (const s of line.parts) {
        if (!s.hidden) {
          span.append(document.createTextNode(s.text));
          continue;
        }
        const added = knownHidden && !knownHidden.has(s.text);
        const label = `hidden characters${s.decoded ? `, spelling: ${s.decoded}` : ""}${added ? " (added)" : ""}`;
        span.append(el("mark", { class: `hidden-char${added ? " added" : ""}`, title: label, text: s.text }));
      }
      pre.append(span);
      if (i < lines.length - 1) pre.append(document.createTextNode("\n"));
    });
  } else {
    pre.textContent = text;
  }
  return el("div", { class: "pane" }, el("h4", { text: title }), pre);
}

// ---------------------------------------------------------------- filters

/** @param {Change[]} changes */
function fillRuleFilter(changes) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const c of changes) counts.set(c.rule, (counts.get(c.rule) ?? 0) + 1);
  const select = $select("rule-filter");
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: "all rules" }));
  for (const rule of [...counts.keys()].sort(compareText)) {
    select.append(el("option", { value: rule, text: `${rule} (${counts.get(rule)})` }));
  }
  select.value = counts.has(keep) ? keep : "";
}

/** @returns {Filter} */
function currentFilter() {
  return {
    severities: new Set(SEVERITIES.filter((s) => $input(`show-${s}`).checked)),
    rule: $select("rule-filter").value,
    text: $input("search").value.trim().toLowerCase(),
  };
}

/**
 * @param {Row} row
 * @param {Filter} f
 */
function matches(row, f) {
  return f.severities.has(row.change.severity) && (!f.rule || row.change.rule === f.rule) && (!f.text || row.search.includes(f.text));
}

function applyFilter() {
  if (!current) return;
  const f = currentFilter();
  let shown = 0;
  for (const g of current.groups) {
    for (const row of g.rows) {
      if (!row.node) continue;
      const ok = matches(row, f);
      row.node.hidden = !ok;
      if (ok) shown++;
    }
  }
  updateGroupVisibility();
  $("shown").textContent = `showing ${shown} of ${current.report.changes.length} changes`;
}

function updateGroupVisibility() {
  for (const g of current?.groups ?? []) {
    if (g.node) g.node.hidden = !g.rows.some((r) => r.node && !r.node.hidden);
  }
}

function wireFilters() {
  for (const s of SEVERITIES) $(`show-${s}`).addEventListener("change", applyFilter);
  $("rule-filter").addEventListener("change", applyFilter);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  $("search").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(applyFilter, 120);
  });
}

// ---------------------------------------------------------------- actions

async function copyMarkdown() {
  if (!current) return;
  const status = $("action-status");
  try {
    await navigator.clipboard.writeText(current.markdown);
    status.textContent = "Markdown report copied.";
  } catch {
    // No clipboard permission: copy from a temporary text area instead.
    const area = el("textarea", { class: "offscreen", "aria-hidden": "true" });
    const markdown = current.markdown;
    area.value = markdown;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    status.textContent = ok ? "Markdown report copied." : "Copy failed: select and copy manually.";
  }
}

function downloadJson() {
  if (!current) return;
  const blob = new Blob([current.reportJson], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: "driftguard-report.json", class: "offscreen" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  $("action-status").textContent = "JSON report downloaded.";
}

// ---------------------------------------------------------------- keyboard

/** @returns {HTMLButtonElement[]} */
function visibleToggles() {
  return [...document.querySelectorAll("#groups .change:not([hidden]) > .change-toggle")]
    .filter((b) => !b.closest(".group[hidden]"))
    .map((b) => /** @type {HTMLButtonElement} */ (b));
}

function wireKeys() {
  document.addEventListener("keydown", (event) => {
    const target = event.target instanceof HTMLElement ? event.target : document.body;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
    if (event.key === "/" && !typing) {
      event.preventDefault();
      $("search").focus();
      return;
    }
    if (event.key === "Escape") {
      const item = target.closest(".change");
      if (item && current) {
        const row = rowOf(item);
        if (row) toggle(row, false);
        /** @type {HTMLElement | null} */ (item.querySelector(".change-toggle"))?.focus();
      } else if (target === $("search")) {
        target.blur();
      }
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j" || event.key === "k") {
      const toggles = visibleToggles();
      if (!toggles.length) return;
      const mine = target.closest(".change")?.querySelector(".change-toggle");
      const at = mine ? toggles.indexOf(/** @type {HTMLButtonElement} */ (mine)) : -1;
      const next = event.key === "j" ? Math.min(at + 1, toggles.length - 1) : Math.max(at - 1, 0);
      toggles[at < 0 ? 0 : next].focus();
      event.preventDefault();
    }
  });
}

/**
 * @param {Element} item
 * @returns {Row | null}
 */
function rowOf(item) {
  const toggleButton = /** @type {HTMLElement | null} */ (item.querySelector(".change-toggle"));
  const index = Number(toggleButton?.dataset.index);
  for (const g of current?.groups ?? []) for (const r of g.rows) if (r.index === index) return r;
  return null;
}

// ---------------------------------------------------------------- start

function main() {
  startWorker();
  wireInputs();
  wireFilters();
  wireKeys();
  $("copy-markdown").addEventListener("click", copyMarkdown);
  $("download-json").addEventListener("click", downloadJson);
  document.body.dataset.state = "ready";
  loadFromQuery();
}

main();
