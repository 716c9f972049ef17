/**
 * Escaping for the HTML reports: text and attribute values, and JSON placed
 * inside a `<script>` element.
 *
 * @module
 */
import { GradclipArgumentError } from 'gradclip';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes `s` for use as HTML text or as a quoted attribute value: replaces
 * `& < > " '` by their character references (the five characters the OWASP
 * XSS prevention cheat sheet, rule 1, lists).
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Serialises `value` as JSON that is safe inside `<script type="application/json">`:
 * `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026` (so neither `</script`
 * nor `<!--` can appear), and U+2028 / U+2029 are escaped too. `JSON.parse` of
 * the element's text gives `value` back (the escapes are valid JSON string
 * escapes, and these characters only occur inside strings).
 *
 * @throws when `value` cannot be serialised (e.g. `undefined` at the top level).
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new GradclipArgumentError('jsonForScript: value must be JSON-serialisable, got undefined');
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Makes JavaScript source safe to inline in a `<script>` element: every
 * `</script` becomes `<\/script` and every `<!--` becomes `<\!--` (both
 * escapes mean the same characters inside JS strings, templates and regular
 * expressions, the only places such text can occur in valid code).
 */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
