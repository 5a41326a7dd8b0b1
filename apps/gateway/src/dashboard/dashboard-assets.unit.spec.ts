import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardAssets } from './dashboard-assets';

describe('DashboardAssets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dash-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta name="immune-api" content="/api/v1">');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    writeFileSync(join(tmpdir(), 'dash-secret.txt'), 'secret');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const serve = (assets: DashboardAssets, method: string, path: string, accept = '*/*') => {
    const res = { statusCode: 0, headers: {} as Record<string, string>, body: undefined as unknown, nexted: false };
    assets.middleware()(
      { method, path, headers: { accept } },
      { get statusCode() { return res.statusCode; }, set statusCode(v) { res.statusCode = v; }, setHeader: (k: string, v: string) => (res.headers[k.toLowerCase()] = v), end: (b?: unknown) => (res.body = b) },
      () => (res.nexted = true),
    );
    return res;
  };

  it('serves hashed assets for a year and other files without caching', () => {
    const assets = new DashboardAssets(dir);
    const js = serve(assets, 'GET', '/assets/index-abc.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(String(js.body)).toBe('console.log(1)');
    expect(serve(assets, 'GET', '/favicon.svg').headers['cache-control']).toBe('no-cache');
    expect(serve(assets, 'HEAD', '/favicon.svg').body).toBeUndefined();
  });

  it('answers page paths a browser asks for with the page (SPA fallback), and leaves the rest alone', () => {
    const assets = new DashboardAssets(dir);
    const page = serve(assets, 'GET', '/approvals', 'text/html,application/xhtml+xml');
    expect(page.statusCode).toBe(200);
    expect(String(page.body)).toContain('/api/v1');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(serve(assets, 'GET', '/missing.js', 'text/html').nexted).toBe(true);
    expect(serve(assets, 'GET', '/api/v1/agents', 'text/html').nexted).toBe(true);
    expect(serve(assets, 'GET', '/metrics', 'text/html').nexted).toBe(true);
    expect(serve(assets, 'POST', '/approvals', 'text/html').nexted).toBe(true);
    expect(serve(assets, 'GET', '/approvals', 'application/json').nexted).toBe(true);
  });

  it('never leaves its folder', () => {
    const assets = new DashboardAssets(dir);
    expect(assets.file('/../dash-secret.txt')).toBeNull();
    expect(assets.file('/%2e%2e/dash-secret.txt')).toBeNull();
    expect(assets.file('/assets/../../dash-secret.txt')).toBeNull();
  });

  it('says how to build it when the dashboard is missing', () => {
    const none = new DashboardAssets(null);
    expect(none.built).toBe(false);
    expect(none.indexHtml()).toContain('npm run build');
    expect(none.indexHtml()).toContain('/api/v1');
    expect(serve(none, 'GET', '/assets/x.js').nexted).toBe(true);
  });
});
