import type { ComponentChildren } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import { useSession } from '../hooks';

export interface Toast {
  id: number;
  text: string;
  kind: 'ok' | 'error';
}

export function useToasts(): { toasts: Toast[]; notify(text: string, kind?: 'ok' | 'error'): void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const notify = useCallback((text: string, kind: 'ok' | 'error' = 'ok') => {
    const id = Math.random();
    setToasts((t) => [...t.slice(-4), { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 3500);
  }, []);
  return { toasts, notify };
}

export function Toasts(props: { toasts: Toast[] }) {
  return (
    <div class="toasts" aria-live="polite">
      {props.toasts.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

/** A button that runs an API call, shows that it is busy, and reports the outcome. */
export function Action(props: { label: string; run(): Promise<unknown>; done?: string; kind?: 'primary' | 'danger' | ''; name?: string; disabled?: boolean; title?: string }) {
  const { notify } = useSession();
  const [busy, setBusy] = useState(false);
  return (
    <button
      class={props.kind ?? ''}
      data-action={props.name ?? props.label}
      disabled={busy || props.disabled}
      title={props.title}
      onClick={async () => {
        setBusy(true);
        try {
          await props.run();
          if (props.done) notify(props.done);
        } catch (e) {
          notify(`${props.label}: ${(e as Error).message}`, 'error');
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? '…' : props.label}
    </button>
  );
}

export function Panel(props: { title: string; children: ComponentChildren; actions?: ComponentChildren; testid?: string; class?: string }) {
  return (
    <section class={`panel ${props.class ?? ''}`} data-testid={props.testid}>
      <div class="panel-head">
        <h2>{props.title}</h2>
        <div class="panel-actions">{props.actions}</div>
      </div>
      {props.children}
    </section>
  );
}

export function Unavailable(props: { what: string }) {
  return <p class="unavailable">{props.what} is not available from this gateway yet (the service that provides it is not deployed).</p>;
}

export function StatusBadge(props: { status: string; probation?: boolean }) {
  return <span class={`badge status-${props.status}${props.probation ? ' probation' : ''}`}>{props.probation ? 'probation' : props.status}</span>;
}

export function SeverityBadge(props: { severity: string | null | undefined }) {
  return props.severity ? <span class={`badge sev-${props.severity}`}>{props.severity}</span> : null;
}
