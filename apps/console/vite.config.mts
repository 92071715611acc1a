import { defineConfig } from 'vite';

// The console is served by the auth-gateway under /console/ (see its console.routes.ts), which
// replaces the nonce placeholder in index.html on every response and sends the matching CSP.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  publicDir: 'public',
  html: { cspNonce: 'CLEARGATE_CSP_NONCE' },
  build: {
    outDir: '../../dist/apps/console',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      onwarn(warning, warn) {
        // MUI's modules start with 'use client' (for React server components), meaningless in a browser bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    // `nx run console:serve` against a gateway on :8080 (npm run stack:up).
    proxy: { '/v1': 'http://127.0.0.1:8080', '/openai': 'http://127.0.0.1:8080', '/console/config.json': 'http://127.0.0.1:8080' },
  },
});
