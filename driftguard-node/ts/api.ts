/**
 * The JavaScript API: `load`, `diff`, `render`, `rules`. Every behaviour is the core's
 * (through the native addon); this module only dispatches on argument types and wraps
 * the results in idiomatic classes.
 */
import { readFileSync } from 'node:fs';

import binding = require('../index.js');
import { DriftGuardError, native } from './errors.js';

/** Input formats (`auto` detects OpenAPI, Swagger, JSON Schema, MCP captures and snapshots). */
export type InputFormat = 'auto' | 'openapi' | 'swagger' | 'json-schema' | 'mcp' | 'samples' | 'snapshot' | 'package';
/** Output formats of `render` and `driftguard diff --format`. */
export type OutputFormat = 'text' | 'json' | 'markdown' | 'github' | 'junit' | 'sarif';
/** `breaking` > `dangerous` > `safe`. */
export type Severity = 'breaking' | 'dangerous' | 'safe';
/** From which severity a report fails; `never` never fails. */
export type Threshold = Severity | 'never';
/** Where a change was found: schemas in `input` and `output` position are judged in opposite directions. */
export type Position = 'input' | 'output' | 'surface';

/** One classified change (see `Report.changes`). */
export interface Change {
  /** The rule id (stable kebab-case), see `rules()`. */
  rule: string;
  /** The severity after policy. */
  severity: Severity;
  /** Where the change was found. */
  position: Position;
  /** RFC 6901 pointer into the new snapshot (into the old one for removals). */
  pointer: string;
  /** Human path, e.g. `POST /orders › request body › lines[] › qty`. */
  path: string;
  /** One line saying what changed and why it matters. */
  message: string;
  /** The value before (absent when something was added). */
  before?: unknown;
  /** The value after (absent when something was removed). */
  after?: unknown;
  /** Tags such as `security`. */
  tags: string[];
}

/** A change the policy ignored, with the reason the policy gives. */
export interface IgnoredChange {
  change: Change;
  reason: string;
}

/** Counts per severity. */
export interface Summary {
  breaking: number;
  dangerous: number;
  safe: number;
}

/** The report document (`driftguard.report/1`), as `--format json` prints it. */
export interface ReportDocument {
  changes: Change[];
  format: string;
  ignored?: IgnoredChange[];
  new: string;
  old: string;
  summary: Summary;
}

/** A snapshot document (`driftguard.snapshot/1`), see conformance/SNAPSHOT.md. */
export interface SnapshotDocument {
  format: string;
  kind: 'openapi' | 'json-schema' | 'mcp' | 'samples' | 'package';
  digest: string;
  meta: Record<string, unknown>;
  schemas: Record<string, unknown>;
  surface: Record<string, unknown>;
  source?: unknown;
}

/** Severities of a rule per profile. */
export interface Levels {
  strict: Severity;
  standard: Severity;
  lenient: Severity;
}

/** One rule of the registry. */
export interface Rule {
  id: string;
  area: string;
  description: string;
  input?: Levels;
  output?: Levels;
  surface?: Levels;
  condition?: { when: string; input?: Levels; output?: Levels; surface?: Levels };
  mirror?: string;
  tags?: string[];
  notes?: string;
}

/** A policy document: the same shape as `driftguard.toml`'s policy (TOML or JSON). */
export interface PolicyDocument {
  profile?: 'strict' | 'standard' | 'lenient';
  fail_on?: Threshold;
  schema_position?: 'input' | 'output' | 'both';
  overrides?: Record<string, Severity>;
  ignore?: Array<{ rule: string; location: string; reason: string; expires?: string }>;
}

/** How to read a document. */
export interface LoadOptions {
  /** The input format (default `auto`). */
  format?: InputFormat;
  /** Where and when it was captured: kept in the snapshot's `source`, outside the digest. */
  source?: unknown;
  /** The largest input in bytes (default 256 MiB): larger is `E_TOO_LARGE`. */
  maxBytes?: number;
  /** The deepest nesting (default 256): deeper is `E_TOO_DEEP`. */
  maxDepth?: number;
}

/** What `load` and `diff` accept: document text, bytes, a parsed document (plain object), or a snapshot. */
export type Input = string | Uint8Array | Snapshot | object | boolean | number | null;

