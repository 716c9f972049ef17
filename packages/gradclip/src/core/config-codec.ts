/**
 * JSON values carried through a `tf.serialization` config as base64 text.
 * tfjs-layers camel-cases every string of a loaded training config
 * ("head_out" → "headOut"), which would corrupt transform specs and variable
 * patterns stored as plain strings; base64 of the UTF-8 JSON survives it.
 */

/** `btoa(utf8(JSON.stringify(value)))`: survives tfjs-layers' camel-casing of config strings. */
export function encodeConfigJson(value: unknown): string {
  let bin = '';
  for (const b of new TextEncoder().encode(JSON.stringify(value))) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The value encoded by {@link encodeConfigJson} (throws on text that is not base64 JSON). */
export function decodeConfigJson(text: string): unknown {
  const bin = atob(text);
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
}
