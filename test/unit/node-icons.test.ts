// Every node in the palette has its own icon in the style of Node-RED's core icons (white on
// transparent, 40x60), and white stands out on the node's colour (WCAG 1.4.11: 3:1 for graphics).
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

interface Registration {
  type: string;
  category: string;
  color?: string;
  icon?: string;
}

/** The literal category, color and icon of each registerType call in nodes/*.html. */
function registrations(): Registration[] {
  return readdirSync(join(root, 'nodes'))
    .filter((f) => f.endsWith('.html'))
    .map((file) => {
      const html = readFileSync(join(root, 'nodes', file), 'utf8');
      const type = /RED\.nodes\.registerType\('([^']+)'/.exec(html)?.[1];
      assert.ok(type, `${file} registers a type`);
      const field = (name: string): string | undefined => new RegExp(`^\\s+${name}: '([^']*)'`, 'm').exec(html)?.[1];
      return { type, category: field('category') ?? '', color: field('color'), icon: field('icon') };
    });
}

/** Relative luminance of an sRGB colour (#rrggbb), as WCAG 2 defines it. */
function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('node icons and colours', () => {
  const shown = registrations().filter((r) => r.category !== 'config');

  it('knows the WCAG contrast of a few colours (the measure the other checks rely on)', () => {
    assert.equal(contrast('#ffffff', '#000000'), 21);
    assert.equal(contrast('#777777', '#777777'), 1);
    assert.ok(Math.abs(contrast('#ffffff', '#9fc5e8') - 1.81) < 0.01, 'the old colour: 1.81');
  });

  it('gives every node in the palette its own icon file, shipped in icons/', () => {
    assert.ok(shown.length >= 6, `nodes found: ${shown.map((r) => r.type).join(', ')}`);
    for (const { type, icon } of shown) {
      assert.ok(icon, `${type} names an icon`);
      assert.ok(existsSync(join(root, 'icons', icon)), `icons/${icon} exists`);
    }
    const icons = shown.map((r) => r.icon);
    assert.equal(new Set(icons).size, icons.length, `no two nodes share an icon: ${icons.join(', ')}`);
    const contents = shown.map((r) => readFileSync(join(root, 'icons', r.icon!), 'utf8').replace(/<!--[\s\S]*?-->/g, ''));
    assert.equal(new Set(contents).size, contents.length, 'no two icon files draw the same picture');
  });

  it('draws each icon white on transparent in a 40x60 box, with the same stroke weight', () => {
    for (const { type, icon } of shown) {
      const svg = readFileSync(join(root, 'icons', icon!), 'utf8');
      assert.match(svg, /viewBox="0 0 40 60"/, `${icon}: 40x60 like Node-RED's icons`);
      for (const [, attr, value] of svg.matchAll(/\b(fill|stroke)="([^"]*)"/g)) {
        assert.ok(value === 'none' || value === '#fff', `${icon} (${type}): ${attr}="${value}" is not white`);
      }
      assert.doesNotMatch(svg, /<(rect|path|circle)[^>]*\bopacity/, `${icon}: no translucent shapes`);
      const widths = new Set([...svg.matchAll(/stroke-width="([^"]*)"/g)].map((m) => m[1]));
      assert.deepEqual([...widths], ['3'], `${icon}: stroke width 3 like the rest of the family`);
    }
  });

  it('colours every node so that its white icon has at least 3:1 contrast', () => {
    for (const { type, color } of shown) {
      assert.match(color ?? '', /^#[0-9a-f]{6}$/i, `${type}: a #rrggbb colour`);
      const ratio = contrast('#ffffff', color!);
      assert.ok(ratio >= 3, `${type}: white on ${color} is ${ratio.toFixed(2)}:1`);
    }
  });
});
