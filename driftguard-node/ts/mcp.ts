/**
 * MCP capture with the official SDK (`@modelcontextprotocol/sdk`): connect over stdio or
 * Streamable HTTP (falling back to the legacy HTTP+SSE transport), list every catalog the
 * server's capabilities offer, following `nextCursor`, and write the capture document of
 * conformance/MCP_CAPTURE.md — the raw results, exactly as the server sent them.
 *
 * A server that fails to start, crashes, writes garbage or breaks the protocol is
 * `E_MCP` (with its exit status and the last 20 lines of its stderr); one that does not
 * answer in time is `E_TIMEOUT`. A stdio server runs in its own process group, which is
 * always killed and reaped before the capture returns.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

import { DriftGuardError, asDriftGuardError } from './errors.js';
import { DEFAULT_TIMEOUT_MS, displayUrl, expandEnv, expandHeaders } from './fetch.js';

/** The MCP capture document (conformance/MCP_CAPTURE.md). */
export interface McpCaptureDocument {
  initialize: Record<string, unknown>;
  tools?: unknown[];
  prompts?: unknown[];
  resources?: unknown[];
  resourceTemplates?: unknown[];
}

/** A server started as a child process, spoken to over stdin/stdout. */
export interface McpStdioServer {
  command: string;
  args?: string[];
  /** Extra environment (values may use `${VAR}`). The child gets only these plus the SDK's safe defaults (PATH, HOME…). */
  env?: Record<string, string>;
  cwd?: string;
}

/** Options of `captureMcp`. */
export interface McpCaptureOptions {
  /** Deadline for the whole capture, ms (default 30 000). */
  timeoutMs?: number;
  /** HTTP headers (values may use `${VAR}`). */
  headers?: Record<string, string>;
  /** Called with progress lines (the CLI prints them on a terminal). */
  progress?: (line: string) => void;
  /** The environment `${VAR}` reads (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Use header and `--env` values as given, without `${VAR}` expansion (already expanded by the capture plan). */
  verbatim?: boolean;
}

/** Lines of a child's stderr kept for error messages. */
const STDERR_LINES = 20;
/** The longest line accepted from a server's stdout. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Pages followed per list before giving up (a server looping on its cursor). */
const MAX_PAGES = 10_000;

/** The SDK, loaded on first use so `require('driftguard')` stays fast. */
async function sdk() {
  const [client, sse, http, types, stdio] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
  ]);
  return {
    Client: client.Client,
    SSEClientTransport: sse.SSEClientTransport,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
    ResultSchema: types.ResultSchema,
    JSONRPCMessageSchema: types.JSONRPCMessageSchema,
    getDefaultEnvironment: stdio.getDefaultEnvironment,
  };
}

type Sdk = Awaited<ReturnType<typeof sdk>>;
type SdkClient = InstanceType<Sdk['Client']>;

/** A failure channel: the first fatal problem a transport sees, as a rejected promise. */
class Failure {
  readonly promise: Promise<never>;
  private rejectFn: (e: DriftGuardError) => void = () => undefined;
  failed: DriftGuardError | null = null;

  constructor() {
    this.promise = new Promise<never>((_resolve, reject) => {
      this.rejectFn = reject;
    });
    this.promise.catch(() => undefined);
  }

  fail(e: DriftGuardError): void {
    if (this.failed) return;
    this.failed = e;
    this.rejectFn(e);
  }
}

/**
 * Stdio transport over a child in its own process group (so grandchildren die with it),
 * with the SDK's message schema, stderr kept for diagnostics and fail-fast on garbage.
 */
