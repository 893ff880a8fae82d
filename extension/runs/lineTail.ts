// Incremental reader of an append-only JSON-lines file: each call reads only the bytes appended since the last one,
// hands over complete lines with their 1-based line number and byte range, and leaves a partial last line for the
// next call. Memory is bounded by the chunk size plus the longest line (lines over maxLineBytes are skipped).
import { promises as fs } from 'node:fs';

export interface TailLine {
  text: string;
  lineNo: number;
  /** Byte offset of the line's first byte in the file. */
  offset: number;
  /** Bytes of the line without its newline. */
  length: number;
}

export interface TailResult {
  /** The file shrank or was replaced: everything read before is void and reading restarted at byte 0. */
  restarted: boolean;
  /** Lines longer than maxLineBytes that were skipped, by line number. */
  oversized: number[];
}

export interface LineTailOptions {
  chunkBytes?: number;
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;

export class LineTail {
  /** Offset of the first byte not yet handed out as part of a complete line. */
  offset = 0;
  /** Complete lines handed out so far. */
  lineNo = 0;
  private inode: number | undefined;
  private readonly chunkBytes: number;
  private readonly maxLineBytes: number;

  constructor(readonly path: string, options: LineTailOptions = {}) {
    this.chunkBytes = options.chunkBytes ?? 4 << 20;
    this.maxLineBytes = options.maxLineBytes ?? 64 << 20;
  }

  /**
   * Reads what was appended; `onLines` gets each batch of complete lines (one batch per chunk read). `onRestart` is
   * called before re-reading a file that shrank or was replaced, so the caller can drop what it built from it.
   */
  async read(onLines: (lines: TailLine[]) => void, onRestart?: () => void): Promise<TailResult> {
    const result: TailResult = { restarted: false, oversized: [] };
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return result;
      throw e;
    }
    try {
      const stat = await handle.stat();
      if (stat.size < this.offset || (this.inode !== undefined && stat.ino !== this.inode)) {
        this.offset = 0;
        this.lineNo = 0;
        result.restarted = true;
        onRestart?.();
      }
      this.inode = stat.ino;
      await this.readRange(handle, stat.size, onLines, result);
    } finally {
      await handle.close();
    }
    return result;
  }

  private async readRange(handle: fs.FileHandle, end: number, onLines: (lines: TailLine[]) => void,
    result: TailResult): Promise<void> {
    let pending: Buffer | null = null; // bytes of an unfinished line carried between chunks
    let pendingStart = this.offset;
    let skipping = false; // inside an oversized line: drop bytes until its newline
    let position = this.offset;
    // sized to what is there: a live tail reads a few hundred bytes many times a second
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(this.chunkBytes, end - position)));
    while (position < end) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(this.chunkBytes, end - position), position);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      const lines: TailLine[] = [];
      let lineStart = 0;
      for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, lineStart)) {
        this.lineNo++;
        if (skipping) {
          skipping = false;
        } else if (pending) {
          const whole: Buffer = Buffer.concat([pending, data.subarray(0, nl)]);
          lines.push(this.makeLine(whole, 0, whole.length, pendingStart));
          pending = null;
        } else {
          lines.push(this.makeLine(data, lineStart, nl, position + lineStart));
        }
        lineStart = nl + 1;
        this.offset = position + lineStart;
      }
      if (lineStart < bytesRead && !skipping) {
        const rest = data.subarray(lineStart);
        if (!pending) pendingStart = position + lineStart;
        // copy: `chunk` is reused for the next read
        pending = pending ? Buffer.concat([pending, rest]) : Buffer.from(rest);
        if (pending.length > this.maxLineBytes) {
          result.oversized.push(this.lineNo + 1);
          pending = null;
          skipping = true;
        }
      }
      position += bytesRead;
      if (lines.length) onLines(lines);
    }
    // An oversized line that has no newline yet stays unconsumed; it is skipped again once its newline arrives.
  }

  private makeLine(buf: Buffer, start: number, end: number, fileOffset: number): TailLine {
    const length = end - start;
    if (end > start && buf[end - 1] === 0x0d) end--; // CRLF
    return { text: buf.toString('utf8', start, end), lineNo: this.lineNo, offset: fileOffset, length };
  }
}
