import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The operator page is one static file, `public/index.html`; the compiler does not copy it to dist/, so it is
 * looked up beside this module first, then in the source tree.
 */
export function loadDashboardHtml(): string {
  const candidates = [
    join(__dirname, 'public', 'index.html'),
    resolve(__dirname, '..', '..', '..', '..', '..', 'apps', 'gateway', 'src', 'dashboard', 'public', 'index.html'),
    resolve(process.cwd(), 'apps', 'gateway', 'src', 'dashboard', 'public', 'index.html'),
  ];
  for (const file of candidates) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  return '<!doctype html><title>Immune</title><p>The operator page is missing from this build; the API is at <a href="/api/docs">/api/docs</a>.</p>';
}
