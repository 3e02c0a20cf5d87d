import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../../../agents/rpc/lines.js';

async function split(chunks: (string | Buffer)[], maxBytes: number) {
  const input = new PassThrough();
  const events: string[] = [];
  const done = readLines(input, maxBytes, {
    line: (text) => events.push(`line:${text}`),
    oversized: () => events.push('oversized'),
  });
  for (const chunk of chunks) input.write(chunk);
  input.end();
  await done;
  return events;
}

describe('readLines', () => {
  it('joins lines split across chunks and strips CR', async () => {
    expect(await split(['ab', 'c\r\nde', 'f\n\ng'], 100)).toEqual([
      'line:abc',
      'line:def',
      'line:',
      'line:g',
    ]);
  });

  it('keeps a multi-byte character split between chunks intact', async () => {
    const bytes = Buffer.from('härdisk\n', 'utf8');
    expect(await split([bytes.subarray(0, 2), bytes.subarray(2)], 100)).toEqual(['line:härdisk']);
  });

  it('reports an oversized line once and drops it up to the next newline', async () => {
    expect(await split(['12345', '67890', 'abc\nok\n'], 8)).toEqual(['oversized', 'line:ok']);
  });

  it('counts bytes, not characters', async () => {
    expect(await split(['ääää\n', 'äää\n'], 7)).toEqual(['oversized', 'line:äää']);
  });

  it('rejects on a stream error', async () => {
    const input = new PassThrough();
    const done = readLines(input, 10, { line: () => undefined, oversized: () => undefined });
    input.destroy(new Error('broken pipe'));
    await expect(done).rejects.toThrow('broken pipe');
  });
});
