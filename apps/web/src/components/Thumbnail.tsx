import { useEffect, useState } from 'react';
import type { Item } from '@app/sdk';
import { api } from '../api/client';
import { pollWithBackoff, retryAfterOf } from '../lib/poll';
import { Icon } from './icons';

/**
 * A file's preview from GET /image-preview/{id}: a placeholder while it is being made (202, polled with
 * backoff, honouring Retry-After), then the image, without a reload; an icon where there is none.
 */
export function Thumbnail({ item, className }: { item: Item; className: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const hasPreview = item.kind === 'file' && (item.preview_status === 'pending' || item.preview_status === 'ready');

  useEffect(() => {
    if (!hasPreview) return;
    const abort = new AbortController();
    void pollWithBackoff(async () => {
      const answer = await api.GET('/image-preview/{file_id}', {
        params: { path: { file_id: item.id } },
        signal: abort.signal,
      });
      if (answer.response.status === 200 && answer.data && 'url' in answer.data) {
        return { done: true, value: answer.data.url };
      }
      if (answer.response.status === 202) return { done: false, retryAfter: retryAfterOf(answer.response) };
      return { done: true, value: null };
    }, abort.signal)
      .then((found) => {
        if (abort.signal.aborted) return;
        if (found) setUrl(found);
        else setFailed(true);
      })
      .catch(() => undefined);
    return () => abort.abort();
    // Asked again when the content may have changed (a restore swaps one ready preview for another): the URL of an
    // unchanged preview is the same, so the browser shows it from its cache.
  }, [item.id, item.preview_status, item.size_in_bytes, item.content_type, hasPreview]);

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
