import { strict as assert } from 'node:assert';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookupThrough } from '../../nodes/core/session/dns-lookup';

const noRecord = (code: string): Promise<string[]> => Promise.reject(Object.assign(new Error(code), { code }));

/** A resolver answering from a table of AAAA and A records; a name without any is NXDOMAIN. */
function resolverOf(table: Record<string, { a?: string[]; aaaa?: string[] }>): { resolve4(name: string): Promise<string[]>; resolve6(name: string): Promise<string[]> } {
  return {
    resolve4: (name) => (table[name] ? (table[name].a ? Promise.resolve(table[name].a) : noRecord('ENODATA')) : noRecord('ENOTFOUND')),
    resolve6: (name) => (table[name] ? (table[name].aaaa ? Promise.resolve(table[name].aaaa) : noRecord('ENODATA')) : noRecord('ENOTFOUND')),
  };
}

interface Answer {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number | undefined;
}

function ask(lookup: ReturnType<typeof lookupThrough>, name: string, options: LookupOptions): Promise<Answer> {
  return new Promise((resolve) => lookup(name, options, (error, address, family) => resolve({ error, address, family })));
}

describe('host names through a given resolver', () => {
  const lookup = lookupThrough(resolverOf({ 'dual.example.test': { aaaa: ['::1'], a: ['127.0.0.1', '127.0.0.2'] }, 'four.example.test': { a: ['127.0.0.1'] } }));

  it('gives every address, IPv6 first, as autoSelectFamily asks (all: true)', async () => {
    const answer = await ask(lookup, 'dual.example.test', { all: true });
    assert.equal(answer.error, null);
    assert.deepEqual(answer.address, [
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
    ]);
  });

  it('gives one address of the family asked for', async () => {
    assert.deepEqual(await ask(lookup, 'dual.example.test', { family: 4 }), { error: null, address: '127.0.0.1', family: 4 });
    assert.deepEqual(await ask(lookup, 'four.example.test', {}), { error: null, address: '127.0.0.1', family: 4 });
  });

  it('a name without addresses fails with the DNS answer\'s code', async () => {
    const unknown = await ask(lookup, 'gone.example.test', { all: true });
    assert.equal(unknown.error?.code, 'ENOTFOUND');
    assert.deepEqual(unknown.address, []);
    assert.equal((await ask(lookup, 'four.example.test', { family: 6 })).error?.code, 'ENODATA');
  });
});
