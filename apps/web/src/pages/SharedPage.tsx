import { useCallback, useEffect, useState } from 'react';
import type { Item, SharedItem } from '@app/sdk';
import { api, messageOf, unwrap } from '../api/client';
import { ImageDialog } from '../components/dialogs';
import { Listing } from '../components/Listing';
import { ErrorText, IconButton, Spinner } from '../components/ui';
import { formatDate } from '../lib/format';
import { refreshLimit, useChanges } from '../lib/live';
import { download, downloadLabel, useEndlessScroll, useView, ViewToggle } from './DrivePage';

const PAGE = 50;
const IMAGE_TYPES = new Set(['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'heic']);

/** A shared entry in the shape of the drive's items, so that one listing shows both. */
function asItem(shared: SharedItem): Item & { shareId: string } {
  const image = shared.type !== null && IMAGE_TYPES.has(shared.type);
  return {
    shareId: shared.share_id,
    id: shared.id,
    kind: shared.kind,
    name: shared.name,
    size_in_bytes: shared.size_in_bytes,
    type: shared.type,
    content_type: image ? `image/${shared.type}` : null,
    created_at: shared.shared_at,
    last_interaction: shared.shared_at,
    parent_folder_id: null,
    preview_ready: false,
    preview_status: image ? 'pending' : 'none',
    owner: { id: '', username: shared.owner.username },
    permission: shared.permission,
  } as Item & { shareId: string };
}

export function SharedPage() {
  const [items, setItems] = useState<(Item & { shareId: string })[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [image, setImage] = useState<Item | null>(null);
  const [view, setView] = useView();

  const load = useCallback(async (after: string | null, limit = PAGE) => {
    try {
      const page = await unwrap(
        api.GET('/shared-with-me', { params: { query: { limit, ...(after ? { cursor: after } : {}) } } }),
      );
      setItems((before) => [...(after ? (before ?? []) : []), ...page.content.map(asItem)]);
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, []);
  useEffect(() => void load(null), [load]);
  // A share made, changed or revoked (or left in another tab), or news of an item shown: the list is fetched again.
  useChanges(
    (change) => change.type.startsWith('share_') || (items?.some((item) => item.id === change.item?.id) ?? false),
    () => void load(null, refreshLimit(items?.length ?? 0, PAGE)),
  );
  const sentinel = useEndlessScroll(!!cursor, () => void load(cursor));

  const act = (action: () => Promise<void>) => action().catch((caught: unknown) => setError(messageOf(caught)));

  return (
    <div className="flex flex-col gap-4 p-1">
      <div className="flex items-center gap-2">
        <h1 className="flex-1 px-2 text-lg font-semibold">Shared with me</h1>
        <ViewToggle view={view} setView={setView} />
      </div>
      <ErrorText error={error} />
      {items === null ? (
        !error && <Spinner />
      ) : items.length === 0 ? (
        <p className="rounded-2xl border-2 border-dashed border-slate-200 px-6 py-16 text-center text-slate-500">
          Nothing is shared with you yet.
        </p>
      ) : (
        <Listing
          items={items}
          view={view}
          detailLabel="Owner"
          detail={(item) => `${item.owner.username} · ${formatDate(item.created_at)}`}
          onOpen={(item) => (item.content_type ? setImage(item) : void act(() => download(item)))}
          actions={(item) => (
            <>
              <IconButton icon="download" label={downloadLabel(item)} onClick={() => void act(() => download(item))} />
              <IconButton
                icon="logout"
                label="Leave"
                onClick={() =>
                  void act(async () => {
                    const shareId = (item as Item & { shareId: string }).shareId;
                    await unwrap(api.DELETE('/share/{share_id}', { params: { path: { share_id: shareId } } }));
                    await load(null);
                  })
                }
              />
            </>
          )}
        />
      )}
      <div ref={sentinel} aria-hidden="true" />
      {image && <ImageDialog item={image} onClose={() => setImage(null)} />}
    </div>
  );
}
