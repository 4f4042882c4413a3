import { NotAuthorizedError, UserNotFoundError } from 'cognito-local/lib/errors';
import type { Router } from 'cognito-local/lib/server/Router';
import type { Services } from 'cognito-local/lib/services';

type Route = ReturnType<ReturnType<typeof Router>>;
type Context = Parameters<Route>[0];
// biome-ignore lint/suspicious/noExplicitAny: requests of the Cognito wire protocol, read field by field
type Request = Record<string, any>;

/** Flows whose sign-in AWS refuses to a disabled user. */
const SIGN_IN_TARGETS = new Set(['InitiateAuth', 'AdminInitiateAuth']);

/**
 * Where cognito-local 5.3 answers differently from Cognito on revocation, this closes the gap in front of its own
 * targets, so that the local platform gives AWS's answers:
 * - a disabled user cannot sign in, by password or refresh token (cognito-local signs it in);
 * - `AdminUserGlobalSignOut` revokes the user's refresh tokens (cognito-local does not know the target);
 * - `AdminResetUserPassword` makes the user reset its password before it signs in again and mails it the code of the
 *   forgotten-password flow (cognito-local does not know the target; its sign-in already refuses a user in
 *   RESET_REQUIRED, and its forgotten-password flow confirms one).
 * Access and ID tokens already issued stay valid JWTs until they expire, in AWS too; the platform's authorizer
 * refuses them through the member record.
 */
export function withAwsRevocation(router: ReturnType<typeof Router>, services: Services): ReturnType<typeof Router> {
  return (target) => {
    if (target === 'AdminUserGlobalSignOut') return (ctx, req) => globalSignOut(services, ctx, req);
    if (target === 'AdminResetUserPassword') return (ctx, req) => resetPassword(services, ctx, req);
    const route = router(target);
    if (!SIGN_IN_TARGETS.has(target)) return route;
    return async (ctx, req) => {
      await refuseDisabled(services, ctx, req);
      return route(ctx, req);
    };
  };
}

async function refuseDisabled(services: Services, ctx: Context, req: Request): Promise<void> {
  const pool = req.UserPoolId ? await services.cognito.getUserPool(ctx, req.UserPoolId) : await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
  const parameters = req.AuthParameters ?? {};
  const user = parameters.USERNAME
    ? await pool.getUserByUsername(ctx, parameters.USERNAME)
    : parameters.REFRESH_TOKEN
      ? await pool.getUserByRefreshToken(ctx, parameters.REFRESH_TOKEN)
      : null;
  if (user && user.Enabled === false) throw new NotAuthorizedError('User is disabled.');
}

async function globalSignOut(services: Services, ctx: Context, req: Request): Promise<object> {
  const pool = await services.cognito.getUserPool(ctx, req.UserPoolId);
  const user = await pool.getUserByUsername(ctx, req.Username);
  if (!user) throw new UserNotFoundError();
  await pool.saveUser(ctx, { ...user, RefreshTokens: [], UserLastModifiedDate: services.clock.get() });
  return {};
}

async function resetPassword(services: Services, ctx: Context, req: Request): Promise<object> {
  const pool = await services.cognito.getUserPool(ctx, req.UserPoolId);
  const user = await pool.getUserByUsername(ctx, req.Username);
  if (!user) throw new UserNotFoundError();
  // As AWS does for a user with a verified email: the code of the forgotten-password flow goes out at once.
  const email = user.Attributes.find((attribute) => attribute.Name === 'email')?.Value;
  const code = email ? services.otp() : undefined;
  await pool.saveUser(ctx, { ...user, UserStatus: 'RESET_REQUIRED', ConfirmationCode: code, UserLastModifiedDate: services.clock.get() });
  if (email && code) {
    const delivery = { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: email } as const;
    await services.messages.deliver(ctx, 'ForgotPassword', null, req.UserPoolId, user, code, undefined, delivery);
  }
  return {};
}
