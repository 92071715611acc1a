import createCache from '@emotion/cache';
import { CacheProvider } from '@emotion/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadRuntimeConfig } from './config';
import { StartupError } from './layout/StartupError';

// Styles are written at run time; the page's Content-Security-Policy allows only style
// elements carrying this response's nonce, which the gateway put in the csp-nonce meta tag.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce || undefined;
const styles = createCache({ key: 'cg', nonce, prepend: true });
const root = createRoot(document.getElementById('root')!);

loadRuntimeConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <CacheProvider value={styles}>
          <App config={config} />
        </CacheProvider>
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <CacheProvider value={styles}>
        <StartupError error={error} />
      </CacheProvider>,
    ),
);
