/**
 * What the API and the workers agree on about images: which sniffed types get a preview, which may be a
 * profile photo, and the bodies of the workers' callbacks.
 */

/** Sniffed image types the workers preview with the image library. SVG never is. */
export const IMAGE_PREVIEW_TYPES: ReadonlySet<string> = new Set([
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

/** Videos whose poster frame is their preview (sniffed types: MP4, MOV, WebM, MKV). */
export const VIDEO_PREVIEW_TYPES: ReadonlySet<string> = new Set([
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/matroska',
]);

/** What a preview is made from: an image, a PDF's first page, a video's poster frame. */
export type PreviewSource = 'image' | 'pdf' | 'video';

/** How a sniffed type is previewed; undefined when it is not (its preview is `unsupported` at confirmation). */
export function previewSource(contentType: string | null | undefined): PreviewSource | undefined {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  if (!type) return undefined;
  if (IMAGE_PREVIEW_TYPES.has(type)) return 'image';
  if (type === 'application/pdf') return 'pdf';
  return VIDEO_PREVIEW_TYPES.has(type) ? 'video' : undefined;
}

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
/** Bounds of what is recorded of a video: a side in pixels (16K), a length in milliseconds (an integer column's). */
export const MAX_MEDIA_SIDE = 16_384;
export const MAX_MEDIA_DURATION_MS = 2_147_483_647;
/** The largest profile photo accepted for upload. */
export const PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024;

export const isPreviewable = (contentType: string | null | undefined): boolean =>
  previewSource(contentType) !== undefined;

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
  /** The file's object the preview was made from; its outcome is recorded wherever those bytes are now. */
  object_key?: string;
  /** Where the preview was stored (the `preview_key` the upload's confirmation answered). */
  preview_key?: string;
  /** A video's length in milliseconds and frame size (as shown), read while its poster frame was made. */
  duration_ms?: number;
  media_width?: number;
  media_height?: number;
}

/** The API's answer to POST /confirm-file-preview. */
export interface PreviewConfirmed {
  preview_status: PreviewStatus;
  /** The file's current bytes. */
  object_key: string;
  /** The type sniffed from the file's current bytes. */
  content_type: string | null;
  /** Whether a row (the file, or a version of it) names the preview at `preview_key`; if not, it is the worker's to delete. */
  preview_kept: boolean;
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
