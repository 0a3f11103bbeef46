import { memo, useEffect, useState, useSyncExternalStore } from 'react';
import { formatBytes, formatDuration } from '../lib/format';
import { type ConflictChoice, type UploadTask, uploads } from '../lib/uploads';
import { ConflictDialog } from './dialogs';
import { Icon } from './icons';
import { IconButton } from './ui';

function Bar({ label, value }: { label: string; value: number }) {
  const percent = Math.round(value * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      className="h-1.5 w-full overflow-hidden rounded-full bg-slate-200"
    >
      <div className="h-full rounded-full bg-blue-600 transition-[width]" style={{ width: `${percent}%` }} />
    </div>
  );
}

const STATE_TEXT: Record<UploadTask['state'], string> = {
  preparing: 'Preparing',
  queued: 'Waiting',
  uploading: 'Uploading',
  // The bytes are in storage; the workers have yet to check them (upload_confirmed turns it to done).
  confirming: 'Confirming',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

interface TaskRowProps {
  task: UploadTask;
  // The task is changed in place: what it shows is passed by value too, so an unchanged row is not rendered again.
  state: UploadTask['state'];
  loaded: number;
  error: string | undefined;
}

const TaskRow = memo(function TaskRow({ task, state, loaded, error }: TaskRowProps) {
  const name = task.dir ? `${task.dir}/${task.file.name}` : task.file.name;
  const fraction = task.file.size === 0 ? (state === 'done' ? 1 : 0) : loaded / task.file.size;
  return (
    <li className="flex flex-col gap-1.5 px-4 py-2.5">
      <div className="flex items-center gap-2">
        <Icon
          name={state === 'done' ? 'file' : state === 'failed' ? 'close' : 'upload'}
          className={`size-4 shrink-0 ${state === 'failed' ? 'text-red-600' : state === 'done' ? 'text-emerald-600' : 'text-slate-400'}`}
        />
        <span className="min-w-0 flex-1 truncate text-sm" title={name}>
          {name}
        </span>
        <span className="text-xs whitespace-nowrap text-slate-500">{STATE_TEXT[state]}</span>
        {state === 'failed' && (
          <IconButton
            icon="retry"
            label={`Retry ${task.file.name}`}
            onClick={() => void uploads.retry(task)}
            className="size-7"
          />
        )}
        {(state === 'queued' || state === 'uploading' || state === 'preparing') && (
          <IconButton
            icon="close"
            label={`Cancel ${task.file.name}`}
            onClick={() => uploads.cancel(task)}
            className="size-7"
          />
        )}
      </div>
      {state !== 'skipped' && state !== 'cancelled' && <Bar label={`Upload of ${name}`} value={fraction} />}
      {error && (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
    </li>
  );
});

/** The uploads of this session: one bar per file, one for the batch (bytes, speed, time left). */
export function UploadPanel() {
  const batch = useSyncExternalStore(uploads.subscribe, uploads.snapshot);
  const [conflict, setConflict] = useState<{ names: string[]; choose: (choice: ConflictChoice) => void } | null>(null);
  const [collapsed, setCollapsed] = useState(false);
  useEffect(() => {
    uploads.askConflict = (names) =>
      new Promise((resolve) =>
        setConflict({
          names,
          choose: (choice) => {
            setConflict(null);
            resolve(choice);
          },
        }),
      );
  }, []);
  if (batch.tasks.length === 0)
    return conflict ? <ConflictDialog names={conflict.names} onChoose={conflict.choose} /> : null;
  const done = batch.tasks.filter((task) => task.state === 'done').length;
  const counted = batch.tasks.filter((task) => task.state !== 'skipped' && task.state !== 'cancelled').length;
  return (
    <section
      aria-label="Uploads"
      className="fixed right-2 bottom-2 left-2 z-20 flex max-h-[60vh] flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-2xl sm:left-auto sm:w-96"
    >
      <div className="flex items-center gap-2 bg-slate-900 px-4 py-2.5 text-white">
        <h2 className="flex-1 text-sm font-medium">
          {batch.active ? `Uploading ${done} of ${counted}` : `${done} of ${counted} uploaded`}
        </h2>
        <IconButton
          icon={collapsed ? 'arrowUp' : 'arrowDown'}
          label={collapsed ? 'Show uploads' : 'Hide uploads'}
          aria-expanded={!collapsed}
          onClick={() => setCollapsed(!collapsed)}
          className="size-7 text-white hover:bg-white/15 hover:text-white"
        />
        {!batch.active && (
          <IconButton
            icon="close"
            label="Close uploads"
            onClick={() => uploads.clearFinished()}
            className="size-7 text-white hover:bg-white/15 hover:text-white"
          />
        )}
      </div>
      <div className="flex flex-col gap-1.5 border-b border-slate-100 px-4 py-3">
        <Bar
          label="All uploads"
          value={batch.totalBytes ? batch.loadedBytes / batch.totalBytes : batch.active ? 0 : 1}
        />
        <p className="text-xs text-slate-500">
          {formatBytes(batch.loadedBytes)} of {formatBytes(batch.totalBytes)}
          {batch.active && batch.bytesPerSecond > 0 && (
            <>
              {' '}
              · {formatBytes(batch.bytesPerSecond)}/s · {formatDuration(batch.secondsLeft)} left
            </>
          )}
        </p>
      </div>
      {!collapsed && (
        <ul className="divide-y divide-slate-100 overflow-auto">
          {batch.tasks.map((task) => (
            <TaskRow key={task.id} task={task} state={task.state} loaded={task.loaded} error={task.error} />
          ))}
        </ul>
      )}
      {conflict && <ConflictDialog names={conflict.names} onChoose={conflict.choose} />}
    </section>
  );
}
