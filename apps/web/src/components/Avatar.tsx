import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { on } from '../lib/events';
import { useChanges } from '../lib/live';

/** The profile photo (GET /profile-photo), or the initial while there is none. */
export function Avatar({ username, size = 'size-9' }: { username: string; size?: string }) {
  const [url, setUrl] = useState<string | null>(null);
  // A new photo in use, set here or in another tab: asked for again.
  const [news, setNews] = useState(0);
  useChanges(
    (change) => change.type === 'profile_photo_ready',
    () => setNews((count) => count + 1),
  );
  useEffect(() => {
    const load = () =>
      void api
        .GET('/profile-photo')
        .then((answer) => setUrl(answer.data?.url ?? null))
        .catch(() => setUrl(null));
    load();
    return on('profile', load);
  }, [news]);
  return url ? (
    <img
      src={url}
      alt=""
      className={`${size} rounded-full object-cover ring-2 ring-white`}
      data-testid="avatar-photo"
    />
  ) : (
    <span
      aria-hidden="true"
      className={`${size} flex items-center justify-center rounded-full bg-gradient-to-br from-blue-500 to-indigo-600 text-sm font-semibold text-white`}
    >
      {username[0]?.toUpperCase()}
    </span>
  );
}
