import { type DragEvent, type ReactNode, useState } from 'react';
import type { Item, Listing as ListingData } from '@app/sdk';
import { formatBytes, formatDate } from '../lib/format';
import { Link } from '../lib/router';
import { folderPath } from '../routes';
import { Icon } from './icons';
import { Thumbnail } from './Thumbnail';

export const ITEM_MIME = 'application/x-clouddrive-item';

/** The dragged item, as a drop target reads it. */
export function draggedItem(event: DragEvent): Pick<Item, 'id' | 'kind'> | null {
  const raw = event.dataTransfer.getData(ITEM_MIME);
  return raw ? (JSON.parse(raw) as Pick<Item, 'id' | 'kind'>) : null;
}

/** Drop-target behaviour for a folder (a row, a card, a breadcrumb): highlights while an item hovers. */
export function useFolderDrop(onDropItem?: (item: Pick<Item, 'id' | 'kind'>) => void) {
  const [over, setOver] = useState(false);
  if (!onDropItem) return { over: false, handlers: {} };
  return {
    over,
    handlers: {
      onDragOver: (event: DragEvent) => {
        if (!event.dataTransfer.types.includes(ITEM_MIME)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        setOver(true);
      },
      onDragLeave: () => setOver(false),
      onDrop: (event: DragEvent) => {
        setOver(false);
        const item = draggedItem(event);
        if (!item) return;
        event.preventDefault();
        event.stopPropagation();
        onDropItem(item);
      },
    },
  };
}

export interface ListingProps {
  items: Item[];
  view: 'list' | 'grid';
  onOpen: (item: Item) => void;
  /** The row's actions (buttons). */
  actions: (item: Item) => ReactNode;
  /** Moves a dragged item into a folder of the listing; absent: no drag and drop. */
  onMoveInto?: (item: Pick<Item, 'id' | 'kind'>, folder: Item) => void;
  /** What the second column says (the owner on shared pages, the deletion date in the trash). */
  detail?: (item: Item) => string;
  detailLabel?: string;
  /** Folder names link to the folder (not in the trash). */
  linkFolders?: boolean;
  /** Items chosen for an action on many at once (a checkbox each); absent: no choosing. */
  selection?: Selection;
}

export interface Selection {
  selected: ReadonlySet<string>;
  toggle: (item: Item) => void;
  /** Chooses every item listed, or none when all are chosen. */
  toggleAll: () => void;
}

function SelectBox({ item, selection }: { item: Item; selection?: Selection }) {
  if (!selection) return null;
  return (
    <input
      type="checkbox"
      aria-label={`Select ${item.name}`}
      checked={selection.selected.has(item.id)}
      onChange={() => selection.toggle(item)}
      className="size-4 shrink-0 accent-blue-600"
    />
  );
}

function ItemName({ item, props }: { item: Item; props: ListingProps }) {
  const className = 'truncate text-left font-medium text-slate-800 hover:underline';
  return item.kind === 'folder' && props.linkFolders !== false ? (
    <Link href={folderPath(item.id)} className={className}>
      {item.name}
    </Link>
  ) : (
    <button type="button" className={className} onClick={() => props.onOpen(item)}>
      {item.name}
    </button>
  );
}

function dragProps(item: Item, enabled: boolean) {
  return enabled
    ? {
        draggable: true,
        onDragStart: (event: DragEvent) => {
          event.dataTransfer.setData(ITEM_MIME, JSON.stringify({ id: item.id, kind: item.kind }));
          event.dataTransfer.effectAllowed = 'move';
        },
      }
    : {};
}

function Row({ item, props }: { item: Item; props: ListingProps }) {
  const drop = useFolderDrop(
    item.kind === 'folder' && props.onMoveInto ? (dragged) => props.onMoveInto!(dragged, item) : undefined,
  );
  return (
    <tr
      {...dragProps(item, !!props.onMoveInto && item.permission !== 'view')}
      {...drop.handlers}
      // Named by the item alone (its content starts with the checkbox's "Select …").
      aria-label={item.name}
      data-item-id={item.id}
      className={`group border-b border-slate-100 transition last:border-0 hover:bg-slate-50 ${
        drop.over ? 'bg-blue-50 ring-2 ring-blue-400 ring-inset' : ''
      }`}
    >
      <th scope="row" className="py-2 pr-3 pl-4 font-normal">
        <div className="flex min-w-0 items-center gap-3">
          <SelectBox item={item} selection={props.selection} />
          <Thumbnail item={item} className="size-9 shrink-0 overflow-hidden rounded-md" />
          <ItemName item={item} props={props} />
        </div>
      </th>
      <td className="hidden px-3 py-2 text-sm whitespace-nowrap text-slate-500 md:table-cell">
        {props.detail ? props.detail(item) : formatDate(item.last_interaction)}
      </td>
      <td className="hidden px-3 py-2 text-right text-sm whitespace-nowrap text-slate-500 sm:table-cell">
        {item.kind === 'folder' ? '—' : formatBytes(item.size_in_bytes)}
      </td>
      <td className="py-1 pr-2 pl-3">
        <div className="flex justify-end gap-0.5 sm:opacity-60 sm:group-focus-within:opacity-100 sm:group-hover:opacity-100">
          {props.actions(item)}
        </div>
      </td>
    </tr>
  );
}

function Card({ item, props }: { item: Item; props: ListingProps }) {
  const drop = useFolderDrop(
    item.kind === 'folder' && props.onMoveInto ? (dragged) => props.onMoveInto!(dragged, item) : undefined,
  );
  return (
    <div role="row" aria-label={item.name} data-item-id={item.id} {...drop.handlers}>
      <div
        role="gridcell"
        {...dragProps(item, !!props.onMoveInto && item.permission !== 'view')}
        className={`group flex h-full flex-col overflow-hidden rounded-xl border bg-white transition hover:shadow-md ${
          drop.over ? 'border-blue-400 ring-2 ring-blue-400' : 'border-slate-200'
        }`}
      >
        <div className="relative">
          <Thumbnail item={item} className="aspect-[4/3] w-full bg-slate-50" />
          {props.selection && (
            <div className="absolute top-2 left-2 flex rounded bg-white/95 p-1 shadow-sm ring-1 ring-slate-200">
              <SelectBox item={item} selection={props.selection} />
            </div>
          )}
          <div className="absolute top-1.5 right-1.5 flex rounded-full bg-white/95 shadow-sm ring-1 ring-slate-200 transition sm:opacity-0 sm:group-focus-within:opacity-100 sm:group-hover:opacity-100">
            {props.actions(item)}
          </div>
        </div>
        <div className="flex items-center gap-2 px-3 pt-2.5">
          <Icon
            name={item.kind === 'folder' ? 'folder' : 'file'}
            className={`size-4 shrink-0 ${item.kind === 'folder' ? 'text-blue-500' : 'text-slate-400'}`}
          />
          <ItemName item={item} props={props} />
        </div>
        <p className="px-3 pt-0.5 pb-2.5 pl-9 text-xs text-slate-500">
          {item.kind === 'folder' ? 'Folder' : formatBytes(item.size_in_bytes)}
        </p>
      </div>
    </div>
  );
}

export function Listing(props: ListingProps) {
  if (props.view === 'grid') {
    return (
      <div
        role="grid"
        aria-label="Files"
        className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5"
      >
        {props.items.map((item) => (
          <Card key={item.id} item={item} props={props} />
        ))}
      </div>
    );
  }
  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
      <table className="w-full table-fixed text-sm">
        <caption className="sr-only">Files</caption>
        <thead className="border-b border-slate-200 bg-slate-50/70 text-left text-xs font-medium text-slate-500">
          <tr>
            <th scope="col" className="py-2.5 pr-3 pl-4 font-medium">
              <span className="flex items-center gap-3">
                {props.selection && (
                  <input
                    type="checkbox"
                    aria-label="Select all"
                    checked={
                      props.items.length > 0 && props.items.every((item) => props.selection!.selected.has(item.id))
                    }
                    onChange={props.selection.toggleAll}
                    className="size-4 shrink-0 accent-blue-600"
                  />
                )}
                Name
              </span>
            </th>
            <th scope="col" className="hidden w-36 px-3 py-2.5 font-medium md:table-cell">
              {props.detailLabel ?? 'Modified'}
            </th>
            <th scope="col" className="hidden w-24 px-3 py-2.5 text-right font-medium sm:table-cell">
              Size
            </th>
            <th scope="col" className="w-36 py-2.5 pr-4 pl-3 text-right font-medium sm:w-52">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((item) => (
            <Row key={item.id} item={item} props={props} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export type UnconfirmedFile = ListingData['uploads'][number];

/**
 * Files of the folder whose first upload is awaited or failed, started elsewhere (another tab, another device, a
 * closed tab): they hold their names until deleted. Each can be cancelled or deleted at once.
 */
export function UnfinishedUploads({
  files,
  onDelete,
}: {
  files: UnconfirmedFile[];
  onDelete: (file: UnconfirmedFile) => void;
}) {
  if (files.length === 0) return null;
  return (
    <section
      aria-label="Unfinished uploads"
      className="overflow-hidden rounded-xl border border-amber-200 bg-amber-50/60"
    >
      <ul className="divide-y divide-amber-100">
        {files.map((file) => {
          const failed = file.upload_status === 'failed';
          return (
            <li key={file.id} data-item-id={file.id} className="flex items-center gap-3 py-2 pr-2 pl-4 text-sm">
              <Icon
                name={failed ? 'close' : 'upload'}
                className={`size-4 shrink-0 ${failed ? 'text-red-600' : 'text-amber-600'}`}
              />
              <span className="min-w-0 flex-1 truncate font-medium text-slate-800" title={file.name}>
                {file.name}
              </span>
              <span className="hidden text-xs whitespace-nowrap text-slate-500 sm:inline">
                {formatBytes(file.size_in_bytes)}
              </span>
              <span className={`text-xs whitespace-nowrap ${failed ? 'text-red-700' : 'text-slate-600'}`}>
                {failed ? 'Upload failed' : 'Uploading…'}
              </span>
              <button
                type="button"
                onClick={() => onDelete(file)}
                aria-label={`${failed ? 'Delete' : 'Cancel'} ${file.name}`}
                className="rounded-md px-2 py-1 text-xs font-medium text-slate-700 hover:bg-amber-100"
              >
                {failed ? 'Delete' : 'Cancel'}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
