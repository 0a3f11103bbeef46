import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { FileVersions, Item, PathEntry, Share } from '@app/sdk';
import { api, messageOf, unwrap } from '../api/client';
import { formatBytes, formatDate } from '../lib/format';
import type { ConflictChoice } from '../lib/uploads';
import { Icon } from './icons';
import { Button, Dialog, ErrorText, Field, Spinner } from './ui';

/** Runs a form's action, showing its error in the form. */
function useAction(): [boolean, string | null, (action: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };
  return [busy, error, run];
}

export function NewFolderDialog({
  parentId,
  onClose,
  onDone,
}: {
  parentId: string | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const [name, setName] = useState('');
  const [busy, error, run] = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await unwrap(api.POST('/drive', { body: { folder_name: name, parent_folder_id: parentId } }));
      onDone();
    });
  };
  return (
    <Dialog title="New folder" onClose={onClose}>
      <form onSubmit={submit} className="flex flex-col gap-4">
        <Field label="Folder name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        <ErrorText error={error} />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={busy || !name.trim()}>
            Create
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export async function renameItem(item: Item, name: string): Promise<void> {
  if (item.kind === 'folder') {
    await unwrap(
      api.PATCH('/drive/{folder_id}', { params: { path: { folder_id: item.id } }, body: { new_name: name } }),
    );
  } else {
    await unwrap(api.PATCH('/file/{file_id}', { params: { path: { file_id: item.id } }, body: { file_name: name } }));
  }
}

export async function moveItem(item: Pick<Item, 'id' | 'kind'>, folderId: string | null): Promise<void> {
  if (item.kind === 'folder') {
    await unwrap(
      api.PATCH('/drive/{folder_id}', {
        params: { path: { folder_id: item.id } },
        body: { parent_folder_id: folderId },
      }),
    );
  } else {
    await unwrap(
      api.PATCH('/file/{file_id}', { params: { path: { file_id: item.id } }, body: { parent_folder_id: folderId } }),
    );
  }
}

export function RenameDialog({ item, onClose, onDone }: { item: Item; onClose: () => void; onDone: () => void }) {
  const [name, setName] = useState(item.name);
  const [busy, error, run] = useAction();
  // The name without its extension is selected once, as the dialog opens; a later focus selects as browsers do.
  const stemSelected = useRef(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await renameItem(item, name);
      onDone();
    });
  };
  return (
    <Dialog title={`Rename ${item.name}`} onClose={onClose}>
      <form onSubmit={submit} className="flex flex-col gap-4">
        <Field
          label="New name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onFocus={(e) => {
            if (stemSelected.current) return;
            stemSelected.current = true;
            const dot = item.kind === 'file' ? item.name.lastIndexOf('.') : -1;
            e.target.setSelectionRange(0, dot > 0 ? dot : item.name.length);
          }}
          required
          autoFocus
        />
        <ErrorText error={error} />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={busy || !name.trim()}>
            Rename
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/** Moves many in one request: each is moved or not on its own; the first refusal is told, with how many. */
/** Moves or copies the items into the folder in one batch; the first refusal is told, with how many there were. */
async function inBatch(mode: 'move' | 'copy', items: Item[], folderId: string | null): Promise<void> {
  const body = { items: items.map(({ kind, id }) => ({ kind, id })), parent_folder_id: folderId };
  const { results } = await unwrap(api.POST(mode === 'move' ? '/batch/move' : '/batch/copy', { body }));
  const refused = results.filter((result) => result.error);
  if (refused.length > 0) {
    const done = mode === 'move' ? 'moved' : 'copied';
    throw new Error(`${refused.length} of ${items.length} could not be ${done}: ${refused[0].error!.detail}`);
  }
}

/**
 * Picks a destination folder by browsing the drive, then moves the items there, or copies them (a copy may go
 * anywhere the user may edit, beside its source too, where it is named `name(1)`).
 */
