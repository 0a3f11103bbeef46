import { objectKeys } from '@app/storage';
import { createS3Handler } from './s3-handler';

/** Lambda: new objects under `files/`: confirm the upload, then make the preview. */
export const handler = createS3Handler([objectKeys.filesPrefix]);
