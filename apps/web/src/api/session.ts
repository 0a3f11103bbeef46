/**
 * The signed-in session: the bearer token, kept in sessionStorage (see docs/WEB.md: it survives a reload of
 * the tab, dies with the tab, is never in a URL or a cookie; the strict CSP is the defence against XSS).
 */
const KEY = 'clouddrive.session';

export interface Session {
  token: string;
  username: string;
}

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let current = read();

export const session = {
  get: (): Session | null => current,
  token: (): string | null => current?.token ?? null,
  set(next: Session | null): void {
    current = next;
    if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
    else sessionStorage.removeItem(KEY);
    for (const listener of listeners) listener(next);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