/** How to compare. */
export interface DiffOptions extends Omit<LoadOptions, 'source'> {
  /** A policy: TOML text, or the document as a plain object. */
  policy?: string | PolicyDocument;
  /** Overrides the policy's threshold. */
  failOn?: Threshold;
  /** Today's date (`YYYY-MM-DD`) for `x-sunset` and ignore expiry; absent: no date-based judgment. */
  today?: string;
}

/** How to render. */
export interface RenderOptions {
  /** ANSI colours (text only). */
  color?: boolean;
  /** The contract file the report is about: GitHub annotations' `file=`, SARIF's artifact. */
  file?: string;
  /** Which changes JUnit counts as failures (default: the report's threshold). */
  failOn?: Threshold;
  /** SARIF's `tool.driver.version` (default: the core's version; `''` omits it). */
  toolVersion?: string;
}

/** A canonical snapshot of a contract, with its digest. */
export class Snapshot {
  /** @internal */
  readonly native: binding.Snapshot;

  /** @internal Use `load`. */
  constructor(handle: binding.Snapshot) {
    this.native = handle;
  }

  /** `openapi`, `json-schema`, `mcp` or `samples`. */
  get kind(): SnapshotDocument['kind'] {
    return this.native.kind as SnapshotDocument['kind'];
  }

  /** `sha256:…` over the canonical bytes (equal digests: no change). */
  get digest(): string {
    return this.native.digest;
  }

  /** The snapshot document (with `digest`, and `source` when set). */
  toJSON(): SnapshotDocument {
    return JSON.parse(native(() => this.native.toJsonText(false))) as SnapshotDocument;
  }

  /** Indented JSON with a final newline: exactly what `driftguard snapshot` prints. */
  toString(): string {
    return native(() => this.native.toJsonText(true));
  }

  /** The bytes the digest is computed over. */
  canonicalBytes(): Buffer {
    return native(() => this.native.canonicalBytes());
  }
}

/** Two snapshots compared: the classified changes. */
export class Report {
  /** @internal */
  readonly native: binding.Report;

  /** @internal Use `diff`. */
  constructor(handle: binding.Report) {
    this.native = handle;
  }

  /** The changes, in deterministic order. */
  get changes(): Change[] {
    try {
      return this.native.changes as Change[];
    } catch {
      // A before/after value nested deeper than Node-API's object conversion allows
      // (128 levels): the JSON text has no such limit.
      return this.toJSON().changes;
    }
  }

  /** Changes the policy ignored. */
  get ignored(): IgnoredChange[] {
    try {
      return this.native.ignored as IgnoredChange[];
    } catch {
      return this.toJSON().ignored ?? [];
    }
  }

  /** Counts per severity. */
  get summary(): Summary {
    return this.native.summary;
  }

  /** Digest of the old snapshot. */
  get old(): string {
    return this.native.old;
  }

  /** Digest of the new snapshot. */
  get new(): string {
    return this.native.new;
  }

  /** The most severe change, `null` when nothing changed. */
  get maxSeverity(): Severity | null {
    return this.native.maxSeverity as Severity | null;
  }

  /** The threshold the report fails from. */
  get failOn(): Threshold {
    return this.native.failOn as Threshold;
  }

  /** True when a change is at or above the threshold (the CLI exits 1). */
  get failed(): boolean {
    return this.native.failed;
  }

  /** Renders the report (default `text`). */
  render(format: OutputFormat = 'text', options: RenderOptions = {}): string {
    return native(() => this.native.render(format, options));
  }

  /** The report document. */
  toJSON(): ReportDocument {
    return JSON.parse(native(() => this.native.toJsonText(false))) as ReportDocument;
  }
}

