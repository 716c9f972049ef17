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

/** Why a request's `Host` headers are refused: the HTTP status and the message. */
export interface HostRefusal {
  /** 400 for a malformed request (several `Host` headers), 403 for a host a loopback server does not answer. */
  status: 400 | 403;
  /** The message of the error reply. */
  message: string;
}

/**
 * Checks the `Host` headers of a request, given every value received
 * (`req.headersDistinct.host`: Node keeps only the first of duplicate
 * `Host` headers in `req.headers`, so a request with `localhost` and then
 * `evil.example` would otherwise pass the DNS-rebinding guard).
 * More than one `Host` header is a malformed request (RFC 9112, 3.2): 400.
 * On a loopback server, a missing or non-loopback host is 403.
 *
 * @param values - all values of the `Host` header, in order (undefined or empty when there is none)
 * @param loopback - the server listens on a loopback address
 * @returns null when the request may be answered
 */
export function checkHostHeaders(values: readonly string[] | undefined, loopback: boolean): HostRefusal | null {
  if (values !== undefined && values.length > 1) {
    return { status: 400, message: `a request must have exactly one Host header, got ${values.length}` };
  }
  if (loopback && !hostHeaderAllowed(values?.[0])) {
    return { status: 403, message: 'this server only answers requests addressed to a loopback host (localhost, 127.0.0.1, [::1])' };
  }
  return null;
}
