import { CreateUsers1795826039211 } from './1795826039211-CreateUsers';
import { CreateItems1795828747443 } from './1795828747443-CreateItems';
import { CreateShares1795839051523 } from './1795839051523-CreateShares';
import { AddPreviewsAndProfilePhotos1795839121468 } from './1795839121468-AddPreviewsAndProfilePhotos';
import { AddPendingPreviewIndex1795843000000 } from './1795843000000-AddPendingPreviewIndex';
import { AddTokenVersion1796076372609 } from './1796076372609-AddTokenVersion';
import { PinUploadedObjects1796076603225 } from './1796076603225-PinUploadedObjects';
import { AddUnconfirmedFilesIndex1796080000000 } from './1796080000000-AddUnconfirmedFilesIndex';
import { RevokeTokens1796081165910 } from './1796081165910-RevokeTokens';
import { AddNameSearch1796090000000 } from './1796090000000-AddNameSearch';
import { AddMediaFacts1796094480095 } from './1796094480095-AddMediaFacts';
import { KeepFileVersions1796094609085 } from './1796094609085-KeepFileVersions';
import { AddChangeLog1796102575437 } from './1796102575437-AddChangeLog';
import { KeepPreviewsPerContent1796102612661 } from './1796102612661-KeepPreviewsPerContent';
import { AddSearchWordStarts1796110000000 } from './1796110000000-AddSearchWordStarts';

/** Every migration, in order. `npm run migration:generate -- <Name>` writes a new one and lists it here. */
export const MIGRATIONS = [
  CreateUsers1795826039211,
  CreateItems1795828747443,
  CreateShares1795839051523,
  AddPreviewsAndProfilePhotos1795839121468,
  AddPendingPreviewIndex1795843000000,
  AddTokenVersion1796076372609,
  PinUploadedObjects1796076603225,
  AddUnconfirmedFilesIndex1796080000000,
  RevokeTokens1796081165910,
  AddNameSearch1796090000000,
  AddMediaFacts1796094480095,
  KeepFileVersions1796094609085,
  AddChangeLog1796102575437,
  KeepPreviewsPerContent1796102612661,
  AddSearchWordStarts1796110000000,
];
