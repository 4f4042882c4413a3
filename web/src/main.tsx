import './styles.css';
import type { ComponentType } from 'preact';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, TENANT_SUSPENDED_EVENT, unwrap, type Schemas } from './api';
import { completeHostedSignIn, currentToken, signOut, storedSession, type Session } from './auth';
import { applyBranding } from './branding';
import { loadConfig, type ConsoleConfig } from './config';
import { allows, Console, currentRoute, type AccessRule, type ActingTenant, type ConsoleContext } from './context';
import { AcceptPage } from './pages/accept';
import { AdminTenantsPage } from './pages/admin-tenants';
import { AgentsPage } from './pages/agents';
import { ToolsPage } from './pages/tools';
import { ModelsPage } from './pages/models';
import { DataPage } from './pages/data';
import { TenantHealthPage } from './pages/health';
import { ApiKeysPage } from './pages/api-keys';
import { AuditPage } from './pages/audit';
import { LoginPage } from './pages/login';
import { MemoriesPage } from './pages/memories';
import { NotAllowedPage } from './pages/not-allowed';
import { SettingsPage } from './pages/settings';
import { SubscriptionPage } from './pages/subscription';
import { UsagePage } from './pages/usage';
import { UsersPage } from './pages/users';
import { WorkflowPage, WorkflowsPage } from './pages/workflows';
import { ProblemView } from './ui';

interface PageSpec {
  readonly path: string;
  readonly label: string;
  readonly rule: AccessRule;
  readonly component: ComponentType<{ param?: string }>;
  /** Pages about one tenant need one: the user's own, or the tenant a platform admin acts on. */
  readonly tenantPage: boolean;
}

/** The console's pages, each with the route table's access rule of the API it calls. */
const PAGES: readonly PageSpec[] = [
  { path: '/agents', label: 'Agents', rule: 'tenantRead', component: AgentsPage, tenantPage: true },
  { path: '/tools', label: 'Tools', rule: 'tenantRead', component: ToolsPage, tenantPage: true },
  { path: '/workflows', label: 'Workflows', rule: 'tenantRead', component: WorkflowsPage, tenantPage: true },
  { path: '/workflow', label: 'Workflow', rule: 'tenantRead', component: WorkflowPage, tenantPage: true },
  { path: '/memories', label: 'Memories', rule: 'tenantRead', component: MemoriesPage, tenantPage: true },
  { path: '/users', label: 'Users', rule: 'tenantAdmin', component: UsersPage, tenantPage: true },
  { path: '/api-keys', label: 'API keys', rule: 'tenantAdmin', component: ApiKeysPage, tenantPage: true },
  { path: '/models', label: 'Models', rule: 'tenantAdmin', component: ModelsPage, tenantPage: true },
  { path: '/usage', label: 'Usage', rule: 'tenantAdmin', component: UsagePage, tenantPage: true },
  { path: '/subscription', label: 'Subscription', rule: 'tenantAdmin', component: SubscriptionPage, tenantPage: true },
  { path: '/audit', label: 'Audit log', rule: 'audit', component: AuditPage, tenantPage: true },
  { path: '/data', label: 'Data', rule: 'audit', component: DataPage, tenantPage: true },
  { path: '/settings', label: 'Settings', rule: 'tenantAdmin', component: SettingsPage, tenantPage: true },
  { path: '/admin/tenants', label: 'Tenants', rule: 'platformAdmin', component: AdminTenantsPage, tenantPage: false },
  { path: '/admin/health', label: 'Tenant health', rule: 'platformAdmin', component: TenantHealthPage, tenantPage: false },
];
const HIDDEN_FROM_NAV = new Set(['/workflow']);
const ACTING_KEY = 'console.acting';

function useRoute() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    // The hash may have changed between the first render and this effect (a redirect from `/`).
    update();
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

function storedActing(): ActingTenant | undefined {
  const raw = sessionStorage.getItem(ACTING_KEY);
  return raw ? (JSON.parse(raw) as ActingTenant) : undefined;
}

/** The tenant record (read by admins) and the branding it carries, applied whenever the tenant changes. */
function useTenantRecord(api: ReturnType<typeof createApi>, tenantId: string | undefined, roles: Session['roles'], session: Session) {
  const [tenant, setTenant] = useState<Schemas['Tenant']>();
  const [tenantError, setTenantError] = useState<unknown>();
  // Only tenant admins (and platform admins) may read the tenant record; other roles keep discovery's branding.
  const readsTenant = allows('tenantAdmin', roles);
  useEffect(() => {
    setTenant(undefined);
    setTenantError(undefined);
    if (!tenantId) {
      applyBranding(undefined, 'Platform');
      return;
    }
    if (!readsTenant) {
      applyBranding(session.branding, session.slug);
      return;
    }
    unwrap(api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId } } }))
      .then((record) => {
        setTenant(record);
        applyBranding(record.branding, record.name);
      })
      .catch(setTenantError);
  }, [api, tenantId, readsTenant, session]);
  return { tenant, tenantError };
}

