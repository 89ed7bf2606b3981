// Shared setup of the browser tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser), the built viewer served on 127.0.0.1, artifacts under target/.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { chromium } from "playwright-core";

import { serve } from "./server.mjs";

const require = createRequire(import.meta.url);
export const dg = require("../dist/node/driftguard_wasm.js");

export const HERE = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const ROOT = join(HERE, "..");
export const VIEWER = join(HERE, "dist", "viewer");
export const ARTIFACTS = join(ROOT, "target", "driftguard-wasm-e2e");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

mkdirSync(ARTIFACTS, { recursive: true });

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

export async function startServer(docs) {
  return serve(VIEWER, docs);
}

/**
 * A fresh page that records what must never happen (dialogs, page errors, console errors,
 * CSP violations) and the main thread's long tasks.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 900 }, permissions = [], origin } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  if (permissions.length && origin) await context.grantPermissions(permissions, { origin });
  const page = await context.newPage();
  const events = { dialogs: [], errors: [], console: [] };
  page.on("dialog", async (d) => {
    events.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  page.on("pageerror", (e) => events.errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") events.console.push(m.text());
  });
  await page.addInitScript(() => {
    window.__longtasks = [];
    window.__cspViolations = [];
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: "longtask", buffered: true });
    } catch {
      window.__longtasks = null;
    }
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { context, page, events };
}

/** Waits until the viewer finished rendering a report (or showed an error). */
export async function waitForReport(page, timeout = 60_000) {
  await page.waitForFunction(() => ["done", "error"].includes(document.body.dataset.state), null, { timeout });
  return page.evaluate(() => document.body.dataset.state);
}

export async function summary(page) {
  return page.evaluate(() => ({
    breaking: Number(document.getElementById("count-breaking").textContent),
    dangerous: Number(document.getElementById("count-dangerous").textContent),
    safe: Number(document.getElementById("count-safe").textContent),
  }));
}

/** Visible change rows as {severity, rule, path, message}. */
export async function visibleChanges(page) {
  return page.$$eval("#groups .group:not([hidden]) .change:not([hidden])", (items) =>
    items.map((li) => ({
      severity: li.dataset.severity,
      rule: li.dataset.rule,
      path: li.querySelector(".path").textContent,
      message: li.querySelector(".message").textContent,
      group: li.closest(".group").querySelector(".group-name").textContent,
    })),
  );
}
