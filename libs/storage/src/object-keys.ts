/**
 * The object key layout, in one place. Keys name owners and files by id, never by name, so a rename
 * never touches storage.
 *
 * | object                          | key                                         |
 * | ------------------------------- | ------------------------------------------- |
 * | a file's bytes                  | files/{owner_id}/{file_id}                  |
 * | a replacement being uploaded    | files/{owner_id}/{file_id}~{upload_id}      |
 * | the preview of a file's bytes   | previews/{owner_id}/{file_id}               |
 * | the preview of a replacement's  | previews/{owner_id}/{file_id}~{upload_id}   |
 * | a profile photo as uploaded     | profile_photos/original/{user_id}/photo     |
 * | the profile photo in use        | profile_photos/resized/{user_id}/photo.{ext} |
 *
 * A preview belongs to one content, not to the file: its key is its bytes' key under `previews/` (`previewOf`), so
 * a Replace's new bytes get a preview of their own and the old one stays with the version that keeps the old bytes.
 * (Previews stored before that were all at `previews/{owner_id}/{file_id}`; the rows name the key, so they still
 * serve.)
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const FILE_KEY = new RegExp(`^files/(${UUID})/(${UUID})(?:~(${UUID}))?$`);
const PREVIEW_KEY = new RegExp(`^previews/(${UUID})/(${UUID})(?:~(${UUID}))?$`);
const FILES_PREFIX = 'files/';
const PREVIEWS_PREFIX = 'previews/';
const PROFILE_PHOTO_ORIGINAL_KEY = new RegExp(`^profile_photos/original/(${UUID})/photo$`);

export const objectKeys = {
  file: (ownerId: string, fileId: string, uploadId?: string): string =>
    uploadId ? `files/${ownerId}/${fileId}~${uploadId}` : `files/${ownerId}/${fileId}`,
  /** Where the preview of the bytes at `objectKey` (a `files/…` key) is kept. */
  previewOf: (objectKey: string): string => {
    if (!objectKey.startsWith(FILES_PREFIX)) throw new RangeError(`Not a file's key: ${objectKey}`);
    return `${PREVIEWS_PREFIX}${objectKey.slice(FILES_PREFIX.length)}`;
  },
  profilePhotoOriginal: (userId: string): string => `profile_photos/original/${userId}/photo`,
  profilePhotoResized: (userId: string, extension: string): string =>
    `profile_photos/resized/${userId}/photo.${extension}`,
  /** Every prefix under which objects of the user's are kept (their files, previews and profile photos). */
  userPrefixes: (userId: string): string[] => [
    `files/${userId}/`,
    `previews/${userId}/`,
    `profile_photos/original/${userId}/`,
    `profile_photos/resized/${userId}/`,
  ],
  filesPrefix: FILES_PREFIX,
  previewsPrefix: PREVIEWS_PREFIX,
  profilePhotoOriginalPrefix: 'profile_photos/original/',
};

export interface FileKey {
  ownerId: string;
  fileId: string;
  /** Set for a replacement's upload. */
  uploadId: string | undefined;
}

/** What a `files/…` key names, or null for any other key. */
export function parseFileKey(key: string): FileKey | null {
  const match = FILE_KEY.exec(key);
  return match ? { ownerId: match[1], fileId: match[2], uploadId: match[3] } : null;
}

/** The user whose profile photo upload a `profile_photos/original/…` key is, or null for any other key. */
export function parseProfilePhotoKey(key: string): { userId: string } | null {
  const match = PROFILE_PHOTO_ORIGINAL_KEY.exec(key);
  return match ? { userId: match[1] } : null;
}

/** The file whose preview a `previews/…` key is, or null for any other key. */
export function parsePreviewKey(key: string): { ownerId: string; fileId: string } | null {
  const match = PREVIEW_KEY.exec(key);
  return match ? { ownerId: match[1], fileId: match[2] } : null;
}
