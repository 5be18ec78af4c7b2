// What the graph shows on top of the workflow: the server's problems by node and edge, and the
// path of a step-through.
import type { Problem, WalkResult } from '../api';
import { outcomeLabels } from './kinds';
import { WORKFLOW } from './model';

/** problemsOnGraph maps workflow.json's problems to node ids and edge indexes by their pointer. */
export function problemsOnGraph(problems: Problem[], ids: string[]): { nodes: Map<string, string[]>; edges: Map<number, string[]> } {
  const nodes = new Map<string, string[]>();
  const edges = new Map<number, string[]>();
  for (const p of problems) {
    if (p.file !== WORKFLOW) continue;
    const n = /^\/nodes\/(\d+)/.exec(p.pointer);
    const e = /^\/edges\/(\d+)/.exec(p.pointer);
    const l = /^\/layout\/nodes\/([^/]+)/.exec(p.pointer);
    const id = n ? ids[Number(n[1])] : l ? l[1].replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
    if (id !== undefined) nodes.set(id, [...(nodes.get(id) ?? []), p.message]);
    if (e) edges.set(Number(e[1]), [...(edges.get(Number(e[1])) ?? []), p.message]);
  }
  return { nodes, edges };
}

/** walkMarks is what the step-through passed: nodes, edges with the step they were taken at, and each node's outcomes. */
export function walkMarks(w: WalkResult | null): { nodes: Set<string>; edges: Map<number, number>; steps: Map<string, string[]> } {
  const nodes = new Set<string>();
  const edges = new Map<number, number>();
  const steps = new Map<string, string[]>();
  w?.steps.forEach((s, i) => {
    if (s.node) {
      nodes.add(s.node);
      const word = s.action === 'return' ? `退回→${s.to}` : s.action === 'correction' ? '补正' : (outcomeLabels[s.outcome] ?? s.outcome);
      steps.set(s.node, [...(steps.get(s.node) ?? []), `${i}.${word}`]);
    }
    for (const e of s.effects) {
      if (e.kind !== 'moved') continue;
      if (e.from) nodes.add(e.from);
      if (e.to) nodes.add(e.to);
      if (e.edge !== undefined && !edges.has(e.edge)) edges.set(e.edge, i);
    }
  });
  return { nodes, edges, steps };
}
