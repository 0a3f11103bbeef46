import { Injectable } from '@nestjs/common';
import { AuthenticatedUser } from '../../common/auth/current-user.decorator';
import { itemProblem } from '../../common/errors/problem';
import { FilesService } from '../files/files.service';
import { FoldersService } from '../folders/folders.service';
import { ItemDto } from '../items';
import { TrashService } from '../trash/trash.service';
import { CopyService } from './copy.service';
import { BatchItemDto, BatchResultDto } from './dto/batch.dto';

/**
 * Many items in one request. Each is done as its own request to its own route would do it, in the order given, in
 * a transaction of its own: a batch is not atomic, and every item is answered on its own (a failure leaves the
 * items done before it done, and those after it are still tried).
 */
@Injectable()
export class BatchService {
  constructor(
    private readonly files: FilesService,
    private readonly folders: FoldersService,
    private readonly trash: TrashService,
    private readonly copies: CopyService,
  ) {}

  copy(user: AuthenticatedUser, items: BatchItemDto[], parentFolderId: string | null): Promise<BatchResultDto[]> {
    return this.each(items, (item) => this.copies.copy(user, item, parentFolderId), 201);
  }

  move(user: AuthenticatedUser, items: BatchItemDto[], parentFolderId: string | null): Promise<BatchResultDto[]> {
    return this.each(items, ({ kind, id }) =>
      kind === 'file'
        ? this.files.updateFile(user, id, { parent_folder_id: parentFolderId })
        : this.folders.updateFolder(user, id, { parent_folder_id: parentFolderId }),
    );
  }

  moveToTrash(user: AuthenticatedUser, items: BatchItemDto[]): Promise<BatchResultDto[]> {
    return this.each(items, ({ kind, id }) =>
      kind === 'file' ? this.files.deleteFile(user, id) : this.folders.deleteFolder(user, id),
    );
  }

  restore(user: AuthenticatedUser, itemIds: string[]): Promise<BatchResultDto[]> {
    return this.each(itemIds, (id) => this.trash.restore(user, id));
  }

  deleteForever(user: AuthenticatedUser, itemIds: string[]): Promise<BatchResultDto[]> {
    return this.each(itemIds, (id) => this.trash.purgeItem(user, id));
  }

  /** Runs `act` on each in turn: `done` (200) with the item it answers, 204 for none, or the status of its problem. */
  private async each<T extends BatchItemDto | string>(
    targets: T[],
    act: (target: T) => Promise<ItemDto | void>,
    done = 200,
  ): Promise<BatchResultDto[]> {
    const results: BatchResultDto[] = [];
    for (const [index, target] of targets.entries()) {
      try {
        const item = await act(target);
        results.push(item ? { index, status: done, item } : { index, status: 204 });
      } catch (error) {
        const problem = itemProblem(error);
        results.push({ index, status: problem.status, error: problem });
      }
    }
    return results;
  }
}
