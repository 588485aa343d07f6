import { createContext, useCallback, useContext, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, onSignedOut } from './api.ts';
import { live, useLiveState } from './live.ts';
import { followLink, href, navigate, useLocation } from './router.ts';
import { ShortcutsDialog, useShortcut } from './shortcuts.tsx';
import type { Advisor, ChannelSummary, Directory } from './types.ts';
import { applyChannelNames } from './format.ts';
import { DeskScreen } from './desk/desk-screen.tsx';
import { prefetchWork } from './desk/work-list.tsx';
import { CustomerScreen } from './desk/customer-screen.tsx';
import { SearchScreen } from './desk/search-screen.tsx';
import { WallScreen } from './wall/wall-screen.tsx';
import { AdminScreen } from './admin/admin-screen.tsx';
import { PresenceSwitch } from './routing/presence-switch.tsx';
import { OfferPopup } from './routing/offer-popup.tsx';
import { ShopDeskScreen, shopDeskRoles } from './shop/shop-desk-screen.tsx';
import { RepairsScreen } from './shop-repairs/repairs-screen.tsx';
import { DeskAlerts } from './alerts/desk-alerts.tsx';
import { AlertSettingsScreen } from './alerts/alert-settings.tsx';
import { SetPasswordPage } from './set-password-page.tsx';

/** Who is signed in, the colleagues' names, and the channels' settings. */
export interface Session {
  readonly me: Advisor;
  readonly directory: Directory;
  /** Channels' settings: names, on or off, signature. */
  readonly channels: ChannelSummary[];
  refreshDirectory(): void;
  refreshChannels(): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in shell');
  return session;
}

/** A person's name from the directory, or a neutral label. */
export function useNameOf(): (id: number | null | undefined) => string {
  const { directory } = useSession();
  return useCallback(
    (id) =>
      id == null
        ? 'nobody'
        : (directory.advisors.find((a) => a.id === id)?.name ?? `advisor #${id}`),
    [directory],
  );
}

const leads = ['supervisor', 'admin'];

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'failed'; message: string }
  | {
      kind: 'in';
      me: Advisor;
      directory: Directory;
      channels: ChannelSummary[];
    };

export function App() {
  const [settingPassword, setSettingPassword] = useState(
    () => location.pathname === '/desk/set-password',
  );
  if (settingPassword) return <SetPasswordPage onSignedIn={() => setSettingPassword(false)} />;
  return <DeskApp />;
}

