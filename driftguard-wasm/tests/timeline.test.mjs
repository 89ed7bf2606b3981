// The viewer's timeline in headless Chromium (Debian's, via playwright-core): a history
// export written by `driftguard history pets --export FILE` from a real watcher run
// (tests/fixtures/timeline.history.json; driftguard-py/tests/test_history_export.py
// produces it and checks it still matches what the CLI writes) opens as an SVG chart.
// Screenshot: target/driftguard-wasm-e2e/timeline.png.
// Run: node --test --test-concurrency=1 tests/timeline.test.mjs
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ARTIFACTS, HERE, ROOT, dg, launch, newPage, startServer, summary, visibleChanges, waitForReport } from "./browser.mjs";

const FIXTURE = join(HERE, "tests", "fixtures", "timeline.history.json");
const HISTORY = JSON.parse(readFileSync(FIXTURE, "utf8"));
const HOSTILE_REASON = 'Broken <script>alert("pwned")</script><img src=x onerror=alert(1)>';
const HOSTILE_PROPERTY = '<script>alert("pwned")</script>';
// The viewer's severity colours (viewer.css, light scheme).
const COLOURS = { breaking: "rgb(180, 35, 24)", dangerous: "rgb(154, 91, 0)", safe: "rgb(26, 127, 55)" };

let browser;
let server;

