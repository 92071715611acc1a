import { startConsoleStack } from './stack';

// node dist/tests/e2e/src/support/serve.js: the end-to-end stack, kept up until SIGTERM/SIGINT,
// to look at the console by hand on throwaway ports (DATABASE_URL / NATS_URL as for the tests).
void (async () => {
  const stack = await startConsoleStack({ accessTokenTtlSec: Number(process.env.ACCESS_TOKEN_TTL_SEC) || 300 });
  console.log(
    JSON.stringify({ console: stack.consoleUrl, issuer: stack.oidc.issuer, serving: stack.serving.url, clearml: stack.clearml.url }),
  );
  const stop = () => void stack.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
})();
