/**
 * An RPC URL safe to print: no user/password, no query string, and path segments that look
 * like API keys (long tokens, as in `/v3/<key>`) masked.
 */
export const redactUrl = (url: string): string => {
  if (!URL.canParse(url)) return '[unparseable url]'
  const u = new URL(url)
  const path = u.pathname
    .split('/')
    .map((seg) => (seg.length >= 16 && /^[A-Za-z0-9_-]+$/.test(seg) ? '***' : seg))
    .join('/')
  return `${u.protocol}//${u.host}${path === '/' ? '' : path}${u.search ? '?***' : ''}`
}
