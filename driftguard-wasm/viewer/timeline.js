// The viewer's timeline: a `driftguard history SURFACE --export FILE` document
// (format driftguard.history/1) drawn as an inline SVG chart. Drift events are markers
// coloured by their worst severity, failed observations red ticks over a shaded gap, ok
// observations a thin line; choosing a marker hands its change to the report view.
//
// Safety rule (as viewer.js): every string from the file reaches the page through text
// nodes or attribute values set with setAttribute, never through an HTML parser.

// @ts-check

export const HISTORY_FORMAT = "driftguard.history/1";
const SVG = "http://www.w3.org/2000/svg";
const SEVERITIES = ["breaking", "dangerous", "safe"];

/** @typedef {{id: number, time: string, t: number, ok: boolean, outcome: string, digest: string | null, error_code: string | null, error_message: string | null}} Observation */
/** @typedef {{id: number, time: string, t: number, old_digest: string | null, new_digest: string, max_severity: string | null, summary: string, fails: boolean, report: any}} Change */
/** @typedef {{surface: string, source: string | null, approved: {digest: string, approved_at: string} | null, observations: Observation[], changes: Change[], alerts: any[]}} History */
/** @typedef {Error & {code?: string}} CodedError */

/**
 * @param {string} message
 * @returns {CodedError}
 */
const invalid = (message) => Object.assign(new Error(`not a DriftGuard history export: ${message}`), { code: "E_INVALID" });

/**
 * True when `text` is a history export (a JSON object whose `format` is driftguard.history/…).
 * Anything else (a contract, a snapshot, a capture) is for the diff.
 * @param {string} text
 */
export function looksLikeHistory(text) {
  if (!text.includes('"driftguard.history/')) return false;
  try {
    const doc = JSON.parse(text);
    return typeof doc?.format === "string" && doc.format.startsWith("driftguard.history/");
  } catch {
    return false;
  }
}

/**
 * @param {unknown} value
 * @param {string} what
 */
function time(value, what) {
  const t = typeof value === "string" ? Date.parse(value) : NaN;
  if (!Number.isFinite(t)) throw invalid(`${what}: not an RFC 3339 time`);
  return t;
}

/**
 * @param {unknown} value
 * @returns {string | null}
 */
const str = (value) => (typeof value === "string" ? value : null);

/**
 * Reads and checks a history export.
 * @param {string} text
 * @returns {History}
 */
