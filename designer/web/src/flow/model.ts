// workflow.json as the graph editor sees it, and the edits the editor makes to it. The tree is
// the draft store's (json/tree): every edit is a recipe over it, so keys the editor does not
// know stay where they are and an unchanged file is written back byte for byte.
import { del, get, isNumber, isObject, num, obj, set, str, type J, type JObject } from '../json/tree';
import { kindOf, kindLabels, OUT } from './kinds';

export const WORKFLOW = 'workflow.json';

export interface FlowNode {
  id: string;
  index: number;
  type: string;
  kind: string;
  name: string;
  /** join is a parallel node's join node. */
  join: string;
  result: string;
}

export interface FlowEdge {
  index: number;
  from: string;
  to: string;
  /** handle is the outcome the edge leaves by, OUT for kinds without outcomes. */
  handle: string;
  on: string;
  when: string;
  isDefault: boolean;
  name: string;
}

export interface Point {
  x: number;
  y: number;
}

function list(wf: J | undefined, key: string): J[] {
  const v = get(wf, key);
  return Array.isArray(v) ? v : [];
}

/** nodesOf reads the nodes of a workflow tree. */
export function nodesOf(wf: J | undefined): FlowNode[] {
  return list(wf, 'nodes').map((n, index) => {
    const type = str(get(n, 'type'));
    return { id: str(get(n, 'id')), index, type, kind: kindOf(type, str(get(n, 'mode'))), name: str(get(n, 'name')), join: str(get(n, 'join')), result: str(get(n, 'result')) };
  });
}

/** edgesOf reads the edges of a workflow tree. */
export function edgesOf(wf: J | undefined): FlowEdge[] {
  return list(wf, 'edges').map((e, index) => {
    const on = str(get(e, 'on'));
    return { index, from: str(get(e, 'from')), to: str(get(e, 'to')), on, handle: on || OUT, when: str(get(e, 'when')), isDefault: get(e, 'default') === true, name: str(get(e, 'name')) };
  });
}

/** layoutOf is the positions kept in the layout part, by node id; null when there is none. */
export function layoutOf(wf: J | undefined): Record<string, Point> | null {
  const l = get(get(wf, 'layout'), 'nodes');
  if (!isObject(l)) return null;
  const out: Record<string, Point> = {};
  for (const [id, p] of l.e) {
    const x = get(p, 'x');
    const y = get(p, 'y');
    if (isNumber(x) && isNumber(y)) out[id] = { x: Number(x.raw), y: Number(y.raw) };
  }
  return out;
}

function point(p: Point): JObject {
  return obj([['x', num(Math.round(p.x))], ['y', num(Math.round(p.y))]]);
}

/** keepLayout writes positions into the layout part: the whole picture when there was none
 * (so that it stays as the analyst saw it), else the positions given. */
export function keepLayout(wf: JObject, moved: Record<string, Point>, picture: Record<string, Point>): void {
  let layout = get(wf, 'layout');
  if (!isObject(layout)) {
    layout = obj([['nodes', obj()]]);
    set(wf, 'layout', layout);
    moved = { ...picture, ...moved };
  }
  let nodes = get(layout, 'nodes');
  if (!isObject(nodes)) {
    nodes = obj();
    set(layout as JObject, 'nodes', nodes);
  }
  const ids = new Set(nodesOf(wf).map((n) => n.id));
  for (const [id, p] of Object.entries(moved)) if (ids.has(id)) set(nodes, id, point(p));
}

/** clearLayout drops the layout part: the picture is laid out automatically again. */
export function clearLayout(wf: JObject): void {
  del(wf, 'layout');
}

function arr(wf: JObject, key: string): J[] {
  let v = get(wf, key);
  if (!Array.isArray(v)) {
    v = [];
    set(wf, key, v);
  }
  return v as J[];
}

/** freshId is an unused node id made from a kind ("task2"). */
export function freshId(wf: J | undefined, kind: string): string {
  const ids = new Set(nodesOf(wf).map((n) => n.id));
  const base = kind.replace(/-./g, (m) => m[1].toUpperCase());
  for (let i = 1; ; i++) if (!ids.has(base + i)) return base + i;
}

