/** "3 s ago", "5 min ago"… for a past ISO time; "in 2 min" for a future one. */
export function relative(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86_400 ? `${Math.round(abs / 360) / 10} h` : `${Math.round(abs / 8640) / 10} d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

/** mm:ss (or h:mm:ss) left until an ISO time; "expired" once past. */
export function countdown(iso: string | null | undefined, now: number): string {
  if (!iso) return 'no expiry';
  const left = Math.floor((Date.parse(iso) - now) / 1000);
  if (Number.isNaN(left)) return '—';
  if (left <= 0) return 'expired';
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : `${Math.round(x * 1000) / 10}%`;
}

export function sigma(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${x.toFixed(1)}σ`;
}

export function shortHash(h: string | null | undefined): string {
  return h ? h.slice(0, 12) : '—';
}
