import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatEndpoint,
  formatPercent,
  formatSpeed,
  formatTime,
  usedPercent,
} from '../../../renderer/format.js';

describe('formatBytes', () => {
  it('uses binary units with one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12.5 * 1024 ** 3)).toBe('12.5 GiB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8 GiB');
    expect(formatBytes(250 * 1024 ** 4)).toBe('250 TiB');
  });
  it('never shows 1024 of a unit', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MiB');
    expect(formatBytes(1023)).toBe('1023 B');
  });
  it('shows a dash for missing or invalid sizes', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(undefined)).toBe('—');
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});

describe('formatSpeed', () => {
  it('turns Mb/s into words', () => {
    expect(formatSpeed(100)).toBe('100 Mb/s');
    expect(formatSpeed(1000)).toBe('1 Gb/s');
    expect(formatSpeed(2500)).toBe('2.5 Gb/s');
    expect(formatSpeed(25000)).toBe('25 Gb/s');
    expect(formatSpeed(null)).toBe('—');
    expect(formatSpeed(-1)).toBe('—');
  });
});

describe('usedPercent', () => {
  it('is the used share with one decimal, clamped', () => {
    expect(usedPercent(100, 25)).toBe(75);
    expect(usedPercent(3, 2)).toBe(33.3);
    expect(usedPercent(0, 0)).toBe(0);
    expect(usedPercent(100, 150)).toBe(0);
    expect(usedPercent(100, -5)).toBe(100);
  });
});

describe('formatEndpoint', () => {
  it('brackets IPv6 addresses', () => {
    expect(formatEndpoint('10.99.0.11', 22)).toBe('10.99.0.11:22');
    expect(formatEndpoint('unit-01.lab', 2222)).toBe('unit-01.lab:2222');
    expect(formatEndpoint('fd00::11', 22)).toBe('[fd00::11]:22');
  });
});

describe('formatPercent', () => {
  it('shows one decimal, without a trailing .0', () => {
    expect(formatPercent(87.46)).toBe('87.5%');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(33.333)).toBe('33.3%');
  });
  it('shows a dash for missing or invalid values', () => {
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(Number.NaN)).toBe('—');
  });
});

describe('formatTime', () => {
  it('writes local time as YYYY-MM-DD HH:MM:SS', () => {
    const iso = new Date(2025, 0, 5, 7, 8, 9).toISOString();
    expect(formatTime(iso)).toBe('2025-01-05 07:08:09');
  });
  it('shows a dash for missing or unreadable times', () => {
    expect(formatTime(null)).toBe('—');
    expect(formatTime('')).toBe('—');
    expect(formatTime('yesterday')).toBe('—');
  });
});
