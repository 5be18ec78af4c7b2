import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../json/text';
import { createDraftStore } from '../model/store';
import { addElement, align, calibrationSheet, pageSize, place, placed } from './template';

const examples = join(__dirname, '../../../../examples');

/** templates are every print template of the examples: each matter's own and the shared notices. */
function templates(): [string, string][] {
  const out: [string, string][] = [];
  for (const slug of readdirSync(join(examples, 'matters'))) {
    const dir = join(examples, 'matters', slug, 'print');
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.filter((n) => n.endsWith('.json'))) out.push([`${slug}/print/${n}`, readFileSync(join(dir, n), 'utf8')]);
  }
  for (const n of readdirSync(join(examples, 'print')).filter((n) => n.endsWith('.json'))) out.push([`print/${n}`, readFileSync(join(examples, 'print', n), 'utf8')]);
  return out;
}

describe('every example print template round-trips through the print designer', () => {
  for (const [path, text] of templates()) {
    it(path, () => {
      const store = createDraftStore();
      store.getState().load('x', '1', { 'print/t.json': text });
      const before = placed(store.getState().trees['print/t.json']);
      expect(before.length).toBeGreaterThan(0);
      // Placing every element where it already is writes nothing.
      store.getState().edit('原位', (files) => {
        for (const e of before) place(files['print/t.json'], e.index, { x: e.x, y: e.y, w: e.w || undefined, h: e.h || undefined });
      });
      expect(store.getState().text('print/t.json')).toBe(text);
      // Dragging one away and back, and undoing a drag, leave the bytes as they were.
      const e = before[before.length - 1];
      store.getState().edit('拖动', (files) => place(files['print/t.json'], e.index, { x: e.x + 12.5, y: e.y + 3 }));
      expect(store.getState().text('print/t.json')).not.toBe(text);
      expect(placed(store.getState().trees['print/t.json'])[e.index]).toMatchObject({ x: e.x + 12.5, y: e.y + 3 });
      store.getState().undo();
      expect(store.getState().text('print/t.json')).toBe(text);
      store.getState().edit('拖回', (files) => {
        place(files['print/t.json'], e.index, { x: e.x + 5 });
        place(files['print/t.json'], e.index, { x: e.x });
      });
      expect(store.getState().text('print/t.json')).toBe(text);
      expect(store.getState().changed()).toEqual([]);
    });
  }
});

describe('editing', () => {
  const text = readFileSync(join(examples, 'matters/food-business-license/print/certificate.json'), 'utf8');

  it('a drag changes only the element dragged', () => {
    const store = createDraftStore();
    store.getState().load('x', '1', { 'print/c.json': text });
    store.getState().edit('拖动', (files) => place(files['print/c.json'], 2, { x: 33.3, y: 44 }));
    const after = store.getState().text('print/c.json').split('\n');
    const diff = text.split('\n').map((l, i) => (l === after[i] ? null : i)).filter((i) => i !== null);
    expect(diff.length).toBeLessThanOrEqual(2);
    expect(after.length).toBe(text.split('\n').length);
  });

  it('pages are sized as the renderer sizes them', () => {
    expect(pageSize(parse('{"page": {"size": "A4", "orientation": "landscape"}}'))).toEqual({ w: 297, h: 210 });
    expect(pageSize(parse('{"page": {"size": "A3", "orientation": "portrait"}}'))).toEqual({ w: 297, h: 420 });
    expect(pageSize(parse('{"page": {"size": "custom", "widthMm": 100, "heightMm": 50, "orientation": "portrait"}}'))).toEqual({ w: 100, h: 50 });
  });

  it('adds from the palette and aligns', () => {
    const tree = parse('{"page": {"size": "A4", "orientation": "portrait"}, "elements": []}');
    const a = addElement(tree, 'text', 10, 10);
    const b = addElement(tree, 'qr', 50, 70);
    align(tree, [a, b], 'left');
    expect(placed(tree)[b].x).toBe(10);
    align(tree, [b], 'hcenter');
    expect(placed(tree)[b].x).toBe((210 - 25) / 2);
    expect(placed(tree)[a]).toMatchObject({ type: 'text', value: 'license.holder', w: 60, h: 8 });
  });

  it('a calibration sheet puts its crosses where the offsets say', () => {
    const sheet = JSON.parse(calibrationSheet(parse(text), 1.5, -0.5));
    expect(sheet.mode).toBe('electronic');
    expect(sheet.elements[0]).toMatchObject({ type: 'line', x: 11.5, y: 19.5, w: 20 });
    expect(sheet.page).toEqual({ size: 'A4', orientation: 'landscape', marginsMm: [12, 15, 12, 15] });
  });
});
