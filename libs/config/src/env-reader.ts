import { isIP } from 'node:net';

/** At most `points` requests in each window of `windowSeconds`. */
export interface RateBudget {
  points: number;
  windowSeconds: number;
}

/**
 * Reads typed values out of an environment, collecting every problem so that start-up
 * reports all wrong variables at once, each by name.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Record<string, string | undefined>) {}

  /** The raw value, or undefined when the variable is unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      return this.fail(name, `an integer from ${min} to ${max}`, value, fallback);
    }
    return parsed;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    return this.fail(name, 'true or false', value, fallback);
  }

  /**
   * A yes/no, or the proxies to trust as a comma-separated list of addresses, CIDR ranges and the names
   * `loopback`, `linklocal`, `uniquelocal` (a list stops at the first hop it does not name, so a client cannot
   * pick its own address by sending X-Forwarded-For).
   */
  proxies(name: string, fallback: boolean): boolean | string[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (/^(true|false|1|0|yes|no|on|off)$/i.test(value)) return this.bool(name, fallback);
    const entries = this.list(name);
    const named = ['loopback', 'linklocal', 'uniquelocal'];
    const valid = (entry: string): boolean => {
      if (named.includes(entry)) return true;
      const [address, prefix, ...rest] = entry.split('/');
      const family = isIP(address);
      const bits = family === 4 ? 32 : 128;
      return (
        family !== 0 &&
        rest.length === 0 &&
        (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))
      );
    };
    if (!entries.every(valid)) {
      return this.fail(name, 'true, false, or a list of proxy addresses and CIDR ranges', value, fallback);
    }
    return entries;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    return this.fail(name, `one of ${allowed.join(', ')}`, value, fallback);
  }

  /** A budget written `N/S`: N requests per S seconds. */
  budget(name: string, fallback: RateBudget): RateBudget {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = /^(\d{1,9})\s*\/\s*(\d{1,6})$/.exec(value);
    const points = Number(match?.[1]);
    const windowSeconds = Number(match?.[2]);
    if (!match || points < 1 || windowSeconds < 1 || windowSeconds > 86_400) {
      return this.fail(name, 'N/S: N (at least 1) requests per S seconds (1 to 86400), e.g. 10/60', value, fallback);
    }
    return { points, windowSeconds };
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (protocols.includes(url.protocol)) return value;
    } catch {
      // reported below
    }
    return this.fail(name, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`, '(hidden)', undefined);
  }

  secret(name: string, minLength: number): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && value.length < minLength) {
      return this.fail(name, `at least ${minLength} characters long`, '(hidden)', undefined);
    }
    return value;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  require(name: string, why: string): void {
    this.problems.push(`${name} must be set ${why}`);
  }

  private fail<T>(name: string, expected: string, got: string, fallback: T): T {
    this.problems.push(
      `${name} must be ${expected} (got ${got === '(hidden)' ? 'a value that is not' : JSON.stringify(got)})`,
    );
    return fallback;
  }
}
