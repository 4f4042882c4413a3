import { randomBytes } from 'node:crypto';

/**
 * Time-ordered ids (the ULID layout): 10 Crockford base-32 characters of milliseconds since the epoch, then 16
 * random ones. Ids sort as their creation times do, so a partition of them lists newest first with a reverse Query,
 * and a time range is a key range.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;

/** The id prefix of a millisecond time: every id made at that time starts with it. */
export function timePrefix(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`invalid time ${ms}`);
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_LENGTH; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** A new time-ordered id for the time `ms`. */
export function timeOrderedId(ms: number): string {
  const bytes = randomBytes(RANDOM_LENGTH);
  let random = '';
  for (const byte of bytes) random += ALPHABET[byte % 32];
  return timePrefix(ms) + random;
}

/** The highest id of the millisecond `ms` (for inclusive upper bounds of time ranges). */
export function lastIdAt(ms: number): string {
  return timePrefix(ms) + 'Z'.repeat(RANDOM_LENGTH);
}

/** Shape of the ids made here. */
export const TIME_ORDERED_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