function DeskApp() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  const load = useCallback(async () => {
    try {
      // One round trip for the first screen: it waits on the slowest request, not on their sum.
      if (location.pathname === '/desk/' || location.pathname.startsWith('/desk/c/'))
        prefetchWork();
      const [{ advisor }, directory, channels] = await Promise.all([
        api<{ advisor: Advisor }>('/api/auth/me'),
        api<Directory>('/api/desk/directory'),
        api<{ items: ChannelSummary[] }>('/api/channels'),
      ]);
      applyChannelNames(channels.items);
      live.start();
      setState({ kind: 'in', me: advisor, directory, channels: channels.items });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403))
        setState({ kind: 'signed-out' });
      else setState({ kind: 'failed', message: messageOf(error) });
    }
  }, []);

  useEffect(() => {
    void load();
    return onSignedOut(() => {
      live.stop();
      setState({ kind: 'signed-out' });
    });
  }, [load]);

  if (state.kind === 'loading') return <p className="boot">Loading…</p>;
  if (state.kind === 'failed')
    return (
      <main className="boot">
        <p role="alert">The desk could not start: {state.message}</p>
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </main>
    );
  if (state.kind === 'signed-out') return <SignIn onSignedIn={() => void load()} />;
  const session: Session = {
    me: state.me,
    directory: state.directory,
    channels: state.channels,
    refreshDirectory: () =>
      void api<Directory>('/api/desk/directory').then((directory) =>
        setState((s) => (s.kind === 'in' ? { ...s, directory } : s)),
      ),
    refreshChannels: () =>
      void api<{ items: ChannelSummary[] }>('/api/channels').then(({ items }) => {
        applyChannelNames(items);
        setState((s) => (s.kind === 'in' ? { ...s, channels: items } : s));
      }),
  };
  return (
    <SessionContext.Provider value={session}>
      <Shell
        onSignOut={async () => {
          await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
          live.stop();
          setState({ kind: 'signed-out' });
          navigate('/');
        }}
      />
    </SessionContext.Provider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await api('/api/auth/login', {
        method: 'POST',
        body: { email: String(form.get('email')), password: String(form.get('password')) },
      });
      onSignedIn();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Rapport</h1>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function NavLink({ to, children, current }: { to: string; children: string; current: boolean }) {
  return (
    <a
      href={href(to)}
      onClick={(e) => followLink(e, to)}
      aria-current={current ? 'page' : undefined}
    >
      {children}
    </a>
  );
}

const roleNames: Record<string, string> = {
  advisor: 'Advisor',
  shop_advisor: 'Shop advisor',
  supervisor: 'Supervisor',
  admin: 'Administrator',
};

function Shell({ onSignOut }: { onSignOut: () => Promise<void> }) {
  const { me } = useSession();
  const { path, params } = useLocation();
  const [help, setHelp] = useState(false);
  const [search, setSearch] = useState(params.get('q') ?? '');
  // The header's box shows the search the address holds (back and forward included).
  const searched = path === '/search' ? (params.get('q') ?? '') : null;
  useEffect(() => {
    if (searched !== null) setSearch(searched);
  }, [searched]);
  const liveState = useLiveState();
  useShortcut('?', () => setHelp(true));
  useShortcut('/', () => document.getElementById('global-search')?.focus());
  // A shop advisor starts at their counter; the desk's work list stays one click away.
  useEffect(() => {
    if (me.role === 'shop_advisor' && path === '/') navigate('/shop', { replace: true });
  }, []);

  const isLead = leads.includes(me.role);
  const conversation = /^\/c\/(\d+)$/.exec(path);
  const customer = /^\/customers\/(\d+)$/.exec(path);
  let screen;
  if (path === '/' || conversation)
    screen = <DeskScreen conversationId={conversation ? Number(conversation[1]) : null} />;
  else if (customer) screen = <CustomerScreen customerId={Number(customer[1])} />;
  else if (path === '/search') screen = <SearchScreen />;
  else if (path === '/shop')
    screen = shopDeskRoles.includes(me.role) ? (
      <ShopDeskScreen />
    ) : (
      <Refused what="the shop desk" />
    );
  else if (path === '/wall')
    screen = isLead ? <WallScreen /> : <Refused what="the supervisor's wall" />;
  else if (path === '/repairs' || path.startsWith('/repairs/'))
    screen = <RepairsScreen path={path} />;
  else if (path.startsWith('/admin'))
    screen =
      me.role === 'admin' ? (
        <AdminScreen section={path.split('/')[2] ?? 'people'} />
      ) : (
        <Refused what="the admin screens" />
      );
  else if (path === '/settings') screen = <AlertSettingsScreen />;
  else screen = <p className="empty">There is no screen at this address.</p>;

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Rapport</span>
        <nav aria-label="Screens">
          <NavLink to="/" current={path === '/' || !!conversation}>
            Desk
          </NavLink>
          {shopDeskRoles.includes(me.role) && (
            <NavLink to="/shop" current={path === '/shop'}>
              Shop desk
            </NavLink>
          )}
          {isLead && (
            <NavLink to="/wall" current={path === '/wall'}>
              Wall
            </NavLink>
          )}
          {['shop_advisor', ...leads].includes(me.role) && (
            <NavLink to="/repairs" current={path.startsWith('/repairs')}>
              Repairs
            </NavLink>
          )}
          {me.role === 'admin' && (
            <NavLink to="/admin" current={path.startsWith('/admin')}>
              Admin
            </NavLink>
          )}
        </nav>
        <form
          role="search"
          className="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (search.trim()) navigate(`/search?q=${encodeURIComponent(search.trim())}`);
          }}
        >
          <label htmlFor="global-search" className="visually-hidden">
            Search customers and conversations
          </label>
          <input
            id="global-search"
            type="search"
            placeholder="Search ( / )"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </form>
        <PresenceSwitch />
        <span
          className={`live live-${liveState}`}
          role="status"
          aria-label={`Live updates: ${liveState}`}
          title={`Live updates: ${liveState}`}
        >
          {liveState === 'live' ? 'Live' : liveState === 'connecting' ? 'Connecting…' : 'Offline'}
        </span>
        <span className="me">
          {me.name} <small>{roleNames[me.role] ?? me.role}</small>
        </span>
        <NavLink to="/settings" current={path === '/settings'}>
          My alerts
        </NavLink>
        <button type="button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
          ?
        </button>
        <button type="button" onClick={() => void onSignOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
      <OfferPopup />
      <DeskAlerts />
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
    </div>
  );
}

function Refused({ what }: { what: string }) {
  return (
    <section className="refused" aria-labelledby="refused-title">
      <h1 id="refused-title">Not for your role</h1>
      <p>Your role may not open {what}. Ask an administrator if you need it.</p>
    </section>
  );
}
