import {
  type ChangeEvent,
  type DragEvent,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { Item, Listing as ListingData } from '@app/sdk';
import { api, messageOf, unwrap } from '../api/client';
import {
  ImageDialog,
  MoveDialog,
  moveItem,
  NewFolderDialog,
  RenameDialog,
  ShareDialog,
  VersionsDialog,
} from '../components/dialogs';
import { Icon } from '../components/icons';
import { ITEM_MIME, Listing, UnfinishedUploads, useFolderDrop } from '../components/Listing';
import { Button, ErrorText, IconButton, Spinner } from '../components/ui';
import { emit } from '../lib/events';
import { isImage } from '../lib/format';
import { refreshLimit, useChanges } from '../lib/live';
import { Link } from '../lib/router';
import { droppedFiles, pickedFiles, uploads } from '../lib/uploads';
import { folderPath } from '../routes';

type SortBy = 'name' | 'last_interaction' | 'created_at' | 'size';
type Order = 'ASC' | 'DESC';
type Modal =
  | { kind: 'new' }
  | { kind: 'rename' | 'share' | 'image' | 'versions'; item: Item }
  | { kind: 'move' | 'copy'; items: Item[] }
  | null;

/** The first page is what fills a screen, quickly; a scroll past it asks for more at once (fewer round trips). */
const PAGE = 50;
const MORE = 200;
const SORTS: { value: SortBy; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'last_interaction', label: 'Modified' },
  { value: 'created_at', label: 'Created' },
  { value: 'size', label: 'Size' },
];

export function useView(): ['list' | 'grid', (view: 'list' | 'grid') => void] {
  const [view, setView] = useState<'list' | 'grid'>(() => (localStorage.getItem('view') === 'grid' ? 'grid' : 'list'));
  return [
    view,
    (next) => {
      localStorage.setItem('view', next);
      setView(next);
    },
  ];
}

export function ViewToggle({ view, setView }: { view: 'list' | 'grid'; setView: (view: 'list' | 'grid') => void }) {
  return (
    <div className="flex rounded-lg ring-1 ring-slate-300">
      <IconButton
        icon="list"
        label="List view"
        aria-pressed={view === 'list'}
        onClick={() => setView('list')}
        className={`rounded-l-lg rounded-r-none ${view === 'list' ? 'bg-blue-50 text-blue-700' : ''}`}
      />
      <IconButton
        icon="grid"
        label="Grid view"
        aria-pressed={view === 'grid'}
        onClick={() => setView('grid')}
        className={`rounded-l-none rounded-r-lg ${view === 'grid' ? 'bg-blue-50 text-blue-700' : ''}`}
      />
    </div>
  );
}

/** Loads the next page when the sentinel scrolls into view. */
export function useEndlessScroll(more: boolean, loadMore: () => void) {
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!more || !sentinel.current) return;
    const observer = new IntersectionObserver((entries) => entries[0]?.isIntersecting && loadMore(), {
      rootMargin: '400px',
    });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [more, loadMore]);
  return sentinel;
}

export const downloadLabel = (item: Pick<Item, 'kind'>) => (item.kind === 'folder' ? 'Download as zip' : 'Download');

/** A file as it is, a folder as a zip of everything in it (streamed by the API: the page stays). */
export async function download(item: Pick<Item, 'id' | 'kind'>): Promise<void> {
  const answer =
    item.kind === 'folder'
      ? await unwrap(api.POST('/drive/{folder_id}/archive', { params: { path: { folder_id: item.id } } }))
      : await unwrap(api.GET('/file/{file_id}', { params: { path: { file_id: item.id } } }));
  // Content-Disposition: attachment: the page stays.
  window.location.assign(answer.url);
}

