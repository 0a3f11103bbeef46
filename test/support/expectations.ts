/** What every end-to-end suite checks the same way. */
type Answer = { status: number; text: string; headers: Record<string, string>; body: any };

/** The status, showing the body when it is not the one expected. */
export function expectStatus(res: Answer, status: number): void {
  expect(res.status === status ? status : `${res.status} ${res.text}`).toBe(status);
}

/** A problem+json answer with this status and code: a typed URN, a title, and a sentence for a person. */
export function expectProblem(res: Answer, status: number, code: string): void {
  expectStatus(res, status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
  expect(res.body).toMatchObject({ type: `urn:clouddrive:problem:${code}`, status, code });
  expect(res.body.title).toMatch(/\S/);
  expect(res.body.detail).toMatch(/^\S.*[.!?]$/s);
}

/** The fields of an item (a file or a folder), exactly. */
export const ITEM_KEYS = [
  'content_type',
  'created_at',
  'duration_ms',
  'id',
  'kind',
  'last_interaction',
  'media_height',
  'media_width',
  'name',
  'owner',
  'parent_folder_id',
  'permission',
  'preview_ready',
  'preview_status',
  'size_in_bytes',
  'type',
];
