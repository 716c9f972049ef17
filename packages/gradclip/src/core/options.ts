/**
 * Checking an options object in one place, before any field is read: it
 * must be a plain object (or omitted), every key must be one the function
 * knows (a typo is an error that names the nearest valid key and lists them
 * all), no value may be `null` unless the option gives `null` a meaning, and
 * every value must have the option's type. Range checks of each value stay
 * with its function (`require*` in `./errors.ts`).
 */
import { GradclipArgumentError, describeValue } from './errors.js';

/**
 * The JavaScript type an option accepts; `'null'` lets `null` through where it
 * has a meaning; `'checked'` means the function validates the value itself
 * (type and range, with a message of its own), so only its key and `null`
 * are checked here.
 */
export type OptionType = 'number' | 'boolean' | 'string' | 'function' | 'object' | 'array' | 'regexp' | 'null' | 'checked';

/** For each valid key, the type (or types) it accepts. */
export type OptionSchema = Readonly<Record<string, OptionType | readonly OptionType[]>>;

function typeOf(v: unknown): OptionType | 'undefined' | 'other' {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'array';
  if (v instanceof RegExp) return 'regexp';
  const t = typeof v;
  if (t === 'number' || t === 'boolean' || t === 'string' || t === 'function' || t === 'object') return t;
  return 'other';
}

/** Edit distance (insertions, deletions, substitutions), case-insensitive, for "did you mean". */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** The valid key nearest to `key` (edit distance at most 3, or a case/underscore variant), or undefined. */
export function nearestKey(key: string, valid: readonly string[]): string | undefined {
  const squash = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  const exact = valid.find((k) => squash(k) === squash(key));
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestD = 4;
  for (const k of valid) {
    const d = distance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/**
 * Checks `options` against `schema` (see the module comment) and returns it
 * typed; `undefined` gives `{}`.
 *
 * @param fn - the public function, for messages (`"transforms.zClip"`)
 * @param what - the argument's name in messages
 * @throws GradclipArgumentError naming the key, the value received and the fix
 */
export function checkOptions<T extends object>(fn: string, options: unknown, schema: OptionSchema, what = 'options'): T {
  if (options === undefined) return {} as T;
  const valid = Object.keys(schema);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new GradclipArgumentError(
      `${fn}: ${what} must be an object such as {${valid[0] ?? ''}: …} or left out, got ${Array.isArray(options) ? 'an array' : describeValue(options)}`,
    );
  }
  const rec = options as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      const near = nearestKey(key, valid);
      throw new GradclipArgumentError(
        `${fn}: unknown option ${JSON.stringify(key)} in ${what}${near !== undefined ? `; did you mean ${JSON.stringify(near)}?` : ''} ` +
          `(valid options: ${valid.join(', ') || 'none'})`,
      );
    }
    const v = rec[key];
    if (v === undefined) continue;
    const types = schema[key];
    const allowed: readonly OptionType[] = typeof types === 'string' ? [types] : types;
    const got = typeOf(v);
    if (got === 'null' && !allowed.includes('null')) {
      throw new GradclipArgumentError(`${fn}: ${what}.${key} is null; leave it out for the default, or pass a ${allowed.join(' or ')}`);
    }
    if (allowed.includes('checked')) continue;
    if (!(allowed as readonly string[]).includes(got)) {
      throw new GradclipArgumentError(
        `${fn}: ${what}.${key} must be a ${allowed.join(' or ')}, got ${got === 'other' ? typeof v : got === 'string' || got === 'number' ? describeValue(v) : got}`,
      );
    }
  }
  return rec as T;
}
