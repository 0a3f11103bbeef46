/**
 * Runs `attempt` until it succeeds, up to `times` tries, waiting `baseMs`, then twice that, … between them.
 * For storage calls: the SDK retries a few throttles itself, but a store restarting takes longer.
 */
export async function withRetries<T>(attempt: () => Promise<T>, times = 3, baseMs = 200): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= times) throw error;
      await new Promise((resolve) => setTimeout(resolve, baseMs * 2 ** (tried - 1)));
    }
  }
}
