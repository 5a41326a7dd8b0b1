import type { VerifyResult } from '@immune/contracts';

/**
 * `GET /events/verify` (framework-free): one verification at a time — concurrent callers share the run in
 * progress, since each walks the whole stream.
 */
export class EventLogVerifier {
  private running: Promise<VerifyResult> | undefined;

  constructor(private readonly run: () => Promise<VerifyResult>) {}

  verify(): Promise<VerifyResult> {
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }
}
