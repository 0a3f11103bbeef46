/**
 * What the API and the workers agree on about images: which sniffed types get a preview, which may be a
 * profile photo, and the bodies of the workers' callbacks.
 */

/** Sniffed types the workers try to preview; anything else ends `unsupported` at confirmation. SVG never is. */
export const PREVIEWABLE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/apng',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/tiff',
  'image/heic',
  'image/heif',
]);

/** Profile photos are the common web formats (and what the image library decodes of AVIF/HEIC). */
export const PROFILE_PHOTO_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'image/heif',
]);

/** The side of the square a preview fits inside, and of a profile photo. */
export const IMAGE_EDGE = 400;
/** The largest profile photo accepted for upload. */
export const PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024;

export const isPreviewable = (contentType: string | null | undefined): boolean =>
  !!contentType && PREVIEWABLE_TYPES.has(contentType.split(';')[0].trim().toLowerCase());

export type PreviewStatus = 'none' | 'pending' | 'ready' | 'failed' | 'unsupported';
export type PreviewOutcome = Extract<PreviewStatus, 'ready' | 'failed' | 'unsupported'>;
export type ProfilePhotoOutcome = 'ready' | 'rejected';
/** Extensions of the profile photo in use (its format is the workers' choice). */
export const PROFILE_PHOTO_EXTENSIONS = ['jpg', 'webp'] as const;
export type ProfilePhotoExtension = (typeof PROFILE_PHOTO_EXTENSIONS)[number];

/** POST /confirm-file-preview */
export interface FilePreviewConfirmation {
  file_id: string;
  status: PreviewOutcome;
  width?: number;
  height?: number;
  /** The file's object the preview was made from; a preview of bytes since replaced changes nothing. */
  object_key?: string;
}

/** The API's answer to POST /confirm-file-preview. */
export interface PreviewConfirmed {
  preview_status: PreviewStatus;
  /** The file's current bytes; another key than the preview's source means the file was replaced meanwhile. */
  object_key: string;
}

/** The API's answer to POST /confirm-profile-picture: `discarded` when no upload was awaited any more. */
export interface ProfilePictureConfirmed {
  status: ProfilePhotoOutcome | 'discarded';
}

/** POST /confirm-profile-picture */
export interface ProfilePictureConfirmation {
  user_id: string;
  status: ProfilePhotoOutcome;
  extension?: ProfilePhotoExtension;
}
