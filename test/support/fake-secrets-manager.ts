import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SECRET_TENANT_TAG, tenantSecretPrefix } from '../../functions/governance/credential-store';

/** One stored secret: its tenant tag and its versions with their staging labels. */
interface FakeSecret {
  readonly tenant: string | undefined;
  readonly versions: Map<string, { readonly value: string; readonly stages: Set<string> }>;
}

/** Who signs a call: a tenant's session (`TenantId` tag) or the purging function's own role. */
export type FakePrincipal = { readonly tenantId: string } | { readonly functionRole: true };

/** A call the fake answered (or refused), for assertions on who did what. */
export interface FakeCall {
  readonly command: string;
  readonly principal: FakePrincipal;
  readonly secretId?: string;
}

const fail = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Secrets Manager in memory, at the SDK boundary: `send` of the commands the credential store uses, with the service's
 * staging-label rules (moving AWSCURRENT labels the old version AWSPREVIOUS; removing a label from a version that
 * lacks it is refused) and the platform's IAM in short: a tenant session reaches only secrets under its own prefix
 * tagged with its own tenant and cannot list; the function role can only list.
 */
export class FakeSecretsManager {
  readonly secrets = new Map<string, FakeSecret>();
  readonly calls: FakeCall[] = [];
  /** The next call of a command (by name) fails with an error of this name, once. */
  readonly failNext = new Map<string, string>();
  /** Names per ListSecrets page (small, so paging is exercised). */
  pageSize = 2;

  constructor(private readonly prefix: string) {}

  /** A client signed with the tenant's session. */
  clientFor = (tenantId: string) => ({ send: (command: unknown) => this.handle(command, { tenantId }) as Promise<never> });

  /** A client signed with the purging function's own role. */
  readonly lister = { send: (command: unknown) => this.handle(command, { functionRole: true }) as Promise<never> };

  /** The values of a secret's versions by label, or undefined when the secret does not exist. */
  stagesOf(name: string): Record<string, string> | undefined {
    const secret = this.secrets.get(name);
    if (!secret) return undefined;
    return Object.fromEntries([...secret.versions.values()].flatMap((version) => [...version.stages].map((stage) => [stage, version.value])));
  }

  private async handle(command: unknown, principal: FakePrincipal): Promise<unknown> {
    const name = (command as { constructor: { name: string } }).constructor.name;
    const input = (command as { input: Record<string, unknown> }).input;
    const secretId = typeof input.SecretId === 'string' ? input.SecretId : typeof input.Name === 'string' ? input.Name : undefined;
    this.calls.push({ command: name, principal, ...(secretId ? { secretId } : {}) });
    const failure = this.failNext.get(name);
    if (failure) {
      this.failNext.delete(name);
      throw fail(failure, `${name} failed`);
    }
    if (command instanceof ListSecretsCommand) return this.list(command.input, principal);
    if (!('tenantId' in principal)) throw fail('AccessDeniedException', `the function role may not call ${name}`);
    this.authorize(principal.tenantId, secretId ?? '', command instanceof CreateSecretCommand ? command.input.Tags?.[0]?.Value : undefined);
    return this.act(command, secretId ?? '');
  }

  private act(command: unknown, secretId: string): unknown {
    if (command instanceof CreateSecretCommand) return this.create(secretId, command.input.SecretString ?? '', command.input.Tags?.[0]?.Value);
    if (command instanceof DeleteSecretCommand) return this.delete(secretId, command.input.ForceDeleteWithoutRecovery === true);
    const secret = this.secrets.get(secretId);
    if (!secret) throw fail('ResourceNotFoundException', `no secret ${secretId}`);
    if (command instanceof PutSecretValueCommand) return this.putValue(secret, command.input.SecretString ?? '', command.input.VersionStages ?? ['AWSCURRENT']);
    if (command instanceof GetSecretValueCommand) return this.getValue(secret, command.input.VersionStage ?? 'AWSCURRENT');
    if (command instanceof DescribeSecretCommand) {
      return { VersionIdsToStages: Object.fromEntries([...secret.versions].map(([id, version]) => [id, [...version.stages]])) };
    }
    if (command instanceof UpdateSecretVersionStageCommand) return this.updateStage(secret, command.input);
    throw new Error(`the fake does not answer ${(command as object).constructor.name}`);
  }

