// Automatic layout with elkjs (layered, left to right), loaded only when a picture needs it.
import type { FlowEdge, FlowNode, Point } from './model';

/** sizeOf is the box each kind is drawn in, the same the layout reserves. */
export function sizeOf(kind: string): { width: number; height: number } {
  if (kind === 'start' || kind === 'end') return { width: 56, height: 56 };
  if (kind === 'parallel' || kind === 'join' || kind === 'exclusive') return { width: 64, height: 64 };
  return { width: 168, height: 64 };
}

let elk: Promise<{ layout(g: unknown): Promise<{ children?: { id: string; x?: number; y?: number }[] }> }> | null = null;

/** autoLayout places every node; the positions are the boxes' top-left corners. */
export async function autoLayout(nodes: FlowNode[], edges: FlowEdge[]): Promise<Record<string, Point>> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  const ids = new Set(nodes.map((n) => n.id));
  const g = await (await elk).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '72',
      'elk.spacing.nodeNode': '36',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.crossingMinimization.forceNodeModelOrder': 'true',
    },
    children: nodes.map((n) => ({ id: n.id, ...sizeOf(n.kind) })),
    edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)).map((e) => ({ id: 'e' + e.index, sources: [e.from], targets: [e.to] })),
  });
  const out: Record<string, Point> = {};
  for (const c of g.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  return out;
}
