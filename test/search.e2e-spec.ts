/**
 * GET /search end to end: names matched in any case and with or without accents, as substrings (one or two
 * characters: where a word starts); every filter; the
 * order and its keyset pages; and who finds what (owner, direct and inherited shares, a revoked share, the trash,
 * unconfirmed uploads). On the embedded PostgreSQL, or TEST_DATABASE_URL.
 */
import { DataSource } from 'typeorm';
import { Response } from 'supertest';
import { Item, sendBytes } from './support/drive-files';
import { expectProblem, expectStatus } from './support/expectations';
import { newSharingDrive, SharingDrive } from './support/sharing';
import { startTestApp, TestApp } from './support/test-app';

interface Hit extends Item {
  path: { id: string; name: string }[];
}

let t: TestApp;
let alice: SharingDrive;
let bob: SharingDrive;
let carol: SharingDrive;

/** A confirmed file of `size` bytes whose sniffed type is `contentType` (the test plays the worker). */
async function file(
  drive: SharingDrive,
  name: string,
  parent: Item | null,
  contentType = 'text/plain',
  size = 4,
): Promise<Item> {
  const bytes = Buffer.alloc(size, 'x');
  const { file: made, upload } = await drive.startUpload(name, bytes, { parent_folder_id: parent?.id ?? null });
  await sendBytes(upload, bytes);
  const confirmed = await t.http
    .post('/confirm-file-upload')
    .set('X-Lambda-Secret', t.config.auth.lambdaSecret)
    .send({ file_id: made.id, size_in_bytes: size, content_type: contentType });
  expectStatus(confirmed, 200);
  return made;
}

function search(drive: SharingDrive, query: Record<string, string | number>): Promise<Response> {
  return t.http.get('/search').set(drive.auth).query(query);
}

/** The hits of one page of 1,000, which must be the last. */
async function hits(drive: SharingDrive, query: Record<string, string | number>): Promise<Hit[]> {
  const res = await search(drive, { limit: 1000, ...query });
  expectStatus(res, 200);
  expect(res.body.next_cursor).toBeNull();
  return res.body.files_and_folders;
}

/** The names found, sorted (for tests of what is found, not of the order). */
async function found(drive: SharingDrive, query: Record<string, string | number>): Promise<string[]> {
  return (await hits(drive, query)).map((hit) => hit.name).sort();
}

const sorted = (...names: string[]) => [...names].sort();

// Alice's drive (the fixture every test reads; tests that change it undo what they do).
let summer: Item; // folder "Été 2024"
let photos: Item; // folder "Photos de l'été", in "Été 2024"
let projects: Item; // folder "Projects", shared with Bob to view
let budget: Item; // folder "Budget", in "Projects"
let report: Item; // "Report Summer.pdf", in "Photos de l'été", shared with Bob to edit on its own
let projectsShare: string;

beforeAll(async () => {
  t = await startTestApp();
  [alice, bob, carol] = [await newSharingDrive(t), await newSharingDrive(t), await newSharingDrive(t)];

  summer = await alice.folder('Été 2024');
  photos = await alice.folder("Photos de l'été", summer.id);
  await file(alice, 'plage-ÉTÉ.jpg', photos, 'image/jpeg', 3000);
  report = await file(alice, 'Report Summer.pdf', photos, 'application/pdf', 10);
  await file(alice, 'ete.txt', summer, 'text/plain; charset=utf-8', 5);
  projects = await alice.folder('Projects');
  budget = await alice.folder('Budget', projects.id);
  await file(
    alice,
    'budget-2024.xlsx',
    budget,
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    500,
  );
  await file(alice, 'summer-notes.md', budget, 'text/markdown', 20);
  await file(alice, '2024 budget final.txt', projects, 'text/plain', 30);
  await file(alice, 'mybudget.txt', projects, 'text/plain', 40);
  await file(alice, 'archive-summer.zip', projects, 'application/zip', 2000);
  await file(alice, 'summer song.mp3', null, 'audio/mpeg', 800);
  await file(alice, 'summer clip.mp4', null, 'video/mp4', 900);
  await file(alice, 'secret-summer.txt', null);
  await file(alice, '100% done.txt', null);
  await file(alice, '100x done.txt', null);
  await file(alice, 'a_b.txt', null);
  await file(alice, 'axb.txt', null);
  const trashed = await file(alice, 'summer-trash.txt', null);
  expectStatus(await t.http.delete(`/file/${trashed.id}`).set(alice.auth), 204);
  await alice.startUpload('summer-pending.txt', 3);

  projectsShare = (await alice.share(projects, bob, 'view')).id;
  await alice.share(report, bob, 'edit');

  await file(bob, 'Summer plans.doc', null, 'application/msword', 60);
  await file(carol, 'summer-carol.txt', null);
});

