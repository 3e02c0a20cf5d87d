const day = 24 * 3600_000;

export function lastDays(days: number, now = Date.now()): [number, number] {
  return [now - days * day, now];
}

/** What is wrong with the period before asking the station, or null. */
export function periodProblem(range: [number, number] | null, now = Date.now()): string | null {
  if (!range) return null;
  const [from, to] = range;
  if (from > now) return 'The period starts in the future: pick a start before now.';
  if (from >= to) return 'The period is empty: its start must be before its end.';
  return null;
}
