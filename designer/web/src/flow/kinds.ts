// The node kinds of the format, read from the format's own schema (definitions/schema, where
// `go generate` writes the registry as x-nodeKinds and each field's kinds as x-kinds), so that
// the studio refuses exactly the edges the checks refuse and a new kind appears without code.
import workflowSchema from '../../../../definitions/schema/workflow.schema.json';
import type { Schema } from '../SchemaForm';

export interface KindInfo {
  outcomes: string[];
  required: string[];
  waits: boolean;
  personal: boolean;
}

type NodeSchema = Schema & { properties: Record<string, Schema & { 'x-kinds'?: string | string[]; 'x-nodeKinds'?: Record<string, KindInfo>; enum?: string[] }> };

export const nodeSchema = (workflowSchema as unknown as { properties: { nodes: { items: NodeSchema } } }).properties.nodes.items;
export const edgeSchema = (workflowSchema as unknown as { properties: { edges: { items: Schema } } }).properties.edges.items;

/** kinds is the registry by kind key: a node type, or "assisted" for an auto node in assisted mode. */
export const kinds: Record<string, KindInfo> = nodeSchema.properties.type['x-nodeKinds']!;

/** kindKeys lists the kinds in the format's order, the assisted mode after auto. */
export const kindKeys: string[] = (nodeSchema.properties.type.enum as string[]).flatMap((t) => (t === 'auto' ? [t, 'assisted'] : [t]));

/** kindOf is the kind key of a node's type and mode. */
export function kindOf(type: string, mode?: string): string {
  return type === 'auto' && mode === 'assisted' ? 'assisted' : type;
}

/** fieldsOf lists the node properties that apply to a kind: those without x-kinds, or naming its type. */
export function fieldsOf(kind: string): string[] {
  const type = kind === 'assisted' ? 'auto' : kind;
  return Object.entries(nodeSchema.properties)
    .filter(([k, s]) => {
      if (k === 'id' || k === 'type') return false;
      const x = s['x-kinds'];
      return x === undefined || (Array.isArray(x) ? x : [x]).includes(type);
    })
    .map(([k]) => k);
}

/** The Chinese words of the UI for kinds and outcomes (the format's names stay in the files). */
export const kindLabels: Record<string, string> = {
  start: '开始', acceptance: '受理', task: '审批环节', parallel: '并行分支', join: '汇聚', exclusive: '条件分支',
  auto: '智能秒批', assisted: '辅助审批', connector: '推送部门系统', timer: '定时等待', payment: '等待缴费',
  certificate: '制证', delivery: '送达', end: '结束',
};

export const outcomeLabels: Record<string, string> = {
  accept: '受理', 'not-accept': '不予受理', approve: '通过', deny: '不通过', pass: '通过', fail: '不通过',
  handover: '转人工', return: '退回', correction: '补齐补正', '': '完成',
};

/** OUT is the source handle of a kind whose edges carry no outcome. */
export const OUT = 'out';

export interface Connection {
  source: string | null;
  sourceHandle?: string | null;
  target: string | null;
}

/** validConnection says whether an edge may be drawn, by the kind table: the outcome is one the
 * source kind has (or none for kinds without), not yet used, and it neither leaves an end nor
 * enters the start. */
export function validConnection(c: Connection, kindById: (id: string) => string | undefined, used: (source: string, outcome: string) => boolean): boolean {
  if (!c.source || !c.target || c.source === c.target) return false;
  const from = kindById(c.source);
  const to = kindById(c.target);
  if (!from || !to || !kinds[from] || from === 'end' || to === 'start') return false;
  const outcomes = kinds[from].outcomes;
  const handle = c.sourceHandle ?? OUT;
  if (outcomes.length === 0) return handle === OUT;
  return outcomes.includes(handle) && !used(c.source, handle);
}
