import { centsOf, UsageError } from '../../../local/cli';

describe('tenant CLI budget amounts', () => {
  it.each([
    ['0', 0],
    ['25', 2_500],
    ['25.5', 2_550],
    ['25.05', 2_505],
  ])('reads %s dollars as %d cents', (typed, cents) => {
    expect(centsOf(typed)).toBe(cents);
  });

  it.each(['', '-1', '1.234', '1e3', '1,5', ' 5'])('refuses %j as a usage error', (typed) => {
    expect(() => centsOf(typed)).toThrow(UsageError);
  });
});
