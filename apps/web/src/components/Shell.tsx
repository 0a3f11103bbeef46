import { type ReactNode, useEffect, useState } from 'react';
import type { Account } from '@app/sdk';
import { logOut, storageUsage } from '../api/account';
import { session } from '../api/session';
import { on } from '../lib/events';
import { useChanges } from '../lib/live';
import { formatBytes } from '../lib/format';
import { Link, navigate } from '../lib/router';
import type { Route } from '../routes';
import { Avatar } from './Avatar';
import { Icon, type IconName } from './icons';
import { SearchBox } from './SearchBox';
import { IconButton } from './ui';
import { UploadPanel } from './UploadPanel';

/** The changes that may move the storage used: bytes confirmed, copied, or deleted for good. */
const USAGE_NEWS = new Set(['upload_confirmed', 'item_created', 'item_purged']);

function StorageMeter() {
  const [usage, setUsage] = useState<Account | null>(null);
  const [news, setNews] = useState(0);
  // Bytes counted or freed, here or elsewhere (an editor's upload counts against the owner): asked again, once a second at most.
  useChanges(
    (change) => USAGE_NEWS.has(change.type),
    () => setNews((count) => count + 1),
    1000,
  );
  useEffect(() => {
    const load = () => void storageUsage().then(setUsage, () => undefined);
    load();
    return on('drive', load);
  }, [news]);
  if (!usage) return null;
  const used = usage.used_storage_in_bytes / Math.max(usage.total_storage_in_bytes, 1);
  return (
    <div className="px-3 text-xs text-slate-600">
      <div
        role="meter"
        aria-label="Storage used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(used * 100)}
        className="mb-2 h-1.5 overflow-hidden rounded-full bg-slate-200"
      >
        <div
          className={`h-full ${used > 0.9 ? 'bg-red-500' : 'bg-blue-600'}`}
          style={{ width: `${Math.min(100, used * 100)}%` }}
        />
      </div>
      {formatBytes(usage.used_storage_in_bytes)} of {formatBytes(usage.total_storage_in_bytes)} used
    </div>
  );
}

function NavLink({ href, icon, label, active }: { href: string; icon: IconName; label: string; active: boolean }) {
  return (
    <Link
      href={href}
      aria-current={active ? 'page' : undefined}
      className={`flex items-center gap-3 rounded-full px-4 py-2 text-sm font-medium transition ${
        active ? 'bg-blue-100 text-blue-800' : 'text-slate-700 hover:bg-slate-200/60'
      }`}
    >
      <Icon name={icon} className="size-5" />
      {label}
    </Link>
  );
}

export function Shell({ route, children }: { route: Route; children: ReactNode }) {
  const username = session.get()?.username ?? '';
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route]);
  const nav = (
    <nav aria-label="Main" className="flex flex-col gap-1">
      <NavLink href="/" icon="home" label="My files" active={route.page === 'drive'} />
      <NavLink href="/shared" icon="users" label="Shared with me" active={route.page === 'shared'} />
      <NavLink href="/bin" icon="trash" label="Trash" active={route.page === 'bin'} />
    </nav>
  );
  return (
    <div className="flex min-h-screen flex-col">
      <header className="sticky top-0 z-10 flex h-16 items-center gap-2 border-b border-slate-200 bg-white/90 px-3 backdrop-blur sm:px-5">
        <IconButton
          icon="menu"
          label="Menu"
          aria-expanded={menuOpen}
          className="md:hidden"
          onClick={() => setMenuOpen(!menuOpen)}
        />
        <Link href="/" className="flex items-center gap-2 text-lg font-semibold text-slate-900">
          <Icon name="cloud" className="size-8 text-blue-600" />
          <span>CloudDrive</span>
        </Link>
        <div className="flex flex-1 justify-center px-2">
          <SearchBox />
        </div>
        <Link
          href="/account"
          className="flex items-center gap-2 rounded-full py-1 pr-3 pl-1 text-sm font-medium text-slate-700 hover:bg-slate-100"
        >
          <Avatar username={username} />
          <span className="sr-only sm:not-sr-only">{username}</span>
        </Link>
        <IconButton
          icon="logout"
          label="Log out"
          onClick={() => void logOut().finally(() => navigate('/signin', true))}
        />
      </header>
      <div className="flex flex-1">
        <aside
          className={`${menuOpen ? 'fixed inset-x-0 top-16 bottom-0 z-10 flex' : 'hidden'} w-full flex-col gap-6 bg-slate-50 p-3 md:static md:flex md:w-60 md:shrink-0`}
        >
          {nav}
          <StorageMeter />
        </aside>
        <main className="min-w-0 flex-1 px-3 py-4 pb-40 sm:px-6">{children}</main>
      </div>
      <UploadPanel />
    </div>
  );
}
