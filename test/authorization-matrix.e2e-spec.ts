/**
 * Who may do what to which item, on every route: a table of rows (one per route of the app), each run by every
 * caller against an item of their own, an item shared with them (or, for the owner, one they shared), and an item
 * of somebody else. A route without a row fails the first test, so a new endpoint cannot ship unchecked.
 *
 * Every cell asserts the status (and the problem's code) and that the body names nothing the caller may not see:
 * no id or name of an item outside their reach, no account they have no business with.
 */
import { JwtService } from '@nestjs/jwt';
import { randomBytes, randomUUID } from 'node:crypto';
import { Response, Test } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { Item, sendBytes } from './support/drive-files';
import { openEvents, StreamEvent } from './support/event-source';
import { expectProblem, expectStatus } from './support/expectations';
import { deleteAccount, newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

const ACTORS = [
  'owner',
  'viewDirect',
  'viewInherited',
  'editDirect',
  'editInherited',
  'stranger',
  'noToken',
  'expiredToken',
  'deletedUser',
] as const;
type Actor = (typeof ACTORS)[number];
type SignedIn = Exclude<Actor, 'noToken' | 'expiredToken' | 'deletedUser'>;
const RECIPIENTS = ['viewDirect', 'viewInherited', 'editDirect', 'editInherited'] as const;
const SIGNED_IN: readonly SignedIn[] = ['owner', ...RECIPIENTS, 'stranger'];
const isSignedIn = (actor: Actor): actor is SignedIn => (SIGNED_IN as readonly Actor[]).includes(actor);

/** Whose item a cell acts on: the caller's own, the owner's tree shared with the recipients, a third user's. */
const WHOSE = ['own', 'shared', 'foreign'] as const;
type Whose = (typeof WHOSE)[number];

/**
 * What a row's request names: a folder, a file, a file's version (its id is `{file_id}/{version_id}`), a trash
 * entry, a share, or nothing (the caller's own listings).
 */
type Kind = 'folder' | 'file' | 'version' | 'trashed' | 'share' | 'none';

/** The caller's standing on the cell's item, which decides the answer. */
type Standing = 'owner' | 'edit' | 'view' | 'none';

interface Row {
  target: Kind;
  /** The request changes or uses up its item: each cell gets a new one (else one item serves every cell). */
  fresh?: boolean;
  send(http: TestAgent, id: string, tag: string): Test;
  /** The status for each standing (a caller without a valid token always gets 401). */
  status: Record<Standing, number>;
  /** The code of this route's 404. */
  notFound?: string;
  /** The problem's code for a standing whose answer is an error other than the usual 403/404. */
  code?: Partial<Record<Standing, string>>;
  /** Where the answer is, when the route answers for each item of a batch inside a 200. */
  answerOf?(res: Answer): Answer;
  /** The request ends the caller's tokens (logging out): the caller logs in again after it. */
  endsSession?: boolean;
  /**
   * For a route that answers with a stream that never ends: opens it over real HTTP with the caller's headers and
   * answers with what it carried (instead of `send`, whose answer must end).
   */
  open?(base: string, headers: Record<string, string>): Promise<Answer>;
}

type Answer = { status: number; text: string; headers: Record<string, string>; body: any };

const tagged = (prefix: string, tag: string) => `${prefix}-${tag}`;

/** The path of a version, from a `version` target's `{file_id}/{version_id}`. */
const versionPath = (id: string) => {
  const [fileId, versionId] = id.split('/');
  return `/file/${fileId}/versions/${versionId}`;
};

/** A batch of one: its one result, as the item's own request would have answered. */
function batchAnswer(res: Answer): Answer {
  if (res.status !== 200) return res;
  const [result] = res.body.results;
  expect(result.index).toBe(0);
  return {
    status: result.status,
    text: res.text,
    headers: { 'content-type': result.error ? 'application/problem+json' : 'application/json' },
    body: result.error ?? result.item ?? result,
  };
}

/** Every route of the app, by method and OpenAPI path. */
const ROWS: Record<string, Row> = {
  'GET /verify-token': {
    target: 'none',
    send: (http) => http.get('/verify-token'),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  'POST /logout': {
    target: 'none',
    send: (http) => http.post('/logout'),
    status: { owner: 204, edit: 204, view: 204, none: 204 },
    endsSession: true,
  },
  'GET /user': {
    target: 'none',
    send: (http) => http.get('/user'),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  // Both are refused for a wrong password, after the token is checked: the matrix's callers keep their accounts
  // (account.e2e-spec changes passwords and deletes accounts).
  'PUT /user/password': {
    target: 'none',
    send: (http) =>
      http.put('/user/password').send({ current_password: 'not the password', new_password: 'whatever1' }),
    status: { owner: 403, edit: 403, view: 403, none: 403 },
    code: { owner: 'wrong_password' },
  },
  'DELETE /user': {
    target: 'none',
    send: (http) => http.delete('/user').send({ password: 'not the password' }),
    status: { owner: 403, edit: 403, view: 403, none: 403 },
    code: { owner: 'wrong_password' },
  },
  'POST /drive': {
    target: 'folder',
    send: (http, id, tag) => http.post('/drive').send({ folder_name: tagged('made', tag), parent_folder_id: id }),
    status: { owner: 201, edit: 201, view: 403, none: 404 },
    notFound: 'folder_not_found',
  },
  'GET /drive': {
    target: 'none',
    send: (http) => http.get('/drive').query({ limit: 1000 }),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  'GET /drive/{folder_id}': {
    target: 'folder',
    send: (http, id) => http.get(`/drive/${id}`).query({ limit: 1000 }),
    status: { owner: 200, edit: 200, view: 200, none: 404 },
    notFound: 'folder_not_found',
  },
  'PATCH /drive/{folder_id}': {
    target: 'folder',
    fresh: true,
    send: (http, id, tag) => http.patch(`/drive/${id}`).send({ new_name: tagged('renamed', tag) }),
    status: { owner: 200, edit: 200, view: 403, none: 404 },
    notFound: 'folder_not_found',
  },
  'DELETE /drive/{folder_id}': {
    target: 'folder',
    fresh: true,
    send: (http, id) => http.delete(`/drive/${id}`),
    status: { owner: 204, edit: 204, view: 403, none: 404 },
    notFound: 'folder_not_found',
  },
  'POST /drive/{folder_id}/archive': {
    target: 'folder',
    send: (http, id) => http.post(`/drive/${id}/archive`),
    status: { owner: 200, edit: 200, view: 200, none: 404 },
    notFound: 'folder_not_found',
  },
  'POST /file': {
    target: 'folder',
    send: (http, id, tag) =>
      http.post('/file').send({ file_name: tagged('up', tag), file_size_in_bytes: 1, parent_folder_id: id }),
    status: { owner: 201, edit: 201, view: 403, none: 404 },
    notFound: 'folder_not_found',
  },
  'POST /files': {
    target: 'folder',
    send: (http, id, tag) =>
      http
        .post('/files')
        .send({ files: [{ file_name: tagged('up', tag), file_size_in_bytes: 1, parent_folder_id: id }] }),
    status: { owner: 201, edit: 201, view: 403, none: 404 },
    notFound: 'folder_not_found',
    answerOf: (res) => {
      if (res.status !== 200) return res;
      const [result] = res.body.results;
      expect(result.index).toBe(0);
      return {
        status: result.status,
        text: res.text,
        headers: { 'content-type': 'application/problem+json' },
        body: result.error ?? result,
      };
    },
  },
  'POST /batch/move': {
    target: 'folder',
    fresh: true,
    // Into itself: whoever may move it is told of the cycle; the others, as PATCH /drive/{id} would tell them.
    send: (http, id) => http.post('/batch/move').send({ items: [{ kind: 'folder', id }], parent_folder_id: id }),
    status: { owner: 409, edit: 409, view: 403, none: 404 },
    code: { owner: 'folder_move_cycle', edit: 'folder_move_cycle' },
    notFound: 'folder_not_found',
    answerOf: (res) => batchAnswer(res),
  },
  'POST /batch/copy': {
    target: 'folder',
    fresh: true,
    // Into itself: the source must be seen and the destination edited, so a viewer is refused (403) and a stranger
    // told nothing (404); the copy is of what the folder held before it.
    send: (http, id) => http.post('/batch/copy').send({ items: [{ kind: 'folder', id }], parent_folder_id: id }),
    status: { owner: 201, edit: 201, view: 403, none: 404 },
    notFound: 'folder_not_found',
    answerOf: (res) => batchAnswer(res),
  },
  'POST /batch/trash': {
    target: 'folder',
    fresh: true,
    send: (http, id) => http.post('/batch/trash').send({ items: [{ kind: 'folder', id }] }),
    status: { owner: 204, edit: 204, view: 403, none: 404 },
    notFound: 'folder_not_found',
    answerOf: (res) => batchAnswer(res),
  },
  'POST /batch/restore': {
    target: 'trashed',
    fresh: true,
    send: (http, id) => http.post('/batch/restore').send({ item_ids: [id] }),
    status: { owner: 200, edit: 403, view: 403, none: 404 },
    notFound: 'trash_item_not_found',
    answerOf: (res) => batchAnswer(res),
  },
  'POST /batch/delete-forever': {
    target: 'trashed',
    fresh: true,
    send: (http, id) => http.post('/batch/delete-forever').send({ item_ids: [id] }),
    status: { owner: 204, edit: 403, view: 403, none: 404 },
    notFound: 'trash_item_not_found',
    answerOf: (res) => batchAnswer(res),
  },
  'GET /file/{file_id}': {
    target: 'file',
    send: (http, id) => http.get(`/file/${id}`),
    status: { owner: 200, edit: 200, view: 200, none: 404 },
    notFound: 'file_not_found',
  },
  'PATCH /file/{file_id}': {
    target: 'file',
    fresh: true,
    send: (http, id, tag) => http.patch(`/file/${id}`).send({ file_name: tagged('renamed', tag) }),
    status: { owner: 200, edit: 200, view: 403, none: 404 },
    notFound: 'file_not_found',
  },
  'DELETE /file/{file_id}': {
    target: 'file',
    fresh: true,
    send: (http, id) => http.delete(`/file/${id}`),
    status: { owner: 204, edit: 204, view: 403, none: 404 },
    notFound: 'file_not_found',
  },
  'GET /image-preview/{file_id}': {
    target: 'file',
    send: (http, id) => http.get(`/image-preview/${id}`),
    // The matrix's files are text: whoever may see one is told it has no preview; anyone else that it is not there.
    status: { owner: 404, edit: 404, view: 404, none: 404 },
    code: { owner: 'preview_not_available', edit: 'preview_not_available', view: 'preview_not_available' },
    notFound: 'file_not_found',
  },
  'GET /file/{file_id}/versions': {
    target: 'file',
    send: (http, id) => http.get(`/file/${id}/versions`),
    status: { owner: 200, edit: 200, view: 200, none: 404 },
    notFound: 'file_not_found',
  },
  'GET /file/{file_id}/versions/{version_id}': {
    target: 'version',
    send: (http, id) => http.get(versionPath(id)),
    status: { owner: 200, edit: 200, view: 200, none: 404 },
    notFound: 'file_not_found',
  },
  'POST /file/{file_id}/versions/{version_id}/restore': {
    target: 'version',
    fresh: true,
    send: (http, id) => http.post(`${versionPath(id)}/restore`),
    status: { owner: 200, edit: 200, view: 403, none: 404 },
    notFound: 'file_not_found',
  },
  'DELETE /file/{file_id}/versions/{version_id}': {
    target: 'version',
    fresh: true,
    send: (http, id) => http.delete(versionPath(id)),
    status: { owner: 204, edit: 204, view: 403, none: 404 },
    notFound: 'file_not_found',
  },
  'POST /profile-photo': {
    target: 'none',
    send: (http) => http.post('/profile-photo').send({ photo_size_in_bytes: 10 }),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  'GET /profile-photo': {
    target: 'none',
    send: (http) => http.get('/profile-photo'),
    status: { owner: 404, edit: 404, view: 404, none: 404 },
    code: { owner: 'no_profile_photo' },
  },
  'DELETE /profile-photo': {
    target: 'none',
    send: (http) => http.delete('/profile-photo'),
    status: { owner: 204, edit: 204, view: 204, none: 204 },
  },
  'GET /trash': {
    target: 'none',
    send: (http) => http.get('/trash').query({ limit: 1000 }),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  'DELETE /trash': {
    target: 'none',
    send: (http) => http.delete('/trash'),
    status: { owner: 204, edit: 204, view: 204, none: 204 },
  },
  'POST /trash/{item_id}/restore': {
    target: 'trashed',
    fresh: true,
    send: (http, id) => http.post(`/trash/${id}/restore`),
    status: { owner: 200, edit: 403, view: 403, none: 404 },
    notFound: 'trash_item_not_found',
  },
  'DELETE /trash/{item_id}': {
    target: 'trashed',
    fresh: true,
    send: (http, id) => http.delete(`/trash/${id}`),
    status: { owner: 204, edit: 403, view: 403, none: 404 },
    notFound: 'trash_item_not_found',
  },
  'POST /share': {
    target: 'folder',
    fresh: true,
    send: (http, id) =>
      http.post('/share').send({ share_object_type: 'folder', folder_id: id, username: HELPER(), permission: 'view' }),
    status: { owner: 201, edit: 403, view: 403, none: 404 },
    notFound: 'folder_not_found',
  },
  'GET /share': {
    target: 'folder',
    send: (http, id) => http.get('/share').query({ folder_id: id }),
    status: { owner: 200, edit: 403, view: 403, none: 404 },
    notFound: 'folder_not_found',
  },
  'PATCH /share/{share_id}': {
    target: 'share',
    fresh: true,
    send: (http, id) => http.patch(`/share/${id}`).send({ permission: 'edit' }),
    // A recipient's own share (the one that lets them in) is theirs to leave, not to change.
    status: { owner: 200, edit: 403, view: 403, none: 404 },
    notFound: 'share_not_found',
  },
  'DELETE /share/{share_id}': {
    target: 'share',
    fresh: true,
    send: (http, id) => http.delete(`/share/${id}`),
    status: { owner: 204, edit: 204, view: 204, none: 404 },
    notFound: 'share_not_found',
  },
  // Within a folder; the test after the table searches everywhere, as each caller.
  'GET /search': {
    target: 'folder',
    send: (http, id) => http.get('/search').query({ q: '-', folder_id: id, limit: 1000 }),
    status: { owner: 200, edit: 200, view: 200, none: 404 },
    notFound: 'folder_not_found',
  },
  'GET /shared-with-me': {
    target: 'none',
    send: (http) => http.get('/shared-with-me').query({ limit: 1000 }),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  // The caller's whole feed, from its first change (every row above made some), for the check of names; who hears
  // what as access changes is the test after the table's.
  'GET /changes': {
    target: 'none',
    send: (http) => http.get('/changes').query({ cursor: '0', limit: 1000 }),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  // The same feed as a stream, read from its first change up to the feed's latest.
  'GET /events': {
    target: 'none',
    send: () => {
      throw new Error('a stream is opened, not sent');
    },
    open: (base, headers) => streamedFeed(base, headers),
    status: { owner: 200, edit: 200, view: 200, none: 200 },
  },
  'POST /events/tickets': {
    target: 'none',
    send: (http) => http.post('/events/tickets'),
    status: { owner: 201, edit: 201, view: 201, none: 201 },
  },
};

/** Routes that are not about a user's items, and why they have no row. */
const EXEMPT: Record<string, string> = {
  'POST /user': 'public: registers an account; touches no item (auth.e2e-spec)',
  'POST /login': 'public: issues a token; touches no item (auth.e2e-spec)',
  'GET /': 'public status of the service',
  'GET /health': 'public liveness check',
  'GET /archives/{folder_id}':
    'public: follows a signed link of POST /drive/{folder_id}/archive (its row), access judged again (archives.e2e-spec)',
  'GET /health/ready': 'public readiness check',
  'POST /confirm-file-upload': 'internal: X-Lambda-Secret only, never a user (files.e2e-spec checks its guard)',
  'POST /confirm-file-preview': 'internal: X-Lambda-Secret only, never a user (previews.e2e-spec checks its guard)',
  'POST /confirm-profile-picture':
    'internal: X-Lambda-Secret only, never a user (profile-photo.e2e-spec checks its guard)',
};

/**
 * GET /events?cursor=0 with these headers: an error as it came, or the stream's events up to the caller's latest
 * change (GET /changes names it), the stream then closed; the answer's text is every event's data.
 */
async function streamedFeed(base: string, headers: Record<string, string>): Promise<Answer> {
  const stream = await openEvents(`${base}/events?cursor=0`, headers);
  if (stream.status !== 200) {
    const text = await stream.body();
    return { status: stream.status, text, headers: stream.headers as Record<string, string>, body: JSON.parse(text) };
  }
  try {
    const latest = await fetch(`${base}/changes`, { headers }).then((res) => res.json() as Promise<{ cursor: string }>);
    const events =
      latest.cursor === '0' ? [] : await stream.next((event) => event.id === latest.cursor).then(() => stream.events);
    return {
      status: stream.status,
      text: events.map((event) => event.data).join('\n'),
      headers: stream.headers as Record<string, string>,
      body: events,
    };
  } finally {
    stream.close();
  }
}

let HELPER: () => string = () => {
  throw new Error('the world is not built yet');
};

/** The caller's standing on an item of `whose`, as the fixture arranges it. */
function standingOf(actor: SignedIn, whose: Whose): Standing {
  if (whose === 'own') return 'owner';
  if (whose === 'foreign') return 'none';
  return {
    owner: 'owner',
    viewDirect: 'view',
    viewInherited: 'view',
    editDirect: 'edit',
    editInherited: 'edit',
    stranger: 'none',
  }[actor] as Standing;
}

/** What a body must never contain, and who may see it after all. */
interface Secret {
  text: string;
  seenBy: ReadonlySet<Actor>;
}

/**
 * The users and items of the matrix. The owner's shared tree: for each shared item a parent folder shared with the
 * inherited recipients (view and edit), and the item in it shared directly with the direct ones. Nobody but the
 * owner and the inherited recipients may see a parent; nobody at all may see a foreign item.
 */
class World {
  readonly drives = new Map<SignedIn | 'foreigner' | 'helper', SharingDrive>();
  readonly auth = new Map<Actor, Record<string, string>>();
  readonly secrets: Secret[] = [];
  private readonly reused = new Map<string, Promise<string>>();
  private sharedParent?: Promise<Item>;

  constructor(private readonly t: TestApp) {}

  async build(): Promise<void> {
    for (const name of [...SIGNED_IN, 'foreigner', 'helper'] as const) {
      this.drives.set(name, await newSharingDrive(this.t));
    }
    for (const actor of SIGNED_IN) this.auth.set(actor, this.drive(actor).auth);
    const stranger = this.drive('stranger').account;
    const now = Math.floor(Date.now() / 1000);
    const expired = new JwtService().sign(
      { sub: stranger.id, jti: randomUUID(), iat: now - 3600, exp: now - 60 },
      { secret: this.t.config.auth.jwtSecret, algorithm: 'HS256' },
    );
    this.auth.set('expiredToken', { Authorization: `Bearer ${expired}` });
    this.auth.set('noToken', {});
    const gone = await newSharingDrive(this.t);
    await deleteAccount(this.t, gone.account.id);
    this.auth.set('deletedUser', gone.auth);

    const owner = this.drive('owner').account;
    const seenByOwnerAnd = (...actors: Actor[]) => new Set<Actor>(['owner', ...actors]);
    this.keep([owner.id, owner.username, owner.email], seenByOwnerAnd(...RECIPIENTS));
    for (const recipient of [...RECIPIENTS, 'stranger'] as const) {
      const { id, username, email } = this.drive(recipient).account;
      this.keep([id, username, email], seenByOwnerAnd(recipient));
    }
    const foreigner = this.drive('foreigner').account;
    this.keep([foreigner.id, foreigner.username, foreigner.email], new Set());
    HELPER = () => this.drive('helper').account.username;
  }

  drive(name: SignedIn | 'foreigner' | 'helper'): SharingDrive {
    return this.drives.get(name)!;
  }

  /** A new token for the caller, after a request that ended their old ones. */
  async logInAgain(actor: SignedIn): Promise<void> {
    const { account } = this.drive(actor);
    const login = await this.t.http.post('/login').send({ username: account.username, password: account.password });
    expectStatus(login, 200);
    account.token = login.body.access_token;
    this.auth.set(actor, this.drive(actor).auth);
  }

  /** The id the cell's request names. Callers without a valid token act on the owner's items (it makes no odds). */
  target(row: Row, actor: Actor, whose: Whose): Promise<string> {
    const signedIn = isSignedIn(actor) ? actor : 'owner';
    if (row.fresh && signedIn === actor) return this.make(row.target, signedIn, whose);
    const key = [row.target, whose, whose === 'own' || row.target === 'share' ? signedIn : ''].join(':');
    if (!this.reused.has(key)) this.reused.set(key, this.make(row.target, signedIn, whose));
    return this.reused.get(key)!;
  }

  /** Fails unless the body names only what `actor` may see. */
  expectNoLeak(actor: Actor, res: Answer): void {
    const text = res.text.toLowerCase();
    const leaked = this.secrets.filter(
      (secret) => !secret.seenBy.has(actor) && text.includes(secret.text.toLowerCase()),
    );
    expect(leaked.map((secret) => secret.text)).toEqual([]);
  }

  private async make(kind: Kind, actor: SignedIn, whose: Whose): Promise<string> {
    if (kind === 'share') return this.makeShare(actor, whose);
    if (kind === 'version') return this.makeVersion(actor, whose);
    const item = await this.makeItem(kind === 'file' ? 'file' : 'folder', actor, whose);
    if (kind === 'trashed') {
      const owner =
        whose === 'own' ? this.drive(actor) : whose === 'shared' ? this.drive('owner') : this.drive('foreigner');
      expectStatus(await owner.removeFolder(item.id), 204);
    }
    return item.id;
  }

  private async makeItem(kind: 'file' | 'folder', actor: SignedIn, whose: Whose): Promise<Item> {
    if (whose === 'own') return this.create(this.drive(actor), kind, null, new Set([actor]));
    if (whose === 'foreign') {
      const item = await this.create(this.drive('foreigner'), kind, null, new Set());
      // Shared, but with somebody else: a grant to another user opens nothing to the caller.
      await this.drive('foreigner').share(item, this.drive('helper'), 'edit');
      return item;
    }
    return (await this.sharedItem(kind, await this.parent())).item;
  }

  /** A file with a version, where `makeItem` would put a file: `{file_id}/{version_id}`. */
  private async makeVersion(actor: SignedIn, whose: Whose): Promise<string> {
    const drive =
      whose === 'own' ? this.drive(actor) : whose === 'foreign' ? this.drive('foreigner') : this.drive('owner');
    const seenBy: ReadonlySet<Actor> =
      whose === 'own' ? new Set([actor]) : whose === 'foreign' ? new Set() : new Set(['owner', ...RECIPIENTS]);
    const parent = whose === 'shared' ? (await this.parent()).id : null;
    const name = `file-${randomBytes(6).toString('hex')}`;
    const { file, versionId } = await drive.fileWithVersion(`${name}.txt`, parent);
    this.keep([file.id, name, versionId], seenBy);
    if (whose === 'foreign') await this.drive('foreigner').share(file, this.drive('helper'), 'edit');
    if (whose === 'shared') {
      // As makeItem's shared file: in the shared parent, and shared directly with the direct recipients.
      await drive.share(file, this.drive('viewDirect'), 'view');
      await drive.share(file, this.drive('editDirect'), 'edit');
    }
    return `${file.id}/${versionId}`;
  }

  /** A share: of the caller's own item, the one that lets the caller into the shared item, or a third user's. */
  private async makeShare(actor: SignedIn, whose: Whose): Promise<string> {
    const helper = this.drive('helper');
    if (whose !== 'shared') {
      const sharer = whose === 'own' ? this.drive(actor) : this.drive('foreigner');
      const item = await this.create(sharer, 'folder', null, whose === 'own' ? new Set([actor]) : new Set());
      return (await sharer.share(item, helper, 'view')).id;
    }
    // A parent of its own, so that an inherited recipient leaving it leaves nothing else.
    const parent = await this.newParent();
    const { direct } = await this.sharedItem('folder', parent);
    if (actor === 'viewInherited' || actor === 'editInherited') return parent.shares[actor];
    return direct[actor === 'editDirect' ? 'editDirect' : 'viewDirect'];
  }

  private parent(): Promise<Item> {
    this.sharedParent ??= this.newParent().then(({ item }) => item);
    return this.sharedParent;
  }

  /** A folder at the owner's root shared with the inherited recipients. */
  private async newParent(): Promise<{ item: Item; shares: Record<'viewInherited' | 'editInherited', string> }> {
    const owner = this.drive('owner');
    const item = await this.create(owner, 'folder', null, new Set(['owner', 'viewInherited', 'editInherited']));
    return {
      item,
      shares: {
        viewInherited: (await owner.share(item, this.drive('viewInherited'), 'view')).id,
        editInherited: (await owner.share(item, this.drive('editInherited'), 'edit')).id,
      },
    };
  }

  /** An item in a shared parent, shared directly with the direct recipients. */
  private async sharedItem(
    kind: 'file' | 'folder',
    parent: Item | { item: Item },
  ): Promise<{ item: Item; direct: Record<'viewDirect' | 'editDirect', string> }> {
    const owner = this.drive('owner');
    const parentId = 'item' in parent ? parent.item.id : parent.id;
    const item = await this.create(owner, kind, parentId, new Set(['owner', ...RECIPIENTS]));
    return {
      item,
      direct: {
        viewDirect: (await owner.share(item, this.drive('viewDirect'), 'view')).id,
        editDirect: (await owner.share(item, this.drive('editDirect'), 'edit')).id,
      },
    };
  }

  private async create(
    drive: SharingDrive,
    kind: 'file' | 'folder',
    parentId: string | null,
    seenBy: ReadonlySet<Actor>,
  ): Promise<Item> {
    const name = `${kind}-${randomBytes(6).toString('hex')}`;
    const item =
      kind === 'file' ? await drive.confirmedFile(`${name}.txt`, parentId) : await drive.folder(name, parentId);
    this.keep([item.id, name], seenBy);
    return item;
  }

  private keep(texts: string[], seenBy: ReadonlySet<Actor>): void {
    for (const text of texts) this.secrets.push({ text, seenBy });
  }
}

/** The cells of a row: every caller on every kind of item, or once per caller for a route that names no item. */
function cellsOf(row: Row): [Actor, Whose | 'no item'][] {
  return ACTORS.flatMap((actor): [Actor, Whose | 'no item'][] =>
    row.target === 'none'
      ? [[actor, 'no item'] as [Actor, 'no item']]
      : WHOSE.map((whose) => [actor, whose] as [Actor, Whose]),
  );
}

describe('the authorization matrix', () => {
  let t: TestApp;
  let base: string;
  let world: World;

  beforeAll(async () => {
    t = await startTestApp();
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    world = new World(t);
    await world.build();
  });
  afterAll(() => t.close());

  it('has a row for every route of the app, and no row for a route it does not have', async () => {
    const document = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, object> };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.filter((route) => !(route in ROWS) && !(route in EXEMPT)).sort()).toEqual([]);
    expect(Object.keys({ ...ROWS, ...EXEMPT }).filter((route) => !routes.includes(route))).toEqual([]);
  });

  describe.each(Object.entries(ROWS))('%s', (_route, row) => {
    it.each(cellsOf(row))('as %s, on %s', async (actor, whose) => {
      const id = whose === 'no item' ? '' : await world.target(row, actor, whose);
      const tag = randomBytes(6).toString('hex');
      const res = row.open
        ? await row.open(base, world.auth.get(actor)!)
        : await row.send(t.http, id, tag).set(world.auth.get(actor)!);
      if (row.endsSession && isSignedIn(actor)) {
        expectProblem(await t.http.get('/verify-token').set(world.auth.get(actor)!), 401, 'unauthorized');
        await world.logInAgain(actor);
      }
      const answer = row.answerOf?.(res) ?? res;
      world.expectNoLeak(actor, res);
      if (!isSignedIn(actor)) {
        expectProblem(res, 401, 'unauthorized');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
        return;
      }
      const standing = whose === 'no item' ? 'owner' : standingOf(actor, whose);
      const status = row.status[standing];
      const code = row.code?.[standing];
      if (code) expectProblem(answer, status, code);
      else if (status === 403) expectProblem(answer, 403, 'permission_denied');
      else if (status === 404) expectProblem(answer, 404, row.notFound!);
      else expectStatus(answer, status);
    });
  });

  it('GET /search everywhere finds, for each caller, their own and what is shared with them, and nothing else', async () => {
    // Every item of the matrix is named `file-…` or `folder-…`: '-' matches them all.
    for (const actor of SIGNED_IN) {
      const found: Item[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await t.http
          .get('/search')
          .query({ q: '-', limit: 1000, ...(cursor ? { cursor } : {}) })
          .set(world.auth.get(actor)!);
        expectStatus(res, 200);
        world.expectNoLeak(actor, res);
        found.push(...res.body.files_and_folders);
        cursor = res.body.next_cursor;
      } while (cursor);
      const owners = new Set(found.map((item) => item.owner.id));
      const own = world.drive(actor).account.id;
      const sharer = world.drive('owner').account.id;
      expect([...owners].sort()).toEqual(actor === 'owner' || actor === 'stranger' ? [own] : [own, sharer].sort());
    }
  });
});

describe('access that changes', () => {
  let t: TestApp;
  let owner: SharingDrive;
  let recipient: SharingDrive;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await newSharingDrive(t);
    recipient = await newSharingDrive(t);
  });
  afterAll(() => t.close());

  it('ends at once when a share is revoked, and narrows at once when it is changed', async () => {
    const folder = await owner.folder('Revoked');
    const file = await owner.confirmedFile('inside.txt', folder.id);
    const share = await owner.share(folder, recipient, 'edit');
    expectStatus(await recipient.listing(folder.id), 200);
    expectStatus(await recipient.patch(file.id, { file_name: 'renamed.txt' }), 200);

    expectStatus(await owner.patchShare(share.id, { permission: 'view' }), 200);
    expectProblem(await recipient.patch(file.id, { file_name: 'again.txt' }), 403, 'permission_denied');
    expectStatus(await recipient.get(file.id), 200);

    expectStatus(await owner.deleteShare(share.id), 204);
    expectProblem(await recipient.listing(folder.id), 404, 'folder_not_found');
    expectProblem(await recipient.get(file.id), 404, 'file_not_found');
    expect((await recipient.sharedWithMe()).body.content).toEqual([]);
  });

  it('ends for what the owner moves out of the shared folder, and begins for what they move in', async () => {
    const shared = await owner.folder('Shared tree');
    const elsewhere = await owner.folder('Not shared');
    const branch = await owner.folder('Branch', shared.id);
    const leaf = await owner.confirmedFile('leaf.txt', branch.id);
    await owner.share(shared, recipient, 'view');
    expectStatus(await recipient.listing(branch.id), 200);
    expectStatus(await recipient.get(leaf.id), 200);

    expectStatus(await owner.patchFolder(branch.id, { parent_folder_id: elsewhere.id }), 200);
    expectProblem(await recipient.listing(branch.id), 404, 'folder_not_found');
    expectProblem(await recipient.get(leaf.id), 404, 'file_not_found');
    expect((await recipient.items(shared.id)).map((item) => item.id)).toEqual([]);

    expectStatus(await owner.patch(leaf.id, { parent_folder_id: shared.id }), 200);
    expectStatus(await recipient.get(leaf.id), 200);
  });

  it('lets two users share folders with each other both ways, each item keeping its one owner', async () => {
    const [owner, recipient] = [await newSharingDrive(t), await newSharingDrive(t)];
    const ours = await owner.folder('Ours');
    const theirs = await recipient.folder('Theirs');
    await owner.share(ours, recipient, 'edit');
    await recipient.share(theirs, owner, 'edit');
    const inOurs = await recipient.folder('Made by them in ours', ours.id);
    const inTheirs = await owner.folder('Made by us in theirs', theirs.id);
    expect(inOurs.owner.id).toBe(owner.account.id);
    expect(inTheirs.owner.id).toBe(recipient.account.id);

    const seenByRecipient = await recipient.listing(ours.id);
    expect(seenByRecipient.body.folder).toMatchObject({ permission: 'edit', owner: { id: owner.account.id } });
    const seenByOwner = await owner.listing(theirs.id);
    expect(seenByOwner.body.files_and_folders.map((item: Item) => [item.id, item.permission])).toEqual([
      [inTheirs.id, 'edit'],
    ]);
    // Neither tree can be moved into the other: that would hand an item to another owner, or close a loop.
    expectProblem(await owner.patchFolder(ours.id, { parent_folder_id: inTheirs.id }), 403, 'permission_denied');
    expectProblem(await recipient.patchFolder(theirs.id, { parent_folder_id: inOurs.id }), 403, 'permission_denied');
    expect((await owner.sharedWithMe()).body.content.map((entry: { id: string }) => entry.id)).toEqual([theirs.id]);
    expect((await recipient.sharedWithMe()).body.content.map((entry: { id: string }) => entry.id)).toEqual([ours.id]);
  });
});

describe('who hears of a change, as access changes', () => {
  const STEPS = 80;
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp();
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => t.close());

  interface Heard {
    cursor: string;
    type: string;
    item: { id: string; kind: 'file' | 'folder'; parent_folder_id: string | null } | null;
  }

  /** What a user can reach now, from the API's own listings: their drive, their trash, what is shared with them. */
  interface Sight {
    ids: Set<string>;
    folders: string[];
    trashed: string[];
  }

  async function sightOf(drive: SharingDrive): Promise<Sight> {
    const sight: Sight = { ids: new Set(), folders: [], trashed: [] };
    const queue: string[] = [];
    const add = (items: { id: string; kind: string }[]): void => {
      for (const item of items.filter((each) => !sight.ids.has(each.id))) {
        sight.ids.add(item.id);
        if (item.kind === 'folder') queue.push(item.id);
      }
    };
    add(await drive.items(null));
    const shared = await drive.sharedWithMe({ limit: 1000 });
    expectStatus(shared, 200);
    add(shared.body.content);
    const trash = await t.http.get('/trash').set(drive.auth).query({ limit: 1000 });
    expectStatus(trash, 200);
    sight.trashed = trash.body.items.map((item: Item) => item.id);
    for (const id of sight.trashed) sight.ids.add(id);
    for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
      sight.folders.push(folder);
      add(await drive.items(folder));
    }
    return sight;
  }

  /** A PRNG with a fixed seed, so that a failure is the same walk again. */
  function seeded(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('every feed and stream names only items its user could see when they changed; the stranger hears nothing', async () => {
    const users = [
      await newSharingDrive(t),
      await newSharingDrive(t),
      await newSharingDrive(t),
      await newSharingDrive(t),
    ];
    const stranger = await newSharingDrive(t);
    const everyone = [...users, stranger];
    const random = seeded(20261201);
    const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(random() * list.length)];
    const name = () => `n-${random().toString(36).slice(2, 8)}`;
    // Mostly into a folder: deep trees, where a share below the root and a move across a shared folder's edge happen.
    const placeIn = (sight: Sight) => (random() < 0.2 ? null : (pick(ordered(sight.folders)) ?? null));
    /** The owner of every item made: an owner always hears of their own items (in the trash, under a purge). */
    const ownerOf = new Map<string, string>();
    const kindOf = new Map<string, 'file' | 'folder'>();
    const shares: { id: string; owner: SharingDrive; recipient: SharingDrive }[] = [];
    /** `item user`: a grant made to that user, which named the item to them. */
    const granted = new Set<string>();
    // Candidates in the order they were made (listings order by name or id, and ids are random): the same walk each run.
    const order = new Map<string, number>();
    const ordered = (ids: Iterable<string>) => [...ids].sort((x, y) => (order.get(x) ?? 0) - (order.get(y) ?? 0));
    const made = (item: Item) => {
      order.set(item.id, order.size);
      ownerOf.set(item.id, item.owner.id);
      kindOf.set(item.id, item.kind);
    };
    const itemPath = (id: string) => (kindOf.get(id) === 'file' ? `/file/${id}` : `/drive/${id}`);

    const actions: Record<string, (actor: SharingDrive, sight: Sight) => Promise<number | undefined>> = {
      folder: async (actor, sight) => {
        const res = await t.http
          .post('/drive')
          .set(actor.auth)
          .send({ folder_name: name(), parent_folder_id: placeIn(sight) });
        if (res.status === 201) made(res.body);
        return res.status;
      },
      file: async (actor, sight) => {
        const res = await actor.requestUpload({
          file_name: `${name()}.txt`,
          file_size_in_bytes: 4,
          parent_folder_id: placeIn(sight),
        });
        if (res.status !== 201) return res.status;
        made(res.body.file);
        await sendBytes(res.body.upload, Buffer.from('four'));
        const confirmed = await t.http
          .post('/confirm-file-upload')
          .set('X-Lambda-Secret', t.config.auth.lambdaSecret)
          .send({ file_id: res.body.file.id, size_in_bytes: 4, content_type: 'text/plain' });
        return confirmed.status;
      },
      share: async (actor, sight) => {
        const id = pick(
          ordered(sight.ids).filter((each) => ownerOf.get(each) === actor.account.id && !sight.trashed.includes(each)),
        );
        const recipient = pick(users.filter((user) => user !== actor));
        if (!id || !recipient) return undefined;
        const kind = kindOf.get(id)!;
        const res = await actor.shareRequest({
          share_object_type: kind,
          [kind === 'file' ? 'file_id' : 'folder_id']: id,
          username: recipient.account.username,
          permission: pick(['view', 'edit']),
        });
        if (res.status === 201) {
          shares.push({ id: res.body.id, owner: actor, recipient });
          granted.add(`${id} ${recipient.account.id}`);
        }
        return res.status;
      },
      unshare: async (actor) => {
        const share = pick(shares.filter((each) => each.owner === actor || each.recipient === actor));
        if (!share) return undefined;
        shares.splice(shares.indexOf(share), 1);
        return (await actor.deleteShare(share.id)).status;
      },
      permission: async (actor) => {
        const share = pick(shares.filter((each) => each.owner === actor));
        return share && (await actor.patchShare(share.id, { permission: pick(['view', 'edit']) })).status;
      },
      rename: async (actor, sight) => {
        const id = pick(ordered(sight.ids).filter((each) => !sight.trashed.includes(each)));
        if (!id) return undefined;
        const body = kindOf.get(id) === 'file' ? { file_name: `${name()}.txt` } : { new_name: name() };
        return (await t.http.patch(itemPath(id)).set(actor.auth).send(body)).status;
      },
      move: async (actor, sight) => {
        const id = pick(ordered(sight.ids).filter((each) => !sight.trashed.includes(each)));
        if (!id) return undefined;
        const res = await t.http
          .patch(itemPath(id))
          .set(actor.auth)
          .send({ parent_folder_id: placeIn(sight) });
        return res.status;
      },
      trash: async (actor, sight) => {
        const id = pick(ordered(sight.ids).filter((each) => !sight.trashed.includes(each)));
        return id === undefined ? undefined : (await t.http.delete(itemPath(id)).set(actor.auth)).status;
      },
      restore: async (actor, sight) => {
        const id = pick(ordered(sight.trashed));
        return id === undefined ? undefined : (await actor.restore(id)).status;
      },
      purge: async (actor, sight) => {
        const id = pick(ordered(sight.trashed));
        return id === undefined ? undefined : (await t.http.delete(`/trash/${id}`).set(actor.auth)).status;
      },
    };
    const weighted = Object.entries({
      folder: 5,
      file: 3,
      share: 5,
      unshare: 3,
      permission: 2,
      rename: 2,
      move: 3,
      trash: 1,
      restore: 1,
      purge: 1,
    }).flatMap(([action, weight]) => Array<string>(weight).fill(action));

    const cursors = new Map<SharingDrive, string>();
    for (const drive of everyone) cursors.set(drive, (await t.http.get('/changes').set(drive.auth)).body.cursor);
    const streams = await Promise.all(everyone.map((drive) => openEvents(`${base}/events`, drive.auth)));
    const feeds = new Map<SharingDrive, Heard[]>(everyone.map((drive) => [drive, []]));
    const done = new Map<string, number>();
    let sights = new Map<SharingDrive, Sight>();
    for (const drive of everyone) sights.set(drive, await sightOf(drive));

    for (let step = 0; step < STEPS; step++) {
      const actor = pick(users)!;
      const action = pick(weighted)!;
      const status = await actions[action](actor, sights.get(actor)!);
      expect(status === undefined || status < 500).toBe(true);
      if (status !== undefined && status < 300) done.set(action, (done.get(action) ?? 0) + 1);

      const after = new Map<SharingDrive, Sight>();
      for (const drive of everyone) after.set(drive, await sightOf(drive));
      for (const drive of everyone) {
        const res = await t.http
          .get('/changes')
          .set(drive.auth)
          .query({ cursor: cursors.get(drive), limit: 1000 });
        expectStatus(res, 200);
        cursors.set(drive, res.body.cursor);
        // Could see it just before the change, or just after it (a change and what follows of it by itself, such
        // as a preview's verdict, land between two steps), or owns it.
        const could = (id: string) =>
          ownerOf.get(id) === drive.account.id || sights.get(drive)!.ids.has(id) || after.get(drive)!.ids.has(id);
        // A recipient hears of their own grant whatever became of its item (revoked while in the owner's trash).
        const ownGrant = (change: Heard) =>
          change.type.startsWith('share_') && granted.has(`${change.item!.id} ${drive.account.id}`);
        for (const change of res.body.changes as Heard[]) {
          const heard = {
            step,
            action,
            actor: everyone.indexOf(actor),
            heardBy: everyone.indexOf(drive),
            type: change.type,
            item: change.item?.id,
            parent: change.item?.parent_folder_id,
          };
          if (change.item) {
            const couldSee = could(change.item.id) || ownGrant(change);
            expect({ ...heard, couldSee }).toEqual({ ...heard, couldSee: true });
          }
          const parent = change.item?.parent_folder_id;
          if (parent) expect({ ...heard, couldSeeParent: could(parent) }).toEqual({ ...heard, couldSeeParent: true });
        }
        feeds.get(drive)!.push(...res.body.changes);
      }
      sights = after;
    }

    // The walk did what it is for: every kind of change succeeded, and recipients heard of others' items.
    expect([...done.keys()].sort()).toEqual(Object.keys(actions).sort());
    const heardOfOthers = users.filter((user) =>
      feeds.get(user)!.some((change) => change.item && ownerOf.get(change.item.id) !== user.account.id),
    );
    expect(heardOfOthers.length).toBeGreaterThanOrEqual(2);
    expect(feeds.get(stranger)).toEqual([]);

    // Each stream, open since the start, carried exactly its user's feed.
    const isChange = (event: StreamEvent): boolean => event.event === 'change';
    for (const [i, drive] of everyone.entries()) {
      const feed = feeds.get(drive)!;
      const events = feed.length === 0 ? [] : await streams[i].next(isChange, feed.length);
      expect(events.map((event) => JSON.parse(event.data))).toEqual(feed);
      streams[i].close();
    }
    expect(streams[everyone.indexOf(stranger)].events.filter(isChange)).toEqual([]);
  }, 180_000);
});
