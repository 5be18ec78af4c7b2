// The property panels of the workflow designer: generated from the format schema (SchemaForm)
// for the fields of the node's kind, with pickers where a field names something else — an org
// and its role from orgs.json, a join node, a push connector, a print template — and durations
// as days with working/natural counting.
import { Button, Form, InputNumber, Select, Space, Switch, Typography } from 'antd';
import matterSchema from '../../../../definitions/schema/matter.schema.json';
import type { WorkflowOptions } from '../api';
import { useDraft, useDraftApi } from '../draft';
import { at, get, isNumber, isObject, num, obj, setAt, str, type J, type JObject } from '../json/tree';
import { pointerId, SchemaForm, type Schema } from '../SchemaForm';
import { edgeSchema, fieldsOf, kindLabels, kinds, OUT, outcomeLabels, validConnection, nodeSchema } from './kinds';
import { connect, edgesOf, nodesOf, removeEdges, removeNodes, renameNode, setDefault, WORKFLOW } from './model';
import { useMemo, useState } from 'react';

/** Fields with a control of their own; the rest come from the schema as they are. */
const special = new Set(['assignee', 'escalation', 'limitDays', 'waitDays', 'join', 'connector', 'template']);

function useEdit() {
  const store = useDraftApi();
  return (label: string, f: (wf: JObject) => void) => store.getState().edit(label, (files) => f(files[WORKFLOW] as JObject));
}

function put(edit: ReturnType<typeof useEdit>, label: string, pointer: string, v: J | undefined) {
  edit(label, (wf) => setAt(wf, pointer, v));
}

/** Assignee picks an org (empty: the implementing org) and one of its roles from orgs.json; a
 * person's step may instead compute its org from the case (orgFrom) with a fallback org. */
function Assignee({ pointer, label, options, computed }: { pointer: string; label: string; options: WorkflowOptions; computed?: boolean }) {
  const edit = useEdit();
  const value = useDraft((s) => at(s.trees[WORKFLOW], pointer));
  const org = str(get(value, 'org'));
  const role = str(get(value, 'role'));
  const fallback = str(get(value, 'fallback'));
  const roles = options.orgs.find((o) => o.code === (org || fallback || options.implementingOrg))?.roles ?? [];
  const orgOptions = options.orgs.map((o) => ({ value: o.code, label: `${o.name}（${o.code}）` }));
  const setKey = (key: string, v: string | undefined) =>
    edit(`修改${label}`, (wf) => {
      if (!isObject(at(wf, pointer))) setAt(wf, pointer, obj());
      setAt(wf, `${pointer}/${key}`, v || undefined);
    });
  const id = pointerId(WORKFLOW, pointer);
  return (
    <Form.Item label={label} htmlFor={id + '-org'}>
      <Space.Compact style={{ width: '100%' }} id={id}>
        <Select id={id + '-org'} aria-label={`${label}：机构`} style={{ width: '60%' }} showSearch optionFilterProp="label" allowClear
          placeholder={`实施机构（${options.implementingOrg}）`} value={org || undefined} onChange={(v) => setKey('org', v)}
          options={orgOptions} />
        <Select aria-label={`${label}：岗位`} style={{ width: '40%' }} placeholder="岗位" value={role || undefined}
          onChange={(v) => setKey('role', v)} options={roles.map((r) => ({ value: r, label: r }))} />
      </Space.Compact>
      {computed && (
        <details className="flow-computed" open={!!str(get(value, 'orgFrom'))}>
          <summary>按办件确定机构（orgFrom）</summary>
          <SchemaForm file={WORKFLOW} pointer={pointer} schema={nodeSchema.properties.assignee} only={['orgFrom']} />
          <Select aria-label={`${label}：找不到时的机构`} style={{ width: '100%' }} showSearch optionFilterProp="label" allowClear placeholder="找不到时的机构（fallback）"
            value={fallback || undefined} onChange={(v) => setKey('fallback', v)} options={orgOptions} />
        </details>
      )}
    </Form.Item>
  );
}

function Duration({ pointer, schema }: { pointer: string; schema: Schema }) {
  const edit = useEdit();
  const value = useDraft((s) => at(s.trees[WORKFLOW], pointer));
  const days = isNumber(value) ? Number(value.raw) : isNumber(get(value, 'days')) ? Number((get(value, 'days') as { raw: string }).raw) : null;
  const natural = str(get(value, 'count')) === 'natural';
  const write = (d: number | null, nat: boolean) =>
    put(edit, `修改“${schema.title}”`, pointer, d === null ? undefined : nat ? obj([['days', num(d)], ['count', 'natural']]) : num(d));
  const id = pointerId(WORKFLOW, pointer);
  return (
    <Form.Item label={schema.title} help={schema.description} htmlFor={id}>
      <Space.Compact>
        <InputNumber id={id} aria-label={schema.title} min={0} precision={0} value={days} onChange={(d) => write(d, natural)} suffix="天" />
        <Select aria-label={`${schema.title}：计日方式`} value={natural ? 'natural' : 'working'} onChange={(c) => write(days ?? 0, c === 'natural')}
          options={[{ value: 'working', label: '工作日' }, { value: 'natural', label: '自然日' }]} />
      </Space.Compact>
    </Form.Item>
  );
}

