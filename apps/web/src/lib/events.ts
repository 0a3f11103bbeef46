/** App-wide notices between screens: the drive changed (quota to refresh), the profile photo changed. */
type Topic = 'drive' | 'profile';
const listeners = new Map<Topic, Set<() => void>>();

export function emit(topic: Topic): void {
  listeners.get(topic)?.forEach((listener) => listener());
}

export function on(topic: Topic, listener: () => void): () => void {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic)!.add(listener);
  return () => listeners.get(topic)!.delete(listener);
}
