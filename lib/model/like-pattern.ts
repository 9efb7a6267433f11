/**
 * LIKE patterns follow one rule on every backend (the compiler writes an explicit
 * `ESCAPE '\'`): `%` matches any run of characters, `_` any one character, and a backslash makes
 * the next character literal.
 */

/**
 * Escape user input for use inside a LIKE pattern, so that its `%`, `_` and `\` match
 * themselves: `where({ name: { like: `${escapeLike(input)}%` } })` finds names starting with
 * exactly `input`.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/** What is wrong with a pattern (a NUL, or an unfinished escape at its end), or undefined. */
export function likePatternProblem(pattern: string): string | undefined {
  if (pattern.includes('\0')) return 'a pattern without NUL characters';
  let trailing = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern[i] === '\\'; i--) trailing++;
  if (trailing % 2 === 1) return 'a pattern that does not end in an unfinished escape (a lone backslash: write \\\\ or use escapeLike)';
  return undefined;
}