afterAll(() => t?.close());

describe('matching', () => {
  it('ignores case, both ways', async () => {
    const expected = sorted(
      'Report Summer.pdf',
      'summer-notes.md',
      'archive-summer.zip',
      'summer song.mp3',
      'summer clip.mp4',
      'secret-summer.txt',
    );
    expect(await found(alice, { q: 'SUMMER' })).toEqual(expected);
    expect(await found(alice, { q: 'summer' })).toEqual(expected);
  });

  it('ignores accents, both ways, and composed or decomposed', async () => {
    const expected = sorted('Été 2024', "Photos de l'été", 'plage-ÉTÉ.jpg', 'ete.txt');
    expect(await found(alice, { q: 'ete' })).toEqual(expected);
    expect(await found(alice, { q: 'ÉTÉ' })).toEqual(expected);
    expect(await found(alice, { q: 'e\u0301te\u0301' })).toEqual(expected);
  });

  it('finds substrings of three characters or more anywhere in the name', async () => {
    expect(await found(alice, { q: 'MER-no' })).toEqual(['summer-notes.md']);
    expect(await found(alice, { q: 'xlsx' })).toEqual(['budget-2024.xlsx']);
    expect(await found(alice, { q: 'ecre' })).toEqual(['secret-summer.txt']);
    expect(await found(alice, { q: 'nothing like it' })).toEqual([]);
  });

  it('finds one or two characters where a word starts: the name’s start, after a separator, or a separator', async () => {
    expect(await found(alice, { q: 'mp' })).toEqual(sorted('summer song.mp3', 'summer clip.mp4'));
    expect(await found(alice, { q: 'BU' })).toEqual(sorted('Budget', 'budget-2024.xlsx', '2024 budget final.txt'));
    expect(await found(alice, { q: 'É' })).toEqual(sorted('Été 2024', "Photos de l'été", 'plage-ÉTÉ.jpg', 'ete.txt'));
    expect(await found(alice, { q: 'um' })).toEqual([]);
    expect(await found(alice, { q: 'y' })).toEqual([]);
    expect(await found(alice, { q: '_' })).toEqual(['a_b.txt']);
    expect(await found(alice, { q: '_b' })).toEqual(['a_b.txt']);
    expect(await found(alice, { q: "'" })).toEqual(["Photos de l'été"]);
    expect(await found(alice, { q: '%' })).toEqual([]);
  });

  it('ranks short texts likewise: the whole name, then its start, then a word start', async () => {
    const names = (await hits(alice, { q: 'bu' })).map((hit) => hit.name);
    expect(names).toEqual(['Budget', 'budget-2024.xlsx', '2024 budget final.txt']);
    expect((await hits(alice, { q: 'a', kind: 'file' })).map((hit) => hit.name)).toEqual([
      'a_b.txt',
      'archive-summer.zip',
      'axb.txt',
    ]);
  });

  it('takes % and _ literally', async () => {
    expect(await found(alice, { q: '100%' })).toEqual(['100% done.txt']);
    expect(await found(alice, { q: 'a_b' })).toEqual(['a_b.txt']);
  });

  it('ranks the whole name, then its start, then a word start, then the rest; then by name', async () => {
    const names = (await hits(alice, { q: 'budget' })).map((hit) => hit.name);
    expect(names).toEqual(['Budget', 'budget-2024.xlsx', '2024 budget final.txt', 'mybudget.txt']);
  });

  it('answers each hit as listings do, with its path from the top', async () => {
    const [hit] = await hits(alice, { q: 'plage' });
    expect(hit).toMatchObject({
      name: 'plage-ÉTÉ.jpg',
      kind: 'file',
      size_in_bytes: 3000,
      content_type: 'image/jpeg',
      parent_folder_id: photos.id,
      permission: 'owner',
      owner: { id: alice.account.id, username: alice.account.username },
      path: [
        { id: summer.id, name: 'Été 2024' },
        { id: photos.id, name: "Photos de l'été" },
      ],
    });
  });
});

