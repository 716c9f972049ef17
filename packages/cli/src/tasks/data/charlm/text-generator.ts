/**
 * A deterministic, seeded generator of structured English-like text for the
 * `charlm` task (next-character prediction). The grammar, word lists and
 * templates below were written for gradclip; no book or corpus is copied.
 *
 * The text has structure at several ranges, so a character model has
 * something to learn at each scale:
 * - words from fixed lists (spelling, short range);
 * - subject–verb number agreement across adjectives and prepositional
 *   phrases ("the small foxes near the river carry ...");
 * - correct arithmetic facts spelled out ("three plus four is seven.");
 * - counting runs ("five, six, seven, eight.");
 * - quoted speech whose closing quote and speaker follow the sentence;
 * - balanced parentheses; capitalised sentence starts; paragraphs of 3–6
 *   sentences separated by a blank line, each opening with "Day <n>." where n
 *   increments through the text (long range).
 *
 * Character set: lower- and upper-case ASCII letters used by the word lists,
 * space, newline and `. , ; ? ! " ( )` (no digits).
 */
import { createRng, type Rng } from '../../../core/random.js';

/** Options of {@link generateText}. */
export interface TextGeneratorOptions {
  /**
   * Seed of the generator; the same seed always gives the same text.
   * @default 1
   */
  seed?: number;
  /**
   * Exact number of characters to produce (the last sentence is cut).
   * @default 300000
   */
  chars?: number;
}

const NUMBERS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen',
  'nineteen', 'twenty',
] as const;

/** [singular, plural] nouns. */
const NOUNS: readonly (readonly [string, string])[] = [
  ['fox', 'foxes'], ['heron', 'herons'], ['miller', 'millers'], ['child', 'children'],
  ['baker', 'bakers'], ['goat', 'goats'], ['sailor', 'sailors'], ['owl', 'owls'],
  ['weaver', 'weavers'], ['mouse', 'mice'], ['lantern', 'lanterns'], ['wheel', 'wheels'],
  ['bell', 'bells'], ['boat', 'boats'], ['kettle', 'kettles'], ['ladder', 'ladders'],
  ['clock', 'clocks'], ['basket', 'baskets'], ['window', 'windows'], ['garden', 'gardens'],
];
/** How many of NOUNS (from the start) are animate and can be subjects of action verbs. */
const ANIMATE = 10;

const PLACES = [
  'the river', 'the mill', 'the old bridge', 'the market', 'the hill', 'the harbour',
  'the orchard', 'the tower', 'the well', 'the forest', 'the square', 'the quiet lake',
];
const PREPOSITIONS = ['near', 'under', 'behind', 'beside', 'above', 'beyond', 'inside'];
const ADJECTIVES = [
  'small', 'grey', 'clever', 'tired', 'bright', 'old', 'quiet', 'brave', 'heavy', 'round',
  'green', 'patient', 'cold', 'tall', 'broken', 'golden',
];
/** [third person singular, plural] transitive verbs. */
const VERBS: readonly (readonly [string, string])[] = [
  ['carries', 'carry'], ['finds', 'find'], ['watches', 'watch'], ['mends', 'mend'],
  ['paints', 'paint'], ['follows', 'follow'], ['counts', 'count'], ['hides', 'hide'],
  ['washes', 'wash'], ['lifts', 'lift'], ['opens', 'open'], ['sells', 'sell'],
];
/** [third person singular, plural] intransitive verbs. */
const INTRANSITIVE: readonly (readonly [string, string])[] = [
  ['sleeps', 'sleep'], ['sings', 'sing'], ['waits', 'wait'], ['laughs', 'laugh'],
  ['runs', 'run'], ['rests', 'rest'], ['listens', 'listen'], ['wanders', 'wander'],
];
const ADVERBS = ['slowly', 'quietly', 'again', 'at dawn', 'all day', 'with care', 'at night', 'once more'];
const NAMES = ['Ada', 'Bram', 'Celia', 'Dov', 'Esme', 'Faro', 'Greta', 'Hugo', 'Ines', 'Jory'];
const SPEECH_VERBS = ['said', 'whispered', 'called', 'answered'];
const WEATHER = [
  'the wind was cold', 'rain fell on the roofs', 'the sky was clear', 'fog covered the hill',
  'the sun was low', 'snow lay on the road',
];
const CONNECTIVES = ['and then', 'but', 'so', 'while'];

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Grammar state: one paragraph counter and the random stream. */
class Grammar {
  private day = 1;
  constructor(private readonly rng: Rng) {}

  private pick<T>(items: readonly T[]): T {
    return this.rng.choice(items);
  }

  private chance(p: number): boolean {
    return this.rng.uniform() < p;
  }