function Pick({ pointer, schema, options }: { pointer: string; schema: Schema; options: { value: string; label: string }[] }) {
  const edit = useEdit();
  const value = useDraft((s) => str(at(s.trees[WORKFLOW], pointer)));
  const id = pointerId(WORKFLOW, pointer);
  return (
    <Form.Item label={schema.title} htmlFor={id}>
      <Select id={id} aria-label={schema.title} allowClear value={value || undefined} options={options}
        onChange={(v) => put(edit, `修改“${schema.title}”`, pointer, v || undefined)} />
    </Form.Item>
  );
}

/** NodePanel edits node index of workflow.json. */
export function NodePanel({ index, options, onSelect, onSelectEdge }: { index: number; options: WorkflowOptions; onSelect(id: string | null): void; onSelectEdge(index: number): void }) {
  const edit = useEdit();
  const wf = useDraft((s) => s.trees[WORKFLOW]);
  const trees = useDraft((s) => s.trees);
  const printNames = useMemo(() => Object.keys(trees).filter((n) => n.startsWith('print/')).map((n) => n.slice(6, -5)), [trees]);
  const nodes = nodesOf(wf);
  const edges = edgesOf(wf);
  const n = nodes[index];
  const [rename, setRename] = useState<string | null>(null);
  if (!n) return null;
  const at0 = `/nodes/${index}`;
  const props = nodeSchema.properties;
  const fields = fieldsOf(n.kind);
  const generic = fields.filter((f) => !special.has(f));
  const idOK = (v: string) => /^[a-z][a-zA-Z0-9]*$/.test(v) && !nodes.some((m) => m.id === v);
  const doRename = () => {
    if (rename !== null && rename !== n.id && idOK(rename)) {
      edit(`节点改名为 ${rename}`, (w) => renameNode(w, n.id, rename));
      onSelect(rename);
    }
    setRename(null);
  };
  return (
    <div className="flow-panel" aria-label="节点属性">
      <Typography.Title level={5}>{kindLabels[n.kind] ?? n.kind}</Typography.Title>
      <Form layout="vertical" component="div">
        <Form.Item label="节点标识" htmlFor={pointerId(WORKFLOW, at0 + '/id')} help={rename !== null && rename !== n.id && !idOK(rename) ? '以小写字母开头、只含字母数字，且不与其他节点重复' : undefined}>
          <input className="ant-input" id={pointerId(WORKFLOW, at0 + '/id')} value={rename ?? n.id} onChange={(e) => setRename(e.target.value)} onBlur={doRename}
            onKeyDown={(e) => e.key === 'Enter' && doRename()} />
        </Form.Item>
        {fields.includes('assignee') && <Assignee pointer={at0 + '/assignee'} label="办理人（机构+岗位）" options={options} computed />}
        {fields.includes('limitDays') && <Duration pointer={at0 + '/limitDays'} schema={props.limitDays} />}
        {fields.includes('waitDays') && <Duration pointer={at0 + '/waitDays'} schema={props.waitDays} />}
        {fields.includes('join') && <Pick pointer={at0 + '/join'} schema={props.join} options={nodes.filter((m) => m.type === 'join').map((m) => ({ value: m.id, label: `${m.name}（${m.id}）` }))} />}
        {fields.includes('connector') && <Pick pointer={at0 + '/connector'} schema={props.connector} options={options.connectors.map((c) => ({ value: c.name, label: `${c.title}（${c.name}）` }))} />}
        {fields.includes('template') && <Pick pointer={at0 + '/template'} schema={props.template} options={printNames.map((p) => ({ value: p, label: p }))} />}
        {fields.includes('escalation') && (
          <div className="section-box">
            <Duration pointer={at0 + '/escalation/afterDays'} schema={{ ...(props.escalation.properties?.afterDays ?? {}), title: '超时督办：超过多久后' }} />
            <Assignee pointer={at0 + '/escalation/to'} label="督办人" options={options} />
          </div>
        )}
      </Form>
      <SchemaForm file={WORKFLOW} pointer={at0} schema={nodeSchema} only={generic} />
      {n.type === 'certificate' && <SchemaForm file="matter.json" pointer="" schema={matterSchema as Schema} only={['licenseNumberPattern']} />}
      <Outgoing from={n.id} kind={n.kind} nodes={nodes} edges={edges} onSelectEdge={onSelectEdge} />
      <Button danger onClick={() => { edit(`删除节点 ${n.id}`, (w) => removeNodes(w, [n.id])); onSelect(null); }}>删除节点</Button>
    </div>
  );
}

