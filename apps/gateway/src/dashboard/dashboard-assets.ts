import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';

/** The headers of every dashboard HTML answer (the page calls only this origin). */
export const DASHBOARD_HTML_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the API, health and metrics own: never answered with the page. */
const NOT_OURS = /^\/(api|health|ready|metrics)(\/|$)/;

const MISSING_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Immune</title><p>The dashboard is not in this build ' +
  '(run <code>npm run build</code>); the API is at /api/v1, documented at <a href="/api/docs">/api/docs</a>.</p>';

interface Asset {
  body: Buffer;
  type: string;
  immutable: boolean;
}

type Req = { method?: string; path?: string; url?: string; headers: Record<string, string | string[] | undefined> };
type Res = { statusCode: number; setHeader(name: string, value: string): unknown; end(body?: Buffer | string): unknown };

/**
 * The built single-page dashboard (`vite build` → `dist/apps/dashboard`): `index.html` for `/` and for any other
 * page path a browser asks for (SPA fallback), and the hashed files under `/assets/` (cached for a year). Files
 * other than HTML are read once and kept in memory (a few hundred KiB). No key is needed: the page asks for one.
 */
export class DashboardAssets {
  private readonly cache = new Map<string, Asset | null>();

  constructor(readonly dir: string | null) {}

  /** `DASHBOARD_DIR`, else `dist/apps/dashboard` found from this module (in dist/ or in the sources) or the cwd. */
  static locate(env: NodeJS.ProcessEnv = process.env): DashboardAssets {
    const candidates = [
      env['DASHBOARD_DIR'],
      resolve(__dirname, '..', '..', '..', 'dashboard'),
      resolve(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'dashboard'),
      resolve(process.cwd(), 'dist', 'apps', 'dashboard'),
    ];
    for (const dir of candidates) if (dir && existsSync(join(dir, 'index.html'))) return new DashboardAssets(dir);
    return new DashboardAssets(null);
  }

  get built(): boolean {
    return this.dir !== null;
  }

  indexHtml(): string {
    return this.file('/index.html')?.body.toString('utf8') ?? MISSING_PAGE;
  }

  /** The file for a URL path, or null (missing, a folder, or outside the dashboard folder). */
  file(urlPath: string): Asset | null {
    if (!this.dir) return null;
    if (this.cache.has(urlPath)) return this.cache.get(urlPath)!;
    let asset: Asset | null = null;
    try {
      const rel = decodeURIComponent(urlPath);
      const full = resolve(this.dir, `.${rel.startsWith('/') ? rel : `/${rel}`}`);
      if ((full === this.dir || full.startsWith(this.dir + sep)) && !rel.includes('\0') && statSync(full).isFile()) {
        asset = {
          body: readFileSync(full),
          type: TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream',
          immutable: rel.startsWith('/assets/'),
        };
      }
    } catch {
      asset = null;
    }
    // The page itself is read each time (a rebuild changes the asset names it points to); the rest is immutable.
    if (this.cache.size < 500 && !(asset?.type.startsWith('text/html') ?? false)) this.cache.set(urlPath, asset);
    return asset;
  }

  /**
   * Express middleware: GET/HEAD of a file of the dashboard answers it; a GET of another path that accepts HTML
   * (and is not the API, health or metrics) answers the page; anything else goes on (→ problem+json 404).
   */
  middleware(): (req: Req, res: Res, next: () => void) => void {
    return (req, res, next) => {
      const method = req.method ?? 'GET';
      const path = req.path ?? (req.url ?? '/').split('?')[0] ?? '/';
      if ((method !== 'GET' && method !== 'HEAD') || NOT_OURS.test(path) || path === '/') return next();
      const asset = path.endsWith('/') ? null : this.file(path);
      if (asset) {
        if (asset.type.startsWith('text/html')) for (const [k, v] of Object.entries(DASHBOARD_HTML_HEADERS)) res.setHeader(k, v);
        res.setHeader('Content-Type', asset.type);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.statusCode = 200;
        res.end(method === 'HEAD' ? undefined : asset.body);
        return;
      }
      const accept = String(req.headers['accept'] ?? '');
      if (!extname(path) && accept.includes('text/html')) {
        for (const [k, v] of Object.entries(DASHBOARD_HTML_HEADERS)) res.setHeader(k, v);
        res.statusCode = 200;
        res.end(method === 'HEAD' ? undefined : this.indexHtml());
        return;
      }
      next();
    };
  }
}

let shared: DashboardAssets | null = null;

/** The gateway's one instance (the `/` route and the middleware share its cache). */
export function dashboardAssets(): DashboardAssets {
  shared ??= DashboardAssets.locate();
  return shared;
}
