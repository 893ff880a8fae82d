// Splits a text stream into lines. No `vscode` import.

/** Splits a text stream into lines; a carriage return (progress-bar redraw) replaces the pending line. */
export class LineSplitter {
  private pending = '';
  constructor(private readonly emit: (line: string) => void) {}

  push(text: string): void {
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop() ?? '';
    for (const part of parts) this.emit(lastRedraw(part));
  }

  flush(): void {
    if (this.pending) this.emit(lastRedraw(this.pending));
    this.pending = '';
  }
}

/** The text a terminal would show for a line that redraws itself with carriage returns. */
export function lastRedraw(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const i = trimmed.lastIndexOf('\r');
  return i === -1 ? trimmed : trimmed.slice(i + 1);
}
