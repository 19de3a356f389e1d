import { strict as assert } from 'node:assert';
import { cleanXmlText, forbiddenXmlCharAt, hasForbiddenXmlChars } from '../../nodes/core/xml-text';
import { words } from '../../nodes/core/words';

describe('XML character cleaning', () => {
  it('removes C0 controls except tab, newline and carriage return', () => {
    let all = '';
    for (let c = 0; c < 0x20; c += 1) all += String.fromCharCode(c);
    assert.equal(cleanXmlText(`a${all}b`), 'a\t\n\rb');
  });

  it('removes U+FFFE, U+FFFF and lone surrogates but keeps pairs', () => {
    assert.equal(cleanXmlText('x\uFFFEy\uFFFFz'), 'xyz');
    assert.equal(cleanXmlText('a\uD800b'), 'ab');
    assert.equal(cleanXmlText('a\uDC00b'), 'ab');
    assert.equal(cleanXmlText('a\uDC00\uD800b'), 'ab');
    assert.equal(cleanXmlText('smile 😀 ok'), 'smile 😀 ok');
  });

  it('leaves ordinary text, DEL and non-Latin scripts alone', () => {
    const text = 'Grüße, привет, 你好 <&> "\u007F"';
    assert.equal(cleanXmlText(text), text);
    assert.equal(hasForbiddenXmlChars(text), false);
    assert.equal(hasForbiddenXmlChars('bell\u0007'), true);
    assert.equal(hasForbiddenXmlChars('bell\u0007'), true, 'repeatable (no regex state left behind)');
  });
});

describe('where a forbidden XML character is', () => {
  it('names the first one by code point and position, never the text', () => {
    assert.equal(forbiddenXmlCharAt('fine text, 😀'), undefined);
    assert.deepEqual(forbiddenXmlCharAt('bell\u0007'), words('char-at', { char: 'U+0007', position: 4 }));
    assert.deepEqual(forbiddenXmlCharAt('\uFFFF'), words('char-at', { char: 'U+FFFF', position: 0 }));
    assert.deepEqual(forbiddenXmlCharAt('ab\uDC00\uD800'), words('char-at', { char: 'U+DC00', position: 2 }));
    assert.deepEqual(forbiddenXmlCharAt('bell\u0007'), words('char-at', { char: 'U+0007', position: 4 }), 'repeatable (no regex state left behind)');
  });
});
