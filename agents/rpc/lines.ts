import type { Readable } from 'node:stream';

export interface LineSink {
  /** One complete line, without its '\n' (and without a trailing '\r'). */
  line(text: string): void;
  /** The current line passed the limit; the rest of it, up to the next '\n', is dropped. */
  oversized(): void;
}

/**
 * Splits a byte stream on '\n' while holding at most `maxBytes` of any one line. readline
 * would buffer an endless line until the process dies; here a peer that never sends a newline
 * costs at most `maxBytes`. Resolves when the input ends, rejects on a stream error.
 */
export function readLines(input: Readable, maxBytes: number, sink: LineSink): Promise<void> {
  let parts: Buffer[] = [];
  let size = 0;
  let discarding = false;

  const take = (piece: Buffer): void => {
    if (discarding || piece.length === 0) return;
    if (size + piece.length > maxBytes) {
      parts = [];
      size = 0;
      discarding = true;
      sink.oversized();
      return;
    }
    parts.push(piece);
    size += piece.length;
  };

  const finishLine = (): void => {
    if (discarding) {
      discarding = false;
      return;
    }
    const text = Buffer.concat(parts, size).toString('utf8');
    parts = [];
    size = 0;
    sink.line(text.endsWith('\r') ? text.slice(0, -1) : text);
  };

  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (size > 0) finishLine();
      resolve();
    };
    input.on('data', (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let start = 0;
      while (start < buf.length) {
        const newline = buf.indexOf(0x0a, start);
        if (newline === -1) {
          // Copy the tail so a short partial line doesn't pin the whole chunk in memory.
          take(Buffer.from(buf.subarray(start)));
          break;
        }
        take(buf.subarray(start, newline));
        finishLine();
        start = newline + 1;
      }
    });
    input.once('end', finish);
    // A destroyed stream may close without 'end'; treat it as the end of requests.
    input.once('close', finish);
    input.once('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}
