/**
 * Which registry a package comes from, read the way npm and pip read it:
 *
 * - npm: `npm_config_@scope:registry` / `npm_config_registry` in the environment (any
 *   case), then the project `.npmrc` (the nearest one from the working directory
 *   upward), then the user's (`npm_config_userconfig` or `~/.npmrc`); `@scope:registry=`
 *   wins over `registry=` for a scoped package; default `https://registry.npmjs.org/`.
 * - PyPI: `PIP_INDEX_URL`, then `pip.conf` `[global] index-url` — `$PIP_CONFIG_FILE`,
 *   `$VIRTUAL_ENV/pip.conf`, `~/.config/pip/pip.conf` (`$XDG_CONFIG_HOME`),
 *   `~/.pip/pip.conf`, `/etc/pip.conf`, `/etc/xdg/pip/pip.conf`, first found wins in that
 *   order (pip's precedence); default `https://pypi.org/simple/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** npm's public registry. */
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';
/** PyPI's simple index. */
export const DEFAULT_PYPI_INDEX = 'https://pypi.org/simple/';

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

/** Parses an `.npmrc`: `key=value` lines, `;`/`#` comments, quoted values, `${VAR}` expanded. */
export function parseNpmrc(text: string, env: Record<string, string | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
      value = value.slice(1, -1);
    }
    value = value.replace(/\$\{([^${}]+)\}/g, (m, name: string) => env[name] ?? m);
    out.set(key, value);
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

/** The npm registry for a package name (scoped names may have their own). */
export function npmRegistry(name: string, sources: ConfigSources = {}): string {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const home = sources.home ?? homedir();
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  const keys = scope ? [`${scope}:registry`, 'registry'] : ['registry'];
  // Layers in precedence order: environment, project, user.
  const envLayer = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && /^npm_config_/i.test(k)) envLayer.set(k.slice('npm_config_'.length).toLowerCase(), v);
  }
  const layers: Map<string, string>[] = [envLayer];
  const project = projectNpmrc(cwd);
  const userPath = env['npm_config_userconfig'] ?? env['NPM_CONFIG_USERCONFIG'] ?? join(home, '.npmrc');
  if (project && resolve(project) !== resolve(userPath)) {
    const text = readText(project);
    if (text !== undefined) layers.push(parseNpmrc(text, env));
  }
  const user = readText(userPath);
  if (user !== undefined) layers.push(parseNpmrc(user, env));
  for (const key of keys) {
    for (const layer of layers) {
      const v = layer.get(key);
      if (v) return withSlash(v);
    }
  }
  return DEFAULT_NPM_REGISTRY;
}

/** `index-url` of the `[global]` section of a pip.conf (configparser syntax), if any. */
export function pipConfIndexUrl(text: string): string | undefined {
  let section = '';
  let found: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = (header[1] as string).trim();
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!m || section !== 'global') continue;
    const key = (m[1] as string).toLowerCase().replace(/_/g, '-');
    if (key === 'index-url' && m[2]) found = (m[2] as string).trim();
  }
  return found;
}

/** The PyPI simple index URL the machine is configured with. */
export function pypiIndex(sources: ConfigSources = {}): string {
  const env = sources.env ?? process.env;
  const home = sources.home ?? homedir();
  const fromEnv = env['PIP_INDEX_URL'];
  if (fromEnv) return withSlash(fromEnv);
  const configFile = env['PIP_CONFIG_FILE'];
  if (configFile === '/dev/null' || configFile === 'os.devnull') return DEFAULT_PYPI_INDEX;
  const xdg = env['XDG_CONFIG_HOME'] || join(home, '.config');
  const candidates = [
    configFile,
    env['VIRTUAL_ENV'] ? join(env['VIRTUAL_ENV'], 'pip.conf') : undefined,
    join(xdg, 'pip', 'pip.conf'),
    join(home, '.pip', 'pip.conf'),
    '/etc/pip.conf',
    '/etc/xdg/pip/pip.conf',
  ];
  for (const path of candidates) {
    if (!path) continue;
    const text = readText(path);
    const url = text === undefined ? undefined : pipConfIndexUrl(text);
    if (url) return withSlash(url);
  }
  return DEFAULT_PYPI_INDEX;
}
