/** The ES module entry: the same objects as the CommonJS entry (one addon, one set of classes). */
import driftguard from './index.js';

export const {
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
  CORE_ERROR_CODES,
  DriftGuardError,
  FETCH_ERROR_CODES,
  DEFAULT_MAX_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_REDIRECTS,
  expandEnv,
  fetchUrl,
  readSource,
  sampleEndpoint,
  captureDocumentText,
  captureMcpHttp,
  captureMcpStdio,
  capture,
  capturePackage,
  capturePackageText,
  comparePackages,
  fetchApproved,
  fetchPackage,
  packageDocumentText,
  parsePackageSpec,
} = driftguard;
export type * from './index.js';
export default driftguard;
