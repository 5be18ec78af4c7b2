import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, print } from '../json/text';
import { createDraftStore } from './store';

const matters = join(__dirname, '../../../../examples/matters');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith('.json') ? [p] : [];
  });
}

describe('every example matter written back unchanged is byte-identical', () => {
  for (const slug of readdirSync(matters)) {
    it(slug, () => {
      const dir = join(matters, slug);
      const texts = Object.fromEntries(files(dir).map((p) => [relative(dir, p), readFileSync(p, 'utf8')]));
      const store = createDraftStore();
      store.getState().load(slug, '1', texts);
      expect(store.getState().broken).toEqual({});
      for (const [name, text] of Object.entries(texts)) {
        expect(store.getState().text(name), name).toBe(text);
        // The examples are in the canonical layout, so the printer alone reproduces them:
        // what the studio writes for a changed file is what `tongban fmt` would write.
        expect(print(parse(text)), name).toBe(text);
      }
      expect(store.getState().changed()).toEqual([]);
    });
  }
});

describe('print matches the Go layout', () => {
  const cases: [string, string, string][] = [
    ['number literals are kept', '{"a":1.0,"b":1e3,"c":-0}', '{"a": 1.0, "b": 1e3, "c": -0}\n'],
    ['integer-like keys keep their order', '{"2":1,"1":2}', '{"2": 1, "1": 2}\n'],
    ['duplicate keys are kept', '{"a":1,"a":2}', '{"a": 1, "a": 2}\n'],
    ['no HTML escaping; Go escapes', '"<&>\\u2028\\u0001\\b\\/"', '"<&>\\u2028\\u0001\\b/"\n'],
    ['empty containers are not scalars', '{"a":{},"b":[1]}', '{\n  "a": {},\n  "b": [1]\n}\n'],
    ['nested objects break', '{"a":{"b":1}}', '{\n  "a": {"b": 1}\n}\n'],
    [
      // Written by `tongban fmt` from the same input: the width is in UTF-8 bytes, indent included.
      'width counts UTF-8 bytes',
      `[["${'汉'.repeat(31)}"], ["${'汉'.repeat(32)}"]]`,
      `[\n  ["${'汉'.repeat(31)}"],\n  [\n    "${'汉'.repeat(32)}"\n  ]\n]\n`,
    ],
  ];
  for (const [name, input, want] of cases) it(name, () => expect(print(parse(input))).toBe(want));

  it('reports a syntax error at line and column', () => {
    expect(() => parse('{\n  "a": tru\n}')).toThrow(/第 2 行第 8 列/);
  });
});
