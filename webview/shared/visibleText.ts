// Model text as a reviewer needs to see it: characters that change how the text around them is drawn but show
// nothing themselves (bidi embeddings, overrides and isolates, direction marks, zero-width spaces, a BOM) are pulled
// out as named marks instead of being obeyed — "Trojan Source" text reads as what it is. Pure: no DOM.

/** The hidden characters shown as marks, by code point, with their short names. */
export const HIDDEN_CHARACTERS: Record<number, string> = {
  0x202a: 'LRE', 0x202b: 'RLE', 0x202c: 'PDF', 0x202d: 'LRO', 0x202e: 'RLO',
  0x2066: 'LRI', 0x2067: 'RLI', 0x2068: 'FSI', 0x2069: 'PDI',
  0x200e: 'LRM', 0x200f: 'RLM', 0x061c: 'ALM', 0x200b: 'ZWSP', 0x2060: 'WJ', 0xfeff: 'BOM',
};

const HIDDEN = new RegExp(`[${Object.keys(HIDDEN_CHARACTERS).map((c) => `\\u${Number(c).toString(16).padStart(4, '0')}`).join('')}]`, 'g');

export type TextPiece = { text: string } | { hidden: string; codePoint: number };

/** The text cut into plain runs and hidden characters, in order. */
export function splitHidden(text: string): TextPiece[] {
  const out: TextPiece[] = [];
  let last = 0;
  for (const m of text.matchAll(HIDDEN)) {
    if (m.index! > last) out.push({ text: text.slice(last, m.index) });
    const codePoint = m[0].codePointAt(0)!;
    out.push({ hidden: HIDDEN_CHARACTERS[codePoint], codePoint });
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