function nativeLoadOptions(options: LoadOptions): binding.LoadOptions {
  const out: binding.LoadOptions = {};
  if (options.format !== undefined) out.format = options.format;
  if (options.source !== undefined) out.source = options.source;
  if (options.maxBytes !== undefined) out.maxBytes = options.maxBytes;
  if (options.maxDepth !== undefined) out.maxDepth = options.maxDepth;
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads a contract into a snapshot.
 *
 * - a string is the document's text (JSON or YAML) — use `loadFile` for a path;
 * - a `Uint8Array`/`Buffer` is its bytes;
 * - any other JSON value (a plain object, array, boolean, number or null) is the parsed
 *   document, converted to JSON in the addon (with `format: 'samples'`: one payload);
 * - a `Snapshot` is returned as is.
 *
 * Throws `DriftGuardError` with the core's code (`E_PARSE`, `E_UNSUPPORTED_FORMAT`…).
 */
export function load(input: Input, options: LoadOptions = {}): Snapshot {
  if (input instanceof Snapshot) return input;
  const o = nativeLoadOptions(options);
  if (typeof input === 'string') {
    return new Snapshot(native(() => binding.loadBytes(Buffer.from(input, 'utf8'), o)));
  }
  if (input instanceof Uint8Array) {
    return new Snapshot(native(() => binding.loadBytes(asBuffer(input), o)));
  }
  if (input === undefined || typeof input === 'function' || typeof input === 'symbol' || typeof input === 'bigint') {
    throw new DriftGuardError(
      'E_INVALID',
      `load takes document text, bytes, a parsed document or a Snapshot, not ${typeof input}`,
    );
  }
  // Any other JSON value (object, array, boolean, number, null) is a parsed document;
  // with format "samples" it is one payload (use loadSamples for several).
  return new Snapshot(native(() => binding.loadValue(input, o)));
}

/** Reads a file (JSON or YAML) into a snapshot. A missing file is `E_FETCH`. */
export function loadFile(path: string, options: LoadOptions = {}): Snapshot {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DriftGuardError('E_FETCH', `cannot read ${path}: ${(e as Error).message}`);
  }
  return load(bytes, options);
}

/** Infers a `samples` snapshot from observed JSON payloads. */
export function loadSamples(payloads: unknown[], options: Omit<LoadOptions, 'format'> = {}): Snapshot {
  if (!Array.isArray(payloads)) {
    throw new DriftGuardError('E_INVALID', 'loadSamples takes an array of payloads');
  }
  const o = nativeLoadOptions({ ...options, format: 'samples' });
  return new Snapshot(native(() => binding.loadSamples(payloads, o)));
}

/**
 * Classifies the changes from `oldInput` to `newInput` (documents, bytes, parsed
 * documents or snapshots; `format` applies to both).
 */
export function diff(oldInput: Input, newInput: Input, options: DiffOptions = {}): Report {
  const { policy, failOn, today, ...loadOptions } = options;
  const oldSnapshot = load(oldInput, loadOptions);
  const newSnapshot = load(newInput, loadOptions);
  const o: binding.DiffOptions = {};
  if (typeof policy === 'string') o.policyToml = policy;
  else if (policy !== undefined) o.policyJson = JSON.stringify(policy);
  if (failOn !== undefined) o.failOn = failOn;
  if (today !== undefined) o.today = today;
  return new Report(native(() => binding.diff(oldSnapshot.native, newSnapshot.native, o)));
}

/**
 * Renders a report: a `Report`, a report document (plain object, e.g. read back from
 * `--format json` output) or its JSON text.
 */
export function render(
  report: Report | ReportDocument | string,
  format: OutputFormat = 'text',
  options: RenderOptions = {},
): string {
  let r: Report;
  if (report instanceof Report) r = report;
  else if (typeof report === 'string') r = new Report(native(() => binding.reportFromJson(report)));
  else r = new Report(native(() => binding.reportFromJson(JSON.stringify(report))));
  return r.render(format, options);
}

/** The rule registry (198 rules), in the registry's order. */
export function rules(): Rule[] {
  const doc = JSON.parse(native(() => binding.rulesJson())) as { rules: Rule[] };
  return doc.rules;
}

/** The version of the core. */
export const version: string = binding.coreVersion();

/** The snapshot format this build reads and writes. */
export const SNAPSHOT_FORMAT: string = binding.snapshotFormat();

/** Every code the core can throw, from the addon (tests compare it with `CORE_ERROR_CODES`). */
export function coreErrorCodes(): string[] {
  return binding.errorCodes();
}
