export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether a request comes from the station's own pages (DNS rebinding, cross-site posts).
 * A loopback station knows every name it is reached by. A station listening beyond loopback
 * with login cannot know them (any address, any DNS name), so it takes any Host; the Origin
 * must then be that same host, and the session cookie, bound to the real host name, is what a
 * rebound name can never present.
 */
export function sameSiteCheck(opts: { host: string; port: number; login: boolean; tls: boolean }) {
  const allowedHosts = new Set([
    `127.0.0.1:${opts.port}`,
    `localhost:${opts.port}`,
    `[::1]:${opts.port}`,
    `${opts.host}:${opts.port}`,
  ]);
  const anyHost = opts.login && !isLoopback(opts.host);
  const scheme = opts.tls ? 'https' : 'http';
  return (req: { headers: { host?: string; origin?: string } }): boolean => {
    const host = req.headers.host ?? '';
    if (!anyHost && !allowedHosts.has(host)) return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return anyHost
      ? origin === `${scheme}://${host}`
      : allowedHosts.has(origin.replace(/^https?:\/\//, ''));
  };
}