  /** The tenant data role's policy: own prefix, own tag (a new secret's request tag). */
  private authorize(tenantId: string, secretId: string, requestTag: string | undefined): void {
    const existing = this.secrets.get(secretId);
    const tag = existing ? existing.tenant : requestTag;
    const ownName = secretId.startsWith(tenantSecretPrefix(this.prefix, tenantId));
    // A forced deletion of a secret that is gone is answered without an error; IAM would still check the name.
    if (!ownName || (existing && tag !== tenantId) || (!existing && requestTag !== undefined && requestTag !== tenantId)) {
      throw fail('AccessDeniedException', `tenant ${tenantId} may not reach ${secretId}`);
    }
  }

  private create(name: string, value: string, tenant: string | undefined) {
    if (this.secrets.has(name)) throw fail('ResourceExistsException', `${name} exists`);
    const versionId = randomUUID();
    this.secrets.set(name, { tenant, versions: new Map([[versionId, { value, stages: new Set(['AWSCURRENT']) }]]) });
    return { VersionId: versionId };
  }

  private delete(name: string, force: boolean) {
    if (!this.secrets.delete(name) && !force) throw fail('ResourceNotFoundException', `no secret ${name}`);
    return {};
  }

  private putValue(secret: FakeSecret, value: string, stages: readonly string[]) {
    const versionId = randomUUID();
    secret.versions.set(versionId, { value, stages: new Set() });
    for (const stage of stages) this.move(secret, stage, versionId);
    return { VersionId: versionId };
  }

  private getValue(secret: FakeSecret, stage: string) {
    const found = [...secret.versions].find(([, version]) => version.stages.has(stage));
    if (!found) throw fail('ResourceNotFoundException', `no version labelled ${stage}`);
    return { VersionId: found[0], SecretString: found[1].value };
  }

  private updateStage(secret: FakeSecret, input: { VersionStage?: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    const stage = input.VersionStage ?? '';
    const holder = [...secret.versions].find(([, version]) => version.stages.has(stage))?.[0];
    if (input.RemoveFromVersionId !== undefined && input.RemoveFromVersionId !== holder) {
      throw fail('InvalidParameterException', `${stage} is not on version ${input.RemoveFromVersionId}`);
    }
    if (input.MoveToVersionId === undefined) {
      if (holder) secret.versions.get(holder)?.stages.delete(stage);
      return {};
    }
    if (holder && input.RemoveFromVersionId === undefined) throw fail('InvalidParameterException', `${stage} is on ${holder}: name it to move it`);
    if (!secret.versions.has(input.MoveToVersionId)) throw fail('ResourceNotFoundException', `no version ${input.MoveToVersionId}`);
    this.move(secret, stage, input.MoveToVersionId);
    return {};
  }

  /** Puts `stage` on `versionId` alone; moving AWSCURRENT labels the version it left AWSPREVIOUS. */
  private move(secret: FakeSecret, stage: string, versionId: string): void {
    const holder = [...secret.versions].find(([, version]) => version.stages.has(stage))?.[0];
    if (holder === versionId) return;
    if (holder) secret.versions.get(holder)?.stages.delete(stage);
    secret.versions.get(versionId)?.stages.add(stage);
    if (stage === 'AWSCURRENT' && holder) this.move(secret, 'AWSPREVIOUS', holder);
  }

  private list(input: ListSecretsCommand['input'], principal: FakePrincipal) {
    if (!('functionRole' in principal)) throw fail('AccessDeniedException', 'tenant sessions may not list secrets');
    const prefixes = input.Filters?.find((filter) => filter.Key === 'name')?.Values ?? [''];
    const names = [...this.secrets.keys()].filter((name) => prefixes.some((prefix) => name.startsWith(prefix))).sort();
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = names.slice(start, start + this.pageSize);
    const next = start + this.pageSize < names.length ? String(start + this.pageSize) : undefined;
    return {
      SecretList: page.map((Name) => ({ Name, Tags: [{ Key: SECRET_TENANT_TAG, Value: this.secrets.get(Name)?.tenant }] })),
      ...(next ? { NextToken: next } : {}),
    };
  }
}