describe('filters', () => {
  it('by kind', async () => {
    expect(await found(alice, { q: 'ete', kind: 'folder' })).toEqual(sorted('Été 2024', "Photos de l'été"));
    expect(await found(alice, { q: 'ete', kind: 'file' })).toEqual(sorted('plage-ÉTÉ.jpg', 'ete.txt'));
  });

  it('by content family, its parameters ignored, folders left out', async () => {
    // Every file's name has a dot.
    const family = (name: string) => found(alice, { q: '.', content_family: name });
    expect(await family('image')).toEqual(['plage-ÉTÉ.jpg']);
    expect(await family('pdf')).toEqual(['Report Summer.pdf']);
    expect(await family('video')).toEqual(['summer clip.mp4']);
    expect(await family('audio')).toEqual(['summer song.mp3']);
    expect(await family('archive')).toEqual(['archive-summer.zip']);
    expect(await family('text')).toEqual(
      sorted(
        'ete.txt',
        'summer-notes.md',
        '2024 budget final.txt',
        '100% done.txt',
        '100x done.txt',
        'secret-summer.txt',
        'mybudget.txt',
        'a_b.txt',
        'axb.txt',
      ),
    );
  });

  it('by size, bounds included, folders left out', async () => {
    expect(await found(alice, { q: 'summer', size_in_bytes_from: 800, size_in_bytes_to: 2000 })).toEqual(
      sorted('summer song.mp3', 'summer clip.mp4', 'archive-summer.zip'),
    );
    expect(await found(alice, { q: 'budget', size_in_bytes_to: 30 })).toEqual(['2024 budget final.txt']);
    expect(await found(alice, { q: 'budget', size_in_bytes_from: 0 })).not.toContain('Budget');
  });

  it('by last interaction, bounds included', async () => {
    const db = t.app.get(DataSource);
    const at = async (name: string, when: string) =>
      db.query(`UPDATE items SET last_interaction = $2 WHERE owner_id = $1 AND name = $3`, [
        alice.account.id,
        when,
        name,
      ]);
    await at('summer song.mp3', '2020-01-01T00:00:00Z');
    await at('summer clip.mp4', '2021-06-01T12:00:00Z');
    expect(
      await found(alice, {
        q: 'summer',
        last_interaction_from: '2020-01-01T00:00:00Z',
        last_interaction_to: '2021-06-01T12:00:00Z',
      }),
    ).toEqual(sorted('summer song.mp3', 'summer clip.mp4'));
    expect(
      await found(alice, { q: 'summer', last_interaction_from: '2021-01-01', last_interaction_to: '2022-01-01' }),
    ).toEqual(['summer clip.mp4']);
    expect(await found(alice, { q: 'summer', last_interaction_to: '2019-12-31T23:59:59.999Z' })).toEqual([]);
    expect(await found(alice, { q: 'summer', last_interaction_from: '2022-01-01T00:00:00+02:00' })).toEqual(
      sorted('Report Summer.pdf', 'summer-notes.md', 'archive-summer.zip', 'secret-summer.txt'),
    );
  });

  it('within a folder, at any depth, and not beside it', async () => {
    expect(await found(alice, { q: 'ete', folder_id: summer.id })).toEqual(
      sorted("Photos de l'été", 'plage-ÉTÉ.jpg', 'ete.txt'),
    );
    expect(await found(alice, { q: '.', folder_id: summer.id })).toEqual(
      sorted('plage-ÉTÉ.jpg', 'Report Summer.pdf', 'ete.txt'),
    );
    expect(await found(alice, { q: 'summer', folder_id: projects.id })).toEqual(
      sorted('summer-notes.md', 'archive-summer.zip'),
    );
    expect(await found(alice, { q: 'budget', folder_id: budget.id })).toEqual(['budget-2024.xlsx']);
  });

  it('within a folder that is not there, or not the caller’s to see, or a file: 404 folder_not_found', async () => {
    for (const id of ['2f1b6c8e-6f0e-4c1e-9d0a-6a1f2b3c4d5e', summer.id, report.id]) {
      expectProblem(await search(bob, { q: 'e', folder_id: id }), 404, 'folder_not_found');
    }
    expectProblem(await search(carol, { q: 'e', folder_id: projects.id }), 404, 'folder_not_found');
  });

  it('by owner: mine, shared with me, all', async () => {
    expect(await found(bob, { q: 'summer', owner: 'mine' })).toEqual(['Summer plans.doc']);
    const shared = sorted('Report Summer.pdf', 'summer-notes.md', 'archive-summer.zip');
    expect(await found(bob, { q: 'summer', owner: 'shared' })).toEqual(shared);
    expect(await found(bob, { q: 'summer', owner: 'all' })).toEqual(sorted('Summer plans.doc', ...shared));
    expect(await found(bob, { q: 'summer' })).toEqual(sorted('Summer plans.doc', ...shared));
  });

  it('all together', async () => {
    expect(
      await found(bob, {
        q: 'SUMM',
        kind: 'file',
        content_family: 'text',
        size_in_bytes_from: 1,
        size_in_bytes_to: 100,
        folder_id: projects.id,
        owner: 'shared',
        last_interaction_from: '2000-01-01',
      }),
    ).toEqual(['summer-notes.md']);
  });
});

