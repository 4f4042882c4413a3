import type { DataScope } from '../functions/data/data-scopes';
import { HANDLER_GROUP_NEEDS, JOB_CONSUMER_NEEDS, PERIOD_CLOSE_NEEDS, type GroupNeeds } from '../functions/api/group-needs';
import { HANDLER_GROUPS } from '../functions/routes';
import type { PlatformConfig } from './config';
import { PlatformNames } from './naming';

/**
 * Functions that reach other stacks' data roles, known to those roles by the fixed name of their execution role:
 * the route groups that act across regions (GroupNeeds.allRegions), the period close and the job consumer (tenant
 * migrations), in every region, and the control plane's functions. Every region's data roles trust exactly these (besides the functions of their own stack), each for
 * the data scopes it needs; the functions' stacks name their roles from the same list.
 */

/** The control plane's functions and the data they reach (in every region). */
export const CONTROL_PLANE_FUNCTION_NEEDS = {
  // Registers the platform-admin pool's issuer in every region's registry (P#ISSUER#), and nothing else.
  'issuer-registration': { data: ['issuers'], allRegions: true },
  // Applies the provisioning pipeline's answers: directory copies (P#), the tenant's record (T#), first invitations.
  'provisioning-events': { data: ['tenant', 'platform'], allRegions: true, cursors: true, mail: true, onboardingEvents: true },
} as const satisfies Record<string, GroupNeeds>;
export type ControlPlaneFunction = keyof typeof CONTROL_PLANE_FUNCTION_NEEDS;

export interface CrossRegionCaller {
  /** Where the caller's function lives: a region's stack or the control plane. */
  readonly home: { readonly kind: 'region'; readonly region: string } | { readonly kind: 'control-plane' };
  readonly roleName: string;
  readonly roleArn: string;
  /** The data scopes whose roles it assumes. */
  readonly scopes: readonly DataScope[];
}

export function crossRegionCallers(config: PlatformConfig): CrossRegionCaller[] {
  const names = new PlatformNames(config.stage);
  const callers: CrossRegionCaller[] = [];
  const regionFunctions: readonly [string, GroupNeeds][] = [
    ...HANDLER_GROUPS.map((group): [string, GroupNeeds] => [group, HANDLER_GROUP_NEEDS[group]]),
    ['period-close', PERIOD_CLOSE_NEEDS],
    ['job-consumer', JOB_CONSUMER_NEEDS],
  ];
  for (const region of config.regions) {
    for (const [group, needs] of regionFunctions) {
      if (!needs.allRegions) continue;
      callers.push({
        home: { kind: 'region', region },
        roleName: names.functionRoleName(region, group),
        roleArn: names.functionRoleArn(region, group),
        scopes: needs.data,
      });
    }
  }
  for (const [fn, needs] of Object.entries(CONTROL_PLANE_FUNCTION_NEEDS) as [ControlPlaneFunction, GroupNeeds][]) {
    callers.push({
      home: { kind: 'control-plane' },
      roleName: names.controlPlaneRoleName(fn),
      roleArn: names.controlPlaneRoleArn(fn),
      scopes: needs.data,
    });
  }
  return callers;
}
