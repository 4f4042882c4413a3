import { AsyncLocalStorage } from 'node:async_hooks';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

type InvocationContext = Record<string | symbol, unknown>;

/** The invocation store of a Lambda environment that runs invocations concurrently: one context per invocation. */
class ConcurrentInvokeStore extends InvokeStoreBase {
  private readonly contexts = new AsyncLocalStorage<InvocationContext>();

  getContext(): InvocationContext | undefined {
    return this.contexts.getStore();
  }
  hasContext(): boolean {
    return this.contexts.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.contexts.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`cannot change the protected invocation field ${String(key)}`);
    const context = this.contexts.getStore();
    if (!context) throw new Error('no invocation context');
    context[key] = value;
  }
  run<T>(context: InvocationContext, fn: () => T): T {
    return this.contexts.run(context, fn);
  }
}

/**
 * Runs the functions' invocations the way Lambda runs them when one environment serves several at once
 * (`AWS_LAMBDA_MAX_CONCURRENCY`): each in its own invocation context, where Powertools keeps the invocation's log
 * keys and metrics. The local gateway serves many requests of many tenants concurrently in one process; without
 * this, one request's tenant key or metrics could land in another's lines.
 */
export class InvocationScope {
  private constructor(private readonly store: InvokeStoreBase) {}

  /** Turns on per-invocation contexts for this process (as the Lambda runtime does, through `awslambda.InvokeStore`). */
  static async start(): Promise<InvocationScope> {
    const runtime = ((globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda ??= {});
    if (!(runtime.InvokeStore instanceof ConcurrentInvokeStore)) runtime.InvokeStore = new ConcurrentInvokeStore();
    // The SDK and Powertools ask the invoke-store module for the runtime's store; it hands out the global one, but
    // with AWS_LAMBDA_MAX_CONCURRENCY set it first builds its own through a dynamic import, which some module
    // loaders (jest's) refuse. Asked before the variable is set, it settles on the global store for good.
    const concurrency = process.env.AWS_LAMBDA_MAX_CONCURRENCY;
    delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
    const settled = InvokeStore.getInstanceAsync();
    process.env.AWS_LAMBDA_MAX_CONCURRENCY = concurrency ?? '1000';
    await settled;
    return new InvocationScope(runtime.InvokeStore);
  }

  /** Runs one invocation in a context of its own. */
  run<T>(requestId: string, invocation: () => Promise<T>): Promise<T> {
    return this.store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invocation);
  }
}
