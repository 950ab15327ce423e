// http: subresources on an https page. Browsers block active ones (scripts, stylesheets,
// frames) outright — a broken page — and upgrade or flag passive ones (images, media), which
// costs the padlock; so active is a failure and passive a warning.
import { findingsFor, type Finding } from './types.js';
import type { UrlRef } from './url-refs.js';

export function mixedContentFindings(pageUrl: string, refs: readonly UrlRef[], path: string): Finding[] {
  if (new URL(pageUrl).protocol !== 'https:') return [];
  const f = findingsFor('mixed-content', path);
  const insecure = refs.filter((r) => r.url.protocol === 'http:' && (r.kind === 'active' || r.kind === 'passive'));
  const list = (kind: 'active' | 'passive') => insecure.filter((r) => r.kind === kind).map((r) => ({ tag: r.tag, attr: r.attr, url: r.url.toString() }));
  const active = list('active');
  const passive = list('passive');
  const out: Finding[] = [];
  if (active.length > 0) out.push(f.fail(`${active.length} http: script/stylesheet/frame on an https page; browsers block them: ${active.slice(0, 5).map((r) => r.url).join(', ')}`, { active }));
  if (passive.length > 0) out.push(f.warn(`${passive.length} http: image/media on an https page: ${passive.slice(0, 5).map((r) => r.url).join(', ')}`, { passive }));
  if (out.length === 0) out.push(f.pass('no http: subresources'));
  return out;
}
