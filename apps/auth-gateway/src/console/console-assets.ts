import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest']);

/** The placeholder Vite writes as every script's and style's nonce (`html.cspNonce` in the console's vite config). */
export const NONCE_PLACEHOLDER = 'CLEARGATE_CSP_NONCE';

export interface ConsoleAsset {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
  /** Vite's hashed build output (`assets/`): a new build gets new names, so it is cached for good. */
  immutable: boolean;
}

/**
 * The console's build, read once at start-up: a few files that never change while the gateway
 * runs, so nothing touches the disk per request, and text is compressed once.
 */
export class ConsoleAssets {
  private constructor(
    private readonly files: Map<string, ConsoleAsset>,
    private readonly indexHtml: string,
  ) {}

  /** The build in `dir`, or undefined when it holds no index.html (the console was not built). */
  static load(dir: string): ConsoleAssets | undefined {
    const indexFile = join(dir, 'index.html');
    if (!existsSync(indexFile)) return undefined;
    const files = new Map<string, ConsoleAsset>();
    for (const file of walk(dir)) {
      const path = relative(dir, file).split(sep).join('/');
      if (path === 'index.html') continue;
      const body = readFileSync(file);
      const ext = extname(file).toLowerCase();
      files.set(path, {
        body,
        gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined,
        type: TYPES[ext] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        immutable: path.startsWith('assets/'),
      });
    }
    return new ConsoleAssets(files, readFileSync(indexFile, 'utf8'));
  }

  /** A file of the build by its path below /console/ (no leading slash). */
  get(path: string): ConsoleAsset | undefined {
    return this.files.get(path);
  }

  /** index.html with a fresh nonce in place of the build's placeholder, and that nonce. */
  index(): { html: string; nonce: string } {
    const nonce = randomBytes(18).toString('base64');
    return { html: this.indexHtml.replaceAll(NONCE_PLACEHOLDER, nonce), nonce };
  }
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}
