/**
 * A CloudFormation custom resource request as the CDK provider framework passes it to its handler (the fields the
 * platform's handlers read), and the answer they give.
 */
export type CustomResourceRequest =
  | { readonly RequestType: 'Create'; readonly ResourceType?: string; readonly ResourceProperties: unknown }
  | { readonly RequestType: 'Update'; readonly ResourceType?: string; readonly ResourceProperties: unknown; readonly PhysicalResourceId: string }
  | { readonly RequestType: 'Delete'; readonly ResourceType?: string; readonly ResourceProperties: unknown; readonly PhysicalResourceId: string };

export interface CustomResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}
