// Prometheus metrics of the REST edge: process defaults plus requests by route and status.
// Labels use the route template (/v1/agents/:name/facts), never the raw URL, so label
// cardinality stays bounded whatever clients send.
import { Counter, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';

type Labels = 'method' | 'route' | 'status';

const REQUESTS = 'switchyard_http_requests_total';
const DURATION = 'switchyard_http_request_duration_seconds';

/** Gets or creates the metrics in `registry`, so two apps sharing one registry do not collide. */
function httpMetrics(registry: Registry): { requests: Counter<Labels>; duration: Histogram<Labels> } {
  const requests = registry.getSingleMetric(REQUESTS);
  const duration = registry.getSingleMetric(DURATION);
  if (requests instanceof Counter && duration instanceof Histogram) {
    return { requests: requests as Counter<Labels>, duration: duration as Histogram<Labels> };
  }
  const labelNames = ['method', 'route', 'status'] as const;
  return {
    requests: new Counter({ name: REQUESTS, help: 'HTTP requests answered, by route template and status', labelNames, registers: [registry] }),
    duration: new Histogram({
      name: DURATION,
      help: 'HTTP request duration in seconds, by route template and status',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Process metrics and the per-request hook; on `app` itself so every route is counted. */
export function installMetrics(app: FastifyInstance, registry: Registry): void {
  if (registry.getSingleMetric('process_cpu_user_seconds_total') === undefined) {
    collectDefaultMetrics({ register: registry });
  }
  const m = httpMetrics(registry);
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    m.requests.inc(labels);
    m.duration.observe(labels, reply.elapsedTime / 1000);
  });
}
