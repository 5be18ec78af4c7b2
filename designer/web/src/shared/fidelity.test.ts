import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, print } from '../json/text';
import { createDraftStore } from '../model/store';

const examples = join(__dirname, '../../../../examples');

describe('every shared definition of the examples round-trips through the studio unchanged', () => {
  const files: Record<string, string> = { 'orgs.json': readFileSync(join(examples, 'orgs.json'), 'utf8') };
  for (const dir of ['calendar', 'connectors', 'print']) {
    for (const n of readdirSync(join(examples, dir)).filter((n) => n.endsWith('.json'))) files[`${dir}/${n}`] = readFileSync(join(examples, dir, n), 'utf8');
  }
  for (const [name, text] of Object.entries(files)) {
    it(name, () => {
      const store = createDraftStore();
      store.getState().load('shared', '0', files);
      expect(store.getState().text(name)).toBe(text);
      expect(print(parse(text))).toBe(text);
    });
  }
});
