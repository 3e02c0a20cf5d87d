import { describe, expect, it } from 'vitest';
import { parseSize } from '../../../protocol/size.js';

describe('parseSize', () => {
  it('reads binary units', () => {
    expect(parseSize('20G')).toBe(20 * 1024 ** 3);
    expect(parseSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5T')).toBe(1.5 * 1024 ** 4);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('10GiB')).toBe(10 * 1024 ** 3);
  });
  it('refuses what is not a size', () => {
    for (const bad of ['', 'G', '-1G', '0', '1e9', '20 GB extra', '1P'])
      expect(() => parseSize(bad)).toThrow(/size/);
  });
});
