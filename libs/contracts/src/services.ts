/** The services of ClearGate; each is one Nx app, one image and one NATS user. */
export const SERVICES = ['auth-gateway', 'registry', 'ondemand-router', 'enqueue-worker', 'monitor', 'notifier'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The NATS queue group in which a service's replicas share requests: each request reaches one. */
export const queueGroup = (service: ServiceName | (string & {})): string => `cleargate.${service}`;
