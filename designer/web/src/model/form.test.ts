import { describe, expect, it } from 'vitest';
import { parse } from '../json/text';
import { produce } from 'immer';
import { at, get, keys, setAt, toPlain } from '../json/tree';
import { addField, layout, reuseLayout, type Files, moveField, planRename, removeField, renameField, SCHEMA, UI } from './form';
import { createDraftStore } from './store';

function sample() {
  return {
    [SCHEMA]: parse(
      JSON.stringify({
        type: 'object',
        properties: {
          name: { type: 'string', title: '姓名' },
          funds: { type: 'object', properties: { inPlace: { type: 'boolean' }, source: { type: 'string' } } },
          people: { type: 'array', items: { type: 'object', properties: { idNumber: { type: 'string' } } } },
        },
        required: ['name'],
        unknownKey: { kept: true },
      }),
    ),
    [UI]: parse(
      JSON.stringify({
        sections: [
          { id: 'a', title: '甲', fields: ['name', 'funds'] },
          { id: 'b', title: '乙', fields: ['people'] },
        ],
        fields: { name: { widget: 'text' }, 'funds.source': { widget: 'select', visible: 'form.funds?.inPlace ?? false' }, people: { widget: 'rows' } },
        prefill: [{ field: 'name', from: 'applicant', value: 'applicant.name' }],
      }),
    ),
    'fees.json': parse(JSON.stringify({ items: [{ id: 'f', amount: 'form.name == "x" ? 1 : 2', when: 'form.funds?.inPlace' }] })),
    'materials.json': parse(JSON.stringify({ items: [{ id: 'm', when: 'all(form.people, .idNumber != "")' }] })),
  };
}

describe('form designer operations', () => {
  const store = () => {
    const s = createDraftStore();
    s.getState().load('t', '1', Object.fromEntries(Object.entries(sample()).map(([k, v]) => [k, JSON.stringify(toPlain(v))])));
    return s;
  };

  it('adds a field to a section: schema property and placement', () => {
    const s = store();
    s.getState().edit('add', (f) => void addField(f, { widget: 'id-card', key: 'idNumber', title: '身份证号', into: { section: 'a' }, index: 1 }));
    const t = s.getState().trees;
    expect(toPlain(at(t[SCHEMA], '/properties/idNumber')!)).toEqual({ type: 'string', title: '身份证号', format: 'cn-id-card' });
    expect(toPlain(at(t[UI], '/sections/0/fields')!)).toEqual(['name', 'idNumber', 'funds']);
    expect(toPlain(at(t[UI], '/fields/idNumber')!)).toEqual({ widget: 'id-card' });
    expect(toPlain(at(t[SCHEMA], '/unknownKey')!)).toEqual({ kept: true });
  });

  it('adds columns to a repeatable section and fields to a nested section', () => {
    const s = store();
    s.getState().edit('add', (f) => {
      addField(f, { widget: 'text', key: 'name', title: '姓名', into: { parent: 'people' }, index: 0 });
      addField(f, { widget: 'section', key: 'site', title: '场地', into: { parent: 'funds' }, index: 9 });
      addField(f, { widget: 'text', key: 'street', title: '街道', into: { parent: 'funds.site' }, index: 0 });
    });
    const t = s.getState().trees;
    expect(keys(at(t[SCHEMA], '/properties/people/items/properties'))).toEqual(['name', 'idNumber']);
    expect(keys(at(t[SCHEMA], '/properties/funds/properties'))).toEqual(['inPlace', 'source', 'site']);
    expect(get(get(t[UI], 'fields'), 'people[].name')).toBeDefined();
    expect(get(get(t[UI], 'fields'), 'funds.site.street')).toBeDefined();
    const people = layout(t)[1].fields[0];
    expect(people.kind).toBe('rows');
    expect(people.children.map((c) => c.path)).toEqual(['people[].name', 'people[].idNumber']);
  });

  it('moves a field within its object and between sections', () => {
    const s = store();
    s.getState().edit('move', (f) => {
      moveField(f, 'funds.source', { parent: 'funds' }, 0);
      moveField(f, 'name', { section: 'b' }, 1);
    });
    const t = s.getState().trees;
    expect(keys(at(t[SCHEMA], '/properties/funds/properties'))).toEqual(['source', 'inPlace']);
    expect(toPlain(at(t[UI], '/sections/0/fields')!)).toEqual(['funds']);
    expect(toPlain(at(t[UI], '/sections/1/fields')!)).toEqual(['people', 'name']);
  });

  it('renames a field and every reference to it', () => {
    const s = store();
    s.getState().edit('rename', (f) => void renameField(f, 'funds.inPlace', 'funds.ready'));
    s.getState().edit('rename', (f) => void renameField(f, 'name', 'fullName'));
    const t = s.getState().trees;
    expect(keys(at(t[SCHEMA], '/properties'))).toEqual(['fullName', 'funds', 'people']);
    expect(toPlain(at(t[SCHEMA], '/required')!)).toEqual(['fullName']);
    expect(at(t['fees.json'], '/items/0/when')).toBe('form.funds?.ready');
    expect(at(t['fees.json'], '/items/0/amount')).toBe('form.fullName == "x" ? 1 : 2');
    expect(at(t[UI], '/fields/funds.source/visible')).toBe('form.funds?.ready ?? false');
    expect(at(t[UI], '/prefill/0/field')).toBe('fullName');
    expect(toPlain(at(t[UI], '/sections/0/fields')!)).toEqual(['fullName', 'funds']);
  });

  it('lists what a rename of a row column would break before doing anything', () => {
    const s = store();
    const before = s.getState().trees;
    let plan;
    s.getState().edit('rename', (f) => void (plan = renameField(f, 'people[].idNumber', 'people[].code')));
    expect(plan!.breaks).toEqual([{ file: 'materials.json', pointer: '/items/0/when', before: 'all(form.people, .idNumber != "")' }]);
    expect(s.getState().trees).toBe(before);
    expect(planRename(before, 'name', 'x').changes.map((c) => c.file + c.pointer)).toEqual(['form.ui.json/prefill/0/field', 'fees.json/items/0/amount']);
  });

  it('removes a field with its placement and required mark', () => {
    const s = store();
    s.getState().edit('remove', (f) => removeField(f, 'name'));
    const t = s.getState().trees;
    expect(keys(at(t[SCHEMA], '/properties'))).toEqual(['funds', 'people']);
    expect(toPlain(at(t[SCHEMA], '/required')!)).toEqual([]);
    expect(get(get(t[UI], 'fields'), 'name')).toBeUndefined();
  });
});