class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private child: ChildProcess | null = null;
  private pending = '';
  private stderrPending = '';
  private readonly stderrTail: string[] = [];
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private exited: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly server: McpStdioServer & { env: Record<string, string> },
    private readonly schema: Sdk['JSONRPCMessageSchema'],
    private readonly failure: Failure,
  ) {}

  /** `exit code N` / `killed by SIGX` / `still running`. */
  status(): string {
    if (!this.exitInfo) return 'still running';
    return this.exitInfo.signal ? `killed by ${this.exitInfo.signal}` : `exit code ${this.exitInfo.code}`;
  }

  /** The last lines of the server's stderr, for error messages. */
  stderr(): string {
    const lines = [...this.stderrTail];
    if (this.stderrPending) lines.push(this.stderrPending);
    const tail = lines.slice(-STDERR_LINES);
    return tail.length ? `; last lines of its stderr:\n${tail.map((l) => `  | ${l}`).join('\n')}` : '; it wrote nothing on stderr';
  }

  private mcpError(what: string): DriftGuardError {
    return new DriftGuardError('E_MCP', `MCP server ${JSON.stringify(this.server.command)} ${what} (${this.status()})${this.stderr()}`);
  }

  async start(): Promise<void> {
    const child = spawn(this.server.command, this.server.args ?? [], {
      cwd: this.server.cwd,
      env: this.server.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    });
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    child.once('exit', (code, signal) => {
      this.exitInfo = { code, signal };
    });
    child.once('close', () => {
      if (!this.closing) this.failure.fail(this.mcpError('exited before the capture finished'));
      this.onclose?.();
    });
    child.stdin?.on('error', () => undefined);
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr?.on('data', (chunk: string) => this.onStderr(chunk));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => {
        const err = new DriftGuardError('E_MCP', `MCP server ${JSON.stringify(this.server.command)} failed to start: ${e.message}`);
        this.failure.fail(err);
        reject(err);
      });
    });
  }

  private onStderr(chunk: string): void {
    const lines = (this.stderrPending + chunk).split('\n');
    this.stderrPending = (lines.pop() ?? '').slice(-4096);
    for (const l of lines) {
      this.stderrTail.push(l.replace(/\r$/, '').slice(0, 4096));
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
    }
  }

  private onStdout(chunk: string): void {
    this.pending += chunk;
    if (this.pending.length > MAX_LINE_BYTES) {
      this.failure.fail(this.mcpError(`wrote a line longer than ${MAX_LINE_BYTES} bytes on stdout`));
      return;
    }
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).replace(/\r$/, '');
      this.pending = this.pending.slice(nl + 1);
      if (!line.trim()) continue;
      let message: JSONRPCMessage;
      try {
        message = this.schema.parse(JSON.parse(line)) as JSONRPCMessage;
      } catch {
        const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
        this.failure.fail(this.mcpError(`wrote something that is not JSON-RPC on stdout: ${JSON.stringify(shown)}`));
        return;
      }
      this.onmessage?.(message);
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) throw this.mcpError('is not running');
    await new Promise<void>((resolve, reject) => {
      stdin.write(JSON.stringify(message) + '\n', (e) => (e ? reject(this.mcpError(`closed its stdin (${e.message})`)) : resolve()));
    });
  }

  /** Ends the server: SIGTERM to the process group, SIGKILL after 2 s, then waits for it to be reaped. */
  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child || child.pid === undefined) return;
    child.stdin?.end();
    const pid = child.pid;
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // the group is gone already
      }
    };
    kill('SIGTERM');
    const killer = setTimeout(() => kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(killer);
    // Grandchildren that ignored SIGTERM: the group gets a SIGKILL in any case.
    kill('SIGKILL');
  }
}

/** Wraps a transport to keep the raw `result` of every response, by request id and method. */
class RecordingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private readonly methods = new Map<string | number, string>();
  private readonly last = new Map<string, unknown>();

  constructor(readonly inner: Transport) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  async start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (e) => this.onerror?.(e);
    this.inner.onmessage = (message, extra) => {
      if ('id' in message && 'result' in message) {
        const method = this.methods.get(message.id);
        if (method !== undefined) this.last.set(method, message.result);
      }
      this.onmessage?.(message, extra);
    };
    await this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('method' in message && 'id' in message) this.methods.set(message.id, message.method);
    await this.inner.send(message, options);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }

  /** The raw result of the last response to `method`. */
  result(method: string): Record<string, unknown> {
    const r = this.last.get(method);
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new DriftGuardError('E_MCP', `the server's ${method} result is not an object`);
    }
    return r as Record<string, unknown>;
  }
}

