// A collection asked for with a trailing slash (`GET /v1/cutovers/`, as people type it and some
// clients join URLs) is that collection. Left to the router it matched `/cutovers/:id` with an
// empty id and was answered 400 "id must not be empty". Rewritten before routing, so the
// Location and `next` links built from request.url name the path without the slash; a problem's
// `instance` is built from request.originalUrl, the path the client asked for, slash and all.

/** `url` (path and query) with the slashes ending its path removed; `/` stays `/`. */
export function withoutTrailingSlash(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === path || trimmed === '') return url;
  return q === -1 ? trimmed : trimmed + url.slice(q);
}
