/**
 * The methods each route answers, so that a known path asked with another method gets 405 and
 * an `Allow` header rather than a 404 that reads as a wrong URL (a Node-RED block set to GET, say).
 * Fastify's routes are added from its `onRoute` hook; the on-demand routes, served before
 * Fastify, are added by hand.
 */
export class RouteMethods {
  private readonly routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  /** A route in Fastify's syntax: `:name` for one segment, a last `*` for the rest of the path. */
  add(url: string, method: string | string[]): void {
    let route = this.routes.get(url);
    if (!route) this.routes.set(url, (route = { pattern: patternOf(url), methods: new Set() }));
    for (const m of Array.isArray(method) ? method : [method]) route.methods.add(m.toUpperCase());
  }

  /** Every method some route answers on this path (without its query), sorted; empty if none. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes.values()) {
      if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    }
    return [...methods].sort();
  }
}

function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.+';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}
