import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Imported as `@app/config/cli`, apart from the lib's index: the command line must not load Nest to start.
 *
 * What the `clouddrive` command line reads from its environment (kept here, so that the config lib stays the
 * only reader of process.env). Blank values count as unset.
 */
export interface CliEnvironment {
  /** CLOUDDRIVE_URL: the API's origin, over the one saved by `login`. */
  url: string | undefined;
  /** CLOUDDRIVE_TOKEN: a bearer token, over the one saved by `login` (nothing is written). */
  token: string | undefined;
  /** LAMBDA_SECRET: the internal secret the `ops` commands send in X-Lambda-Secret. */
  lambdaSecret: string | undefined;
  /** $XDG_CONFIG_HOME/clouddrive (default ~/.config/clouddrive): the saved session. */
  configDir: string;
  /** $XDG_STATE_HOME/clouddrive (default ~/.local/state/clouddrive): the journal of uploads in flight. */
  stateDir: string;
  /** NO_COLOR set to anything: no colours, even on a terminal. */
  noColor: boolean;
}

export function readCliEnvironment(env: Record<string, string | undefined> = process.env): CliEnvironment {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  const home = value('HOME') ?? homedir();
  return {
    url: value('CLOUDDRIVE_URL'),
    token: value('CLOUDDRIVE_TOKEN'),
    lambdaSecret: value('LAMBDA_SECRET'),
    configDir: join(value('XDG_CONFIG_HOME') ?? join(home, '.config'), 'clouddrive'),
    stateDir: join(value('XDG_STATE_HOME') ?? join(home, '.local', 'state'), 'clouddrive'),
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
  };
}
