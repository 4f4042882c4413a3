import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { centsOfMicros, decimalOfMinor, formatMinor, parseMinor } from '../../../web/src/money';

/** The console writes the API's integer amounts for people and reads the amounts people type back as integers. */

describe('amounts in the console', () => {
  it('writes minor units with the currency and two decimals', () => {
    expect(formatMinor(4900, 'EUR')).toBe('€49.00');
    expect(formatMinor(123456789, 'USD')).toBe('$1,234,567.89');
    expect(formatMinor(5, 'USD')).toBe('$0.05');
    expect(formatMinor(-250, 'EUR')).toBe('−€2.50');
    expect(formatMinor(500, 'JPY')).toBe('¥500');
  });

  it('charges micro-dollars rounded up to the cent, as the invoice line does', () => {
    expect(centsOfMicros(0)).toBe(0);
    expect(centsOfMicros(1)).toBe(1);
    expect(centsOfMicros(10_000)).toBe(1);
    expect(centsOfMicros(10_001)).toBe(2);
  });

  it('reads typed amounts as integer cents and refuses what is not an amount', () => {
    expect(parseMinor('25', 'USD')).toBe(2500);
    expect(parseMinor('25.5', 'USD')).toBe(2550);
    expect(parseMinor(' 25,05 ', 'USD')).toBe(2505);
    for (const text of ['', '-1', '1.234', 'ten', '1e3', '.5']) expect(parseMinor(text, 'USD')).toBeUndefined();
  });

  it('property: the decimal a form is filled with reads back as the same integer, in any currency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_00 }), fc.constantFrom('USD', 'EUR', 'JPY', 'BHD'), (minor, currency) => {
        expect(parseMinor(decimalOfMinor(minor, currency), currency)).toBe(minor);
      }),
    );
    expect(decimalOfMinor(4900, 'EUR')).toBe('49.00');
    expect(decimalOfMinor(5, 'USD')).toBe('0.05');
    expect(decimalOfMinor(500, 'JPY')).toBe('500');
  });

  it('property: reading back a written amount gives the same integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_00 }), (cents) => {
        const written = formatMinor(cents, 'USD').replace(/[$,]/g, '');
        expect(parseMinor(written, 'USD')).toBe(cents);
      }),
    );
  });
});
