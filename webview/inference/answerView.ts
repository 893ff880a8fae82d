// One checkpoint's answer column: the streamed text (always a Text node, never HTML), a status line with tokens/s,
// and each reward function's score.
import type { RewardScore } from '../../schemas/generated/serveProtocol';
import { clear, formatNumber, h } from '../shared/dom';

export class AnswerView {
  readonly el: HTMLElement;
  private readonly title = h('h3', { class: 'answer-title' });
  private readonly text = h('pre', { class: 'answer-text', 'aria-live': 'polite' });
  private readonly status = h('div', { class: 'answer-status', role: 'status' });
  private readonly scores = h('table', { class: 'scores' });
  private readonly error = h('div', { class: 'answer-error', role: 'alert' });
  private tokens = 0;
  private started = 0;

  constructor(readonly slot: string) {
    this.el = h('section', { class: 'answer', 'data-slot': slot }, this.title, this.text, this.status, this.scores, this.error);
  }

  setTitle(label: string): void { this.title.textContent = label; }

  begin(): void {
    this.text.textContent = '';
    this.status.textContent = 'waiting for the first token…';
    this.error.textContent = '';
    clear(this.scores);
    this.el.removeAttribute('data-done');
    this.el.removeAttribute('data-streamed');
    this.tokens = 0;
    this.started = performance.now();
  }

  append(text: string): void {
    this.tokens++;
    this.el.setAttribute('data-streamed', String(this.tokens)); // how many token messages arrived before the answer
    this.text.append(document.createTextNode(text));
    const seconds = (performance.now() - this.started) / 1000;
    this.status.textContent = `${this.tokens} tokens · ${formatNumber(this.tokens / Math.max(seconds, 1e-3), 3)} tokens/s`;
  }

  finish(a: { text: string; completionTokens: number; seconds: number; finishReason: string; scores: RewardScore | null; scoreError: string | null }): void {
    this.text.textContent = a.text; // the final text replaces the stream (same characters, whole)
    const rate = a.completionTokens / Math.max(a.seconds, 1e-3);
    this.status.textContent = `${a.completionTokens} tokens · ${formatNumber(rate, 3)} tokens/s · ${formatNumber(a.seconds, 3)} s · ${a.finishReason}`;
    clear(this.scores);
    if (a.scores) {
      for (const [name, value] of Object.entries(a.scores.per_function)) {
        this.scores.append(h('tr', { 'data-function': name }, h('th', {}, name), h('td', { class: 'num' }, value === null ? 'n/a' : formatNumber(value))));
      }
      this.scores.append(h('tr', { class: 'total' }, h('th', {}, 'total reward'), h('td', { class: 'num' }, formatNumber(a.scores.total))));
      if (a.scores.correct !== null && a.scores.correct !== undefined) {
        this.scores.append(h('tr', {}, h('th', {}, 'matches the reference'), h('td', {}, a.scores.correct ? 'yes' : 'no')));
      }
    }
    if (a.scoreError) this.error.textContent = `Not scored: ${a.scoreError}`;
    this.el.setAttribute('data-tokens', String(a.completionTokens));
    this.el.setAttribute('data-done', a.finishReason);
  }

  fail(message: string): void {
    this.status.textContent = '';
    this.error.textContent = message;
    this.el.setAttribute('data-done', 'failed');
  }
}
