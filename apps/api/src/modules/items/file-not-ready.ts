import { AppError } from '@app/contracts';

/** A file whose first upload has not been confirmed: it has no bytes to download, version or copy yet. */
export const fileNotReady = (action?: string): AppError =>
  new AppError('file_not_ready', `The file’s bytes have not arrived yet${action ? `: ${action}` : ''}.`);