/** Outgoing lists a node's edges and draws a new one without the mouse, refusing what the kind table refuses. */
function Outgoing({ from, kind, nodes, edges, onSelectEdge }: { from: string; kind: string; nodes: ReturnType<typeof nodesOf>; edges: ReturnType<typeof edgesOf>; onSelectEdge(index: number): void }) {
  const edit = useEdit();
  const outcomes = kinds[kind]?.outcomes.length ? kinds[kind].outcomes : [OUT];
  const kindById = (id: string) => nodes.find((m) => m.id === id)?.kind;
  const used = (s: string, o: string) => edges.some((e) => e.from === s && e.on === o);
  const free = outcomes.filter((o) => o === OUT || !used(from, o));
  const [handle, setHandle] = useState<string>();
  const [target, setTarget] = useState<string>();
  const h = handle && free.includes(handle) ? handle : free[0];
  const ok = !!h && !!target && validConnection({ source: from, sourceHandle: h, target }, kindById, used);
  if (kind === 'end') return null;
  return (
    <div className="section-box">
      <Typography.Text strong>出口连线</Typography.Text>
      <ul className="flow-out">
        {edges.filter((e) => e.from === from).map((e) => (
          <li key={e.index}>
            <Button type="link" size="small" onClick={() => onSelectEdge(e.index)}>
              {e.on ? (outcomeLabels[e.on] ?? e.on) + ' → ' : '→ '}{nodes.find((m) => m.id === e.to)?.name ?? e.to}（{e.to}）{e.isDefault ? '［默认］' : e.when ? '［' + e.when + '］' : ''}
            </Button>
          </li>
        ))}
      </ul>
      {free.length > 0 && (
        <Space.Compact style={{ width: '100%' }}>
          {outcomes[0] !== OUT && <Select aria-label="新连线的办理结果" style={{ width: '35%' }} value={h} onChange={setHandle} options={free.map((o) => ({ value: o, label: outcomeLabels[o] ?? o }))} />}
          <Select aria-label="新连线连到" style={{ width: '45%' }} placeholder="连到…" value={target} onChange={setTarget} showSearch optionFilterProp="label"
            options={nodes.filter((m) => m.id !== from && m.kind !== 'start').map((m) => ({ value: m.id, label: `${m.name}（${m.id}）` }))} />
          <Button disabled={!ok} onClick={() => { edit(`新增连线 ${from} → ${target}`, (w) => connect(w, from, h!, target!)); setTarget(undefined); }}>连线</Button>
        </Space.Compact>
      )}
    </div>
  );
}

/** EdgePanel edits edge index: its outcome, name, and from an exclusive node its condition or the default mark. */
export function EdgePanel({ index, onSelect }: { index: number; onSelect(): void }) {
  const edit = useEdit();
  const wf = useDraft((s) => s.trees[WORKFLOW]);
  const e = edgesOf(wf)[index];
  const nodes = nodesOf(wf);
  if (!e) return null;
  const from = nodes.find((m) => m.id === e.from);
  const to = nodes.find((m) => m.id === e.to);
  const outcomes = from ? kinds[from.kind]?.outcomes ?? [] : [];
  const p = `/edges/${index}`;
  const exclusive = from?.type === 'exclusive';
  return (
    <div className="flow-panel" aria-label="连线属性">
      <Typography.Title level={5}>连线：{from?.name ?? e.from} → {to?.name ?? e.to}</Typography.Title>
      {outcomes.length > 0 && (
        <Form layout="vertical" component="div">
          <Pick pointer={p + '/on'} schema={(edgeSchema.properties ?? {}).on} options={outcomes.map((o) => ({ value: o, label: `${outcomeLabels[o] ?? o}（${o}）` }))} />
        </Form>
      )}
      <SchemaForm file={WORKFLOW} pointer={p} schema={edgeSchema} only={['name']} />
      {exclusive && (
        <>
          <Form layout="vertical" component="div">
            <Form.Item label="默认分支（其他条件都不成立时走这条）" htmlFor={pointerId(WORKFLOW, p + '/default')}>
              <Switch id={pointerId(WORKFLOW, p + '/default')} checked={e.isDefault} onChange={(v) => edit(v ? '设为默认分支' : '取消默认分支', (w) => setDefault(w, index, v))} />
            </Form.Item>
          </Form>
          {!e.isDefault && <SchemaForm file={WORKFLOW} pointer={p} schema={edgeSchema} only={['when']} />}
        </>
      )}
      <Button danger onClick={() => { edit('删除连线', (w) => removeEdges(w, [index])); onSelect(); }}>删除连线</Button>
    </div>
  );
}

