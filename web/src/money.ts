/**
 * Amounts as the API gives them — integers in minor units (cents) or micro-units (millionths) — written for people.
 * The arithmetic stays in integers: only the final text has a decimal point.
 */

const MICROS_PER_CENT = 10_000;

/** The currency's minor-unit digits (2 for EUR and USD, 0 for JPY), as the browser's locale data knows them. */
function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `4900`, `EUR` → `€49.00`; negative amounts (credits) keep their sign. */
export function formatMinor(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  const scale = 10 ** digits;
  const whole = Math.trunc(Math.abs(amount) / scale);
  const fraction = String(Math.abs(amount) % scale).padStart(digits, '0');
  const text = new Intl.NumberFormat('en', { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(whole);
  return `${amount < 0 ? '−' : ''}${text}${digits > 0 ? `.${fraction}` : ''}`;
}

/** Micro-units rounded up to whole cents, as the invoice line charges them. */
export function centsOfMicros(micros: number): number {
  return Math.ceil(micros / MICROS_PER_CENT);
}

/** Micro-dollars as dollars and cents (rounded up to the cent the invoice charges). */
export function formatMicros(micros: number, currency: string): string {
  return formatMinor(centsOfMicros(micros), currency);
}

/** `4900`, `EUR` → `49.00`: minor units as the decimal a person types (parseMinor reads it back). */
export function decimalOfMinor(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  const scale = 10 ** digits;
  const sign = amount < 0 ? '-' : '';
  const fraction = String(Math.abs(amount) % scale).padStart(digits, '0');
  return `${sign}${Math.trunc(Math.abs(amount) / scale)}${digits > 0 ? `.${fraction}` : ''}`;
}

/**
 * A decimal amount typed by a person (`25`, `25.5`, `25.50`) as integer minor units, or undefined when it is not
 * one (a negative, a third decimal, letters).
 */
export function parseMinor(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const match = /^(\d{1,12})(?:[.,](\d+))?$/.exec(text.trim());
  if (!match || (match[2] ?? '').length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number((match[2] ?? '').padEnd(digits, '0') || '0');
}
