// Incremental detokenization, as serve's TextStream: the text each new token adds to the answer so far, holding back
// a token that ends inside a character (U+FFFD) or changes text already sent, until a later token completes it.
export class TextStream {
  private readonly ids: number[] = [];
  private sent = '';

  constructor(private readonly decode: (ids: number[]) => string) {}

  push(token: number): string {
    this.ids.push(token);
    const text = this.decode(this.ids);
    if (text.endsWith('\ufffd') || !text.startsWith(this.sent)) return '';
    const delta = text.slice(this.sent.length);
    this.sent = text;
    return delta;
  }
}
