import type { RunningKeycloak } from './keycloak-server';

/** Stops the Keycloak globalSetup started (its whole process group; SIGKILL after 30 s). */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { cleargateKeycloak?: RunningKeycloak };
  await holder.cleargateKeycloak?.stop();
  holder.cleargateKeycloak = undefined;
}
