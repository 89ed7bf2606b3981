/** `capture`: any source → a snapshot, in one call. */
import { load, loadSamples, type InputFormat, type Snapshot } from './api.js';
import { readSource, sampleEndpoint, type FetchOptions } from './fetch.js';
import { captureMcpHttp, captureMcpStdio, type McpCaptureOptions, type McpStdioServer } from './mcp.js';
import { capturePackage, packageDocumentText, type PackageOptions } from './package/index.js';

/** What to capture (exactly one of `source`, `mcpStdio`, `mcpHttp`, `endpoint`, `package`). */
export interface CaptureOptions extends FetchOptions, McpCaptureOptions, Pick<PackageOptions, 'registry' | 'cacheDir' | 'limits'> {
  /** The source's format (default `auto`). */
  format?: InputFormat;
  /** `samples` of `endpoint` (default 3). */
  samples?: number;
  /** Pause between samples, ms (default 1000). */
  intervalMs?: number;
}

/** A source to capture. */
export type CaptureSource =
  | string
  | { file: string }
  | { url: string }
  | { mcpStdio: McpStdioServer }
  | { mcpHttp: string }
  | { endpoint: string }
  | { package: string };

/**
 * Captures a contract and returns its snapshot (with `source` set: what was captured
 * and when; outside the digest). A string is a file path, `-` or an http(s) URL.
 */
export async function capture(source: CaptureSource, options: CaptureOptions = {}): Promise<Snapshot> {
  const at = new Date().toISOString();
  if (typeof source === 'string' || 'file' in source || 'url' in source) {
    const where = typeof source === 'string' ? source : 'file' in source ? source.file : source.url;
    const bytes = await readSource(where, options);
    return load(bytes, { format: options.format ?? 'auto', source: { location: where, capturedAt: at } });
  }
  if ('mcpStdio' in source) {
    const doc = await captureMcpStdio(source.mcpStdio, options);
    return load(doc, { format: 'mcp', source: { command: source.mcpStdio.command, capturedAt: at } });
  }
  if ('mcpHttp' in source) {
    const doc = await captureMcpHttp(source.mcpHttp, options);
    return load(doc, { format: 'mcp', source: { location: source.mcpHttp, capturedAt: at } });
  }
  if ('package' in source) {
    const doc = await capturePackage(source.package, options);
    return load(Buffer.from(packageDocumentText(doc), 'utf8'), {
      format: 'package',
      source: { location: source.package, capturedAt: at },
    });
  }
  const samples = await sampleEndpoint(source.endpoint, options);
  return loadSamples(samples, { source: { location: source.endpoint, capturedAt: at } });
}
