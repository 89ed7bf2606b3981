/**
 * The one error type of the package: every failure — of the core or of the fetch
 * layer — is a `DriftGuardError` with a stable `code`.
 */

/** Codes of the core (`driftguard_core::Error::CODES`, same order). */
export const CORE_ERROR_CODES = [
  'E_PARSE',
  'E_ENCODING',
  'E_TOO_DEEP',
  'E_TOO_LARGE',
  'E_REF_UNRESOLVED',
  'E_REF_EXTERNAL',
  'E_REF_CYCLE',
  'E_UNSUPPORTED_FORMAT',
  'E_INVALID',
  'E_SNAPSHOT_VERSION',
  'E_CONFIG',
] as const;

/**
 * Codes of the fetch layer (files, HTTP, MCP, packages), shared with the Python package.
 * Packages: `E_PACKAGE` (no such package/version, a bad spec), `E_INTEGRITY` (the
 * downloaded bytes do not match the registry's digest), `E_ARCHIVE` (a hostile or broken
 * archive: traversal, absolute path, link, device, bomb, too many files, truncated).
 */
export const FETCH_ERROR_CODES = [
  'E_FETCH',
  'E_TIMEOUT',
  'E_REDIRECTS',
  'E_MCP',
  'E_ENV',
  'E_PACKAGE',
  'E_INTEGRITY',
  'E_ARCHIVE',
] as const;

/** A code of the core. */
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];
/** Every code a `DriftGuardError` can carry (`E_TOO_LARGE` is also a fetch-layer code). */
export type ErrorCode = CoreErrorCode | (typeof FETCH_ERROR_CODES)[number];

const ALL_CODES: ReadonlySet<string> = new Set<string>([...CORE_ERROR_CODES, ...FETCH_ERROR_CODES]);

/** An error with a stable machine-readable code (`err.code`), e.g. `E_PARSE`. */
export class DriftGuardError extends Error {
  /** The stable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'DriftGuardError';
    this.code = code;
  }

  /** `error[CODE]: message`, as the command line prints it. */
  override toString(): string {
    return `error[${this.code}]: ${this.message}`;
  }
}

/** True for a known code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && ALL_CODES.has(code);
}

/**
 * Runs a native call and turns what it throws into a `DriftGuardError`: errors of the
 * core keep their code; Node-API argument errors (a wrong type) become `E_INVALID`.
 */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw asDriftGuardError(e);
  }
}

/** Any thrown value as a `DriftGuardError` (codes kept when known, else `E_INVALID`). */
export function asDriftGuardError(e: unknown): DriftGuardError {
  if (e instanceof DriftGuardError) return e;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return new DriftGuardError(isErrorCode(code) ? code : 'E_INVALID', e.message);
  }
  return new DriftGuardError('E_INVALID', String(e));
}
