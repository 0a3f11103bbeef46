import { Injectable } from '@nestjs/common';
import { AppError, FieldError } from '@app/contracts';
import { SearchRepository } from '@app/db';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { AccessService } from '../access/access.service';
import { presentItem } from '../items';
import { SearchQueryDto } from './dto/search-query.dto';
import { SearchResultsDto } from './dto/search-results.dto';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

@Injectable()
export class SearchService {
  constructor(
    private readonly repository: SearchRepository,
    private readonly access: AccessService,
  ) {}

  /**
   * A page of the items the caller may see whose names contain the text, filtered; each with its path as the caller
   * may see it. Only listed items are found: nothing in the trash, no file whose upload is not confirmed.
   */
  async search(user: AuthenticatedUser, query: SearchQueryDto): Promise<SearchResultsDto> {
    const after = query.cursor ? decodeSearchCursor(query.cursor) : undefined;
    const lastInteraction = range(
      'last_interaction',
      instantOf(query.last_interaction_from),
      instantOf(query.last_interaction_to),
    );
    range('size_in_bytes', query.size_in_bytes_from, query.size_in_bytes_to);
    const folder = query.folder_id
      ? await this.access.folder(user.id, query.folder_id.toLowerCase(), 'view')
      : undefined;
    const page = await this.repository.search({
      userId: user.id,
      text: query.q,
      owner: query.owner,
      kind: query.kind,
      family: query.content_family,
      lastInteractionFrom: lastInteraction.from,
      lastInteractionTo: lastInteraction.to,
      sizeFrom: query.size_in_bytes_from,
      sizeTo: query.size_in_bytes_to,
      within: folder && { folderId: folder.item.id, ownerId: folder.owner.id },
      limit: query.limit,
      after,
    });
    return {
      files_and_folders: page.hits.map((hit) => {
        const view = this.access.seen(hit);
        return { ...presentItem(view), path: this.access.visiblePath(view, hit.path) };
      }),
      next_cursor: page.next ? encodeSearchCursor(page.next) : null,
    };
  }
}

const instantOf = (text: string | undefined): Date | undefined => (text === undefined ? undefined : new Date(text));

/** The bounds of `{field}_from` and `{field}_to`, which must be in order. */
function range<T extends Date | number>(field: string, from?: T, to?: T): { from?: T; to?: T } {
  const errors: FieldError[] = [];
  for (const [bound, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value instanceof Date && Number.isNaN(value.getTime())) {
      errors.push({ field: `${field}_${bound}`, message: 'is not an instant' });
    }
  }
  if (errors.length === 0 && from !== undefined && to !== undefined && from > to) {
    errors.push({ field: `${field}_to`, message: `must not be before ${field}_from` });
  }
  if (errors.length > 0) throw AppError.validation(errors);
  return { from, to };
}
