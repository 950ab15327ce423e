// The requests of one validation run: every one bounded by the run's timeout, all of them
// together by its concurrency, all cancelled by its signal, and chains cached so a page
// fetched for one check (an hreflang alternate) is not fetched again for another.
import { Limiter } from './limit.js';
import { pinnedFetch, type FetchResult } from './pinned-client.js';
import { followChain, type Chain } from './redirect-chain.js';
import type { Side } from './sides.js';
import { routeFor } from './sides.js';

export interface HttpContextOptions {
  timeoutMs: number;
  concurrency: number;
  signal?: AbortSignal;
  maxBodyBytes?: number;
}

export class HttpContext {
  readonly #limiter: Limiter;
  readonly #chains = new Map<string, Promise<Chain>>();

  constructor(readonly opts: HttpContextOptions) {
    this.#limiter = new Limiter(opts.concurrency);
  }

  fetch(url: string, ip: string | undefined, extra: { method?: 'GET' | 'HEAD'; maxBodyBytes?: number } = {}): Promise<FetchResult> {
    const maxBodyBytes = extra.maxBodyBytes ?? this.opts.maxBodyBytes;
    return this.#limiter.run(() =>
      pinnedFetch(url, {
        ...(ip === undefined ? {} : { ip }),
        timeoutMs: this.opts.timeoutMs,
        ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
        ...(this.opts.signal === undefined ? {} : { signal: this.opts.signal }),
        ...(extra.method === undefined ? {} : { method: extra.method }),
      }),
    );
  }

  /**
   * The redirect chain from `url` on `side`, followed while it stays on the side's host.
   * `maxBodyBytes` raises the body limit for documents allowed to be larger than a page (sitemaps).
   */
  chain(side: Side, url: string, extra: { maxBodyBytes?: number } = {}): Promise<Chain> {
    const key = `${side.name} ${url}${extra.maxBodyBytes === undefined ? '' : ` ${extra.maxBodyBytes}`}`;
    let c = this.#chains.get(key);
    if (c === undefined) {
      c = followChain(url, routeFor(side), (u, ip) => this.fetch(u, ip, extra));
      this.#chains.set(key, c);
    }
    return c;
  }
}