function Crumb({
  id,
  name,
  current,
  onMoveInto,
}: {
  id: string | null;
  name: string;
  current: boolean;
  onMoveInto?: (item: Pick<Item, 'id' | 'kind'>, folderId: string | null) => void;
}) {
  const drop = useFolderDrop(onMoveInto && !current ? (item) => onMoveInto(item, id) : undefined);
  return (
    <li className="flex min-w-0 items-center gap-1">
      <Link
        href={folderPath(id)}
        aria-current={current ? 'page' : undefined}
        {...drop.handlers}
        className={`truncate rounded-md px-2 py-1 ${current ? 'font-semibold text-slate-900' : 'text-slate-600 hover:bg-slate-100'} ${
          drop.over ? 'bg-blue-100 ring-2 ring-blue-400' : ''
        }`}
      >
        {name}
      </Link>
      {!current && <Icon name="chevron" className="size-4 shrink-0 text-slate-400" />}
    </li>
  );
}

export function DrivePage({ folderId }: { folderId: string | null }) {
  const [listing, setListing] = useState<ListingData | null>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sortBy, setSortBy] = useState<SortBy>('name');
  const [order, setOrder] = useState<Order>('ASC');
  const [view, setView] = useView();
  const [modal, setModal] = useState<Modal>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [dropping, setDropping] = useState(false);
  const generation = useRef(0);
  const shown = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const fetchPage = useCallback(
    (after: string | null, first = PAGE) => {
      const query = { sort_by: sortBy, order, ...(after ? { cursor: after, limit: MORE } : { limit: first }) };
      return folderId
        ? unwrap(api.GET('/drive/{folder_id}', { params: { path: { folder_id: folderId }, query } }))
        : unwrap(api.GET('/drive', { params: { query } }));
    },
    [folderId, sortBy, order],
  );

  /**
   * Loads the listing again (after a change) from the top, as many items as were shown (a change heard while scrolled
   * far down keeps the place); `quietly`, as the change feed asks, shows no spinner.
   */
  const reload = useCallback(
    async (quietly = false) => {
      const mine = ++generation.current;
      if (!quietly) setLoading(true);
      try {
        const page = await fetchPage(null, refreshLimit(shown.current, PAGE));
        if (mine !== generation.current) return;
        setListing(page);
        setItems(page.files_and_folders);
        setCursor(page.next_cursor ?? null);
        setError(null);
      } catch (caught) {
        if (mine === generation.current) setError(messageOf(caught));
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [fetchPage],
  );

  const loadMore = useCallback(async () => {
    if (!cursor || loading) return;
    const mine = generation.current;
    setLoading(true);
    try {
      const page = await fetchPage(cursor);
      if (mine !== generation.current) return;
      setItems((before) => [...before, ...page.files_and_folders]);
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setLoading(false);
    }
  }, [cursor, loading, fetchPage]);

  useEffect(() => {
    setListing(null);
    setItems([]);
    setSelected(new Set());
    shown.current = 0;
    void reload();
  }, [reload]);
  useEffect(() => {
    shown.current = items.length;
  }, [items]);

  // What the change feed says of this folder, of what it lists, or of the folders above it (the breadcrumb).
  useChanges(
    (change) =>
      change.item !== null &&
      (change.item.parent_folder_id === folderId ||
        change.item.id === folderId ||
        items.some((item) => item.id === change.item!.id) ||
        (listing?.path.some((entry) => entry.id === change.item!.id) ?? false)),
    () => void reload(true),
  );

  const sentinel = useEndlessScroll(!!cursor, loadMore);

  // Uploads of this tab are in the upload panel: listed there only.
  // The ids alone, as one string: the page renders again when they change, not at every progress event.
  const uploadingHere = useSyncExternalStore(uploads.subscribe, uploads.fileIds);
  const unfinished = useMemo(() => {
    const here = new Set(uploadingHere.split(' '));
    return (listing?.uploads ?? []).filter((file) => !here.has(file.id));
  }, [listing, uploadingHere]);

  const act = async (action: () => Promise<void>) => {
    try {
      await action();
      setError(null);
      await reload();
      emit('drive');
    } catch (caught) {
      setError(messageOf(caught));
    }
  };

  const onMoveInto = (item: Pick<Item, 'id' | 'kind'>, target: string | null) => {
    if (item.id === target) return;
    void act(() => moveItem(item, target));
  };

  const canEdit = !listing?.folder || listing.folder.permission !== 'view';

  const upload = (event: ChangeEvent<HTMLInputElement>) => {
    if (event.target.files) void uploads.add(pickedFiles(event.target.files), folderId);
    event.target.value = '';
  };

  const onDragOver = (event: DragEvent) => {
    if (!canEdit || !event.dataTransfer.types.includes('Files') || event.dataTransfer.types.includes(ITEM_MIME)) return;
    event.preventDefault();
    setDropping(true);
  };
  const onDrop = (event: DragEvent) => {
    setDropping(false);
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    void droppedFiles(event.dataTransfer).then((picked) => uploads.add(picked, folderId));
  };

  const open = (item: Item) => {
    if (isImage(item.content_type)) setModal({ kind: 'image', item });
    else void act(() => download(item));
  };

  const actions = (item: Item) => {
    const editable = item.permission !== 'view';
    return (
      <>
        <IconButton icon="download" label={downloadLabel(item)} onClick={() => void act(() => download(item))} />
        {item.permission === 'owner' && (
          <IconButton icon="share" label="Share" onClick={() => setModal({ kind: 'share', item })} />
        )}
        {item.kind === 'file' && (
          <IconButton icon="history" label="Versions" onClick={() => setModal({ kind: 'versions', item })} />
        )}
        {editable && <IconButton icon="pencil" label="Rename" onClick={() => setModal({ kind: 'rename', item })} />}
        {editable && <IconButton icon="move" label="Move" onClick={() => setModal({ kind: 'move', items: [item] })} />}
        {editable && (
          <IconButton
            icon="trash"
            label="Delete"
            onClick={() =>
              void act(() =>
                item.kind === 'folder'
                  ? unwrap(api.DELETE('/drive/{folder_id}', { params: { path: { folder_id: item.id } } }))
                  : unwrap(api.DELETE('/file/{file_id}', { params: { path: { file_id: item.id } } })),
              )
            }
          />
        )}
      </>
    );
  };

  const closeAndReload = () => {
    setModal(null);
    setSelected(new Set());
    void reload();
    emit('drive');
  };

  const chosen = items.filter((item) => selected.has(item.id));
  const selection = {
    selected,
    toggle: (item: Item) =>
      setSelected((before) => {
        const after = new Set(before);
        if (!after.delete(item.id)) after.add(item.id);
        return after;
      }),
    toggleAll: () =>
      setSelected(items.every((item) => selected.has(item.id)) ? new Set() : new Set(items.map((item) => item.id))),
  };
  const trashChosen = () =>
    act(async () => {
      const body = { items: chosen.map(({ kind, id }) => ({ kind, id })) };
      const { results } = await unwrap(api.POST('/batch/trash', { body }));
      setSelected(new Set());
      const refused = results.filter((result) => result.error);
      if (refused.length > 0) {
        throw new Error(`${refused.length} of ${chosen.length} could not be deleted: ${refused[0].error!.detail}`);
      }
    });

  const path = listing
    ? [...listing.path, ...(listing.folder ? [{ id: listing.folder.id, name: listing.folder.name }] : [])]
    : [];
  const title = listing?.folder?.name ?? 'My files';

  return (
    <div
      onDragOver={onDragOver}
      onDragLeave={(event) => event.currentTarget === event.target && setDropping(false)}
      onDrop={onDrop}
      className={`relative flex min-h-full flex-col gap-4 rounded-2xl p-1 ${dropping ? 'bg-blue-50 ring-2 ring-blue-400 ring-dashed' : ''}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="sr-only">{title}</h1>
        <nav aria-label="Breadcrumb" className="min-w-0 flex-1 text-lg">
          <ol className="flex min-w-0 flex-wrap items-center gap-0.5">
            <Crumb id={null} name="My files" current={path.length === 0} onMoveInto={onMoveInto} />
            {path.map((entry, index) => (
              <Crumb
                key={entry.id}
                id={entry.id}
                name={entry.name}
                current={index === path.length - 1}
                onMoveInto={onMoveInto}
              />
            ))}
          </ol>
        </nav>
        {canEdit && (
          <div className="flex flex-wrap gap-2">
            <Button variant="primary" icon="upload" onClick={() => fileInput.current?.click()}>
              Upload
            </Button>
            <Button icon="folderUp" onClick={() => folderInput.current?.click()}>
              Upload folder
            </Button>
            <Button icon="plus" onClick={() => setModal({ kind: 'new' })}>
              New folder
            </Button>
            <input ref={fileInput} type="file" multiple hidden onChange={upload} aria-label="Files to upload" />
            <input
              ref={folderInput}
              type="file"
              multiple
              hidden
              onChange={upload}
              aria-label="Folder to upload"
              {...{ webkitdirectory: '' }}
            />
          </div>
        )}
      </div>

      <div className="flex items-center justify-end gap-2">
        <label className="flex items-center gap-2 text-sm text-slate-600">
          Sort by
          <select
            value={sortBy}
            onChange={(event) => setSortBy(event.target.value as SortBy)}
            className="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm"
          >
            {SORTS.map((sort) => (
              <option key={sort.value} value={sort.value}>
                {sort.label}
              </option>
            ))}
          </select>
        </label>
        <IconButton
          icon={order === 'ASC' ? 'arrowUp' : 'arrowDown'}
          label={order === 'ASC' ? 'Ascending order' : 'Descending order'}
          onClick={() => setOrder(order === 'ASC' ? 'DESC' : 'ASC')}
        />
        <ViewToggle view={view} setView={setView} />
      </div>

      {chosen.length > 0 && (
        <div
          role="toolbar"
          aria-label="Selected items"
          className="flex flex-wrap items-center gap-2 rounded-xl bg-blue-50 px-3 py-2 text-sm"
        >
          <span className="flex-1 font-medium text-blue-900">{chosen.length} selected</span>
          {chosen.every((item) => item.permission !== 'view') && (
            <>
              <Button icon="move" onClick={() => setModal({ kind: 'move', items: chosen })}>
                Move selected
              </Button>
              <Button icon="trash" onClick={() => void trashChosen()}>
                Delete selected
              </Button>
            </>
          )}
          <Button icon="copy" onClick={() => setModal({ kind: 'copy', items: chosen })}>
            Copy selected
          </Button>
          <Button onClick={() => setSelected(new Set())}>Clear selection</Button>
        </div>
      )}
      <ErrorText error={error} />

      <UnfinishedUploads
        files={unfinished}
        onDelete={(file) =>
          void act(() => unwrap(api.DELETE('/file/{file_id}', { params: { path: { file_id: file.id } } })))
        }
      />

      {listing === null && loading ? (
        <Spinner />
      ) : items.length === 0 && listing ? (
        <div className="flex flex-col items-center gap-3 rounded-2xl border-2 border-dashed border-slate-200 px-6 py-16 text-center text-slate-500">
          <Icon name="cloud" className="size-12 text-slate-300" />
          <p className="font-medium text-slate-700">This folder is empty</p>
          {canEdit && <p className="text-sm">Drop files or folders here, or use Upload.</p>}
        </div>
      ) : (
        <Listing
          items={items}
          view={view}
          onOpen={open}
          actions={actions}
          onMoveInto={canEdit ? (item, folder) => onMoveInto(item, folder.id) : undefined}
          selection={selection}
        />
      )}
      <div ref={sentinel} aria-hidden="true" />
      {loading && listing && <Spinner label="Loading more" />}

      {modal?.kind === 'new' && (
        <NewFolderDialog parentId={folderId} onClose={() => setModal(null)} onDone={closeAndReload} />
      )}
      {modal?.kind === 'rename' && (
        <RenameDialog item={modal.item} onClose={() => setModal(null)} onDone={closeAndReload} />
      )}
      {(modal?.kind === 'move' || modal?.kind === 'copy') && (
        <MoveDialog items={modal.items} mode={modal.kind} onClose={() => setModal(null)} onDone={closeAndReload} />
      )}
      {modal?.kind === 'share' && <ShareDialog item={modal.item} onClose={() => setModal(null)} />}
      {modal?.kind === 'image' && <ImageDialog item={modal.item} onClose={() => setModal(null)} />}
      {modal?.kind === 'versions' && (
        <VersionsDialog
          item={modal.item}
          onClose={() => setModal(null)}
          onDone={() => {
            void reload();
            emit('drive');
          }}
        />
      )}
    </div>
  );
}