describe('undo and redo', () => {
  it('walks back and forth across files, and an undone file is byte-identical again', () => {
    const s = createDraftStore();
    const ui = '{\n  "sections": [{"id": "a", "title": "甲", "fields": ["name"]}],\n  "fields": {"name": {"widget": "text"}}\n}\n';
    const schema = '{"type":"object","properties":{"name":{"type":"string"}}}';
    s.getState().load('t', '1', { [UI]: ui, [SCHEMA]: schema, 'fees.json': '{"items":[{"amount":"form.name"}]}' });
    s.getState().edit('add', (f) => void addField(f, { widget: 'mobile', key: 'mobile', title: '手机', into: { section: 'a' }, index: 1 }));
    s.getState().edit('rename', (f) => void renameField(f, 'name', 'who'));
    expect(s.getState().changed()).toEqual(['fees.json', SCHEMA, UI]);
    s.getState().undo();
    expect(at(s.getState().trees['fees.json'], '/items/0/amount')).toBe('form.name');
    s.getState().undo();
    expect(s.getState().changed()).toEqual([]);
    expect(s.getState().text(SCHEMA)).toBe(schema);
    s.getState().redo();
    s.getState().redo();
    expect(at(s.getState().trees['fees.json'], '/items/0/amount')).toBe('form.who');
    s.getState().undo();
    s.getState().edit('other', (f) => void addField(f, { widget: 'text', key: 'x', title: 'x', into: { section: 'a' }, index: 0 }));
    expect(s.getState().future).toEqual([]);
  });

  it('raw text edits are steps too, and a broken text is kept without touching the tree', () => {
    const s = createDraftStore();
    s.getState().load('t', '1', { 'fees.json': '{"items": []}\n' });
    expect(s.getState().setText('fees.json', '{"items": [')).toMatch(/JSON 不完整/);
    expect(s.getState().text('fees.json')).toBe('{"items": [');
    expect(s.getState().setText('fees.json', '{"items": [], "x": 1}')).toBeNull();
    expect(s.getState().text('fees.json')).toBe('{\n  "items": [],\n  "x": 1\n}\n');
    s.getState().undo();
    expect(s.getState().text('fees.json')).toBe('{"items": []}\n');
  });
});

describe('reuseLayout', () => {
  it('keeps the nodes of unchanged fields and replaces the changed one', () => {
    const files: Files = {
      [SCHEMA]: parse('{"type":"object","properties":{"a":{"type":"string","title":"甲"},"b":{"type":"string","title":"乙"}}}'),
      [UI]: parse('{"sections":[{"id":"main","title":"申请信息","fields":["a","b"]}]}'),
    };
    const before = layout(files);
    const changed = produce(files, (f) => setAt(f[SCHEMA], '/properties/b/title', '丙'));
    const after = reuseLayout(before, layout(changed));
    expect(after[0].fields[0]).toBe(before[0].fields[0]);
    expect(after[0].fields[1]).not.toBe(before[0].fields[1]);
    expect(after[0].fields[1].title).toBe('丙');
    expect(reuseLayout(after, layout(changed))[0]).toBe(after[0]);
  });
});
