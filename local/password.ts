import { randomInt } from 'node:crypto';

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-=?@^_';
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

/**
 * A strong random password (CSPRNG) that meets Cognito's default policy: at least one lower-case letter,
 * upper-case letter, digit and symbol. Look-alike characters are left out so a person can type it.
 */
export function generatePassword(length = 24): string {
  if (length < 12) throw new Error(`password length must be at least 12, got ${length}`);
  const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)];
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(ALL));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
