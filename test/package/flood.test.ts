// A flood from one account against the packed package in a real Node-RED process: xmpp-in → a
// 2 ms step, while an unrelated HTTP endpoint of the same Node-RED is polled. With the per-sender
// limit the flow gets at most what the limit allows and the status counts the rest; without it
// every message gets through (and the endpoint waits). The endpoint's answer times are printed
// for the record, not asserted: they depend on the machine. bench/flood.ts runs the same at 50,000.
import assert from 'node:assert/strict';
import { Flooder, floodRun, percentiles } from '../rig/flood';
import { NodeRedProcess, type EchoBotAccount } from '../rig/node-red-process';
import { Prosody } from '../rig/prosody';

const RATE = 10;
const BURST = 100;
const FLOOD = 20_000;
// Without the limit every message costs the flow 2 ms: fewer, to keep the run short.
const FLOOD_UNLIMITED = 5_000;

describe('a flood from one sender in a real Node-RED process', function () {
  this.timeout(60_000);

  let prosody: Prosody;
  let red: NodeRedProcess;
  let flooder: Flooder;
  let account: EchoBotAccount;

  before(async function () {
    this.timeout(90_000);
    prosody = await Prosody.start({ iterations: 100 });
    const bot = await prosody.register('bot', 'bot-secret');
    await prosody.register('flooder', 'flooder-secret');
    account = { jid: bot, password: 'bot-secret', host: '127.0.0.1', port: prosody.port, security: 'none' };
    red = await NodeRedProcess.start();
    flooder = await Flooder.connect(prosody.port, 'flooder@localhost', 'flooder-secret');
  });

  after(async function () {
    this.timeout(30_000);
    await flooder?.stop();
    await red?.stop();
    await prosody?.stop();
  });

  it(`without the limit all ${FLOOD_UNLIMITED.toLocaleString('en')} messages reach the flow, and nothing is counted as dropped`, async function () {
    const run = await floodRun(red, account, flooder, FLOOD_UNLIMITED, {}, 'unlimited', 50_000);
    console.log(
      `      without the limit: ${FLOOD_UNLIMITED} messages (written in ${run.sentMs} ms) all handled after ${run.handledMs} ms; unrelated endpoint: ${percentiles(run.latencies)}`,
    );
    assert.equal(run.state.received, FLOOD_UNLIMITED);
    assert.doesNotMatch(run.state.status?.text ?? '', /dropped/);
  });

  it(`with the limit (${RATE}/s, burst ${BURST}) the flow gets at most that, the status counts the rest, the log warns once`, async function () {
    const from = red.log().length;
    const run = await floodRun(red, account, flooder, FLOOD, { rateLimit: true, rate: RATE, burst: BURST }, 'limited', 50_000);
    console.log(
      `      with the limit: ${FLOOD} messages (written in ${run.sentMs} ms) all handled after ${run.handledMs} ms, ${run.state.received} reached the flow; unrelated endpoint: ${percentiles(run.latencies)}`,
    );
    const text = run.state.status?.text ?? '';
    const dropped = Number(/^(\d+) dropped from flooder@localhost$/.exec(text)?.[1] ?? NaN);
    assert.ok(Number.isInteger(dropped), `the status counts the dropped: "${text}"`);
    assert.equal(run.state.received + dropped, FLOOD, 'every message either reached the flow or was counted');
    // A sender starts with a full burst and earns RATE a second for as long as the flood lasted.
    const allowed = BURST + Math.ceil((RATE * run.handledMs) / 1000);
    assert.ok(run.state.received >= BURST && run.state.received <= allowed, `${run.state.received} reached the flow; the limit allows ${BURST} to ${allowed}`);
    assert.equal(run.state.status?.fill, 'yellow');
    const warnings = red.log().slice(from).split('\n').filter((line) => /\[warn\] \[xmpp-in:flood limited\] flooder@localhost sends more than/.test(line));
    assert.equal(warnings.length, 1, 'one warning for the burst, not one per message');
    assert.ok(run.latencies.length > 0, 'the endpoint answered during the flood');
  });
});