export function parseHistory(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(`not JSON (${e instanceof Error ? e.message : e})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalid("not a JSON object");
  if (doc.format !== HISTORY_FORMAT) {
    throw invalid(`format ${JSON.stringify(doc.format)} is not supported (this viewer reads ${HISTORY_FORMAT})`);
  }
  if (typeof doc.surface !== "string") throw invalid("no surface");
  if (!Array.isArray(doc.observations) || !Array.isArray(doc.changes)) throw invalid("observations and changes must be arrays");
  /** @type {Observation[]} */
  const observations = doc.observations.map((/** @type {any} */ o, /** @type {number} */ i) => {
    if (typeof o !== "object" || o === null || typeof o.ok !== "boolean") throw invalid(`observation ${i}: no ok`);
    return {
      id: Number(o.id),
      time: String(o.time),
      t: time(o.time, `observation ${i}`),
      ok: o.ok,
      outcome: String(o.outcome ?? ""),
      digest: str(o.digest),
      error_code: str(o.error_code),
      error_message: str(o.error_message),
    };
  });
  /** @type {Change[]} */
  const changes = doc.changes.map((/** @type {any} */ c, /** @type {number} */ i) => {
    if (typeof c !== "object" || c === null) throw invalid(`change ${i}: not an object`);
    if (typeof c.report !== "object" || c.report === null || !Array.isArray(c.report.changes)) {
      throw invalid(`change ${i}: no report`);
    }
    const sev = SEVERITIES.includes(c.max_severity) ? c.max_severity : null;
    return {
      id: Number(c.id),
      time: String(c.time),
      t: time(c.time, `change ${i}`),
      old_digest: str(c.old_digest),
      new_digest: String(c.new_digest ?? ""),
      max_severity: sev,
      summary: String(c.summary ?? ""),
      fails: c.fails === true,
      report: c.report,
    };
  });
  observations.sort((a, b) => a.t - b.t || a.id - b.id);
  changes.sort((a, b) => a.t - b.t || a.id - b.id);
  const approved =
    doc.approved && typeof doc.approved.digest === "string" ? { digest: doc.approved.digest, approved_at: String(doc.approved.approved_at ?? "") } : null;
  return { surface: doc.surface, source: str(doc.source), approved, observations, changes, alerts: Array.isArray(doc.alerts) ? doc.alerts : [] };
}

/**
 * Runs of consecutive failed observations: [first index, last index].
 * @param {Observation[]} observations
 * @returns {[number, number][]}
 */
export function gaps(observations) {
  /** @type {[number, number][]} */
  const runs = [];
  observations.forEach((o, i) => {
    if (o.ok) return;
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  });
  return runs;
}

/**
 * An SVG element with attributes (values set with setAttribute) and a `<title>` text.
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {string} [title]
 * @returns {SVGElement}
 */
function svg(tag, attrs, title) {
  const node = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (title !== undefined) {
    const t = document.createElementNS(SVG, "title");
    t.textContent = title;
    node.append(t);
  }
  return node;
}

/** @param {number} t */
function clock(t) {
  return new Date(t).toISOString().slice(11, 19);
}

/** @param {number} t */
function day(t) {
  return new Date(t).toISOString().slice(5, 10);
}

const W = 960;
const H = 150;
const LEFT = 24;
const RIGHT = 24;
const MARKER_Y = 42;
const LINE_Y = 92;
const AXIS_Y = 124;
const DOTS = 2000;

/**
 * The chart of a history.
 * @param {History} history
 * @param {(change: Change, marker: SVGElement) => void} select
 * @returns {SVGSVGElement}
 */
export function chart(history, select) {
  const { observations, changes } = history;
  const times = [...observations.map((o) => o.t), ...changes.map((c) => c.t)];
  let t0 = times.length ? times.reduce((a, b) => Math.min(a, b)) : 0;
  let t1 = times.length ? times.reduce((a, b) => Math.max(a, b)) : 1;
  if (t1 - t0 < 1000) {
    t0 -= 500;
    t1 += 500;
  }
  const pad = (t1 - t0) * 0.02;
  t0 -= pad;
  t1 += pad;
  const x = (/** @type {number} */ t) => LEFT + ((t - t0) / (t1 - t0)) * (W - LEFT - RIGHT);
  const fmt = t1 - t0 > 86_400_000 ? (/** @type {number} */ t) => `${day(t)} ${clock(t).slice(0, 5)}` : clock;

  const root = /** @type {SVGSVGElement} */ (
    svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "timeline-chart", role: "group", "aria-label": `Timeline of ${history.surface}` })
  );

  // The time axis: a baseline and five labelled ticks (UTC).
  const axis = svg("g", { class: "axis" });
  axis.append(svg("line", { x1: LEFT, x2: W - RIGHT, y1: AXIS_Y, y2: AXIS_Y }));
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    axis.append(svg("line", { x1: x(t), x2: x(t), y1: AXIS_Y, y2: AXIS_Y + 5 }));
    const label = svg("text", { x: x(t), y: AXIS_Y + 18, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" });
    label.textContent = fmt(t);
    axis.append(label);
  }
  root.append(axis);

  // Failures: a shaded gap over each run of failed polls (from the last good observation
  // to the next), and a red tick per failed poll.
  const layer = svg("g", { class: "observations" });
  for (const [a, b] of gaps(observations)) {
    const from = a > 0 ? observations[a - 1].t : observations[a].t;
    const to = b + 1 < observations.length ? observations[b + 1].t : observations[b].t;
    const n = b - a + 1;
    layer.append(
      svg(
        "rect",
        { class: "gap", x: x(from), y: LINE_Y - 12, width: Math.max(x(to) - x(from), 2), height: 24 },
        `${n} failed poll${n === 1 ? "" : "s"}: ${observations[a].time} – ${observations[b].time}`,
      ),
    );
  }
  // Ok observations: a thin line over each run of good polls, and a dot at each (up to
  // DOTS observations; a months-long history stays a light page).
  let runStart = -1;
  observations.forEach((o, i) => {
    if (o.ok && runStart < 0) runStart = i;
    const last = i === observations.length - 1 || !observations[i + 1].ok;
    if (o.ok && last) {
      if (i > runStart) {
        layer.append(svg("line", { class: "ok-line", x1: x(observations[runStart].t), x2: x(o.t), y1: LINE_Y, y2: LINE_Y }));
      }
      runStart = -1;
    }
  });
  for (const o of observations) {
    if (o.ok) {
      if (observations.length <= DOTS) {
        layer.append(svg("circle", { class: "ok-dot", cx: x(o.t), cy: LINE_Y, r: 2.5 }, `${o.time} ok ${o.outcome} ${o.digest ?? ""}`));
      }
    } else {
      layer.append(
        svg(
          "line",
          { class: "fail-tick", x1: x(o.t), x2: x(o.t), y1: LINE_Y - 10, y2: LINE_Y + 10, "data-observation": o.id },
          `${o.time} failed: ${o.error_code ?? "error"} ${o.error_message ?? ""}`,
        ),
      );
    }
  }
  root.append(layer);

  // Drift events: a marker per change, coloured by its worst severity.
  const markers = svg("g", { class: "markers" });
  for (const c of changes) {
    const sev = c.max_severity ?? "none";
    const label = `${c.time} ${sev}: ${c.summary}`;
    const g = svg("g", {
      class: `marker sev-${sev}`,
      role: "button",
      tabindex: 0,
      "aria-pressed": "false",
      "aria-label": label,
      "data-change": c.id,
      "data-severity": sev,
    });
    g.append(svg("line", { class: "stem", x1: x(c.t), x2: x(c.t), y1: MARKER_Y, y2: LINE_Y }));
    g.append(svg("circle", { class: "dot", cx: x(c.t), cy: MARKER_Y, r: 8 }, label));
    g.addEventListener("click", () => select(c, g));
    g.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select(c, g);
      }
    });
    markers.append(g);
  }
  root.append(markers);
  return root;
}

/**
 * One line of text: what the file holds, in numbers.
 * @param {History} history
 */
export function caption(history) {
  const failed = history.observations.filter((o) => !o.ok).length;
  const n = gaps(history.observations).length;
  const counts = SEVERITIES.map((s) => [s, history.changes.filter((c) => c.max_severity === s).length]).filter(([, k]) => k);
  const obs = history.observations.length;
  return (
    `${obs} observation${obs === 1 ? "" : "s"}, ${failed} failed (${n} gap${n === 1 ? "" : "s"}), ` +
    `${history.changes.length} change${history.changes.length === 1 ? "" : "s"}` +
    (counts.length ? ` (${counts.map(([s, k]) => `${k} ${s}`).join(", ")})` : "")
  );
}
