import { type ChangeEvent, type FormEvent, useRef, useState } from 'react';
import { putUpload } from '@app/sdk';
import { changePassword, deleteAccount, logOutEverywhere } from '../api/account';
import { api, messageOf, unwrap } from '../api/client';
import { session } from '../api/session';
import { Avatar } from '../components/Avatar';
import { Button, ErrorText, Field } from '../components/ui';
import { emit } from '../lib/events';
import { onChange } from '../lib/live';
import { navigate } from '../lib/router';

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section aria-label={title} className="rounded-2xl border border-slate-200 bg-white p-5 shadow-xs">
      <h2 className="mb-4 text-base font-semibold">{title}</h2>
      {children}
    </section>
  );
}

/** The slow look at GET /profile-photo while a photo is processed: from 2 s, doubling, at most every 30 s. */
const FIRST_LOOK_MS = 2000;
const LAST_LOOK_MS = 30_000;

/**
 * The workers' verdict on the photo just sent. The change feed says `profile_photo_ready` the moment it is in use; a
 * refusal is told by no change (only GET /profile-photo's status says it), so that is asked at once and then slowly.
 */
function photoVerdict(): Promise<'ready' | 'rejected' | 'gone'> {
  return new Promise((resolve) => {
    let timer: number | undefined;
    let wait = FIRST_LOOK_MS;
    let settled = false;
    const finish = (verdict: 'ready' | 'rejected' | 'gone') => {
      if (settled) return;
      settled = true;
      stop();
      window.clearTimeout(timer);
      resolve(verdict);
    };
    const look = async () => {
      timer = undefined;
      const answer = await api.GET('/profile-photo').catch(() => null);
      // A photo in use answers 200 with the newest upload's status; none in use, 404 with it (or without: none).
      const status = answer?.data?.status ?? (answer?.error as { photo_status?: string } | undefined)?.photo_status;
      if (status === 'ready' || status === 'rejected') finish(status);
      else if (answer?.response.status === 404 && status === undefined) finish('gone');
      else if (!settled) {
        timer = window.setTimeout(() => void look(), wait);
        wait = Math.min(wait * 2, LAST_LOOK_MS);
      }
    };
    const stop = onChange((change) => {
      if (change?.type === 'profile_photo_ready') finish('ready');
    });
    void look();
  });
}

function ProfilePhoto({ username }: { username: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const pick = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setError(null);
    setStatus('Uploading…');
    try {
      const { upload } = await unwrap(
        api.POST('/profile-photo', {
          body: { photo_size_in_bytes: file.size, content_type: file.type || 'application/octet-stream' },
        }),
      );
      await putUpload(upload, file);
      setStatus('Processing…');
      const outcome = await photoVerdict();
      if (outcome === 'rejected') setError('This file is not an image we can use. Try a JPEG, PNG, GIF or WebP.');
      setStatus(null);
      emit('profile');
    } catch (caught) {
      setStatus(null);
      setError(messageOf(caught));
    }
  };

  return (
    <Section title="Profile photo">
      <div className="flex flex-wrap items-center gap-4">
        <Avatar username={username} size="size-16" />
        <Button icon="user" onClick={() => input.current?.click()} disabled={status !== null}>
          Profile photo
        </Button>
        {status && (
          <span role="status" className="text-sm text-slate-500">
            {status}
          </span>
        )}
        <input ref={input} type="file" accept="image/*" hidden onChange={(e) => void pick(e)} aria-label="Photo file" />
      </div>
      <div className="mt-3">
        <ErrorText error={error} />
      </div>
    </Section>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(false);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setDone(true);
    } catch (caught) {
      setError(messageOf(caught));
    }
  };
  return (
    <Section title="Password">
      <form onSubmit={(e) => void submit(e)} className="flex max-w-sm flex-col gap-3">
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          required
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          required
        />
        <ErrorText error={error} />
        {done && (
          <p role="status" className="text-sm text-emerald-700">
            Your password was changed.
          </p>
        )}
        <Button type="submit" variant="primary" className="self-start">
          Change password
        </Button>
      </form>
    </Section>
  );
}

function Sessions() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const logOutAll = async () => {
    setError(null);
    setBusy(true);
    try {
      await logOutEverywhere();
      navigate('/signin', true);
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  };
  return (
    <Section title="Sessions">
      <div className="flex max-w-sm flex-col gap-3">
        <p className="text-sm text-slate-600">
          Log out signs out this browser only. To sign out on every device and browser, this one included, log out
          everywhere.
        </p>
        <ErrorText error={error} />
        <Button icon="logout" onClick={() => void logOutAll()} disabled={busy} className="self-start">
          Log out everywhere
        </Button>
      </div>
    </Section>
  );
}

function DeleteAccount() {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirm('Delete your account and every file in it? This cannot be undone.')) return;
    try {
      await deleteAccount(password);
      navigate('/signup', true);
    } catch (caught) {
      setError(messageOf(caught));
    }
  };
  return (
    <Section title="Delete account">
      <form onSubmit={(e) => void submit(e)} className="flex max-w-sm flex-col gap-3">
        <p className="text-sm text-slate-600">Your files, folders and shares are deleted with the account.</p>
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        <ErrorText error={error} />
        <Button type="submit" variant="danger" className="self-start">
          Delete account
        </Button>
      </form>
    </Section>
  );
}

export function AccountPage() {
  const username = session.get()?.username ?? '';
  return (
    <div className="flex max-w-2xl flex-col gap-4 p-1">
      <h1 className="px-2 text-lg font-semibold">Account</h1>
      <ProfilePhoto username={username} />
      <PasswordForm />
      <Sessions />
      <DeleteAccount />
    </div>
  );
}