/** addNode appends a node of kind and returns its id; an end concludes approved until changed. */
export function addNode(wf: JObject, kind: string): string {
  const id = freshId(wf, kind);
  const type = kind === 'assisted' ? 'auto' : kind;
  const n = obj([['id', id], ['type', type], ['name', kindLabels[kind] ?? kind]]);
  if (kind === 'assisted') set(n, 'mode', 'assisted');
  if (kind === 'end') set(n, 'result', 'approved');
  arr(wf, 'nodes').push(n);
  return id;
}

/** startOver empties the workflow to a lone start node, for drawing a new one. */
export function startOver(wf: JObject): void {
  set(wf, 'nodes', [obj([['id', 'start'], ['type', 'start'], ['name', kindLabels.start]])]);
  set(wf, 'edges', []);
  del(wf, 'layout');
}

/** freeSpot is where a node added beside anchor goes: to its right, below whatever is there. */
export function freeSpot(anchor: Point, taken: Point[]): Point {
  const p = { x: anchor.x + 220, y: anchor.y };
  while (taken.some((q) => Math.abs(q.x - p.x) < 150 && Math.abs(q.y - p.y) < 70)) p.y += 90;
  return p;
}

/** connect appends an edge from source by handle (an outcome, or OUT) to target. */
export function connect(wf: JObject, source: string, handle: string, target: string): void {
  const e = obj([['from', source], ['to', target]]);
  if (handle !== OUT) set(e, 'on', handle);
  arr(wf, 'edges').push(e);
}

/** removeEdges deletes edges by index. */
export function removeEdges(wf: JObject, indexes: number[]): void {
  const edges = arr(wf, 'edges');
  for (const i of [...indexes].sort((a, b) => b - a)) edges.splice(i, 1);
}

/** removeNodes deletes nodes with their edges and positions. */
export function removeNodes(wf: JObject, ids: string[]): void {
  const gone = new Set(ids);
  const nodes = arr(wf, 'nodes');
  for (let i = nodes.length - 1; i >= 0; i--) if (gone.has(str(get(nodes[i], 'id')))) nodes.splice(i, 1);
  removeEdges(wf, edgesOf(wf).filter((e) => gone.has(e.from) || gone.has(e.to)).map((e) => e.index));
  const l = get(get(wf, 'layout'), 'nodes');
  if (isObject(l)) for (const id of ids) del(l, id);
}

/** renameNode gives a node a new id everywhere it is named: edges, parallel joins, the layout. */
export function renameNode(wf: JObject, from: string, to: string): void {
  for (const n of arr(wf, 'nodes')) {
    if (!isObject(n)) continue;
    if (str(get(n, 'id')) === from) set(n, 'id', to);
    if (str(get(n, 'join')) === from) set(n, 'join', to);
  }
  for (const e of arr(wf, 'edges')) {
    if (!isObject(e)) continue;
    if (str(get(e, 'from')) === from) set(e, 'from', to);
    if (str(get(e, 'to')) === from) set(e, 'to', to);
  }
  const l = get(get(wf, 'layout'), 'nodes');
  if (isObject(l)) {
    const hit = l.e.find(([k]) => k === from);
    if (hit) hit[0] = to;
  }
}

/** setDefault marks an exclusive edge as the default one (dropping its condition), or unmarks it. */
export function setDefault(wf: JObject, index: number, on: boolean): void {
  const e = arr(wf, 'edges')[index];
  if (!isObject(e)) return;
  if (on) {
    del(e, 'when');
    set(e, 'default', true);
  } else del(e, 'default');
}

/** branches maps each parallel split to the nodes of its branches (reached before its join). */
export function branches(nodes: FlowNode[], edges: FlowEdge[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  for (const n of nodes) {
    if (n.type !== 'parallel') continue;
    const seen = new Set<string>();
    const stack = [...(next.get(n.id) ?? [])];
    while (stack.length) {
      const id = stack.pop()!;
      if (id === n.join || seen.has(id)) continue;
      seen.add(id);
      stack.push(...(next.get(id) ?? []));
    }
    out.set(n.id, seen);
  }
  return out;
}
