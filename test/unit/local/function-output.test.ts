import { captureFunctionOutput, type FunctionLine } from '../../../local/function-output';

describe('function output capture', () => {
  it('hands over JSON lines, also when split over writes, keeps metric lines off the stream and lets other output through at once', () => {
    // Prepare: the stream under the capture records what reaches it
    const reached: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string) => reached.push(String(chunk)) > 0) as typeof original;
    const lines: FunctionLine[] = [];
    const output = captureFunctionOutput();
    output.subscribe((line) => lines.push(line));
    try {
      // Act
      process.stdout.write('{"_aws":{},"Requests":1,');
      process.stdout.write('"tenantId":"acme"}\n{"level":"INFO","tenantId":"acme"}\n');
      process.stdout.write('progress 10%');
    } finally {
      output.restore();
      process.stdout.write = original;
    }

    // Assess
    expect(lines.map((line) => [line.isMetric, line.json.tenantId])).toEqual([
      [true, 'acme'],
      [false, 'acme'],
    ]);
    expect(reached).toEqual(['{"level":"INFO","tenantId":"acme"}\n', 'progress 10%']);
  });
});
