import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import type { SearchHit } from '@app/sdk';
import { api, messageOf, unwrap } from '../api/client';
import { session } from '../api/session';
import { Link } from '../lib/router';
import { folderPath } from '../routes';
import { Icon } from './icons';

/** Where a hit opens: a folder itself; a file, in its folder (a shared file whose folder is not the caller's to see: "Shared with me"). */
function hrefOf(hit: SearchHit): string {
  if (hit.kind === 'folder') return folderPath(hit.id);
  if (hit.parent_folder_id) return folderPath(hit.parent_folder_id);
  return hit.permission === 'owner' ? '/' : '/shared';
}

/** The hit's place, as the caller may see it: "My files › Photos", or the owner's name and the shared part. */
function placeOf(hit: SearchHit): string {
  const top = hit.owner.username === session.get()?.username ? 'My files' : `Shared by ${hit.owner.username}`;
  return [top, ...hit.path.map((folder) => folder.name)].join(' › ');
}

/** The header's search: names as they are typed (a pause of 250 ms), the first 20 hits in a list below. */
export function SearchBox() {
  const [text, setText] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const listId = useId();

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setHits(null);
      setError(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      unwrap(api.GET('/search', { params: { query: { q, limit: 20 } } })).then(
        (results) => current && (setHits(results.files_and_folders), setError(null)),
        (failure: unknown) => current && setError(messageOf(failure)),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text]);

  const close = () => setText('');
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') close();
  };
  const open = text.trim() !== '' && (hits !== null || error !== null);
  const listed = open && !error && !!hits?.length;

  return (
    <div className="relative w-full max-w-md" onKeyDown={onKeyDown}>
      <form role="search" onSubmit={(event) => event.preventDefault()}>
        <label className="flex items-center gap-2 rounded-full bg-slate-100 px-3 py-1.5 focus-within:ring-2 focus-within:ring-blue-500">
          <Icon name="search" className="size-4 text-slate-500" />
          <input
            type="search"
            aria-label="Search"
            aria-controls={listed ? listId : undefined}
            placeholder="Search in Drive"
            value={text}
            onChange={(event) => setText(event.target.value)}
            className="w-full bg-transparent text-sm outline-none"
          />
        </label>
      </form>
      {open && (
        <div className="absolute inset-x-0 top-full z-20 mt-1 max-h-96 overflow-y-auto rounded-lg bg-white p-1 shadow-lg ring-1 ring-slate-200">
          {error ? (
            <p role="alert" className="p-3 text-sm text-red-700">
              {error}
            </p>
          ) : hits && hits.length === 0 ? (
            <p role="status" className="p-3 text-sm text-slate-600">
              Nothing matches “{text.trim()}”.
            </p>
          ) : (
            <ul id={listId} aria-label="Search results" className="flex flex-col">
              {hits?.map((hit) => (
                <li key={hit.id}>
                  <Link
                    href={hrefOf(hit)}
                    onClick={close}
                    className="flex items-center gap-3 rounded-md px-3 py-2 text-sm hover:bg-slate-100"
                  >
                    <Icon name={hit.kind === 'folder' ? 'folder' : 'file'} className="size-5 shrink-0 text-slate-500" />
                    <span className="min-w-0">
                      <span className="block truncate font-medium text-slate-900">{hit.name}</span>
                      <span className="block truncate text-xs text-slate-500">{placeOf(hit)}</span>
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
