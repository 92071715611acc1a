import { KEYCLOAK_ENV, startKeycloak, type RunningKeycloak } from './keycloak-server';

/**
 * Jest globalSetup of the `interop` project: one Keycloak for all interop specs, handed to them
 * in the CLEARGATE_KEYCLOAK environment variable (the test workers inherit it). When that
 * variable is set already (a Keycloak started with `keycloak-main.js`), that one is used.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env[KEYCLOAK_ENV]) return;
  const keycloak = await startKeycloak();
  (globalThis as { cleargateKeycloak?: RunningKeycloak }).cleargateKeycloak = keycloak;
  process.env[KEYCLOAK_ENV] = JSON.stringify(keycloak.info);
  process.stderr.write(
    `\ninterop: Keycloak ${keycloak.info.version} ready at ${keycloak.info.url} after ${((keycloak.info.startMs ?? 0) / 1000).toFixed(1)} s\n`,
  );
}
