import { useEffect, useState } from 'react';
import type { Item } from '@app/sdk';
import { api } from '../api/client';
import { useChanges } from '../lib/live';
import { Icon } from './icons';

/** What the change feed says of a file's preview: the workers made it, gave up, or the content changed. */
const PREVIEW_NEWS = new Set(['preview_ready', 'preview_failed', 'upload_confirmed', 'version_restored']);

/**
 * A file's preview from GET /image-preview/{id}: a placeholder while it is being made (202), then the image once
 * the change feed says it is ready (`preview_ready`), without a reload; an icon where there is none.
 */
export function Thumbnail({ item, className }: { item: Item; className: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  // Bumped by the feed's news of this file: the preview is asked for again.
  const [news, setNews] = useState(0);
  const hasPreview = item.kind === 'file' && (item.preview_status === 'pending' || item.preview_status === 'ready');

  useChanges(
    (change) => change.item?.id === item.id && PREVIEW_NEWS.has(change.type),
    () => setNews((count) => count + 1),
    0,
  );

  useEffect(() => {
    if (!hasPreview) return;
    const abort = new AbortController();
    api
      .GET('/image-preview/{file_id}', { params: { path: { file_id: item.id } }, signal: abort.signal })
      .then((answer) => {
        if (abort.signal.aborted) return;
        // 202: being made; `preview_ready` (or `preview_failed`) brings the thumbnail here again.
        if (answer.response.status === 202) return;
        if (answer.response.status === 200 && answer.data && 'url' in answer.data) {
          setUrl(answer.data.url);
          setFailed(false);
        } else setFailed(true);
      })
      .catch(() => undefined);
    return () => abort.abort();
    // Asked again when the content may have changed (a restore swaps one ready preview for another): the URL of an
    // unchanged preview is the same, so the browser shows it from its cache.
  }, [item.id, item.preview_status, item.size_in_bytes, item.content_type, hasPreview, news]);

  if (url) return <img src={url} alt="" className={`${className} object-cover`} loading="lazy" />;
  const pending = hasPreview && !failed;
  return (
    <span
      className={`${className} flex items-center justify-center ${
        item.kind === 'folder'
          ? 'text-blue-500'
          : pending
            ? 'animate-pulse bg-slate-100 text-slate-300'
            : 'text-slate-400'
      }`}
      data-preview={pending ? 'pending' : 'none'}
    >
      <Icon
        name={item.kind === 'folder' ? 'folder' : item.content_type?.startsWith('image/') ? 'image' : 'file'}
        className="size-1/2 max-h-10 max-w-10"
      />
    </span>
  );
}
