/**
 * The app's pages. None is, or starts, an API path (the API serves index.html for navigations to these:
 * apps/api/src/modules/web/web-app.ts, WEB_APP_SECTIONS).
 */
export type Route =
  | { page: 'drive'; folderId: string | null }
  | { page: 'shared' }
  | { page: 'bin' }
  | { page: 'account' }
  | { page: 'signin' }
  | { page: 'signup' }
  | { page: 'missing' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/') return { page: 'drive', folderId: null };
  const folder = /^\/folders\/([0-9a-f-]{36})$/i.exec(pathname);
  if (folder) return { page: 'drive', folderId: folder[1] };
  switch (pathname) {
    case '/shared':
      return { page: 'shared' };
    case '/bin':
      return { page: 'bin' };
    case '/account':
      return { page: 'account' };
    case '/signin':
      return { page: 'signin' };
    case '/signup':
      return { page: 'signup' };
    default:
      return { page: 'missing' };
  }
}

export const folderPath = (folderId: string | null): string => (folderId ? `/folders/${folderId}` : '/');
