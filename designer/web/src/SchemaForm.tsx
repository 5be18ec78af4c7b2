// A property panel generated from the format's own JSON Schemas (definitions/schema/): each
// property's title and description label a control chosen by its type, so that a field added
// to the format appears here without studio code. It edits the draft's tree at a pointer, key
// by key, so keys it does not show (unknown ones included) stay as they are.
import { createContext, useContext, useId } from 'react';
import { Button, Card, Form, Input, InputNumber, Select, Space, Switch, Tooltip } from 'antd';
import { at, fromPlain, isNumber, setAt, toPlain, type J } from './json/tree';
import { useDraft, useDraftApi } from './draft';
import { ExprInput } from './expr/ExprInput';
import type { Name } from './expr/vocab';

export interface Schema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
}

/** The editing context of expressions: which draft, and what they may name. */
export const ExprContext = createContext<{ slug: string; names(): Name[]; unsaved(): Record<string, string> }>({ slug: '', names: () => [], unsaved: () => ({}) });

/** isExpression tells a string property that holds an expression, by the format's own title. */
export function isExpression(key: string, s: Schema): boolean {
  return /表达式/.test(s.title ?? '') || /表达式/.test(s.description ?? '') || (key === 'condition' && s.type === 'string');
}

/** valueTypes are the types a sibling "type" may give an untyped value. */
const valueTypes = ['number', 'integer', 'string', 'boolean'];

/** pointerId is the element id of the control at a file's pointer, for click-to-locate. */
export function pointerId(file: string, pointer: string): string {
  return 'at-' + (file + pointer).replace(/[^A-Za-z0-9_-]/g, (c) => '_' + c.charCodeAt(0).toString(16));
}

interface Props {
  file: string;
  pointer: string;
  schema: Schema;
  only?: string[];
}

function Control({ file, pointer, name, schema }: { file: string; pointer: string; name: string; schema: Schema }) {
  const store = useDraftApi();
  const value = useDraft((s) => at(s.trees[file], pointer));
  const expr = useContext(ExprContext);
  const id = pointerId(file, pointer);
  const put = (v: J | undefined) => store.getState().edit(`修改“${schema.title ?? name}”`, (files) => setAt(files[file], pointer, v));
  // A value with no type of its own (a parameter's value) takes the one its object's "type" names.
  const sibling = useDraft((s) => (schema.type === undefined ? at(s.trees[file], pointer.slice(0, pointer.lastIndexOf('/')) + '/type') : undefined));
  const label = schema.title ?? name;
  const type = Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? (typeof sibling === 'string' && valueTypes.includes(sibling) ? sibling : undefined));
  if (schema.enum) {
    return (
      <Select id={id} aria-label={label} allowClear value={value === undefined ? undefined : (toPlain(value) as string)} onChange={(v) => put(v === undefined ? undefined : fromPlain(v))}
        options={schema.enum.map((e) => ({ value: e as string, label: String(e) }))} />
    );
  }
  switch (type) {
    case 'boolean':
      return <Switch id={id} aria-label={label} checked={value === true} onChange={(v) => put(v)} />;
    case 'integer':
    case 'number':
      return (
        <InputNumber id={id} aria-label={label} style={{ width: '100%' }} min={schema.minimum} max={schema.maximum} precision={type === 'integer' ? 0 : undefined}
          value={isNumber(value) ? Number(value.raw) : null} onChange={(v) => put(v === null ? undefined : fromPlain(v))} />
      );
    case 'array':
      if (schema.items?.type === 'object') return <ArrayOfObjects file={file} pointer={pointer} schema={schema} />;
      return (
        <Select id={id} aria-label={label} mode="tags" value={Array.isArray(value) ? (toPlain(value) as string[]) : []} open={schema.items?.enum ? undefined : false}
          options={schema.items?.enum?.map((e) => ({ value: e as string, label: String(e) }))} onChange={(v: string[]) => put(v.length ? v : undefined)} />
      );
    case 'object':
      if (schema.properties) return <SchemaForm file={file} pointer={pointer} schema={schema} />;
      return <Input.TextArea id={id} aria-label={label} readOnly value={value === undefined ? '' : JSON.stringify(toPlain(value))} />;
  }
  const text = typeof value === 'string' ? value : '';
  if (isExpression(name, schema))
    return <div id={id}><ExprInput label={label} value={text} onChange={(v) => put(v || undefined)} slug={expr.slug} file={file} pointer={pointer} names={expr.names} unsaved={expr.unsaved} /></div>;
  return <Input id={id} aria-label={label} value={text} pattern={schema.pattern} onChange={(e) => put(e.target.value === '' ? undefined : e.target.value)} />;
}

function ArrayOfObjects({ file, pointer, schema }: { file: string; pointer: string; schema: Schema }) {
  const store = useDraftApi();
  const n = useDraft((s) => {
    const v = at(s.trees[file], pointer);
    return Array.isArray(v) ? v.length : 0;
  });
  const label = schema.title ?? '';
  const edit = (what: string, f: (list: J[]) => void) =>
    store.getState().edit(what, (files) => {
      let list = at(files[file], pointer);
      if (!Array.isArray(list)) {
        setAt(files[file], pointer, []);
        list = at(files[file], pointer);
      }
      f(list as J[]);
    });
  const move = (i: number, d: number) => edit(`移动${label}`, (l) => l.splice(i + d, 0, ...l.splice(i, 1)));
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {Array.from({ length: n }, (_, i) => (
        <Card key={i} size="small" id={pointerId(file, `${pointer}/${i}`)} tabIndex={-1}
          title={<ItemTitle file={file} pointer={`${pointer}/${i}`} fallback={`${label} ${i + 1}`} />}
          extra={
            <Space>
              <Button size="small" aria-label="上移" disabled={i === 0} onClick={() => move(i, -1)}>↑</Button>
              <Button size="small" aria-label="下移" disabled={i === n - 1} onClick={() => move(i, 1)}>↓</Button>
              <Button size="small" danger onClick={() => edit(`删除${label}`, (l) => l.splice(i, 1))}>删除</Button>
            </Space>
          }>
          <SchemaForm file={file} pointer={`${pointer}/${i}`} schema={schema.items!} />
        </Card>
      ))}
      <Button onClick={() => edit(`添加${label}`, (l) => l.push(fromPlain({})))}>添加{label}</Button>
    </Space>
  );
}

function ItemTitle({ file, pointer, fallback }: { file: string; pointer: string; fallback: string }) {
  const name = useDraft((s) => at(s.trees[file], pointer + '/name') ?? at(s.trees[file], pointer + '/id') ?? at(s.trees[file], pointer + '/question'));
  return <>{typeof name === 'string' && name ? name : fallback}</>;
}

/** SchemaForm is the panel for the object at pointer: one labelled control per property of its schema. */
export function SchemaForm({ file, pointer, schema, only }: Props) {
  const base = useId();
  const entries = Object.entries(schema.properties ?? {}).filter(([k]) => k !== '$schema' && (!only || only.includes(k)));
  return (
    <Form layout="vertical" component="div">
      {entries.map(([k, s]) => (
        <Form.Item key={k} label={<Tooltip title={s.description}>{(s.title ?? k) + (schema.required?.includes(k) ? ' *' : '')}</Tooltip>} htmlFor={pointerId(file, `${pointer}/${k}`)} help={s.description} id={`${base}-${k}`}>
          <Control file={file} pointer={`${pointer}/${k}`} name={k} schema={s} />
        </Form.Item>
      ))}
    </Form>
  );
}
