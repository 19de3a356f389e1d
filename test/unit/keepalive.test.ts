import { strict as assert } from 'node:assert';
import { Keepalive } from '../../nodes/core/session/keepalive';

describe('keepalive', () => {
  it('pings only after the line has been quiet for the interval', async () => {
    let pings = 0;
    const started = Date.now();
    let pinged!: () => void;
    const firstPing = new Promise<void>((resolve) => (pinged = resolve));
    const keepalive = new Keepalive(
      { intervalMs: 150, timeoutMs: 100 },
      () => {
        pings += 1;
        pinged();
        return Promise.resolve();
      },
      () => assert.fail('not dead'),
    );
    keepalive.start();
    // Traffic for 300 ms keeps it quiet.
    let lastTouch = Date.now();
    const traffic = setInterval(() => {
      lastTouch = Date.now();
      keepalive.touch();
    }, 30);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearInterval(traffic);
    assert.equal(pings, 0);
    await firstPing;
    assert.ok(Date.now() - lastTouch >= 145, 'the ping came an interval after the last traffic');
    assert.ok(Date.now() - started >= 300);
    keepalive.stop();
  });

  it('declares the line dead when a ping is not answered, within interval + timeout', async () => {
    const started = Date.now();
    const dead = await new Promise<number>((resolve) => {
      const keepalive = new Keepalive(
        { intervalMs: 100, timeoutMs: 100 },
        (timeoutMs) => new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs)),
        () => resolve(Date.now() - started),
      );
      keepalive.start();
    });
    assert.ok(dead >= 190 && dead < 400, `dead after ${dead} ms`);
  });
});
