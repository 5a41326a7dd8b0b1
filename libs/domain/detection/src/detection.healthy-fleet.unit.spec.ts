import { createAgentBaseline } from './detection.baseline';
import { observe } from './detection.observe';
import { Rng, jittered } from './detection.given.spec';

describe('a healthy fleet', () => {
  it('20 agents with normal jitter (some retrying or failing now and then) over 1000 samples: no infection', () => {
    const infections: string[] = [];
    for (let agent = 0; agent < 20; agent++) {
      const rng = new Rng(1000 + agent);
      const retryRate = agent % 3 === 0 ? 0 : 0.02;
      const errorRate = agent % 4 === 0 ? 0 : 0.01;
      const b = createAgentBaseline();
      for (let t = 0; t < 1000; t++) {
        const v = jittered(rng, { retries: rng.next() < retryRate ? 1 : 0, success: rng.next() >= errorRate });
        const o = observe(b, v, { learn: true });
        if (o.infection) infections.push(`agent ${agent} at ${t}: ${o.infection.anomalies.map((a) => `${a.type} ${a.sigma.toFixed(1)}σ`).join(', ')}`);
      }
    }
    expect(infections).toEqual([]);
  });
});
