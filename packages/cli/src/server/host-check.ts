/**
 * Loopback handling for `gradclip serve`: which listen addresses are
 * loopback, and the DNS-rebinding guard (a server bound to loopback answers
 * only requests whose `Host` header names a loopback host, so a web page on
 * another origin cannot reach it through a DNS name that resolves to
 * 127.0.0.1).
 *
 * @packageDocumentation
 */

/** The default listen address: IPv4 loopback. */
export const DEFAULT_HOST = '127.0.0.1';

/** True when `host` is a loopback address or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The host part of a `Host` header value (`[::1]:8080` → `::1`, `localhost:80` → `localhost`). */
export function hostHeaderName(header: string): string {
  const h = header.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** The DNS-rebinding guard: true when a request with this `Host` header may be answered by a loopback-only server. */
export function hostHeaderAllowed(header: string | undefined): boolean {
  if (header === undefined || header === '') return false;
  return isLoopbackHost(hostHeaderName(header));
}
