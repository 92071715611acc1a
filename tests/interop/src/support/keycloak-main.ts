// Starts the interop Keycloak by hand, for running the interop specs repeatedly without waiting
// for a start each time:
//   npm run build && node dist/tests/interop/src/support/keycloak-main.js
// prints `export CLEARGATE_KEYCLOAK=…` (paste it into the shell that runs `npx jest tests/interop`)
// and runs until Ctrl-C. Specs that change a realm work in copies of their own and delete them,
// so one Keycloak serves many runs.
import { KEYCLOAK_ENV, startKeycloak } from './keycloak-server';

void (async () => {
  const keycloak = await startKeycloak();
  process.stdout.write(`export ${KEYCLOAK_ENV}='${JSON.stringify(keycloak.info)}'\n`);
  process.stderr.write(`Keycloak ${keycloak.info.version} at ${keycloak.info.url} (log ${keycloak.info.logFile}); Ctrl-C stops it\n`);
  const stop = () => void keycloak.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
})().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
