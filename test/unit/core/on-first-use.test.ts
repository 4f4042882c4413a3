import { onFirstUse } from '../../../functions/core/on-first-use';

class Counter {
  count = 0;
  async add(amount: number): Promise<number> {
    this.count += amount;
    return this.count;
  }
}

describe('onFirstUse', () => {
  it('builds the adapter at its first call, once, with its methods bound to it', async () => {
    // Prepare
    const build = jest.fn(() => new Counter());
    const counter = onFirstUse(build);
    expect(build).not.toHaveBeenCalled();

    // Act
    const { add } = counter;
    await add(2);
    const total = await counter.add(3);

    // Assess
    expect(total).toBe(5);
    expect(counter.count).toBe(5);
    expect('add' in counter).toBe(true);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('tries the build again at the next use when it failed', () => {
    const build = jest.fn<Counter, []>().mockImplementationOnce(() => {
      throw new Error('no credentials yet');
    });
    build.mockImplementation(() => new Counter());
    const counter = onFirstUse(build);

    expect(() => counter.count).toThrow('no credentials yet');
    expect(counter.count).toBe(0);
  });
});
