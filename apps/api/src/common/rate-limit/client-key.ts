import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client's budgets are counted under: its IPv4 address, or the /64 network of its IPv6 address (one
 * subscriber's usual allocation, which would otherwise give a single client 2^64 budgets).
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros ("::" filled in, a zone dropped). */
function expandIPv6(ip: string): string[] {
  const [address] = ip.split('%');
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const filled = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return filled.map((group) => (parseInt(group, 16) || 0).toString(16));
}
