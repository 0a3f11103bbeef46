import { useCallback, useEffect, useState } from 'react';
import type { TrashItem } from '@app/sdk';
import { api, messageOf, unwrap } from '../api/client';
import { Icon } from '../components/icons';
import { Listing } from '../components/Listing';
import { Button, ErrorText, IconButton, Spinner } from '../components/ui';
import { emit } from '../lib/events';
import { formatDate } from '../lib/format';
import { refreshLimit, useChanges } from '../lib/live';
import { useEndlessScroll, useView, ViewToggle } from './DrivePage';

const PAGE = 50;
const TRASH_NEWS = new Set(['item_trashed', 'item_restored', 'item_purged']);

export function BinPage() {
  const [items, setItems] = useState<TrashItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useView();

  const load = useCallback(async (after: string | null, limit = PAGE) => {
    const page = await unwrap(api.GET('/trash', { params: { query: { limit, ...(after ? { cursor: after } : {}) } } }));
    setItems((before) => [...(after ? (before ?? []) : []), ...page.items]);
    setCursor(page.next_cursor ?? null);
  }, []);
  const act = useCallback(
    async (action: () => Promise<unknown>, reload = true) => {
      try {
        await action();
        if (reload) {
          await load(null);
          emit('drive');
        }
        setError(null);
      } catch (caught) {
        setError(messageOf(caught));
      }
    },
    [load],
  );
  useEffect(() => void act(() => load(null), false), [act, load]);
  // Something went into the trash, came back or went for good (here, in another tab, or by an editor of a share).
  useChanges(
    (change) => TRASH_NEWS.has(change.type),
    () => void act(() => load(null, refreshLimit(items?.length ?? 0, PAGE)), false),
  );
  const sentinel = useEndlessScroll(!!cursor, () => void act(() => load(cursor), false));

  return (
    <div className="flex flex-col gap-4 p-1">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="flex-1 px-2 text-lg font-semibold">Trash</h1>
        <Button
          variant="danger"
          icon="trash"
          disabled={!items?.length}
          onClick={() =>
            confirm('Delete everything in the trash forever?') && void act(() => unwrap(api.DELETE('/trash')))
          }
        >
          Empty trash
        </Button>
        <ViewToggle view={view} setView={setView} />
      </div>
      <p className="px-2 text-sm text-slate-500">Items in the trash are deleted forever after 30 days.</p>
      <ErrorText error={error} />
      {items === null ? (
        !error && <Spinner />
      ) : items.length === 0 ? (
        <div className="flex flex-col items-center gap-3 rounded-2xl border-2 border-dashed border-slate-200 px-6 py-16 text-center text-slate-500">
          <Icon name="trash" className="size-12 text-slate-300" />
          <p>The trash is empty.</p>
        </div>
      ) : (
        <Listing
          items={items}
          view={view}
          linkFolders={false}
          detailLabel="Deleted"
          detail={(item) => formatDate((item as TrashItem).deleted_at)}
          onOpen={() => undefined}
          actions={(item) => (
            <>
              <IconButton
                icon="restore"
                label="Restore"
                onClick={() =>
                  void act(() =>
                    unwrap(api.POST('/trash/{item_id}/restore', { params: { path: { item_id: item.id } } })),
                  )
                }
              />
              <IconButton
                icon="close"
                label="Delete forever"
                onClick={() =>
                  confirm(`Delete ${item.name} forever?`) &&
                  void act(() => unwrap(api.DELETE('/trash/{item_id}', { params: { path: { item_id: item.id } } })))
                }
              />
            </>
          )}
        />
      )}
      <div ref={sentinel} aria-hidden="true" />
    </div>
  );
}
