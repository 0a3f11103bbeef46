import { ApiError, createCloudDriveClient, unwrap } from '@app/sdk';
import { session } from './session';

export { ApiError, unwrap };

/** The one SDK client of the app: same origin, the session's token, signed out on a 401. */
export const api = createCloudDriveClient({
  token: session.token,
  onUnauthorized: () => session.set(null),
});

/** The sentence to show a person for any failure. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : 'Something went wrong.';
}
