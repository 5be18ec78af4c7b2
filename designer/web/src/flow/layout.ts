// Automatic layout with elkjs (layered, left to right), loaded only when a picture needs it.
import type { J } from '../json/tree';
import { edgesOf, nodesOf, type FlowEdge, type FlowNode, type Point } from './model';

/** sizeOf is the box each kind is drawn in, the same the layout reserves. */
export function sizeOf(kind: string): { width: number; height: number } {
  if (kind === 'start' || kind === 'end') return { width: 56, height: 56 };
  if (kind === 'parallel' || kind === 'join' || kind === 'exclusive') return { width: 64, height: 64 };
  return { width: 168, height: 64 };
}

let elk: Promise<{ layout(g: unknown): Promise<{ children?: { id: string; x?: number; y?: number }[] }> }> | null = null;

function engine() {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  return elk;
}

/** preload lays out a draft's workflow ahead of time (the editor calls it when idle): elkjs is
 * loaded and compiled, and the picture waits in laidOut for the workflow page. */
export function preload(wf: J | undefined): void {
  void autoLayout(nodesOf(wf), edgesOf(wf));
}

/** laidOut keeps the last pictures (done or under way) by their graph, so that opening the page
 * while the preload runs, reopening it or undoing a change does not lay the same graph out again. */
const laidOut = new Map<string, Promise<Record<string, Point>>>();

/** autoLayout places every node; the positions are the boxes' top-left corners. */
export function autoLayout(nodes: FlowNode[], edges: FlowEdge[]): Promise<Record<string, Point>> {
  const key = JSON.stringify([nodes.map((n) => [n.id, n.kind]), edges.map((e) => [e.from, e.to])]);
  let p = laidOut.get(key);
  if (!p) {
    p = layOut(nodes, edges);
    p.catch(() => laidOut.delete(key));
    if (laidOut.size >= 16) laidOut.delete(laidOut.keys().next().value!);
    laidOut.set(key, p);
  }
  return p;
}

async function layOut(nodes: FlowNode[], edges: FlowEdge[]): Promise<Record<string, Point>> {
  const ids = new Set(nodes.map((n) => n.id));
  const g = await (await engine()).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '72',
      'elk.spacing.nodeNode': '36',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      // The graph's edges are drawn by the editor, not along ELK's routes; fewer crossing
      // minimisation passes than the default 7 keep a large workflow quick.
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.thoroughness': '3',
      'elk.layered.crossingMinimization.forceNodeModelOrder': 'true',
    },
    children: nodes.map((n) => ({ id: n.id, ...sizeOf(n.kind) })),
    edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)).map((e) => ({ id: 'e' + e.index, sources: [e.from], targets: [e.to] })),
  });
  const out: Record<string, Point> = {};
  for (const c of g.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  return out;
}
