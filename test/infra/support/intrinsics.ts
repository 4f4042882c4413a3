import { TEST_ACCOUNT_ID, TEST_PARTITION } from '../../support/iam-simulation';

/**
 * Renders CloudFormation intrinsics as readable strings for assertions on what a template says (not for IAM
 * simulation, which needs concrete ARNs: see test/support/iam-simulation.ts). Pseudo parameters become the test
 * account and the given region, `Ref X` becomes `X`, `Fn::GetAtt [X, Attr]` becomes `X.Attr`, and `Fn::Join` and
 * `Fn::Sub` are applied.
 */
export function renderIntrinsics<T>(value: T, region: string): T {
  const pseudo: Record<string, string> = {
    'AWS::Partition': TEST_PARTITION,
    'AWS::Region': region,
    'AWS::AccountId': TEST_ACCOUNT_ID,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const ref = (name: string) => pseudo[name] ?? name;
  const render = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(render);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      if (key === 'Ref') return ref(arg as string);
      if (key === 'Fn::GetAtt') return (arg as string[]).join('.');
      if (key === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(render(part))).join(separator);
      }
      if (key === 'Fn::Sub') {
        const [text, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => (name in variables ? String(render(variables[name])) : ref(name)));
      }
    }
    return Object.fromEntries(entries.map(([k, inner]) => [k, render(inner)]));
  };
  return render(value) as T;
}
