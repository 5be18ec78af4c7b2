// The workflow designer: workflow.json as a graph on @xyflow/react, nodes from a palette of the
// format's kinds, edges drawn from a node's outcome handles (refused while dragging when the kind
// has no such outcome), automatic layout with elkjs unless the analyst placed the nodes (kept in
// the layout part), the server's check problems on the nodes and edges, and a step-through of
// the real engine on the draft with the sample data.
import { useCallback, useEffect, useMemo, useState, type DragEvent } from 'react';
import {
  Background, Controls, MarkerType, MiniMap, ReactFlow, ReactFlowProvider, applyNodeChanges, useReactFlow,
  type Edge, type IsValidConnection, type NodeChange, type OnConnect,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Alert, Button, Empty, Input, List, Select, Space, Switch, Tag, Tooltip, Typography } from 'antd';
import { api, ApiError, type Problem, type WalkChoice, type WalkResult, type WorkflowOptions } from '../api';
import { problemsOnGraph, walkMarks } from './marks';
import { useDraft, useDraftApi } from '../draft';
import { pointerId } from '../SchemaForm';
import type { JObject } from '../json/tree';
import { kindKeys, kindLabels, kinds, OUT, outcomeLabels, validConnection } from './kinds';
import { nodeTypes, type KindFlowNode } from './KindNode';
import { autoLayout, sizeOf } from './layout';
import { addNode, branches, clearLayout, connect, edgesOf, freeSpot, keepLayout, layoutOf, nodesOf, removeEdges, removeNodes, startOver, WORKFLOW, type Point } from './model';
import { EdgePanel, NodePanel } from './panels';
import './flow.css';

type Selection = { node: string } | { edge: number } | null;