describe('access', () => {
  it('a recipient finds what is shared, directly or through a folder, with their permission and the path they may see', async () => {
    const byName = new Map<string, Hit>();
    for (const q of ['budget', 'summer', 'projects']) {
      for (const hit of await hits(bob, { q, owner: 'shared' })) byName.set(hit.name, hit);
    }
    expect([...byName.keys()].sort()).toEqual(
      sorted(
        'Projects',
        'Budget',
        'budget-2024.xlsx',
        'summer-notes.md',
        '2024 budget final.txt',
        'mybudget.txt',
        'archive-summer.zip',
        'Report Summer.pdf',
      ),
    );
    expect(byName.get('Report Summer.pdf')).toMatchObject({ permission: 'edit', parent_folder_id: null, path: [] });
    expect(byName.get('Projects')).toMatchObject({ permission: 'view', parent_folder_id: null, path: [] });
    expect(byName.get('summer-notes.md')).toMatchObject({
      permission: 'view',
      parent_folder_id: budget.id,
      owner: { username: alice.account.username },
      path: [
        { id: projects.id, name: 'Projects' },
        { id: budget.id, name: 'Budget' },
      ],
    });
  });

  it('nobody finds what is not theirs nor shared with them', async () => {
    expect(await found(carol, { q: 'summer' })).toEqual(['summer-carol.txt']);
    expect(await found(carol, { q: 'summer', owner: 'shared' })).toEqual([]);
    expect(await found(bob, { q: 'secret' })).toEqual([]);
    expect(await found(bob, { q: 'carol' })).toEqual([]);
  });

  it('nothing in the trash, no unconfirmed upload', async () => {
    expect(await found(alice, { q: 'summer-' })).toEqual(['summer-notes.md']);
    expect(await found(alice, { q: 'trash' })).toEqual([]);
    expect(await found(alice, { q: 'pending' })).toEqual([]);
  });

  it('a folder put in the trash takes what is in it out of the results, and its restore brings it back', async () => {
    expectStatus(await alice.removeFolder(budget.id), 204);
    expect(await found(alice, { q: 'budget' })).toEqual(sorted('2024 budget final.txt', 'mybudget.txt'));
    expect(await found(bob, { q: 'summer' })).toEqual(
      sorted('Summer plans.doc', 'Report Summer.pdf', 'archive-summer.zip'),
    );
    expectStatus(await alice.restore(budget.id), 200);
    expect(await found(alice, { q: 'budget' })).toEqual(
      sorted('Budget', 'budget-2024.xlsx', '2024 budget final.txt', 'mybudget.txt'),
    );
  });

  it('a stronger grant below a shared folder gives its part the stronger permission', async () => {
    const share = await alice.share(budget, bob, 'edit');
    try {
      const permissions = new Map(
        (await hits(bob, { q: 'budget', owner: 'shared' })).map((hit) => [hit.name, hit.permission]),
      );
      expect(Object.fromEntries(permissions)).toEqual({
        Budget: 'edit',
        'budget-2024.xlsx': 'edit',
        '2024 budget final.txt': 'view',
        'mybudget.txt': 'view',
      });
    } finally {
      expectStatus(await alice.deleteShare(share.id), 204);
    }
  });

  it('what the owner moves out of a shared folder is no longer found by its recipient, and back in, it is', async () => {
    const notes = (await hits(alice, { q: 'summer-notes' }))[0];
    expectStatus(await alice.patch(notes.id, { parent_folder_id: summer.id }), 200);
    try {
      expect(await found(bob, { q: 'summer-notes' })).toEqual([]);
      expect(await hits(alice, { q: 'summer-notes' })).toMatchObject([{ path: [{ id: summer.id }] }]);
    } finally {
      expectStatus(await alice.patch(notes.id, { parent_folder_id: budget.id }), 200);
    }
    expect(await found(bob, { q: 'summer-notes' })).toEqual(['summer-notes.md']);
  });

  it('a revoked share ends what its recipient finds through it, and nothing else', async () => {
    expectStatus(await alice.deleteShare(projectsShare), 204);
    try {
      expect(await found(bob, { q: 'summer' })).toEqual(sorted('Summer plans.doc', 'Report Summer.pdf'));
      expect(await found(bob, { q: 'budget' })).toEqual([]);
    } finally {
      projectsShare = (await alice.share(projects, bob, 'view')).id;
    }
    expect(await found(bob, { q: 'budget' })).toEqual(
      sorted('Budget', 'budget-2024.xlsx', '2024 budget final.txt', 'mybudget.txt'),
    );
  });
});

