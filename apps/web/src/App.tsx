import { useEffect, useSyncExternalStore } from 'react';
import { session } from './api/session';
import { Shell } from './components/Shell';
import { startLive } from './lib/live';
import { navigate, useRoute } from './lib/router';
import { AccountPage } from './pages/AccountPage';
import { AuthPage } from './pages/AuthPage';
import { BinPage } from './pages/BinPage';
import { DrivePage } from './pages/DrivePage';
import { SharedPage } from './pages/SharedPage';

export function App() {
  const route = useRoute();
  const signedIn = useSyncExternalStore(session.subscribe, () => session.get() !== null);
  const publicPage = route.page === 'signin' || route.page === 'signup';

  useEffect(() => {
    if (!signedIn && !publicPage) navigate('/signin', true);
    if (signedIn && publicPage) navigate('/', true);
  }, [signedIn, publicPage]);

  // One event stream per tab while signed in; signing out closes it.
  useEffect(() => (signedIn ? startLive() : undefined), [signedIn]);

  useEffect(() => {
    const titles: Record<string, string> = {
      shared: 'Shared with me',
      bin: 'Trash',
      account: 'Account',
      signin: 'Log in',
      signup: 'Sign up',
    };
    document.title = `${titles[route.page] ?? 'My files'} – CloudDrive`;
  }, [route.page]);

  if (publicPage || !signedIn) return <AuthPage mode={route.page === 'signup' ? 'signup' : 'signin'} />;
  return (
    <Shell route={route}>
      {route.page === 'drive' && <DrivePage key={route.folderId ?? 'root'} folderId={route.folderId} />}
      {route.page === 'shared' && <SharedPage />}
      {route.page === 'bin' && <BinPage />}
      {route.page === 'account' && <AccountPage />}
      {route.page === 'missing' && <p className="p-4 text-slate-600">There is no such page.</p>}
    </Shell>
  );
}
