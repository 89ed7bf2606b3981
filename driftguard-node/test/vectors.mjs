// Reading the conformance vectors (conformance/README.md): discovery in path order,
// strict JSON without duplicate keys, the structure checks, and the bytes each input
// form denotes. Shared by the conformance and CLI tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const VECTORS = join(REPO, 'conformance', 'vectors');

/** Every vector, relative to vectors/ with `/` separators, in code point order. */
export function discover(dir = VECTORS) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Throws on a duplicate key anywhere in JSON text (JSON.parse keeps the last silently). */
export function rejectDuplicateKeys(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (pointer) => {
    ws();
    if (text[i] === '{') {
      i++;
      const seen = new Set();
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = string();
        if (seen.has(key)) throw new Error(`duplicate key ${JSON.stringify(key)} at ${pointer || '/'}`);
        seen.add(key);
        ws();
        i++; // colon
        value(`${pointer}/${key}`);
        ws();
        if (text[i++] === '}') return;
      }
    } else if (text[i] === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${pointer}/${n}`);
        ws();
        if (text[i++] === ']') return;
      }
    } else if (text[i] === '"') {
      string();
    } else {
      while (i < text.length && !',]} \t\n\r'.includes(text[i])) i++;
    }
  };
  value('');
}

const FORMATS = ['auto', 'openapi', 'swagger', 'json-schema', 'mcp', 'samples', 'snapshot', 'package'];
const MEMBERS = {
  normalize: { allowed: ['description', 'expect', 'format', 'inputs'], required: ['description', 'expect', 'inputs'] },
  diff: {
    allowed: ['description', 'expect', 'format', 'new', 'old', 'policy', 'today'],
    required: ['description', 'expect', 'new', 'old'],
  },
  render: { allowed: ['description', 'expect', 'format', 'options', 'report'], required: ['description', 'expect', 'format', 'report'] },
};
const RENDER_FORMATS = ['text', 'json', 'markdown', 'github', 'junit', 'sarif'];
const RENDER_OPTIONS = ['color', 'fail_on', 'file', 'tool_version'];

function checkInput(input, at, problems) {
  const keys = input && typeof input === 'object' && !Array.isArray(input) ? Object.keys(input) : [];
  if (keys.length !== 1 || !['base64', 'json', 'samples', 'text'].includes(keys[0])) {
    problems.push(`${at} must be an object with one member: json, text, base64 or samples`);
    return;
  }
  const [form] = keys;
  if ((form === 'text' || form === 'base64') && typeof input[form] !== 'string') problems.push(`${at}/${form} must be a string`);
  if (form === 'samples' && !Array.isArray(input.samples)) problems.push(`${at}/samples must be an array`);
}

/** The structure problems of a vector (empty: well-formed). */
export function structureProblems(kind, v) {
  const problems = [];
  const spec = MEMBERS[kind];
  if (!spec) return [`unknown vector kind ${JSON.stringify(kind)}`];
  if (!v || typeof v !== 'object' || Array.isArray(v)) return ['a vector is a JSON object'];
  for (const k of Object.keys(v)) if (!spec.allowed.includes(k)) problems.push(`unknown member /${k}`);
  for (const k of spec.required) if (!(k in v)) problems.push(`/${k} is required`);
  if (typeof v.description !== 'string' || !v.description || v.description.includes('\n')) {
    problems.push('/description must be a non-empty one-line string');
  }
  const expect = v.expect;
  const expectKeys = expect && typeof expect === 'object' ? Object.keys(expect) : [];
  if (expectKeys.length !== 1) problems.push('/expect must have exactly one member');
  if (kind === 'normalize' || kind === 'diff') {
    if (v.format !== undefined && !FORMATS.includes(v.format)) problems.push('/format is not an input format');
  }
  if (kind === 'normalize') {
    if (!Array.isArray(v.inputs) || v.inputs.length === 0) problems.push('/inputs must be a non-empty array');
    else v.inputs.forEach((inp, i) => checkInput(inp, `/inputs/${i}`, problems));
    if (expectKeys[0] && !['error', 'snapshot'].includes(expectKeys[0])) problems.push('/expect must be error or snapshot');
  }
  if (kind === 'diff') {
    checkInput(v.old, '/old', problems);
    checkInput(v.new, '/new', problems);
    if (v.policy !== undefined && (typeof v.policy !== 'object' || Array.isArray(v.policy) || v.policy === null)) {
      problems.push('/policy must be an object');
    }
    if (v.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(v.today)) problems.push('/today must be YYYY-MM-DD');
    if (expectKeys[0] && !['error', 'changes'].includes(expectKeys[0])) problems.push('/expect must be error or changes');
  }
  if (kind === 'render') {
    if (!RENDER_FORMATS.includes(v.format)) problems.push('/format must name an output format');
    if (v.options !== undefined) {
      for (const k of Object.keys(v.options)) if (!RENDER_OPTIONS.includes(k)) problems.push(`unknown member /options/${k}`);
    }
    if (expectKeys[0] && expectKeys[0] !== 'output') problems.push('/expect must be output');
  }
  return problems;
}

/** Reads and checks one vector: { kind, vector } (throws with the reason when malformed). */
export function readVector(rel) {
  const text = readFileSync(join(VECTORS, rel), 'utf8');
  rejectDuplicateKeys(text);
  const vector = JSON.parse(text);
  const kind = rel.split('/')[0];
  const problems = structureProblems(kind, vector);
  if (problems.length) throw new Error(`malformed vector: ${problems.join('; ')}`);
  return { kind, vector };
}

/** The bytes an input denotes (json: serialized the JavaScript way; samples: JSON Lines). */
export function inputBytes(input) {
  if ('text' in input) return Buffer.from(input.text, 'utf8');
  if ('base64' in input) return Buffer.from(input.base64, 'base64');
  if ('json' in input) return Buffer.from(JSON.stringify(input.json), 'utf8');
  return Buffer.from(input.samples.map((p) => JSON.stringify(p)).join('\n'), 'utf8');
}

/** The first JSON Pointer where two JSON values differ, or null. */
export function firstDifference(expected, actual, pointer = '') {
  const type = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (type(expected) !== type(actual)) return `${pointer || '/'}: expected ${type(expected)}, got ${type(actual)}`;
  if (Array.isArray(expected)) {
    if (expected.length !== actual.length) return `${pointer || '/'}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(expected[i], actual[i], `${pointer}/${i}`);
      if (d) return d;
    }
    return null;
  }
  if (expected && typeof expected === 'object') {
    const ek = Object.keys(expected).sort();
    const ak = Object.keys(actual).sort();
    for (const k of new Set([...ek, ...ak])) {
      const p = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!(k in actual)) return `${p}: missing`;
      if (!(k in expected)) return `${p}: unexpected`;
      const d = firstDifference(expected[k], actual[k], p);
      if (d) return d;
    }
    return null;
  }
  return Object.is(expected, actual) || expected === actual ? null : `${pointer || '/'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