before(async () => {
  browser = await launch();
  server = await startServer({
    "petstore-v1.yaml": join(ROOT, "examples", "contracts", "petstore-v1.yaml"),
    "petstore-v2.yaml": join(ROOT, "examples", "contracts", "petstore-v2.yaml"),
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Nothing ran that should not have: no dialog, page error, CSP violation or injected node. */
async function assertClean(page, events) {
  assert.deepEqual(events.dialogs, [], "a dialog opened");
  assert.deepEqual(events.errors, [], "the page threw");
  assert.deepEqual(events.console, [], "console errors");
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "CSP violations");
  const found = await page.evaluate(() => ({
    imgs: document.querySelectorAll("img").length,
    scripts: [...document.querySelectorAll("script")].map((s) => s.getAttribute("src")),
    handlers: [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
  }));
  assert.deepEqual(found, { imgs: 0, scripts: ["viewer.js"], handlers: 0 });
}

async function openTimeline(page) {
  await page.goto(`${server.url}/`);
  await page.setInputFiles("#old-file", FIXTURE);
  await page.waitForFunction(() => ["timeline", "error"].includes(document.body.dataset.state));
  assert.equal(await page.evaluate(() => document.body.dataset.state), "timeline");
}

/** What the chart draws, read back from the page. */
async function chartOf(page) {
  return page.evaluate(() => {
    const svg = document.querySelector("#timeline-chart svg");
    const cx = (el) => Number(el.getAttribute("cx") ?? el.getAttribute("x1"));
    return {
      markers: [...svg.querySelectorAll(".marker")].map((g) => {
        const dot = g.querySelector(".dot");
        return { severity: g.dataset.severity, change: Number(g.dataset.change), fill: getComputedStyle(dot).fill, x: cx(dot) };
      }),
      failTicks: [...svg.querySelectorAll(".fail-tick")].map((l) => ({ x: cx(l), stroke: getComputedStyle(l).stroke })),
      gaps: svg.querySelectorAll(".gap").length,
      okLines: svg.querySelectorAll(".ok-line").length,
      okDots: svg.querySelectorAll(".ok-dot").length,
      axisLabels: [...svg.querySelectorAll(".axis text")].map((t) => t.textContent),
      badge: Object.fromEntries(
        ["breaking", "dangerous", "safe"].map((s) => [s, getComputedStyle(document.querySelector(`.counts li.sev-${s}`)).color]),
      ),
    };
  });
}

test("the fixture is a driftguard.history/1 export with 3 changes and 3 failed polls in 2 gaps", () => {
  assert.equal(HISTORY.format, "driftguard.history/1");
  assert.equal(HISTORY.surface, "pets");
  assert.deepEqual(
    HISTORY.observations.map((o) => (o.ok ? "ok" : o.error_code)),
    ["ok", "ok", "ok", "E_FETCH", "E_FETCH", "ok", "ok", "E_FETCH", "ok", "ok"],
  );
  assert.deepEqual(
    HISTORY.changes.map((c) => c.max_severity),
    ["breaking", "dangerous", "safe"],
  );
  // Every stored report is one the core reads and renders unchanged.
  for (const c of HISTORY.changes) {
    assert.deepEqual(JSON.parse(dg.render(JSON.stringify(c.report), "json")), c.report);
  }
  for (const o of HISTORY.observations.filter((o) => !o.ok)) assert.ok(o.error_message.includes(HOSTILE_REASON), o.error_message);
});

test("a history export opens as a timeline: markers by severity, gaps, ok line, axis", async () => {
  const { context, page, events } = await newPage(browser);
  await openTimeline(page);
  const chart = await chartOf(page);
  assert.deepEqual(
    chart.markers.map((m) => [m.severity, m.change, m.fill]),
    HISTORY.changes.map((c) => [c.max_severity, c.id, COLOURS[c.max_severity]]),
  );
  // The marker colours are the report view's severity colours.
  for (const m of chart.markers) assert.equal(m.fill, chart.badge[m.severity]);
  assert.equal(chart.failTicks.length, 3);
  for (const t of chart.failTicks) assert.equal(t.stroke, COLOURS.breaking);
  assert.equal(chart.gaps, 2);
  assert.equal(await page.evaluate(() => document.body.dataset.gaps), "2");
  // ok polls: 7 dots, a line over each run of ok polls (0-2, 5-6, 8-9).
  assert.equal(chart.okDots, 7);
  assert.equal(chart.okLines, 3);
  // Time runs left to right: marker 1 < both failures of gap 1 < marker 2 < failure 3 < marker 3.
  const [m1, m2, m3] = chart.markers.map((m) => m.x);
  const [f1, f2, f3] = chart.failTicks.map((t) => t.x);
  assert.ok(m1 < f1 && f1 < f2 && f2 < m2 && m2 < f3 && f3 < m3, JSON.stringify({ m1, f1, f2, m2, f3, m3 }));
  assert.equal(chart.axisLabels.length, 5);
  for (const label of chart.axisLabels) assert.match(label, /^\d\d:\d\d:\d\d$/);
  assert.equal(
    await page.textContent("#timeline-caption"),
    "10 observations, 3 failed (2 gaps), 3 changes (1 breaking, 1 dangerous, 1 safe)",
  );
  assert.equal(await page.textContent("#timeline-title"), "Timeline of pets");
  assert.equal(await page.textContent("#timeline-approved"), `approved: ${HISTORY.approved.digest} at ${HISTORY.approved.approved_at}`);
  assert.equal(await page.isHidden("#results"), true);
  await assertClean(page, events);
  await context.close();
});

test("clicking a marker shows that change's report in the report view, with the exact rules", async () => {
  const { context, page, events } = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await openTimeline(page);
  const expected = {
    breaking: [
      ["breaking", "parameter-became-required"],
      ["dangerous", "property-removed"],
      ["safe", "api-version-changed"],
    ],
    dangerous: [["dangerous", "property-removed"]],
    safe: [["safe", "api-version-changed"]],
  };
  const counts = { breaking: { breaking: 1, dangerous: 1, safe: 1 }, dangerous: { breaking: 0, dangerous: 1, safe: 0 }, safe: { breaking: 0, dangerous: 0, safe: 1 } };
  for (const sev of ["dangerous", "safe", "breaking"]) {
    const change = HISTORY.changes.find((c) => c.max_severity === sev);
    await page.click(`#timeline-chart .marker[data-severity="${sev}"]`);
    await page.waitForFunction((id) => document.body.dataset.change === String(id) && document.body.dataset.state === "done", change.id);
    const rows = await visibleChanges(page);
    assert.deepEqual(rows.map((r) => [r.severity, r.rule]), expected[sev]);
    assert.deepEqual(await summary(page), counts[sev]);
    assert.deepEqual(await summary(page), change.report.summary);
    assert.equal(await page.getAttribute(`#timeline-chart .marker[data-severity="${sev}"]`, "aria-pressed"), "true");
    assert.equal(await page.locator('#timeline-chart .marker[aria-pressed="true"]').count(), 1);
    assert.equal(await page.textContent("#digests"), `pets before (${change.old_digest}) → pets at ${change.time} (${change.new_digest})`);
    if (sev === "dangerous") {
      // The hostile property name of the document is a path, shown as text.
      assert.ok(rows[0].path.includes(HOSTILE_PROPERTY) || rows[0].group.includes(HOSTILE_PROPERTY), JSON.stringify(rows));
    }
  }
  await page.screenshot({ path: join(ARTIFACTS, "timeline.png"), fullPage: true });
  // The keyboard: a marker is a button (Enter).
  await page.focus('#timeline-chart .marker[data-severity="safe"]');
  await page.keyboard.press("Enter");
  const safe = HISTORY.changes.find((c) => c.max_severity === "safe");
  await page.waitForFunction((id) => document.body.dataset.change === String(id) && document.body.dataset.state === "done", safe.id);
  assert.deepEqual((await visibleChanges(page)).map((r) => r.rule), ["api-version-changed"]);
  // The events list under the chart selects the same marker.
  await page.click('#timeline-events .event-change[data-change="' + HISTORY.changes[0].id + '"]');
  await page.waitForFunction((id) => document.body.dataset.change === String(id) && document.body.dataset.state === "done", HISTORY.changes[0].id);
  assert.equal(await page.getAttribute('#timeline-chart .marker[data-severity="breaking"]', "aria-pressed"), "true");
  await assertClean(page, events);
  await context.close();
});

test("hostile text from the file stays text: the failure reason and the property name", async () => {
  const { context, page, events } = await newPage(browser);
  await page.addInitScript(() => {
    window.alert = () => {
      window.__xss = "alert";
    };
  });
  await openTimeline(page);
  const failures = await page.$$eval("#timeline-events .failure", (items) =>
    items.map((li) => [li.querySelector(".error-code").textContent, li.querySelector(".error-message").textContent]),
  );
  assert.equal(failures.length, 3);
  for (const [code, message] of failures) {
    assert.equal(code, "E_FETCH");
    assert.ok(message.includes(HOSTILE_REASON), message);
  }
  const titles = await page.$$eval("#timeline-chart .fail-tick title", (ts) => ts.map((t) => t.textContent));
  for (const t of titles) assert.ok(t.includes(HOSTILE_REASON), t);
  await page.click('#timeline-chart .marker[data-severity="dangerous"]');
  await page.waitForFunction(() => document.body.dataset.state === "done");
  assert.ok((await page.textContent("#groups")).includes(HOSTILE_PROPERTY));
  assert.equal(await page.evaluate(() => window.__xss ?? null), null);
  await assertClean(page, events);
  await context.close();
});

test("drag and drop opens a timeline; a bad or newer export is an error with its code; diffs still work", async () => {
  const { context, page, events } = await newPage(browser);
  await page.goto(`${server.url}/`);
  const drop = async (name, text) => {
    const dt = await page.evaluateHandle(
      ([n, t]) => {
        const d = new DataTransfer();
        d.items.add(new File([t], n, { type: "application/json" }));
        return d;
      },
      [name, text],
    );
    await page.dispatchEvent("#side-new", "drop", { dataTransfer: dt });
  };
  // A newer format: refused with a clear error, nothing charted.
  await drop("future.json", JSON.stringify({ ...HISTORY, format: "driftguard.history/9" }));
  await page.waitForFunction(() => document.body.dataset.state === "error");
  assert.equal(
    await page.textContent("#error"),
    'error[E_INVALID]: not a DriftGuard history export: format "driftguard.history/9" is not supported (this viewer reads driftguard.history/1)',
  );
  assert.equal(await page.isHidden("#timeline"), true);
  // A broken one: a change without a report.
  await drop("broken.json", JSON.stringify({ ...HISTORY, changes: [{ ...HISTORY.changes[0], report: null }] }));
  await page.waitForFunction(() => document.getElementById("error").textContent.includes("change 0: no report"));
  // The real one, dropped.
  await drop("pets.history.json", readFileSync(FIXTURE, "utf8"));
  await page.waitForFunction(() => document.body.dataset.state === "timeline");
  assert.equal(await page.isHidden("#error"), true);
  assert.equal(await page.locator("#timeline-chart .marker").count(), 3);
  assert.equal(await page.textContent("#new-status"), "pets.history.json — the timeline of pets");
  // Two contracts still compare as before.
  await page.setInputFiles("#old-file", join(ROOT, "examples", "contracts", "petstore-v1.yaml"));
  await page.setInputFiles("#new-file", join(ROOT, "examples", "contracts", "petstore-v2.yaml"));
  assert.equal(await waitForReport(page), "done");
  assert.deepEqual(await summary(page), { breaking: 3, dangerous: 5, safe: 8 });
  await assertClean(page, events);
  await context.close();
});

test("a month of minute polls (43,200 observations) charts in seconds, without a dot per poll", async () => {
  const { context, page, events } = await newPage(browser);
  await page.goto(`${server.url}/`);
  const t0 = Date.parse("2026-10-01T00:00:00Z");
  const observations = [];
  for (let i = 0; i < 43_200; i++) {
    const failed = i % 1000 >= 997; // a gap of 3 failed polls every 1000
    observations.push({
      ...HISTORY.observations[failed ? 3 : 0],
      id: i + 1,
      time: new Date(t0 + i * 60_000).toISOString(),
    });
  }
  const changes = HISTORY.changes.map((c, k) => ({ ...c, time: new Date(t0 + (k + 1) * 10_000 * 60_000).toISOString() }));
  const big = JSON.stringify({ ...HISTORY, observations, changes });
  const start = Date.now();
  await page.setInputFiles("#old-file", { name: "month.history.json", mimeType: "application/json", buffer: Buffer.from(big) });
  await page.waitForFunction(() => document.body.dataset.state === "timeline", null, { timeout: 30_000 });
  const ms = Date.now() - start;
  const chart = await chartOf(page);
  assert.equal(chart.markers.length, 3);
  assert.equal(chart.failTicks.length, 43 * 3);
  assert.equal(chart.gaps, 43);
  assert.equal(chart.okDots, 0);
  assert.equal(chart.okLines, 44);
  for (const label of chart.axisLabels) assert.match(label, /^\d\d-\d\d \d\d:\d\d$/);
  assert.ok(ms < 10_000, `took ${ms} ms`);
  await assertClean(page, events);
  await context.close();
});
