/**
 * SSH carries a command as one string that the remote login shell parses. Each argument is
 * wrapped in single quotes (a quote inside becomes '\''), so no argument can ever be read as
 * shell syntax; callers still pass argv arrays.
 */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}
