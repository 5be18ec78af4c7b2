import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../json/text';
import type { JObject } from '../json/tree';
import { createDraftStore } from '../model/store';
import { kinds, kindKeys, OUT, validConnection } from './kinds';
import { problemsOnGraph, walkMarks } from './marks';
import { addNode, branches, clearLayout, connect, edgesOf, keepLayout, layoutOf, nodesOf, removeEdges, removeNodes, renameNode, WORKFLOW } from './model';

const matters = join(__dirname, '../../../../examples/matters');

function open(slug: string) {
  const text = readFileSync(join(matters, slug, WORKFLOW), 'utf8');
  const store = createDraftStore();
  store.getState().load(slug, '1', { [WORKFLOW]: text });
  const edit = (f: (wf: JObject) => void) => store.getState().edit('edit', (files) => f(files[WORKFLOW] as JObject));
  return { text, store, edit, wf: () => store.getState().trees[WORKFLOW] };
}

describe('every example workflow through the graph model', () => {
  for (const slug of readdirSync(matters)) {
    it(slug, () => {
      const { text, store, edit, wf } = open(slug);
      const nodes = nodesOf(wf());
      const edges = edgesOf(wf());
      const raw = JSON.parse(text);
      expect(nodes.map((n) => n.id)).toEqual(raw.nodes.map((n: { id: string }) => n.id));
      expect(edges.map((e) => [e.from, e.to, e.on])).toEqual(raw.edges.map((e: { from: string; to: string; on?: string }) => [e.from, e.to, e.on ?? '']));
      for (const n of nodes) expect(kinds[n.kind], n.id).toBeDefined();
      for (const e of edges) {
        const from = nodes.find((n) => n.id === e.from)!;
        expect(e.handle === OUT ? kinds[from.kind].outcomes.length : kinds[from.kind].outcomes.includes(e.handle) ? 0 : 1, `${e.from}→${e.to}`).toBe(0);
      }
      // Opened and written back without moving anything: byte-identical.
      expect(store.getState().text(WORKFLOW)).toBe(text);
      expect(layoutOf(wf())).toBeNull();
      // Moved (the whole picture is kept), then laid out automatically again: byte-identical.
      const picture = Object.fromEntries(nodes.map((n, i) => [n.id, { x: i * 200.4, y: 40 }]));
      edit((w) => keepLayout(w, { [nodes[1].id]: { x: 5, y: 6 } }, picture));
      expect(Object.keys(layoutOf(wf())!)).toEqual(nodes.map((n) => n.id));
      expect(layoutOf(wf())![nodes[1].id]).toEqual({ x: 5, y: 6 });
      expect(layoutOf(wf())![nodes[2].id]).toEqual({ x: 401, y: 40 });
      edit(clearLayout);
      expect(store.getState().text(WORKFLOW)).toBe(text);
      // A node added and connected, then removed: byte-identical; undo and redo too.
      let id = '';
      edit((w) => {
        id = addNode(w, 'task');
        connect(w, nodes[0].id, OUT, id);
      });
      expect(edgesOf(wf()).at(-1)).toMatchObject({ from: nodes[0].id, to: id, on: '' });
      edit((w) => removeNodes(w, [id]));
      expect(store.getState().text(WORKFLOW)).toBe(text);
      store.getState().undo();
      store.getState().undo();
      expect(store.getState().text(WORKFLOW)).toBe(text);
      store.getState().redo();
      expect(nodesOf(wf()).map((n) => n.id)).toContain(id);
      store.getState().undo();
      // Renamed everywhere it is named, and back.
      const target = nodes.find((n) => edges.some((e) => e.to === n.id) && edges.some((e) => e.from === n.id))!;
      edit((w) => renameNode(w, target.id, 'renamedNode'));
      expect(edgesOf(wf()).some((e) => e.from === target.id || e.to === target.id)).toBe(false);
      edit((w) => renameNode(w, 'renamedNode', target.id));
      expect(store.getState().text(WORKFLOW)).toBe(text);
    });
  }
});

