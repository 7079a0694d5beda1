import type { MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../env.js';
import { isResourceType } from '../core/resource-types.js';

/**
 * Prometheus metrics (README: Metrics). Labels are bounded: the route pattern (not the path),
 * the resource type only when it is an R4 type, and the tenant only when configured.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<string>;
  private readonly latency: Histogram<string>;
  readonly dbErrors: Counter<string>;

  constructor(db: Database, private readonly tenantLabel: boolean) {
    collectDefaultMetrics({ register: this.registry });
    const labels = tenantLabel ? ['route', 'method', 'type', 'status', 'tenant'] : ['route', 'method', 'type', 'status'];
    this.requests = new Counter({ name: 'fhir_http_requests_total', help: 'HTTP requests by route, method, resource type and status', labelNames: labels, registers: [this.registry] });
    this.latency = new Histogram({
      name: 'fhir_http_request_duration_seconds', help: 'HTTP request latency by route and method', labelNames: ['route', 'method'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
    });
    this.dbErrors = new Counter({ name: 'fhir_db_errors_total', help: 'Database errors by SQLSTATE or driver code', labelNames: ['code'], registers: [this.registry] });
    new Gauge({ name: 'fhir_db_pool_in_use', help: 'Transactions holding a database connection', registers: [this.registry], collect() { this.set(db.stats().inUse); } });
    new Gauge({ name: 'fhir_db_pool_waiting', help: 'Transactions waiting for a database connection', registers: [this.registry], collect() { this.set(db.stats().waiting); } });
    new Gauge({ name: 'fhir_db_pool_max', help: 'Database connection pool size', registers: [this.registry], collect() { this.set(db.stats().max); } });
  }

  middleware(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      const started = performance.now();
      await next();
      const type = c.req.param('type');
      const route = c.req.routePath || 'unmatched';
      const labels: Record<string, string> = {
        route, method: c.req.method, type: type && isResourceType(type) ? type : '', status: String(c.res.status),
      };
      if (this.tenantLabel) {
        const scope = c.get('scope');
        labels.tenant = scope?.kind === 'tenant' ? scope.tenantId : '';
      }
      this.requests.inc(labels);
      this.latency.observe({ route, method: c.req.method }, (performance.now() - started) / 1000);
    };
  }
}