function Shell({ config, session }: { config: ConsoleConfig; session: Session }) {
  const route = useRoute();
  const [acting, setActing] = useState(storedActing());
  const [suspendedByApi, setSuspendedByApi] = useState(false);
  useEffect(() => {
    const suspend = () => setSuspendedByApi(true);
    addEventListener(TENANT_SUSPENDED_EVENT, suspend);
    return () => removeEventListener(TENANT_SUSPENDED_EVENT, suspend);
  }, []);
  const tenantId = session.kind === 'tenant' ? session.tenantId : acting?.tenantId;
  const apiUrl = session.kind === 'tenant' ? session.apiUrl : (acting?.apiUrl ?? session.apiUrl);
  const api = useMemo(() => createApi(apiUrl, currentToken), [apiUrl]);
  const roles = session.roles;

  const { tenant, tenantError } = useTenantRecord(api, tenantId, roles, session);

  const context: ConsoleContext = {
    config,
    session,
    api,
    tenantId,
    acting,
    actOn: (next) => {
      if (next) sessionStorage.setItem(ACTING_KEY, JSON.stringify(next));
      else sessionStorage.removeItem(ACTING_KEY);
      setActing(next);
      location.hash = next ? '#/agents' : '#/admin/tenants';
    },
    can: (rule) => allows(rule, roles),
  };
  const visible = PAGES.filter((page) => !HIDDEN_FROM_NAV.has(page.path) && context.can(page.rule) && (!page.tenantPage || tenantId));
  const [, first, second] = route.path.split('/');
  const page = PAGES.find((candidate) => candidate.path === `/${first}` || candidate.path === `/${first}/${second}`);
  const param = page?.path === `/${first}` ? second : undefined;
  const home = visible[0]?.path;
  useEffect(() => {
    // Checked again as the effect runs: a page opened meanwhile (a link, a typed address) is not sent home.
    if (route.path === '/' && home && currentRoute().path === '/') location.replace(`#${home}`);
  }, [route.path, home]);

  const suspended = session.kind === 'tenant' && (tenant?.status === 'SUSPENDED' || suspendedByApi);
  let content = null;
  if (suspended) {
    content = (
      <section class="suspended" role="alert">
        <h1>{tenant?.name ?? session.branding?.displayName ?? session.slug} is suspended</h1>
        <p>
          Your organisation's access to the platform is suspended. Your data is kept; contact the platform operator to reactivate it.{' '}
          <code class="code">tenant-suspended</code>
        </p>
      </section>
    );
  } else if (page && (!context.can(page.rule) || (page.tenantPage && !tenantId))) {
    content = <NotAllowedPage roles={roles} />;
  } else if (page) {
    const Page = page.component;
    content = <Page param={param} />;
  }

  return (
    <Console.Provider value={context}>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <div class="brand">
          {tenant?.branding.logoUrl ? <img src={tenant.branding.logoUrl} alt="" /> : <span class="badge" aria-hidden="true" />}
          <span class="brand-name" data-testid="brand-name">
            {tenant?.branding.displayName ?? tenant?.name ?? (session.kind === 'platform' ? 'Platform operations' : session.branding?.displayName)}
          </span>
        </div>
        <nav aria-label="Main">
          <ul>
            {visible.map((item) => (
              <li key={item.path}>
                <a href={`#${item.path}`} aria-current={page?.path === item.path ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {session.email} · {roles.join(', ')}
          </span>
          <button type="button" class="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      {acting ? (
        <div class="acting" role="note">
          Platform admin acting on <strong>{acting.name}</strong> ({acting.tenantId}): every action is written to its audit log.{' '}
          <button type="button" class="secondary" onClick={() => context.actOn(undefined)}>
            Stop acting
          </button>
        </div>
      ) : null}
      <main id="main" tabIndex={-1}>
        <ProblemView error={tenantError} />
        {content}
      </main>
    </Console.Provider>
  );
}

function App({ config }: { config: ConsoleConfig }) {
  const route = useRoute();
  const [session, setSession] = useState(storedSession());
  if (route.path === '/accept') return <AcceptPage config={config} />;
  if (!session || route.path === '/login') {
    return <LoginPage config={config} onSignedIn={() => setSession(storedSession())} />;
  }
  return <Shell config={config} session={session} />;
}

async function start(): Promise<void> {
  const root = document.getElementById('app') as HTMLElement;
  try {
    const config = await loadConfig();
    if (location.pathname === '/auth/callback') {
      await completeHostedSignIn(location.search);
      history.replaceState(null, '', '/#/');
    }
    render(<App config={config} />, root);
  } catch (error) {
    render(
      <main id="main">
        <h1>The console could not start</h1>
        <ProblemView error={error} />
      </main>,
      root,
    );
  }
}

void start();
