/**
 * Which registry a package comes from, read the way npm and pip read it (and as the
 * Python fetch layer does):
 *
 * - npm, first found wins: the environment (`npm_config_registry`, any case;
 *   `npm_config_@scope:registry`), the project `.npmrc` (the nearest one from the working
 *   directory upward), the user's (`npm_config_userconfig` or `~/.npmrc`);
 *   `@scope:registry=` wins over `registry=` for a scoped package; default
 *   `https://registry.npmjs.org/`. The chosen registry's credentials (`//host/path/:_authToken=`,
 *   `:_auth=`, `:username=` + `:_password=`) are sent as `Authorization` to that registry's
 *   scheme, host and port only, and never appear in a message. `${VAR}` in a value used is
 *   the environment variable (unset: `E_ENV`, naming the variable only).
 * - PyPI: `PIP_INDEX_URL`; else `index-url` of the pip configuration files (`[global]`,
 *   overridden by `[install]`), a later file overriding an earlier one:
 *   `$XDG_CONFIG_DIRS/pip/pip.conf` (`/etc/xdg`), `/etc/pip.conf`, `~/.pip/pip.conf`,
 *   `$XDG_CONFIG_HOME/pip/pip.conf` (`~/.config`), `$VIRTUAL_ENV/pip.conf`,
 *   `$PIP_CONFIG_FILE` (`/dev/null` there: no files); default `https://pypi.org/simple`.
 *   Userinfo in the URL becomes `Authorization: Basic` and is never shown.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { DriftGuardError } from '../errors.js';
import { displayUrl } from '../fetch.js';

/** npm's public registry. */
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';
/** PyPI's simple index (as pip writes it). */
export const DEFAULT_PYPI_INDEX = 'https://pypi.org/simple';

/** Where configuration is read from (defaults: the process's). */
export interface ConfigSources {
  env?: Record<string, string | undefined>;
  cwd?: string;
  home?: string;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A registry's URL and the request headers (credentials) for it; the headers are never printed. */
export interface RegistryConfig {
  /** The base URL, ending with `/`, without userinfo. */
  url: string;
  /** `Authorization` when the configuration has credentials for this registry. */
  headers: Record<string, string>;
}

/** The headers of `config` when `url` is on its scheme, host and port; else none. */
export function headersFor(config: RegistryConfig, url: string): Record<string, string> {
  try {
    const a = new URL(config.url);
    const b = new URL(url);
    if (a.protocol === b.protocol && a.hostname === b.hostname && a.port === b.port) return { ...config.headers };
  } catch {
    // not a URL: no credentials
  }
  return {};
}

/** Expands `${VAR}` as npm does; an unset variable is `E_ENV` (naming it, never a value). */
function expand(value: string, env: Record<string, string | undefined>, key: string, where: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new DriftGuardError('E_ENV', `${where}: ${key} uses \${${name}}, and environment variable ${name} is not set`);
    return v;
  });
}

/** Parses an `.npmrc`: `key=value` lines (the first of a key counts), `;`/`#` comments, quoted values. */
export function parseNpmrc(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'")) {
      value = value.slice(1, -1);
    }
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

function projectNpmrc(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, '.npmrc');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

type Layer = [where: string, values: Map<string, string>];

function npmLayers(env: Record<string, string | undefined>, cwd: string, home: string): Layer[] {
  const fromEnv = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !/^npm_config_/i.test(k)) continue;
    const key = k.slice('npm_config_'.length);
    const norm = key.startsWith('//') ? key : key.toLowerCase();
    if (!fromEnv.has(norm)) fromEnv.set(norm, v);
  }
  const layers: Layer[] = [['environment', fromEnv]];
  const project = projectNpmrc(cwd);
  if (project) {
    const text = readText(project);
    if (text !== undefined) layers.push([project, parseNpmrc(text)]);
  }
  const userPath = env['npm_config_userconfig'] || env['NPM_CONFIG_USERCONFIG'] || join(home, '.npmrc');
  const user = readText(userPath);
  if (user !== undefined) layers.push([userPath, parseNpmrc(user)]);
  return layers;
}