  /** Noun phrase; returns its text and whether it is plural. */
  private nounPhrase(animate: boolean): { text: string; plural: boolean } {
    const n = animate ? NOUNS[this.rng.int(ANIMATE)] : this.pick(NOUNS);
    const plural = this.chance(0.4);
    const noun = plural ? n[1] : n[0];
    const parts: string[] = [];
    if (plural) parts.push(this.chance(0.5) ? 'the' : this.pick(NUMBERS.slice(2, 13)));
    else parts.push(this.chance(0.7) ? 'the' : /^[aeiou]/.test(noun) ? 'an' : 'a');
    if (this.chance(0.5)) {
      const adj = this.pick(ADJECTIVES);
      if (parts[0] === 'a' && /^[aeiou]/.test(adj)) parts[0] = 'an';
      if (parts[0] === 'an' && !/^[aeiou]/.test(adj)) parts[0] = 'a';
      parts.push(adj);
    }
    parts.push(noun);
    let text = parts.join(' ');
    if (this.chance(0.3)) text += ` ${this.pick(PREPOSITIONS)} ${this.pick(PLACES)}`;
    return { text, plural };
  }

  /** Clause with subject–verb agreement. */
  private clause(): string {
    const subj = this.nounPhrase(true);
    if (this.chance(0.35)) {
      const v = this.pick(INTRANSITIVE);
      return `${subj.text} ${subj.plural ? v[1] : v[0]}${this.chance(0.5) ? ' ' + this.pick(ADVERBS) : ''}`;
    }
    const v = this.pick(VERBS);
    const obj = this.nounPhrase(false);
    return `${subj.text} ${subj.plural ? v[1] : v[0]} ${obj.text}${this.chance(0.3) ? ' ' + this.pick(ADVERBS) : ''}`;
  }

  private arithmetic(): string {
    const a = this.rng.int(11);
    const b = this.rng.int(11);
    if (this.chance(0.5) || a < b) return `${NUMBERS[a]} plus ${NUMBERS[b]} is ${NUMBERS[a + b]}.`;
    return `${NUMBERS[a]} minus ${NUMBERS[b]} is ${NUMBERS[a - b]}.`;
  }

  private counting(): string {
    const start = this.rng.int(15);
    const len = 3 + this.rng.int(4);
    const words: string[] = [];
    for (let i = start; i < Math.min(start + len, NUMBERS.length); i++) words.push(NUMBERS[i]);
    return `${capitalise(this.pick(NAMES))} counted ${words.join(', ')}.`;
  }

  /** A yes/no question: "does" with a singular subject, "do" with a plural one. */
  private question(): string {
    const subj = this.nounPhrase(true);
    const det = subj.text.replace(/^(a|an) /, 'the ');
    return `${subj.plural ? 'do' : 'does'} ${det} ${this.pick(INTRANSITIVE)[1]}?`;
  }

  private speech(): string {
    if (this.chance(0.3)) return `"${capitalise(this.question())}" asked ${this.pick(NAMES)}.`;
    const inner = `${this.clause()}${this.chance(0.5) ? '!' : ','}`;
    return `"${capitalise(inner)}" ${this.pick(SPEECH_VERBS)} ${this.pick(NAMES)}.`;
  }

  private sentence(): string {
    const r = this.rng.uniform();
    if (r < 0.12) return this.arithmetic().replace(/^./, (c) => c.toUpperCase());
    if (r < 0.2) return this.counting();
    if (r < 0.35) return this.speech();
    if (r < 0.45) return `${capitalise(this.pick(WEATHER))}; ${this.clause()}.`;
    let s = capitalise(this.clause());
    if (this.chance(0.25)) s += ` (${this.clause()})`;
    if (this.chance(0.3)) s += `, ${this.pick(CONNECTIVES)} ${this.clause()}`;
    return `${s}.`;
  }

  paragraph(): string {
    const n = 3 + this.rng.int(4);
    const sentences = [`Day ${this.dayWords()}.`];
    for (let i = 0; i < n; i++) sentences.push(this.sentence());
    this.day++;
    return sentences.join(' ');
  }

  /** The paragraph number in words (one .. nine hundred ninety nine, then it wraps). */
  private dayWords(): string {
    const d = ((this.day - 1) % 999) + 1;
    const h = Math.floor(d / 100);
    const rest = d % 100;
    const parts: string[] = [];
    if (h > 0) parts.push(`${NUMBERS[h]} hundred`);
    if (rest > 0) {
      if (rest <= 20) parts.push(NUMBERS[rest]);
      else {
        const tens = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'][
          Math.floor(rest / 10)
        ];
        parts.push(rest % 10 === 0 ? tens : `${tens} ${NUMBERS[rest % 10]}`);
      }
    }
    return parts.join(' ');
  }
}

/**
 * Generates `chars` characters of structured text from `seed` (see the module
 * comment for the grammar). Deterministic: same options, same string, on every
 * platform (it only uses {@link createRng}'s integer-exact draws).
 */
export function generateText(opts: TextGeneratorOptions = {}): string {
  const seed = opts.seed ?? 1;
  const chars = opts.chars ?? 300000;
  if (!Number.isInteger(chars) || chars < 1) throw new Error(`chars must be an integer >= 1, got ${chars}`);
  const grammar = new Grammar(createRng(seed));
  const parts: string[] = [];
  let total = 0;
  while (total < chars) {
    const p = grammar.paragraph() + '\n\n';
    parts.push(p);
    total += p.length;
  }
  return parts.join('').slice(0, chars);
}
