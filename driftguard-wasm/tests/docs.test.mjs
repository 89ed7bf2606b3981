// docs/getting-started/browser.md, executed as a reader would run it: its code blocks are read
// from the page at test time (never copied here) and run in page order, from a directory laid
// out like a checkout (examples/, and driftguard-wasm/dist/ as build.sh left it):
//
// * ```sh blocks run with `bash -e -o pipefail`; the exit status must be 0;
// * `<!-- docs-test: file=PATH -->` before a block: it is written to PATH;
// * `<!-- docs-test: serve -->` before a ```sh block: a static file server command (the
//   page's `python3 -m http.server 8000 …`), run as written except on an ephemeral port
//   (`8000` → `0`, so parallel runs never collide), until the page's next server or the end;
// * a ```text block after a server: what the browser console shows when the served folder's
//   index.html is opened in headless Chromium (console.log lines, exactly);
// * a ```text block after `<!-- docs-test: viewer PATH?QUERY -->`: the viewer opened at that
//   address of the server shows this summary, exactly (the headline, then each count);
// * `<!-- docs-test: skip (reason) -->` leaves a block out (the build: stage browser runs it).
//
// No page error, failed request or CSP violation may happen. Run by `scripts/test.sh browser`
// after driftguard-wasm/build.sh.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { after, before, test } from "node:test";

import { HERE, ROOT, launch, newPage, waitForReport } from "./browser.mjs";

const PAGE = "docs/getting-started/browser.md";
const DIRECTIVE = /^<!--\s*docs-test:\s*(.*?)\s*-->$/;
const FENCE = /^```([\w-]*)\s*$/;

/** The page's fenced blocks, each with the directive comment right before it (if any). */
function parse(markdown) {
  const lines = markdown.split("\n");
  const blocks = [];
  let pending = "";
  for (let i = 1; i < lines.length; i++) {
    const d = DIRECTIVE.exec(lines[i].trim());
    if (d) {
      pending = d[1];
      continue;
    }
    const f = FENCE.exec(lines[i]);
    if (f) {
      const start = i + 1;
      const body = [];
      for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]);
      blocks.push({ lang: f[1], text: `${body.join("\n")}\n`, line: start, directive: pending });
      pending = "";
    } else if (lines[i].trim()) {
      pending = "";
    }
  }
  return blocks;
}

/** Starts the page's static server command on an ephemeral port: {url, stop}. */
async function startServer(cwd, command, where) {
  assert.match(command, /\b8000\b/, `${where}: the server command names no port 8000`);
  const child = spawn("bash", ["-c", `exec ${command.trim().replace(/\b8000\b/, "0")}`], {
    cwd,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${where}: the server did not start: ${out}`)), 20_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /Serving HTTP on (127\.0\.0\.1) port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done(`http://${m[1]}:${m[2]}`);
      }
    });
    child.stderr.on("data", () => {}); // the request log
    child.on("exit", (code) => fail(new Error(`${where}: the server exited (${code}): ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

let browser;
let work;
let server;

before(async () => {
  browser = await launch();
  work = mkdtempSync(join(tmpdir(), "driftguard-docs-browser-"));
  // A checkout as the page assumes it: the examples, and the build's output (copied: the
  // page writes into dist/viewer/).
  symlinkSync(join(ROOT, "examples"), join(work, "examples"));
  mkdirSync(join(work, "driftguard-wasm"));
  cpSync(join(HERE, "dist"), join(work, "driftguard-wasm", "dist"), { recursive: true });
});

after(async () => {
  await server?.stop();
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Opens `url`, fails on page errors, failed requests and CSP violations. */
async function open(url) {
  const { context, page, events } = await newPage(browser);
  const logs = [];
  const failed = [];
  page.on("console", (m) => {
    if (m.type() === "log") logs.push(m.text());
  });
  page.on("requestfailed", (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  await page.goto(url);
  const clean = async () => {
    assert.deepEqual(events.errors, [], "the page threw");
    assert.deepEqual(events.console, [], "console errors");
    assert.deepEqual(failed, [], "failed requests");
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "CSP violations");
  };
  return { context, page, logs, clean };
}

test(`${PAGE}: every block runs as written, with the exact output shown`, async () => {
  const blocks = parse(readFileSync(join(ROOT, PAGE), "utf8"));
  const ran = { sh: 0, file: 0, serve: 0, console: 0, viewer: 0, skip: 0 };
  let last = null;
  for (const block of blocks) {
    const where = `${PAGE}:${block.line}`;
    const d = block.directive;
    if (d.startsWith("skip")) {
      assert.match(d, /^skip \(.+\)$/, `${where}: a skip needs its reason`);
      ran.skip++;
    } else if (d.startsWith("file=")) {
      const target = resolve(work, d.slice("file=".length));
      assert.ok(!relative(work, target).startsWith(".."), `${where}: ${d} is outside`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, block.text);
      ran.file++;
    } else if (d === "serve") {
      assert.equal(block.lang, "sh", `${where}: serve needs a sh block`);
      await server?.stop();
      server = await startServer(work, block.text, where);
      ran.serve++;
    } else if (block.lang === "sh") {
      assert.equal(d, "", `${where}: unknown directive ${d}`);
      const r = spawnSync("bash", ["-e", "-o", "pipefail", "-c", block.text], { cwd: work, encoding: "utf8" });
      assert.equal(r.status, 0, `${where}: exited ${r.status}\n${r.stdout}${r.stderr}`);
      ran.sh++;
    } else if (block.lang === "text" && d.startsWith("viewer ")) {
      assert.ok(server, `${where}: no server is running`);
      const { context, page, clean } = await open(`${server.url}/${d.slice("viewer ".length)}`);
      assert.equal(await waitForReport(page), "done", `${where}: the viewer showed an error`);
      const shown = await page.evaluate(() =>
        [document.getElementById("headline").textContent, ...[...document.querySelectorAll("#summary .counts li")].map((li) => li.textContent)].join("\n"),
      );
      assert.equal(`${shown}\n`, block.text, `${where}: the viewer's summary differs`);
      await clean();
      await context.close();
      ran.viewer++;
    } else if (block.lang === "text" && last?.directive === "serve") {
      assert.equal(d, "", `${where}: unknown directive ${d}`);
      const want = block.text.split("\n").slice(0, -1);
      const { context, page, logs, clean } = await open(`${server.url}/`);
      // The module logs asynchronously (fetches, wasm compile): wait for every line, then
      // a moment more so that an extra line would be seen.
      const deadline = Date.now() + 30_000;
      while (logs.length < want.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(logs, want, `${where}: the console differs`);
      await clean();
      await context.close();
      ran.console++;
    } else {
      assert.equal(d, "", `${where}: unknown directive ${d}`);
      assert.ok(["js", "text"].includes(block.lang), `${where}: a ${block.lang} block is not run`);
      assert.fail(`${where}: a ${block.lang} block that nothing runs (give it file=, or put it after a server)`);
    }
    last = block;
  }
  // The page's shape: the build skipped (stage browser runs it), the site laid out, the
  // example written, both servers started, both outputs compared.
  assert.deepEqual(ran, { sh: 2, file: 1, serve: 2, console: 1, viewer: 1, skip: 1 });
});