function npmAuth(url: string, layers: Layer[], env: Record<string, string | undefined>): Record<string, string> {
  const u = new URL(url);
  const segments = u.pathname.split('/').filter(Boolean);
  for (let n = segments.length; n >= 0; n--) {
    const nerf = `//${u.host}/${segments.slice(0, n).map((s) => `${s}/`).join('')}`;
    for (const [where, values] of layers) {
      const token = values.get(`${nerf}:_authToken`);
      if (token) return { Authorization: `Bearer ${expand(token, env, '_authToken', where)}` };
      const basic = values.get(`${nerf}:_auth`);
      if (basic) return { Authorization: `Basic ${expand(basic, env, '_auth', where)}` };
      const user = values.get(`${nerf}:username`);
      const password = values.get(`${nerf}:_password`);
      if (user && password) {
        const secret = Buffer.from(expand(password, env, '_password', where), 'base64').toString('utf8');
        return { Authorization: `Basic ${Buffer.from(`${expand(user, env, 'username', where)}:${secret}`).toString('base64')}` };
      }
    }
  }
  return {};
}

/** The npm registry (and its credentials) for a package name, as npm would pick it. */
export function npmRegistryConfig(name: string, sources: ConfigSources = {}): RegistryConfig {
  const env = sources.env ?? process.env;
  const home = sources.home ?? (env['HOME'] || homedir());
  const layers = npmLayers(env, sources.cwd ?? process.cwd(), home);
  const keys = name.startsWith('@') && name.includes('/') ? [`${name.slice(0, name.indexOf('/'))}:registry`, 'registry'] : ['registry'];
  let url = DEFAULT_NPM_REGISTRY;
  let origin = 'default';
  search: for (const key of keys) {
    for (const [where, values] of layers) {
      const v = values.get(key);
      if (v !== undefined) {
        url = expand(v, env, key, where);
        origin = `${where} (${key})`;
        break search;
      }
    }
  }
  url = withSlash(url);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    throw new DriftGuardError('E_PACKAGE', `the npm registry ${JSON.stringify(url)} (from ${origin}) is not an http(s) URL`);
  }
  return { url, headers: npmAuth(url, layers, env) };
}

/** The npm registry URL for a package name (scoped names may have their own). */
export function npmRegistry(name: string, sources: ConfigSources = {}): string {
  return npmRegistryConfig(name, sources).url;
}

/** `index-url` of a pip.conf (`[global]`, overridden by `[install]`), if any. */
export function pipConfIndexUrl(text: string): string | undefined {
  let section = '';
  const found: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = (header[1] as string).trim();
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!m || (section !== 'global' && section !== 'install')) continue;
    const key = (m[1] as string).toLowerCase();
    if ((key === 'index-url' || key === 'index_url') && (m[2] as string).trim()) found[section] = (m[2] as string).trim();
  }
  return found['install'] ?? found['global'];
}

function pipFiles(env: Record<string, string | undefined>, home: string): string[] {
  const explicit = env['PIP_CONFIG_FILE'];
  if (explicit === '/dev/null') return [];
  const xdgDirs = (env['XDG_CONFIG_DIRS'] || '/etc/xdg').split(':').filter(Boolean).reverse();
  const files = xdgDirs.map((d) => join(d, 'pip', 'pip.conf'));
  files.push('/etc/pip.conf', join(home, '.pip', 'pip.conf'), join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'pip', 'pip.conf'));
  if (env['VIRTUAL_ENV']) files.push(join(env['VIRTUAL_ENV'], 'pip.conf'));
  if (explicit) files.push(explicit);
  return files;
}

/** The PyPI index (and credentials from its userinfo, as `Authorization: Basic`), as pip would pick it. */
export function pypiIndexConfig(sources: ConfigSources = {}): RegistryConfig {
  const env = sources.env ?? process.env;
  const home = sources.home ?? (env['HOME'] || homedir());
  let url = env['PIP_INDEX_URL'] || undefined;
  if (!url) {
    // pip's order: a later file overrides an earlier one.
    for (const path of pipFiles(env, home)) {
      const text = readText(path);
      const found = text === undefined ? undefined : pipConfIndexUrl(text);
      if (found) url = found;
    }
  }
  return withoutUserinfo(withSlash(url ?? DEFAULT_PYPI_INDEX));
}

function withoutUserinfo(url: string): RegistryConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DriftGuardError('E_PACKAGE', `the package index ${JSON.stringify(displayUrl(url))} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new DriftGuardError('E_PACKAGE', `the package index ${JSON.stringify(displayUrl(url))} is not an http(s) URL`);
  }
  if (!u.username && !u.password) return { url, headers: {} };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers: { Authorization: `Basic ${Buffer.from(pair).toString('base64')}` } };
}

/** The PyPI simple index URL the machine is configured with. */
export function pypiIndex(sources: ConfigSources = {}): string {
  return pypiIndexConfig(sources).url;
}

/** A given registry/index URL as a configuration (userinfo becomes `Authorization`). */
export function givenRegistry(url: string): RegistryConfig {
  return withoutUserinfo(withSlash(url));
}
