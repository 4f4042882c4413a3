import { useState } from 'preact/hooks';
import { idempotencyKey, unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { Field, formValue, MoreButton, ProblemView, useAction, usePaged } from '../ui';

type TenantRole = Schemas['User']['role'];
const ROLES: readonly TenantRole[] = ['tenant-admin', 'member', 'viewer', 'auditor'];

function RoleSelect({ name, value, onChange, label }: { name: string; value?: TenantRole; onChange?: (role: TenantRole) => void; label: string }) {
  return (
    // Without onChange the select is left to the person (a re-render does not set it back): `value` only selects
    // the option shown first.
    <select name={name} aria-label={label} {...(onChange ? { value } : {})} onChange={(e) => onChange?.(e.currentTarget.value as TenantRole)}>
      {ROLES.map((role) => (
        <option key={role} value={role} {...(onChange ? {} : { selected: role === value })}>
          {role}
        </option>
      ))}
    </select>
  );
}

/** Users and invitations of the tenant: invite, resend, revoke, change role, remove. */
export function UsersPage() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const users = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/users', { params: { path, query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  const invitations = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/invitations', { params: { path, query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  const [sent, setSent] = useState<string>();

  const invite = useAction(async (email: string, role: TenantRole) => {
    await unwrap(api.POST('/v1/tenants/{tenantId}/invitations', { params: { path, header: { 'Idempotency-Key': idempotencyKey() } }, body: { email, role } }));
    setSent(`Invitation sent to ${email}.`);
    invitations.reload();
  });
  const revoke = useAction(async (invitationId: string) => {
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/invitations/{invitationId}', { params: { path: { ...path, invitationId } } }));
    invitations.reload();
  });
  const changeRole = useAction(async (userId: string, role: TenantRole) => {
    await unwrap(api.PATCH('/v1/tenants/{tenantId}/users/{userId}', { params: { path: { ...path, userId } }, body: { role } }));
    users.reload();
  });
  const remove = useAction(async (user: Schemas['User']) => {
    if (!confirm(`Remove ${user.email}? They lose access at once.`)) return;
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/users/{userId}', { params: { path: { ...path, userId: user.userId } } }));
    users.reload();
  });

  return (
    <section>
      <h1>Users</h1>
      <h2>Invite someone</h2>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          void invite.run(formValue(form, 'email'), formValue(form, 'role') as TenantRole);
        }}
      >
        <Field label="Email">
          <input name="email" type="email" required />
        </Field>
        <Field label="Role">
          <RoleSelect name="role" value="member" label="Role of the invited user" />
        </Field>
        <button type="submit" disabled={invite.busy}>
          Invite
        </button>
      </form>
      {sent ? <p role="status">{sent}</p> : null}
      <ProblemView error={invite.error ?? revoke.error ?? changeRole.error ?? remove.error} />

      <h2>Members</h2>
      <ProblemView error={users.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.items.map((user) => (
            <tr key={user.userId}>
              <td>{user.email}</td>
              <td>
                <RoleSelect
                  name={`role-${user.userId}`}
                  label={`Role of ${user.email}`}
                  value={user.role}
                  onChange={(role) => void changeRole.run(user.userId, role)}
                />
              </td>
              <td>
                <button type="button" class="danger" onClick={() => void remove.run(user)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={users} />

      <h2>Invitations</h2>
      <ProblemView error={invitations.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {invitations.items.map((invitation) => (
            <tr key={invitation.invitationId}>
              <td>{invitation.email}</td>
              <td>{invitation.role}</td>
              <td>{invitation.status}</td>
              <td>
                {invitation.status === 'PENDING' ? (
                  <>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => void revoke.run(invitation.invitationId).then(() => invite.run(invitation.email, invitation.role))}
                    >
                      Resend
                    </button>{' '}
                    <button type="button" class="danger" onClick={() => void revoke.run(invitation.invitationId)}>
                      Revoke
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={invitations} />
    </section>
  );
}