export function MoveDialog({
  items,
  mode = 'move',
  onClose,
  onDone,
}: {
  items: Item[];
  mode?: 'move' | 'copy';
  onClose: () => void;
  onDone: () => void;
}) {
  const moving = new Set(mode === 'move' ? items.map((item) => item.id) : []);
  const [at, setAt] = useState<string | null>(null);
  const [folders, setFolders] = useState<Item[] | null>(null);
  const [path, setPath] = useState<PathEntry[]>([]);
  const [busy, error, run] = useAction();
  useEffect(() => {
    setFolders(null);
    const query = { limit: 1000 };
    const load = at
      ? unwrap(api.GET('/drive/{folder_id}', { params: { path: { folder_id: at }, query } }))
      : unwrap(api.GET('/drive', { params: { query } }));
    load
      .then((listing) => {
        setFolders(listing.files_and_folders.filter((entry) => entry.kind === 'folder' && !moving.has(entry.id)));
        setPath(listing.folder ? [...listing.path, { id: listing.folder.id, name: listing.folder.name }] : []);
      })
      .catch(() => setFolders([]));
    // The items are fixed while the dialog is open: only the folder shown changes what is listed.
  }, [at]);
  return (
    <Dialog
      title={`${mode === 'move' ? 'Move' : 'Copy'} ${items.length === 1 ? items[0].name : `${items.length} items`}`}
      onClose={onClose}
    >
      <div className="flex flex-col gap-4">
        <nav aria-label="Destination" className="flex flex-wrap items-center gap-1 text-sm">
          <button type="button" className="rounded px-1.5 py-0.5 hover:bg-slate-100" onClick={() => setAt(null)}>
            My files
          </button>
          {path.map((entry) => (
            <span key={entry.id} className="flex items-center gap-1">
              <Icon name="chevron" className="size-3.5 text-slate-400" />
              <button
                type="button"
                className="rounded px-1.5 py-0.5 hover:bg-slate-100"
                onClick={() => setAt(entry.id)}
              >
                {entry.name}
              </button>
            </span>
          ))}
        </nav>
        <div className="max-h-64 min-h-32 overflow-auto rounded-lg border border-slate-200">
          {folders === null ? (
            <Spinner />
          ) : folders.length === 0 ? (
            <p className="p-4 text-sm text-slate-500">No folders here.</p>
          ) : (
            <ul>
              {folders.map((folder) => (
                <li key={folder.id}>
                  <button
                    type="button"
                    className="flex w-full items-center gap-3 px-3 py-2 text-left text-sm hover:bg-slate-50"
                    onClick={() => setAt(folder.id)}
                  >
                    <Icon name="folder" className="size-5 text-blue-500" />
                    {folder.name}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <ErrorText error={error} />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="primary"
            disabled={busy || (mode === 'move' && items.every((item) => item.parent_folder_id === at))}
            onClick={() =>
              void run(async () => {
                await (mode === 'move' && items.length === 1 ? moveItem(items[0], at) : inBatch(mode, items, at));
                onDone();
              })
            }
          >
            {mode === 'move' ? 'Move' : 'Copy'}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

const PERMISSIONS = [
  { value: 'view', label: 'Viewer' },
  { value: 'edit', label: 'Editor' },
] as const;

function PermissionSelect({
  value,
  onChange,
  label = 'Permission',
}: {
  value: 'view' | 'edit';
  onChange: (value: 'view' | 'edit') => void;
  label?: string;
}) {
  return (
    <select
      aria-label={label}
      value={value}
      onChange={(event) => onChange(event.target.value as 'view' | 'edit')}
      className="rounded-lg border border-slate-300 bg-white px-2 py-2 text-sm"
    >
      {PERMISSIONS.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

/** Who has access to an item: add a person as viewer or editor, change, revoke. */
export function ShareDialog({ item, onClose }: { item: Item; onClose: () => void }) {
  const [shares, setShares] = useState<Share[] | null>(null);
  const [username, setUsername] = useState('');
  const [permission, setPermission] = useState<'view' | 'edit'>('view');
  const [busy, error, run] = useAction();
  const target = item.kind === 'folder' ? { folder_id: item.id } : { file_id: item.id };
  const reload = async () => setShares((await unwrap(api.GET('/share', { params: { query: target } }))).shares);
  useEffect(() => {
    void run(reload);
  }, [item.id]);
  const add = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await unwrap(
        api.POST('/share', {
          body: { share_object_type: item.kind, ...target, username: username.trim(), permission },
        }),
      );
      setUsername('');
      await reload();
    });
  };
  return (
    <Dialog title={`Share ${item.name}`} onClose={onClose}>
      <div className="flex flex-col gap-5">
        <form onSubmit={add} className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="flex-1">
            <Field
              label="Username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              placeholder="Username or e-mail"
              required
              autoFocus
            />
          </div>
          <PermissionSelect value={permission} onChange={setPermission} />
          <Button type="submit" variant="primary" disabled={busy || !username.trim()}>
            Share
          </Button>
        </form>
        <ErrorText error={error} />
        <section aria-label="People with access">
          <h3 className="mb-2 text-sm font-medium text-slate-700">People with access</h3>
          {shares === null ? (
            <Spinner />
          ) : shares.length === 0 ? (
            <p className="text-sm text-slate-500">Only you.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {shares.map((share) => (
                <li key={share.id} className="flex items-center gap-3 py-2">
                  <span className="flex size-8 items-center justify-center rounded-full bg-blue-100 text-sm font-semibold text-blue-700">
                    {share.recipient.username[0]?.toUpperCase()}
                  </span>
                  <span className="min-w-0 flex-1 truncate text-sm">{share.recipient.username}</span>
                  <PermissionSelect
                    label={`Permission of ${share.recipient.username}`}
                    value={share.permission}
                    onChange={(next) =>
                      void run(async () => {
                        await unwrap(
                          api.PATCH('/share/{share_id}', {
                            params: { path: { share_id: share.id } },
                            body: { permission: next },
                          }),
                        );
                        await reload();
                      })
                    }
                  />
                  <Button
                    variant="ghost"
                    aria-label={`Revoke ${share.recipient.username}`}
                    onClick={() =>
                      void run(async () => {
                        await unwrap(api.DELETE('/share/{share_id}', { params: { path: { share_id: share.id } } }));
                        await reload();
                      })
                    }
                  >
                    Revoke
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </Dialog>
  );
}

/**
 * A file's earlier contents (kept when it was replaced), newest first: download any; editors restore one (the
 * content it replaces is kept in its turn) or delete one for good (its space is freed).
 */
export function VersionsDialog({ item, onClose, onDone }: { item: Item; onClose: () => void; onDone: () => void }) {
  const [list, setList] = useState<FileVersions | null>(null);
  const [busy, error, run] = useAction();
  const file = { params: { path: { file_id: item.id } } };
  const reload = async () => setList(await unwrap(api.GET('/file/{file_id}/versions', file)));
  useEffect(() => {
    void run(reload);
  }, [item.id]);
  const path = (versionId: string) => ({ params: { path: { file_id: item.id, version_id: versionId } } });
  const editable = item.permission !== 'view';
  return (
    <Dialog title={`Versions of ${item.name}`} onClose={onClose}>
      <div className="flex flex-col gap-4">
        <ErrorText error={error} />
        {list === null ? (
          <Spinner />
        ) : (
          <>
            <p className="text-sm text-slate-700">
              Current: {formatBytes(list.current.size_in_bytes)}
              {list.current.current_since ? ` · since ${formatDate(list.current.current_since)}` : ''}
              {list.current.uploaded_by ? ` · ${list.current.uploaded_by.username}` : ''}
            </p>
            {list.versions.length === 0 ? (
              <p className="text-sm text-slate-500">No earlier versions.</p>
            ) : (
              <ul className="divide-y divide-slate-100" aria-label="Earlier versions">
                {list.versions.map((version) => (
                  <li key={version.version_id} className="flex items-center gap-3 py-2">
                    <span className="min-w-0 flex-1 text-sm">
                      <span className="block">
                        {formatDate(version.replaced_at)} · {formatBytes(version.size_in_bytes)}
                      </span>
                      {version.uploaded_by && (
                        <span className="block truncate text-xs text-slate-500">{version.uploaded_by.username}</span>
                      )}
                    </span>
                    <Button
                      variant="ghost"
                      disabled={busy}
                      onClick={() =>
                        void run(async () => {
                          const answer = await unwrap(
                            api.GET('/file/{file_id}/versions/{version_id}', path(version.version_id)),
                          );
                          // Content-Disposition: attachment: the page stays.
                          window.location.assign(answer.url);
                        })
                      }
                    >
                      Download
                    </Button>
                    {editable && (
                      <Button
                        variant="ghost"
                        disabled={busy}
                        onClick={() =>
                          void run(async () => {
                            await unwrap(
                              api.POST('/file/{file_id}/versions/{version_id}/restore', path(version.version_id)),
                            );
                            await reload();
                            onDone();
                          })
                        }
                      >
                        Restore
                      </Button>
                    )}
                    {editable && (
                      <Button
                        variant="ghost"
                        disabled={busy}
                        aria-label={`Delete the version of ${formatDate(version.replaced_at)}`}
                        onClick={() =>
                          void run(async () => {
                            await unwrap(api.DELETE('/file/{file_id}/versions/{version_id}', path(version.version_id)));
                            await reload();
                            onDone();
                          })
                        }
                      >
                        Delete
                      </Button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </Dialog>
  );
}

/** An image, large: its download URL shown in the page. */
export function ImageDialog({ item, onClose }: { item: Item; onClose: () => void }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    unwrap(api.GET('/file/{file_id}', { params: { path: { file_id: item.id } } }))
      .then((download) => setUrl(download.url))
      .catch((caught: unknown) => setError(messageOf(caught)));
  }, [item.id]);
  return (
    <Dialog title={item.name} onClose={onClose} wide>
      <ErrorText error={error} />
      {url ? (
        <img src={url} alt={item.name} className="mx-auto max-h-[75vh] w-auto rounded-lg" />
      ) : (
        !error && <Spinner />
      )}
    </Dialog>
  );
}

/** Asked once per upload batch when names are taken. */
export function ConflictDialog({ names, onChoose }: { names: string[]; onChoose: (choice: ConflictChoice) => void }) {
  return (
    <Dialog title="Some names are taken" onClose={() => onChoose('Skip')}>
      <div className="flex flex-col gap-4">
        <p className="text-sm text-slate-600">
          {names.length === 1
            ? `A file named “${names[0]}” is already here.`
            : `${names.length} files have names already taken here, such as “${names[0]}”.`}{' '}
          What should happen to {names.length === 1 ? 'it' : 'them'}?
        </p>
        <div className="flex flex-wrap justify-end gap-2">
          <Button onClick={() => onChoose('Skip')}>Skip</Button>
          <Button onClick={() => onChoose('Replace')}>Replace</Button>
          <Button variant="primary" onClick={() => onChoose('Keep')}>
            Keep both
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
