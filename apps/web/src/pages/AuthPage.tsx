import { type FormEvent, useState } from 'react';
import { logIn, signUp } from '../api/account';
import { messageOf } from '../api/client';
import { Icon } from '../components/icons';
import { Button, ErrorText, Field } from '../components/ui';
import { Link, navigate } from '../lib/router';

export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signingUp = mode === 'signup';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signingUp) await signUp(username.trim(), email.trim(), password);
      else await logIn(username.trim(), password);
      navigate('/', true);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="flex min-h-screen items-center justify-center bg-gradient-to-br from-blue-50 via-white to-slate-100 px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2 text-2xl font-semibold text-slate-900">
          <Icon name="cloud" className="size-9 text-blue-600" />
          CloudDrive
        </div>
        <form
          onSubmit={(event) => void submit(event)}
          className="flex flex-col gap-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm"
        >
          <h1 className="text-xl font-semibold">{signingUp ? 'Create your account' : 'Welcome back'}</h1>
          <Field
            label="Username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            autoFocus
          />
          {signingUp && (
            <Field
              label="Email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
            />
          )}
          <Field
            label="Password"
            type="password"
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            minLength={signingUp ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
          <ErrorText error={error} />
          <Button type="submit" variant="primary" disabled={busy} className="mt-1 py-2.5">
            {signingUp ? 'Sign up' : 'Log in'}
          </Button>
        </form>
        <p className="mt-5 text-center text-sm text-slate-600">
          {signingUp ? 'Already have an account? ' : 'New to CloudDrive? '}
          <Link href={signingUp ? '/signin' : '/signup'} className="font-medium text-blue-700 hover:underline">
            {signingUp ? 'Log in instead' : 'Create an account'}
          </Link>
        </p>
      </div>
    </main>
  );
}