describe('connections refused by the kind table', () => {
  const kindOf: Record<string, string> = { s: 'start', a: 'acceptance', t: 'task', p: 'parallel', x: 'exclusive', r: 'auto', h: 'assisted', e: 'end' };
  const usedOn = new Set(['t:approve']);
  const ok = (source: string, sourceHandle: string, target: string) =>
    validConnection({ source, sourceHandle, target }, (id) => kindOf[id], (s, o) => usedOn.has(`${s}:${o}`));
  it.each([
    ['an acceptance by accept', 'a', 'accept', 't', true],
    ['an acceptance by approve, which it does not have', 'a', 'approve', 't', false],
    ['a task by deny', 't', 'deny', 'e', true],
    ['a task by approve, already used', 't', 'approve', 'e', false],
    ['a task without an outcome', 't', OUT, 'e', false],
    ['an auto node by handover', 'r', 'handover', 't', true],
    ['an auto node by approve', 'r', 'approve', 't', false],
    ['an assisted node by approve', 'h', 'approve', 't', true],
    ['a parallel split plainly', 'p', OUT, 't', true],
    ['a parallel split by an outcome', 'p', 'approve', 't', false],
    ['from an end', 'e', OUT, 't', false],
    ['into the start', 't', 'deny', 's', false],
    ['to itself', 'x', OUT, 'x', false],
  ])('%s', (_, s, h, t, want) => expect(ok(s as string, h as string, t as string)).toBe(want));

  it('knows every kind of the format', () => {
    expect(kindKeys).toEqual(expect.arrayContaining(['start', 'acceptance', 'task', 'parallel', 'join', 'exclusive', 'auto', 'assisted', 'certificate', 'end']));
    expect(kinds.acceptance.outcomes).toEqual(['accept', 'not-accept']);
  });
});

describe('marks on the graph', () => {
  const wf = parse(readFileSync(join(matters, 'construction-permit', WORKFLOW), 'utf8'));
  const nodes = nodesOf(wf);
  it('maps problems to nodes and edges by pointer', () => {
    const m = problemsOnGraph([
      { file: WORKFLOW, pointer: '/nodes/2/join', severity: 'error', message: 'a' },
      { file: WORKFLOW, pointer: '/edges/3', severity: 'error', message: 'b' },
      { file: WORKFLOW, pointer: '/layout/nodes/gone', severity: 'error', message: 'c' },
      { file: 'fees.json', pointer: '/nodes/1', severity: 'error', message: 'd' },
    ], nodes.map((n) => n.id));
    expect(m.nodes.get(nodes[2].id)).toEqual(['a']);
    expect(m.nodes.get('gone')).toEqual(['c']);
    expect(m.edges.get(3)).toEqual(['b']);
    expect(m.nodes.get(nodes[1].id)).toBeUndefined();
  });
  it('marks the path of a step-through', () => {
    const m = walkMarks({
      problems: [], errors: [], waiting: [], trace: '', result: 'approved',
      steps: [
        { action: 'start', outcome: '', line: '> start', chosen: false, effects: [{ kind: 'moved', line: '', from: 'start', to: 'accept', edge: 0 }] },
        { action: 'complete', node: 'accept', outcome: 'accept', line: '', chosen: true, effects: [{ kind: 'moved', line: '', from: 'accept', to: 'parallelReview', outcome: 'accept', edge: 1 }] },
      ],
    });
    expect([...m.edges]).toEqual([[0, 0], [1, 1]]);
    expect(m.steps.get('accept')).toEqual(['1.受理']);
    expect(m.nodes.has('parallelReview')).toBe(true);
  });
  it('finds the branches of a parallel split', () => {
    const b = branches(nodes, edgesOf(wf)).get('parallelReview')!;
    expect([...b].sort()).toEqual(['civilDefenseChoice', 'civilDefenseReview', 'planningCheck', 'qualitySafetyReview']);
  });
  it('removes edges by index', () => {
    const w = parse(readFileSync(join(matters, 'construction-permit', WORKFLOW), 'utf8')) as JObject;
    const n = edgesOf(w).length;
    removeEdges(w, [0, 2]);
    expect(edgesOf(w).length).toBe(n - 2);
  });
});