describe('pages', () => {
  let owner: SharingDrive;
  beforeAll(async () => {
    owner = await newSharingDrive(t);
    const folder = await owner.folder('inside');
    // 22 hits over every rank, names that differ only in case among them.
    await file(owner, 'Page', null);
    for (let n = 0; n < 8; n++) await file(owner, `page ${n}.txt`, folder);
    for (let n = 0; n < 7; n++) await file(owner, `${n % 2 ? 'My' : 'my'} page ${n}.txt`, null);
    for (let n = 0; n < 6; n++) await file(owner, `homepage${n}.html`, folder);
  });

  it('walk the whole order without a duplicate or a gap, whatever the page size', async () => {
    const all = (await hits(owner, { q: 'PAGE' })).map((hit) => hit.id);
    expect(all).toHaveLength(22);
    for (const limit of [1, 4, 7, 21, 22]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await search(owner, { q: 'PAGE', limit, ...(cursor ? { cursor } : {}) });
        expectStatus(res, 200);
        expect(res.body.files_and_folders.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.files_and_folders.map((hit: Hit) => hit.id));
        cursor = res.body.next_cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all);
    }
  });

  it('a cursor that is not one of search is a 422 on cursor', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'nonsense',
      forged([9, 'a', '2f1b6c8e-6f0e-4c1e-9d0a-6a1f2b3c4d5e']),
      forged([1, 'a\u0000', '2f1b6c8e-6f0e-4c1e-9d0a-6a1f2b3c4d5e']),
      forged([1, 'a', 'not a uuid']),
      forged({ rank: 1 }),
    ]) {
      const res = await search(owner, { q: 'page', cursor });
      expectProblem(res, 422, 'validation_failed');
      expect(res.body.errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    }
  });
});

describe('validation', () => {
  it.each([
    [{}, 'q'],
    [{ q: '   ' }, 'q'],
    [{ q: 'x'.repeat(256) }, 'q'],
    [{ q: 'a', kind: 'link' }, 'kind'],
    [{ q: 'a', content_family: 'spreadsheet' }, 'content_family'],
    [{ q: 'a', owner: 'everyone' }, 'owner'],
    [{ q: 'a', size_in_bytes_from: -1 }, 'size_in_bytes_from'],
    [{ q: 'a', size_in_bytes_to: 'lots' }, 'size_in_bytes_to'],
    [{ q: 'a', size_in_bytes_to: '' }, 'size_in_bytes_to'],
    [{ q: 'a', size_in_bytes_from: 10, size_in_bytes_to: 9 }, 'size_in_bytes_to'],
    [{ q: 'a', last_interaction_from: 'yesterday' }, 'last_interaction_from'],
    [{ q: 'a', last_interaction_to: '2024-02-30' }, 'last_interaction_to'],
    // ISO 8601 week and ordinal dates, which JavaScript's Date cannot read.
    [{ q: 'a', last_interaction_from: '2024-W05-3' }, 'last_interaction_from'],
    [{ q: 'a', last_interaction_to: '2024-035' }, 'last_interaction_to'],
    [{ q: 'a', last_interaction_from: '2024-02-02', last_interaction_to: '2024-02-01' }, 'last_interaction_to'],
    [{ q: 'a', folder_id: 'not-a-uuid' }, 'folder_id'],
    [{ q: 'a', limit: 0 }, 'limit'],
  ])('%j is a 422 naming %s', async (query, field) => {
    const res = await search(alice, query as Record<string, string | number>);
    expectProblem(res, 422, 'validation_failed');
    expect([...new Set(res.body.errors.map((error: { field: string }) => error.field))]).toEqual([field]);
  });

  it.each([
    [{ q: '\u0301' }],
    [{ q: '\\' }],
    [{ q: '%_%' }],
    [{ q: '🙂'.repeat(120) }],
    [{ q: 'a', last_interaction_from: '1000-01-01', last_interaction_to: '9999-12-31T23:59:59.999Z' }],
    [{ q: 'a', size_in_bytes_from: 0, size_in_bytes_to: Number.MAX_SAFE_INTEGER }],
  ])('odd but valid: %j is a 200', async (query) => {
    expectStatus(await search(alice, query), 200);
  });

  it('a q given twice is a 422, and a signed-out caller a 401', async () => {
    expectProblem(await t.http.get('/search?q=a&q=b').set(alice.auth), 422, 'validation_failed');
    expectProblem(await t.http.get('/search').query({ q: 'a' }), 401, 'unauthorized');
  });
});
