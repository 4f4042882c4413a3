import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  ONBOARDING_DETAIL_TYPES,
  ONBOARDING_EVENT_SOURCE,
  type OffboardingRequested,
  type OnboardingEvents,
  type ProvisioningRequested,
} from './onboarding.events';

/** Puts onboarding requests on an EventBridge bus; a rule there starts the provisioning pipeline. */
export class EventBridgeOnboardingEvents implements OnboardingEvents {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly busName: string,
  ) {}

  provisioningRequested(detail: ProvisioningRequested): Promise<void> {
    return this.put(ONBOARDING_DETAIL_TYPES.provisioningRequested, detail.tenantId, detail);
  }

  offboardingRequested(detail: OffboardingRequested): Promise<void> {
    return this.put(ONBOARDING_DETAIL_TYPES.offboardingRequested, detail.tenantId, detail);
  }

  private async put(detailType: string, tenantId: string, detail: unknown): Promise<void> {
    const { FailedEntryCount, Entries } = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: ONBOARDING_EVENT_SOURCE,
            DetailType: detailType,
            Resources: [`tenant/${tenantId}`],
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if (FailedEntryCount) {
      const entry = Entries?.[0];
      throw new Error(`EventBridge refused the ${detailType} event of ${tenantId}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}
