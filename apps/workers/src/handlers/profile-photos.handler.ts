import { objectKeys } from '@app/storage';
import { createS3Handler } from './s3-handler';

/** Lambda: new objects under `profile_photos/original/`: check the photo, store it 400×400 or reject it. */
export const handler = createS3Handler([objectKeys.profilePhotoOriginalPrefix]);
