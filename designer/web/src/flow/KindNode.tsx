// The node of every kind: its shape by kind, a target handle, and one source handle per outcome
// of the kind (from the registry), each labelled, or one plain handle for kinds without.
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import { kindKeys, kindLabels, kinds, OUT, outcomeLabels } from './kinds';

export interface KindNodeData extends Record<string, unknown> {
  kind: string;
  id: string;
  name: string;
  /** problems are the server's check messages about the node. */
  problems: string[];
  /** steps are the step-through's marks at the node ("② 通过"). */
  steps: string[];
  /** taken says the step-through passed the node. */
  taken: boolean;
  /** note is a line under the name: the join a split meets at, the split a join belongs to. */
  note: string;
  pointerId: string;
}

export type KindFlowNode = Node<KindNodeData>;

function KindNode({ data, selected }: NodeProps<KindFlowNode>) {
  const info = kinds[data.kind];
  const outcomes = info?.outcomes ?? [];
  const cls = ['flow-node', 'kind-' + data.kind, data.problems.length ? 'has-problem' : '', data.taken ? 'taken' : '', selected ? 'selected' : ''].join(' ');
  const title = [`${kindLabels[data.kind] ?? data.kind}「${data.name || data.id}」`, ...data.problems].join('\n');
  return (
    <div className={cls} title={title} id={data.pointerId} tabIndex={-1} data-node={data.id} aria-label={title}>
      {data.kind !== 'start' && <Handle type="target" position={Position.Left} />}
      <div className="flow-node-body">
        {data.name !== kindLabels[data.kind] && <span className="flow-node-kind">{kindLabels[data.kind] ?? data.kind}</span>}
        <span className="flow-node-name">{data.name || data.id}</span>
        {data.note && <span className="flow-node-note">{data.note}</span>}
      </div>
      {data.steps.length > 0 && <div className="flow-node-steps">{data.steps.join(' ')}</div>}
      {data.problems.length > 0 && <div className="flow-node-flag" aria-hidden>!</div>}
      {data.kind !== 'end' &&
        (outcomes.length === 0 ? (
          <Handle type="source" position={Position.Right} id={OUT} />
        ) : (
          outcomes.map((o, i) => (
            <Handle key={o} type="source" position={Position.Right} id={o} className={'outcome-' + o}
              style={{ top: `${((i + 1) * 100) / (outcomes.length + 1)}%` }} title={outcomeLabels[o] ?? o}>
              <span className="flow-handle-label">{outcomeLabels[o] ?? o}</span>
            </Handle>
          ))
        ))}
    </div>
  );
}

/** nodeTypes has one node type per kind of the format. */
export const nodeTypes = Object.fromEntries(kindKeys.map((k) => [k, KindNode]));
