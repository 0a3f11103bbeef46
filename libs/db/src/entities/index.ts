import { Change, ChangeFeed } from './change.entity';
import { EventTicket } from './event-ticket.entity';
import { FileVersion } from './file-version.entity';
import { Item } from './item.entity';
import { ProfilePhoto } from './profile-photo.entity';
import { RevokedToken } from './revoked-token.entity';
import { Share } from './share.entity';
import { User } from './user.entity';

export * from './change.entity';
export * from './event-ticket.entity';
export * from './file-version.entity';
export * from './item.entity';
export * from './profile-photo.entity';
export * from './revoked-token.entity';
export * from './share.entity';
export { User };

/** Every entity, listed explicitly so bundles and tests need no file globs. */
export const ENTITIES = [User, Item, FileVersion, Share, ProfilePhoto, RevokedToken, ChangeFeed, Change, EventTicket];
