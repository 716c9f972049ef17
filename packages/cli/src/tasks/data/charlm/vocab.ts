/**
 * Character vocabulary for the `charlm` task: the sorted set of UTF-16 code
 * units of a text, each mapped to its index (so ids are stable for a given
 * text and independent of the order characters first appear).
 */

/** A character <-> id mapping. */
export class CharVocab {
  /** Characters by id (sorted by code unit). */
  readonly chars: readonly string[];
  private readonly index: Map<string, number>;

  /** Builds a vocabulary from a list of distinct single characters (kept in the given order). */
  constructor(chars: readonly string[]) {
    const index = new Map<string, number>();
    chars.forEach((c, i) => {
      if (c.length !== 1) throw new Error(`vocabulary entries must be single characters, got ${JSON.stringify(c)} at id ${i}`);
      if (index.has(c)) throw new Error(`vocabulary entries must be distinct, got ${JSON.stringify(c)} twice`);
      index.set(c, i);
    });
    this.chars = Object.freeze([...chars]);
    this.index = index;
  }

  /** Vocabulary of `text`: its distinct characters sorted by code unit. */
  static fromText(text: string): CharVocab {
    const set = new Set<string>();
    for (let i = 0; i < text.length; i++) set.add(text[i]);
    return new CharVocab([...set].sort());
  }

  /** Number of characters. */
  get size(): number {
    return this.chars.length;
  }

  /** Ids of every character of `text`; throws on a character outside the vocabulary (naming it and its position). */
  encode(text: string): Int32Array {
    const ids = new Int32Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const id = this.index.get(text[i]);
      if (id === undefined) {
        throw new Error(`encode: character ${JSON.stringify(text[i])} at position ${i} is not in the vocabulary`);
      }
      ids[i] = id;
    }
    return ids;
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
