/**
 * Character vocabulary for the `charlm` task: the sorted set of characters
 * (Unicode code points, so a character outside the Basic Multilingual Plane
 * such as an emoji is one character, not two UTF-16 halves) of a text, each
 * mapped to its index (so ids are stable for a given text and independent of
 * the order characters first appear).
 */

/** A character <-> id mapping. */
export class CharVocab {
  /** Characters by id (sorted by UTF-16 code units, as `Array.prototype.sort` orders strings). */
  readonly chars: readonly string[];
  private readonly index: Map<string, number>;

  /** Builds a vocabulary from a list of distinct single characters (kept in the given order). */
  constructor(chars: readonly string[]) {
    const index = new Map<string, number>();
    chars.forEach((c, i) => {
      if (typeof c !== 'string' || [...c].length !== 1) throw new Error(`vocabulary entries must be single characters, got ${JSON.stringify(c)} at id ${i}`);
      if (index.has(c)) throw new Error(`vocabulary entries must be distinct, got ${JSON.stringify(c)} twice`);
      index.set(c, i);
    });
    this.chars = Object.freeze([...chars]);
    this.index = index;
  }

  /** Vocabulary of `text`: its distinct characters (code points) sorted. */
  static fromText(text: string): CharVocab {
    const set = new Set<string>();
    for (const ch of text) set.add(ch);
    return new CharVocab([...set].sort());
  }

  /** Number of characters. */
  get size(): number {
    return this.chars.length;
  }

  /**
   * Ids of every character (code point) of `text`; throws on a character
   * outside the vocabulary (naming it and its position, counted in characters).
   */
  encode(text: string): Int32Array {
    const ids = new Int32Array(text.length);
    let n = 0;
    for (const ch of text) {
      const id = this.index.get(ch);
      if (id === undefined) {
        throw new Error(`encode: character ${JSON.stringify(ch)} at position ${n} is not in the vocabulary`);
      }
      ids[n++] = id;
    }
    return n === ids.length ? ids : ids.slice(0, n);
  }

  /** Text of `ids`; throws on an id outside [0, size). */
  decode(ids: ArrayLike<number>): string {
    const out: string[] = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.chars.length) {
        throw new Error(`decode: id ${id} at position ${i} is outside [0, ${this.chars.length})`);
      }
      out[i] = this.chars[id];
    }
    return out.join('');
  }
}
