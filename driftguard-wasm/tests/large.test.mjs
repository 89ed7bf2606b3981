// The reference workload in the viewer: GitHub's REST API description, 18.2.0 (11 MB) →
// 23.0.2 (13 MB), loaded through ?old=&new=. The page must never block its main thread for
// more than a second at a time (PerformanceObserver "longtask"), and the report must be
// the core's. Prints the time to first result; writes figures to target/driftguard-wasm-e2e/.
// The two files come from tests/fetch-github-pair.sh (bench cache, or npm pack).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ARTIFACTS, HERE, dg, launch, newPage, startServer, summary } from "./browser.mjs";

const [OLD, NEW] = execFileSync(join(HERE, "tests", "fetch-github-pair.sh"), { encoding: "utf8" }).trim().split("\n");

let browser;
let server;

before(async () => {
  browser = await launch();
  server = await startServer({ "github-18.2.0.json": OLD, "github-23.0.2.json": NEW });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("the 13 MB GitHub pair renders without a main-thread task over 1 s", async () => {
  const expected = dg.diff(readFileSync(OLD), readFileSync(NEW)).summary;
  const { context, page, events } = await newPage(browser);
  const navigated = Date.now();
  await page.goto(`${server.url}/?old=/docs/github-18.2.0.json&new=/docs/github-23.0.2.json`);
  // While the worker diffs, the page answers: a click on a filter is handled promptly.
  await page.waitForFunction(() => document.body.dataset.state === "comparing", null, { timeout: 60_000 });
  const responsive = await page.evaluate(async () => {
    const t = performance.now();
    await new Promise((r) => requestAnimationFrame(() => r()));
    return performance.now() - t;
  });
  await page.waitForFunction(() => document.body.dataset.firstResultMs !== undefined, null, { timeout: 120_000 });
  const firstWall = Date.now() - navigated;
  await page.waitForFunction(() => document.body.dataset.state === "done", null, { timeout: 120_000 });
  const figures = await page.evaluate(() => ({
    firstResultMs: Number(document.body.dataset.firstResultMs),
    diffMs: Number(document.body.dataset.diffMs),
    allRenderedMs: Number(document.body.dataset.allRenderedMs),
    navigationToFirstResultMs: null,
    longtasks: window.__longtasks,
    rows: document.querySelectorAll("#groups .change").length,
  }));
  figures.navigationToFirstResultMs = firstWall;
  figures.frameDuringDiffMs = Math.round(responsive);
  assert.ok(Array.isArray(figures.longtasks), "the longtask observer is not supported");
  const longest = Math.max(0, ...figures.longtasks.map((t) => t.duration));
  figures.longestTaskMs = Math.round(longest);
  figures.summary = await summary(page);
  writeFileSync(join(ARTIFACTS, "github-pair.json"), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(
    `# github pair: first result ${figures.firstResultMs} ms after the documents arrived (diff in worker ${figures.diffMs} ms), ` +
      `${figures.navigationToFirstResultMs} ms after navigation; all ${figures.rows} rows in ${figures.allRenderedMs} ms; ` +
      `longest main-thread task ${figures.longestTaskMs} ms (${figures.longtasks.length} over 50 ms)`,
  );

  assert.deepEqual(figures.summary, expected);
  assert.equal(figures.rows, expected.breaking + expected.dangerous + expected.safe);
  assert.ok(figures.rows > 1000, `${figures.rows} changes`);
  assert.ok(longest < 1000, `a main-thread task took ${longest} ms`);
  assert.ok(responsive < 1000, `a frame during the diff took ${responsive} ms`);
  // Filtering thousands of rows stays quick.
  await page.uncheck("#show-safe");
  await page.fill("#search", "repos");
  await page.waitForFunction(() => /^showing \d+ of \d+ changes$/.test(document.getElementById("shown").textContent));
  const after = await page.evaluate(() => Math.max(0, ...window.__longtasks.map((t) => t.duration)));
  assert.ok(after < 1000, `filtering took a ${after} ms task`);
  await page.screenshot({ path: join(ARTIFACTS, "github-pair.png") });
  assert.deepEqual(events.errors, []);
  assert.deepEqual(events.dialogs, []);
  await context.close();
});