function Canvas({ slug }: { slug: string }) {
  const store = useDraftApi();
  const wf = useDraft((s) => s.trees[WORKFLOW]);
  const trees = useDraft((s) => s.trees);
  const flow = useReactFlow();
  const model = useMemo(() => ({ nodes: nodesOf(wf), edges: edgesOf(wf), layout: layoutOf(wf) }), [wf]);
  const [auto, setAuto] = useState<Record<string, Point>>({});
  const [rfNodes, setRfNodes] = useState<KindFlowNode[]>([]);
  const [selection, setSelection] = useState<Selection>(null);
  const [options, setOptions] = useState<WorkflowOptions>({ implementingOrg: '', orgs: [], connectors: [] });
  const [walk, setWalk] = useState<WalkResult | null>(null);
  const [walking, setWalking] = useState(false);
  const [choices, setChoices] = useState<WalkChoice[]>([]);
  const [walkError, setWalkError] = useState('');
  /** typed is application data the analyst typed instead of the sample (JSON), '' for the sample. */
  const [typed, setTyped] = useState('');
  const form = useMemo(() => {
    try {
      return typed.trim() ? { ok: true, value: JSON.parse(typed) as unknown } : { ok: true, value: undefined };
    } catch {
      return { ok: false, value: undefined };
    }
  }, [typed]);
  const [laidOut, setLaidOut] = useState(0);

  useEffect(() => {
    api.workflowOptions(slug).then(setOptions, () => undefined);
  }, [slug]);

  // Lay out automatically when the structure changes and some node has no kept position.
  const structure = model.nodes.map((n) => n.id + ':' + n.kind).join(',') + '|' + model.edges.map((e) => e.from + '>' + e.to).join(',');
  useEffect(() => {
    if (model.layout && model.nodes.every((n) => model.layout![n.id])) return;
    let live = true;
    const t0 = performance.now();
    autoLayout(model.nodes, model.edges).then((p) => {
      if (!live) return;
      setAuto(p);
      setLaidOut(performance.now() - t0);
    });
    return () => {
      live = false;
    };
  }, [structure]); // eslint-disable-line react-hooks/exhaustive-deps

  const positions = useMemo(() => ({ ...auto, ...(model.layout ?? {}) }), [auto, model.layout]);

  // The server's check and the step-through, on the draft as it stands (unsaved files included).
  useEffect(() => {
    let live = true;
    const t = window.setTimeout(() => {
      const s = store.getState();
      const files = Object.fromEntries(s.changed().map((n) => [n, s.text(n)]));
      api.walk(slug, { files, form: walking ? form.value : undefined, choices: walking ? choices : [] }).then(
        (r) => {
          if (!live) return;
          setWalk(r);
          setWalkError('');
        },
        (e: ApiError) => {
          if (!live) return;
          setWalkError(e.message);
          if (e.status === 400) setChoices([]);
        },
      );
    }, 400);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [trees, slug, store, choices, walking, form]);

  const problems = useMemo(() => problemsOnGraph(walk?.problems ?? [], model.nodes.map((n) => n.id)), [walk, model.nodes]);
  const marks = useMemo(() => walkMarks(walking ? walk : null), [walk, walking]);
  const inBranch = useMemo(() => branches(model.nodes, model.edges), [model]);

  useEffect(() => {
    const joinOf = new Map(model.nodes.filter((n) => n.type === 'parallel' && n.join).map((n) => [n.join, n.name || n.id]));
    setRfNodes((prev) => {
      const old = new Map(prev.map((n) => [n.id, n]));
      return model.nodes.map((n) => {
        const o = old.get(n.id);
        const joinName = model.nodes.find((m) => m.id === n.join)?.name;
        return {
          ...(o ?? {}),
          id: n.id,
          type: kinds[n.kind] ? n.kind : 'task',
          position: positions[n.id] ?? o?.position ?? { x: 0, y: 0 },
          ...sizeOf(n.kind),
          selected: selection !== null && 'node' in selection && selection.node === n.id,
          data: {
            kind: n.kind, id: n.id, name: n.name, problems: problems.nodes.get(n.id) ?? [], steps: marks.steps.get(n.id) ?? [],
            taken: marks.nodes.has(n.id), pointerId: pointerId(WORKFLOW, `/nodes/${n.index}`),
            note: n.type === 'parallel' ? `汇聚于 ${joinName ?? (n.join || '（未指定）')}` : joinOf.has(n.id) ? `汇聚 ${joinOf.get(n.id)}` : '',
          },
        };
      });
    });
  }, [model, positions, problems, marks, selection]);

  const rfEdges: Edge[] = useMemo(() => {
    const kindOf = new Map(model.nodes.map((n) => [n.id, n]));
    const ends = new Set(model.nodes.filter((n) => n.type === 'end').map((n) => n.id));
    const branchNodes = new Set([...inBranch.values()].flatMap((s) => [...s]));
    return model.edges.map((e) => {
      const from = kindOf.get(e.from);
      const exclusive = from?.type === 'exclusive';
      const label = exclusive ? (e.isDefault ? '默认' : e.when ? e.when : '（缺条件）') : [e.on && (outcomeLabels[e.on] ?? e.on), e.name].filter(Boolean).join('：');
      const step = marks.edges.get(e.index);
      const cls = [
        'flow-edge',
        problems.edges.has(e.index) ? 'has-problem' : '',
        step !== undefined ? 'taken' : '',
        from?.type === 'parallel' || kindOf.get(e.to)?.type === 'join' ? 'branch' : '',
        branchNodes.has(e.from) && ends.has(e.to) ? 'ends-case' : '',
        e.isDefault ? 'default' : '',
      ].filter(Boolean).join(' ');
      return {
        id: 'e' + e.index, source: e.from, target: e.to, sourceHandle: e.handle, type: 'smoothstep', className: cls,
        label: [step !== undefined ? `第${step}步` : '', label, branchNodes.has(e.from) && ends.has(e.to) ? '（终止办件）' : ''].filter(Boolean).join(' '),
        markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14, color: step !== undefined ? '#237804' : '#8c97a8' }, selected: selection !== null && 'edge' in selection && selection.edge === e.index,
        data: { index: e.index, problems: problems.edges.get(e.index) ?? [] },
        ariaLabel: `连线 ${e.from} → ${e.to}` + (problems.edges.get(e.index)?.length ? '：' + problems.edges.get(e.index)!.join('；') : ''),
      };
    });
  }, [model, marks, problems, inBranch, selection]);

  const edit = useCallback((label: string, f: (w: JObject) => void) => store.getState().edit(label, (files) => f(files[WORKFLOW] as JObject)), [store]);
  const picture = () => Object.fromEntries(rfNodes.map((n) => [n.id, n.position]));

  const onNodesChange = useCallback((changes: NodeChange<KindFlowNode>[]) => {
    setRfNodes((nds) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), nds));
    const done = changes.filter((c) => c.type === 'position' && c.dragging === false && c.position);
    if (done.length) {
      const moved = Object.fromEntries(done.map((c) => [(c as { id: string }).id, (c as { position: Point }).position]));
      edit('移动节点', (w) => keepLayout(w, moved, picture()));
    }
  }, [edit, rfNodes]); // eslint-disable-line react-hooks/exhaustive-deps

  const kindById = useCallback((id: string) => model.nodes.find((n) => n.id === id)?.kind, [model]);
  const used = useCallback((s: string, o: string) => model.edges.some((e) => e.from === s && e.on === o), [model]);
  const isValidConnection: IsValidConnection = useCallback((c) => validConnection(c, kindById, used), [kindById, used]);
  const onConnect: OnConnect = useCallback((c) => {
    if (validConnection(c, kindById, used)) edit(`新增连线 ${c.source} → ${c.target}`, (w) => connect(w, c.source, c.sourceHandle ?? OUT, c.target));
  }, [edit, kindById, used]);

  const drop = (kind: string, at?: Point) => {
    const all = rfNodes.map((n) => n.position);
    const anchor = rfNodes.find((n) => selection && 'node' in selection && n.id === selection.node)?.position
      ?? all.reduce<Point | undefined>((m, q) => (!m || q.x > m.x ? q : m), undefined);
    const p = at ?? (anchor ? freeSpot(anchor, all) : { x: 0, y: 0 });
    let id = '';
    edit(`添加${kindLabels[kind] ?? kind}`, (w) => {
      id = addNode(w, kind);
      keepLayout(w, { [id]: p }, picture());
    });
    setSelection({ node: id });
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const kind = e.dataTransfer.getData('application/x-tongban-kind');
    if (kind) drop(kind, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };

  const locate = (p: Problem) => {
    const n = /^\/nodes\/(\d+)/.exec(p.pointer);
    const e = /^\/edges\/(\d+)/.exec(p.pointer);
    const id = n ? model.nodes[Number(n[1])]?.id : e ? model.edges[Number(e[1])]?.from : /^\/layout\/nodes\/([^/]+)/.exec(p.pointer)?.[1];
    if (e) setSelection({ edge: Number(e[1]) });
    else if (id) setSelection({ node: id });
    const pos = id ? rfNodes.find((x) => x.id === id) : undefined;
    if (pos) flow.setCenter(pos.position.x + 80, pos.position.y + 32, { zoom: 1.2, duration: 300 });
  };

  const wfProblems = (walk?.problems ?? []).filter((p) => p.file === WORKFLOW);
  const otherProblems = (walk?.problems ?? []).filter((p) => p.file !== WORKFLOW && p.severity === 'error').length;
  const selectedNode = selection && 'node' in selection ? model.nodes.find((n) => n.id === selection.node) : undefined;

  /** choose replays the steps before step i as taken and reports choice at step i. */
  const choose = (i: number, c: WalkChoice) => {
    const before = (walk?.steps ?? []).slice(1, i).map((s) => ({ node: s.node!, outcome: s.outcome, to: s.to }));
    setChoices([...before, c]);
  };

  return (
    <div className="flow-designer">
      <div className="flow-palette" aria-label="节点类型">
        <Typography.Text strong>添加节点</Typography.Text>
        {kindKeys.map((k) => (
          <Tooltip key={k} title={kinds[k].outcomes.length ? '结果：' + kinds[k].outcomes.map((o) => outcomeLabels[o] ?? o).join('、') : undefined} placement="right">
            <Button className={'flow-palette-item kind-' + k} draggable onDragStart={(e) => e.dataTransfer.setData('application/x-tongban-kind', k)} onClick={() => drop(k)}>
              {kindLabels[k] ?? k}
            </Button>
          </Tooltip>
        ))}
        <Button onClick={() => edit('自动排列', clearLayout)} disabled={!model.layout}>自动排列</Button>
        <Button onClick={() => { edit('新建空白流程', startOver); setSelection({ node: 'start' }); }}>新建空白流程</Button>
        {laidOut > 0 && <Typography.Text type="secondary" className="flow-figure">布局 {laidOut.toFixed(0)} ms</Typography.Text>}
      </div>
      <div className="flow-center">
        <div className="flow-canvas" onDrop={onDrop} onDragOver={(e) => e.preventDefault()}>
          <ReactFlow nodes={rfNodes} edges={rfEdges} nodeTypes={nodeTypes} onNodesChange={onNodesChange} onConnect={onConnect} isValidConnection={isValidConnection}
            onNodeClick={(_, n) => setSelection({ node: n.id })} onEdgeClick={(_, e) => setSelection({ edge: (e.data as { index: number }).index })}
            onPaneClick={() => setSelection(null)} fitView minZoom={0.1} deleteKeyCode={['Delete', 'Backspace']}
            onDelete={({ nodes, edges }) => {
              if (nodes.length) edit('删除节点', (w) => removeNodes(w, nodes.map((n) => n.id)));
              else if (edges.length) edit('删除连线', (w) => removeEdges(w, edges.map((x) => (x.data as { index: number }).index)));
              setSelection(null);
            }}>
            <Background />
            <Controls />
            <MiniMap pannable zoomable ariaLabel="流程缩略图" />
          </ReactFlow>
        </div>
        <div className="flow-below">
          <div className="flow-problems" aria-label="流程检查">
            <Typography.Text strong>检查</Typography.Text>{' '}
            {walk && wfProblems.length === 0 && <Tag color="green">流程没有问题</Tag>}
            {otherProblems > 0 && <Tag color="orange">其他文件还有 {otherProblems} 个错误（见“检查与发布”）</Tag>}
            {wfProblems.length > 0 && <List size="small" dataSource={wfProblems} renderItem={(p) => (
              <List.Item className="flow-problem">
                <a onClick={() => locate(p)} role="button" tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && locate(p)}>
                  <Tag color={p.severity === 'error' ? 'red' : 'orange'}>{p.severity === 'error' ? '错误' : '警告'}</Tag>
                  {p.pointer} {p.message}
                </a>
              </List.Item>
            )} />}
          </div>
          <div className="flow-walk" aria-label="逐步走查">
            <Space>
              <Typography.Text strong>逐步走查</Typography.Text>
              <Switch aria-label="逐步走查（用示例数据运行引擎）" checked={walking} onChange={(v) => { setWalking(v); setChoices([]); }} />
              {walking && <Button size="small" onClick={() => setChoices([])}>重新走查</Button>}
            </Space>
            {walking && (
              <details className="flow-typed">
                <summary>用自填的申请数据走查（默认用示例数据 sample.json）</summary>
                <Input.TextArea aria-label="走查用的申请数据（JSON）" rows={4} value={typed} placeholder='{"businessName": "…"}'
                  status={form.ok ? undefined : 'error'} onChange={(e) => { setTyped(e.target.value); setChoices([]); }} />
                {!form.ok && <Typography.Text type="danger">不是有效的 JSON</Typography.Text>}
              </details>
            )}
            {walkError && <Alert type="error" showIcon title={walkError} />}
            {walking && walk && (
              walk.problems.some((p) => p.severity === 'error') ? <Empty description="草稿有错误，修正后才能走查" /> :
              walk.errors.length > 0 ? <Alert type="warning" showIcon title="示例数据未通过表单校验" description={walk.errors.map((e) => `${e.pointer} ${e.message}`).join('；')} /> : (
                <ol className="flow-steps">
                  {walk.steps.map((s, i) => (
                    <li key={i} className={'flow-step action-' + s.action}>
                      <span className="flow-step-no">{i}.</span>
                      {s.action === 'start' ? '开始' : <>
                        {model.nodes.find((n) => n.id === s.node)?.name ?? s.node}（{s.node}）：
                        <Select size="small" aria-label={`第 ${i} 步「${s.node}」的办理结果`} value={s.outcome === 'return' ? 'return:' + s.to : s.outcome} style={{ minWidth: 120 }}
                          onChange={(v: string) => choose(i, v.startsWith('return:') ? { node: s.node!, outcome: 'return', to: v.slice(7) } : { node: s.node!, outcome: v })}
                          options={(s.choices ?? []).flatMap((c) => c === 'return' ? (s.returnTo ?? []).map((t) => ({ value: 'return:' + t, label: `退回到 ${t}` })) : [{ value: c, label: outcomeLabels[c] ?? (c || '完成') }])} />
                      </>}
                      <details>
                        <summary>引擎轨迹</summary>
                        <pre>{[s.line, ...s.effects.map((e) => e.line)].join('\n')}</pre>
                      </details>
                    </li>
                  ))}
                  <li className="flow-step-end">
                    {walk.result ? <Tag color={walk.result === 'approved' ? 'green' : 'red'}>办结：{({ approved: '准予', denied: '不予许可', 'not-accepted': '不予受理' } as Record<string, string>)[walk.result] ?? walk.result}</Tag>
                      : walk.stopped ? <Tag color="red">{walk.stopped}</Tag> : <Tag>等待：{walk.waiting.join('、')}</Tag>}
                  </li>
                </ol>
              )
            )}
          </div>
        </div>
      </div>
      <div className="flow-side">
        {selectedNode ? <NodePanel key={selectedNode.id} index={selectedNode.index} options={options} onSelect={(id) => setSelection(id ? { node: id } : null)} onSelectEdge={(i) => setSelection({ edge: i })} />
          : selection && 'edge' in selection ? <EdgePanel key={selection.edge} index={selection.edge} onSelect={() => setSelection(null)} />
          : <Typography.Paragraph type="secondary">从左侧添加节点；从节点右侧的结果把手拖到另一个节点即连线（节点没有的结果不能连）。点选节点或连线编辑属性；拖动节点后位置保存在 workflow.json 的 layout 中。</Typography.Paragraph>}
      </div>
    </div>
  );
}

/** WorkflowDesigner is the workflow page of a matter's draft. */
export default function WorkflowDesigner({ slug }: { slug: string }) {
  const has = useDraft((s) => s.trees[WORKFLOW] !== undefined);
  if (!has) return <Empty description="草稿没有 workflow.json（或其 JSON 有误，请在“原文 JSON”中修正）" />;
  return (
    <ReactFlowProvider>
      <Canvas slug={slug} />
    </ReactFlowProvider>
  );
}
