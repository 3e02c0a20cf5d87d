import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../../../station/ssh/quote.js';

describe('shellQuote', () => {
  it('passes hostile arguments through a real shell unchanged', () => {
    const hostile = [
      "it's",
      '$(touch /tmp/pwned)',
      '`id`',
      'a b',
      '; rm -rf /',
      '\\',
      '"',
      '',
      '\n',
    ];
    const out = execFileSync('sh', ['-c', `printf '%s\\0' ${shellQuote(hostile)}`], {
      encoding: 'utf8',
    });
    expect(out.split('\0').slice(0, -1)).toEqual(hostile);
  });
});
