// Building DOM without HTML strings: model text (prompts, completions, tokens) only ever becomes a Text node.
import { splitHidden } from './visibleText';
type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: (Node | string | null | undefined)[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    // Never an event-handler attribute or a URL-bearing one from data: only plain attributes are set this way.
    if (/^on/i.test(k) || k === 'href' || k === 'src') throw new Error(`h(): attribute ${k} is not allowed`);
    el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: (Node | string | null | undefined)[]): void {
  for (const c of children) {
    if (c === null || c === undefined) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Model text as nodes: Text nodes, with each hidden control character (visibleText.ts) as a labelled mark. */
export function modelText(text: string): Node[] {
  return splitHidden(text).map((p) => 'text' in p ? document.createTextNode(p.text)
    : h('span', { class: 'hidden-char', title: `U+${p.codePoint.toString(16).toUpperCase().padStart(4, '0')} (${p.hidden}), a hidden character shown as a mark`,
      'data-code-point': p.codePoint }, p.hidden));
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return 'n/a';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(digits)).toString();
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return hh ? `${hh}h ${String(mm).padStart(2, '0')}m` : mm ? `${mm}m ${String(ss).padStart(2, '0')}s` : `${ss}s`;
}
