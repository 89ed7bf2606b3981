/**
 * DriftGuard for Node.js: capture contracts (OpenAPI, Swagger, JSON Schema, MCP servers,
 * sampled JSON), diff them with judgment (breaking / dangerous / safe), gate CI.
 *
 * ```js
 * const { diff } = require('driftguard');
 * const report = diff(oldDocumentText, newDocumentText);
 * if (report.failed) console.log(report.render('markdown'));
 * ```
 */
export {
  Report,
  Snapshot,
  SNAPSHOT_FORMAT,
  coreErrorCodes,
  diff,
  load,
  loadFile,
  loadSamples,
  render,
  rules,
  version,
} from './api.js';
export type {
  Change,
  DiffOptions,
  IgnoredChange,
  Input,
  InputFormat,
  Levels,
  LoadOptions,
  OutputFormat,
  PolicyDocument,
  Position,
  RenderOptions,
  ReportDocument,
  Rule,
  Severity,
  SnapshotDocument,
  Summary,
  Threshold,
} from './api.js';
export { CORE_ERROR_CODES, DriftGuardError, FETCH_ERROR_CODES } from './errors.js';
export type { CoreErrorCode, ErrorCode } from './errors.js';
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_REDIRECTS,
  expandEnv,
  fetchUrl,
  readSource,
  sampleEndpoint,
} from './fetch.js';
export type { FetchOptions, SampleOptions } from './fetch.js';
export { captureDocumentText, captureMcpHttp, captureMcpStdio } from './mcp.js';
export type { McpCaptureDocument, McpCaptureOptions, McpStdioServer } from './mcp.js';
export { capture } from './capture.js';
export type { CaptureOptions } from './capture.js';
export {
  capturePackage,
  capturePackageText,
  comparePackages,
  fetchApproved,
  fetchPackage,
  packageDocumentText,
  parsePackageSpec,
} from './package/index.js';
export type { FetchedPackage, PackageCaptureDocument, PackageFileEntry, PackageOptions, PackageSpec } from './package/index.js';