/** A deadline: rejects with `E_TIMEOUT` naming the step in progress. */
class Deadline {
  readonly promise: Promise<never>;
  private timer: NodeJS.Timeout | undefined;
  step = 'connect';
  readonly end: number;

  constructor(readonly ms: number, what: string) {
    this.end = Date.now() + ms;
    this.promise = new Promise<never>((_resolve, reject) => {
      this.timer = setTimeout(
        () => reject(new DriftGuardError('E_TIMEOUT', `${what} did not finish ${this.step} within ${ms / 1000} s`)),
        ms,
      );
    });
    this.promise.catch(() => undefined);
  }

  remaining(): number {
    return Math.max(1, this.end - Date.now());
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

async function listAll(
  client: SdkClient,
  recorder: RecordingTransport,
  s: Sdk,
  deadline: Deadline,
  method: string,
  key: string,
): Promise<unknown[]> {
  const out: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    deadline.step = `${method}${page ? ` (page ${page + 1})` : ''}`;
    await client.request({ method, params: cursor === undefined ? {} : { cursor } }, s.ResultSchema, {
      timeout: deadline.remaining(),
    });
    const result = recorder.result(method);
    const items = result[key];
    if (items !== undefined && !Array.isArray(items)) {
      throw new DriftGuardError('E_MCP', `the server's ${method} result has no ${key} array`);
    }
    out.push(...(items ?? []));
    const next = result.nextCursor;
    if (next === undefined || next === null) return out;
    if (typeof next !== 'string') throw new DriftGuardError('E_MCP', `the server's ${method} nextCursor is not a string`);
    cursor = next;
  }
  throw new DriftGuardError('E_MCP', `the server's ${method} did not end after ${MAX_PAGES} pages`);
}

/** initialize (done by `connect`), then every list the capabilities offer. */
async function catalog(
  client: SdkClient,
  recorder: RecordingTransport,
  s: Sdk,
  deadline: Deadline,
  progress: (line: string) => void,
): Promise<McpCaptureDocument> {
  const initialize = recorder.result('initialize');
  const caps = (initialize.capabilities ?? {}) as Record<string, unknown>;
  const doc: McpCaptureDocument = { initialize };
  if (caps.tools) {
    doc.tools = await listAll(client, recorder, s, deadline, 'tools/list', 'tools');
    progress(`tools: ${doc.tools.length}`);
  }
  if (caps.prompts) {
    doc.prompts = await listAll(client, recorder, s, deadline, 'prompts/list', 'prompts');
    progress(`prompts: ${doc.prompts.length}`);
  }
  if (caps.resources) {
    doc.resources = await listAll(client, recorder, s, deadline, 'resources/list', 'resources');
    doc.resourceTemplates = await listAll(client, recorder, s, deadline, 'resources/templates/list', 'resourceTemplates');
    progress(`resources: ${doc.resources.length}, templates: ${doc.resourceTemplates.length}`);
  }
  return doc;
}

function newClient(s: Sdk): SdkClient {
  return new s.Client({ name: 'driftguard', version: '0.1.0' }, { capabilities: {} });
}

/** An SDK/protocol error as `E_MCP` (fetch-layer errors keep their code). */
function protocolError(e: unknown, where: string): DriftGuardError {
  if (e instanceof DriftGuardError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new DriftGuardError('E_MCP', `${where}: ${message}`);
}

/** Captures an MCP server started as a child process (stdio transport). */
export async function captureMcpStdio(server: McpStdioServer, options: McpCaptureOptions = {}): Promise<McpCaptureDocument> {
  const s = await sdk();
  const envSource = options.env ?? process.env;
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(server.env ?? {})) {
    extra[k] = options.verbatim ? v : expandEnv(v, envSource, `--env ${k}`);
  }
  const failure = new Failure();
  const transport = new ProcessGroupStdioTransport(
    { ...server, env: { ...s.getDefaultEnvironment(), ...extra } },
    s.JSONRPCMessageSchema,
    failure,
  );
  const recorder = new RecordingTransport(transport);
  const deadline = new Deadline(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, `MCP server ${JSON.stringify(server.command)}`);
  const client = newClient(s);
  const progress = options.progress ?? (() => undefined);
  try {
    const work = (async () => {
      deadline.step = 'initialize';
      progress(`starting ${server.command}`);
      await client.connect(recorder, { timeout: deadline.remaining() });
      return catalog(client, recorder, s, deadline, progress);
    })();
    work.catch(() => undefined);
    return await Promise.race([work, failure.promise, deadline.promise]);
  } catch (e) {
    // A crash or garbage seen by the transport explains an SDK error better than the SDK does.
    if (failure.failed) throw failure.failed;
    if (e instanceof DriftGuardError && e.code === 'E_TIMEOUT') {
      throw new DriftGuardError('E_TIMEOUT', `${e.message} (${transport.status()})${transport.stderr()}`);
    }
    throw protocolError(e, `MCP server ${JSON.stringify(server.command)} (${transport.status()})`);
  } finally {
    deadline.clear();
    await transport.close();
    await client.close().catch(() => undefined);
  }
}

/**
 * Captures an MCP server over HTTP: Streamable HTTP first, then the legacy HTTP+SSE
 * transport when the server does not speak it (the SDK's documented fallback).
 */
export async function captureMcpHttp(url: string, options: McpCaptureOptions = {}): Promise<McpCaptureDocument> {
  const s = await sdk();
  const headers = options.verbatim ? { ...(options.headers ?? {}) } : expandHeaders(options.headers, options.env ?? process.env);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DriftGuardError('E_FETCH', `not a valid URL: ${displayUrl(url)}`);
  }
  const where = `MCP server ${displayUrl(url)}`;
  const deadline = new Deadline(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, where);
  const progress = options.progress ?? (() => undefined);
  const attempt = async (transport: Transport): Promise<McpCaptureDocument> => {
    const recorder = new RecordingTransport(transport);
    const client = newClient(s);
    try {
      deadline.step = 'initialize';
      const work = (async () => {
        await client.connect(recorder, { timeout: deadline.remaining() });
        return catalog(client, recorder, s, deadline, progress);
      })();
      work.catch(() => undefined);
      return await Promise.race([work, deadline.promise]);
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  try {
    try {
      progress(`connecting to ${displayUrl(url)} (Streamable HTTP)`);
      return await attempt(new s.StreamableHTTPClientTransport(parsed, { requestInit: { headers } }));
    } catch (e) {
      if (e instanceof DriftGuardError && e.code === 'E_TIMEOUT') throw e;
      progress(`Streamable HTTP failed (${e instanceof Error ? e.message : String(e)}); trying HTTP+SSE`);
      try {
        return await attempt(new s.SSEClientTransport(parsed, { requestInit: { headers } }));
      } catch (e2) {
        if (e2 instanceof DriftGuardError) throw e2;
        const first = e instanceof Error ? e.message : String(e);
        const second = e2 instanceof Error ? e2.message : String(e2);
        throw new DriftGuardError('E_MCP', `${where}: Streamable HTTP failed (${first}); HTTP+SSE failed (${second})`);
      }
    }
  } catch (e) {
    throw asDriftGuardError(e);
  } finally {
    deadline.clear();
  }
}

/** The capture document as the CLI writes it: indented JSON and a final newline. */
export function captureDocumentText(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
