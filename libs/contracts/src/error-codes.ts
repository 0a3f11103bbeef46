/**
 * Every stable error `code` the API can answer with, and the HTTP status it maps to.
 * Programs branch on the code; the status is derived from it in one place (the API's exception filter).
 */
export const ERROR_CODES = {
  // Requests the server cannot read or accept
  malformed_request: 400,
  validation_failed: 422,
  payload_too_large: 413,
  headers_too_large: 431,
  request_timeout: 408,
  unsupported_media_type: 415,
  route_not_found: 404,
  method_not_allowed: 405,
  too_many_requests: 429,
  // Authentication
  unauthorized: 401,
  invalid_credentials: 401,
  credentials_in_use: 409,
  // The account's own password, asked again before changing it or deleting the account
  wrong_password: 403,
  // The drive
  folder_not_found: 404,
  folder_name_conflict: 409,
  folder_move_cycle: 409,
  file_not_found: 404,
  file_name_conflict: 409,
  file_not_ready: 409,
  file_too_large: 413,
  quota_exceeded: 507,
  upload_not_pending: 409,
  upload_missing: 409,
  trash_item_not_found: 404,
  preview_not_available: 404,
  version_not_found: 404,
  // A folder downloaded as a zip (POST /drive/{id}/archive, then its link)
  archive_too_large: 413,
  archive_link_invalid: 403,
  archive_link_expired: 403,
  // A folder copied (POST /batch/copy) with more in it than COPY_MAX_ITEMS
  copy_too_large: 413,
  // The change log: a cursor from before its retention (or never given), a ticket to a stream used or expired
  cursor_expired: 410,
  event_ticket_invalid: 401,
  // Profile photos
  no_profile_photo: 404,
  // Sharing and access: something visible but not the caller's to change is a 403; the invisible is a 404
  permission_denied: 403,
  cannot_share_with_self: 400,
  user_not_found: 404,
  already_shared: 409,
  share_not_found: 404,
  // The embedded store's presigned upload and download URLs (/storage/…)
  upload_url_invalid: 403,
  upload_url_expired: 403,
  upload_length_required: 411,
  upload_size_mismatch: 400,
  upload_content_type_mismatch: 400,
  upload_already_received: 412,
  download_url_invalid: 403,
  download_url_expired: 403,
  object_not_found: 404,
  range_not_satisfiable: 416,
  // Internal endpoints
  forbidden: 403,
  // The server's own trouble
  service_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const statusOf = (code: ErrorCode): number => ERROR_CODES[code];
