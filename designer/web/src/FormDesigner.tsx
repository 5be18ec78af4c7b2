// The form designer: a palette of every widget the format allows, the form's sections with
// their fields (drag to place and reorder, or the keyboard: Alt+↑/↓ moves, Delete removes),
// and the property panel of the selected field, generated from the schemas.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { App, Button, Empty, Form, Input, List, Modal, Space, Switch, Typography } from 'antd';
import { closestCenter, DndContext, KeyboardSensor, PointerSensor, useDraggable, useDroppable, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import uiSchema from '../../../definitions/schema/form.ui.schema.json';
import { useDraft, useDraftApi } from './draft';
import { pointerOf } from './json/tree';
import { addField, isRequired, layout, moveField, planRename, removeField, renameField, reuseLayout, schemaPointer, setRequired, splitPath, SCHEMA, UI, type Container, type FieldNode, type RenamePlan, type Section } from './model/form';
import { PrefillRules } from './Prefill';
import { SchemaForm, type Schema } from './SchemaForm';

const widgetNames: Record<string, string> = {
  text: '单行文本', textarea: '多行文本', number: '数字', amount: '金额', date: '日期', select: '下拉选择', radio: '单选', checkbox: '勾选',
  'id-card': '身份证号', uscc: '统一社会信用代码', mobile: '手机号码', division: '行政区划', address: '地址', rows: '可重复行', section: '分组（对象）',
  hidden: '隐藏字段', list: '自由文本列表',
};

/** The palette: every widget form.ui.json may name (from the format's schema), and the free-text list. */
const palette: string[] = [...(uiSchema.properties.fields.additionalProperties.properties.widget.enum as string[]), 'list'];

/** The JSON Schema keywords a field's data may use, with their Chinese names. */
const fieldSchema: Schema = {
  properties: {
    title: { type: 'string', title: '标题' },
    description: { type: 'string', title: '说明' },
    format: { type: 'string', title: '格式', enum: ['date', 'cn-id-card', 'cn-uscc', 'cn-mobile', 'cn-division', 'email'] },
    enum: { type: 'array', title: '选项', items: { type: 'string' } },
    minimum: { type: 'number', title: '最小值' },
    maximum: { type: 'number', title: '最大值' },
    minLength: { type: 'integer', title: '最少字数' },
    maxLength: { type: 'integer', title: '最多字数' },
    pattern: { type: 'string', title: '格式规则（正则表达式）', description: '不符合时提示的文字写在“说明”里' },
    default: { type: 'string', title: '默认值' },
  },
};

const uiFieldSchema = uiSchema.properties.fields.additionalProperties as Schema;

// The sensors' options are constants: options made anew at each render make new sensors, and
// new sensors a new drag context, which renders every row again.
const pointerOptions = { activationConstraint: { distance: 5 } };
const keyboardOptions = { coordinateGetter: sortableKeyboardCoordinates };

type Where = { container: string; into: Container; index: number };

function containerKey(into: Container): string {
  return 'section' in into ? `s:${into.section}` : `p:${into.parent}`;
}

const Palette = memo(function Palette({ onAdd }: { onAdd(widget: string): void }) {
  return (
    <nav className="palette" aria-label="控件">
      <Typography.Title level={5}>控件</Typography.Title>
      {palette.map((w) => (
        <PaletteItem key={w} widget={w} onAdd={onAdd} />
      ))}
    </nav>
  );
});

function PaletteItem({ widget, onAdd }: { widget: string; onAdd(widget: string): void }) {
  const { attributes, listeners, setNodeRef } = useDraggable({ id: `new:${widget}` });
  return (
    <Button ref={setNodeRef} {...listeners} {...attributes} onClick={() => onAdd(widget)} autoInsertSpace={false} aria-label={`添加${widgetNames[widget] ?? widget}`}>
      {widgetNames[widget] ?? widget}
    </Button>
  );
}

/** containerOf is the container a containerKey names. */
function containerOf(key: string): Container {
  return key.startsWith('s:') ? { section: key.slice(2) } : { parent: key.slice(2) };
}

/** selectedWithin passes the selection down to a row only when it is that row or below it, so that selecting re-renders two rows. */
function selectedWithin(selected: string, path: string): string {
  return selected === path || selected.startsWith(path + '.') || selected.startsWith(path + '[].') ? selected : '';
}

interface RowProps {
  node: FieldNode;
  container: string;
  index: number;
  selected: string;
  onSelect(p: string): void;
  onKey(e: KeyboardEvent, node: FieldNode, into: Container, index: number): void;
}

// Rows are memoised: their props are the field's node (kept while the field is unchanged),
// strings and stable callbacks, so a keystroke in one field's panel renders one row.
const FieldRow = memo(function FieldRow({ node, container, index, selected, onSelect, onKey }: RowProps) {
  const into = useMemo(() => containerOf(container), [container]);
  const { attributes, listeners, setNodeRef, transform, transition } = useSortable({ id: `f:${node.path}`, data: { into, index } });
  const style = { transform: CSS.Transform.toString(transform), transition };
  const kind = widgetNames[node.widget] ?? (node.widget || '自动');
  return (
    <div>
      <div ref={setNodeRef} style={style} {...attributes} {...listeners} className={'field-row' + (selected === node.path ? ' selected' : '')} role="button"
        aria-label={`${node.title} ${kind} ${node.key}`} onClick={() => onSelect(node.path)} onKeyDown={(e) => onKey(e, node, into, index)}>
        <RowLabel title={node.title} kind={kind} fieldKey={node.key} />
      </div>
      {node.kind !== 'field' && (
        <div className="field-children">
          <Fields nodes={node.children} container={containerKey({ parent: node.path })} selected={selected} onSelect={onSelect} onKey={onKey} />
        </div>
      )}
    </div>
  );
});

/** RowLabel is what a row shows, in plain elements: hundreds of rows render it, and the sortable's re-renders skip it. */
const RowLabel = memo(function RowLabel({ title, kind, fieldKey }: { title: string; kind: string; fieldKey: string }) {
  return (
    <>
      <span className="title">{title}</span>
      <span className="kind">{kind}</span>
      <span className="key">{fieldKey}</span>
    </>
  );
});

function Fields({ nodes, container, selected, onSelect, onKey }: Omit<RowProps, 'node' | 'index'> & { nodes: FieldNode[] }) {
  const { setNodeRef } = useDroppable({ id: `c:${container}`, data: { into: containerOf(container), index: nodes.length } });
  // The sortable context's items by value: a new array of the same ids would re-render every row.
  const joined = nodes.map((n) => `f:${n.path}`).join('\n');
  const items = useMemo(() => (joined ? joined.split('\n') : []), [joined]);
  return (
    <SortableContext items={items} strategy={verticalListSortingStrategy}>
      <div ref={setNodeRef} style={{ minHeight: 24 }}>
        {nodes.map((n, i) => (
          <FieldRow key={n.path} node={n} container={container} index={i} selected={selectedWithin(selected, n.path)} onSelect={onSelect} onKey={onKey} />
        ))}
        {nodes.length === 0 && <Typography.Text type="secondary">拖入或点击左侧控件添加字段</Typography.Text>}
      </div>
    </SortableContext>
  );
}

function newKey(widget: string, taken: (k: string) => boolean): string {
  const stem = (widget.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) || 'field') + 'Field';
  for (let i = 1; ; i++) if (!taken(stem + i)) return stem + i;
}

export default function FormDesigner({ focus }: { focus: string | null }) {
  const { message } = App.useApp();
  const store = useDraftApi();
  const schemaTree = useDraft((s) => s.trees[SCHEMA]);
  const uiTree = useDraft((s) => s.trees[UI]);
  const shown = useRef<Section[]>([]);
  const sections = useMemo(() => {
    const next = schemaTree && uiTree ? layout({ [SCHEMA]: schemaTree, [UI]: uiTree }) : [];
    return (shown.current = reuseLayout(shown.current, next));
  }, [schemaTree, uiTree]);
  const [selected, setSelected] = useState('');
  const [target, setTarget] = useState<Where | null>(null);
  useEffect(() => {
    if (focus) setSelected(focus);
  }, [focus]);
  const sensors = useSensors(useSensor(PointerSensor, pointerOptions), useSensor(KeyboardSensor, keyboardOptions));

  const run = (label: string, f: Parameters<ReturnType<typeof store.getState>['edit']>[1]) => {
    try {
      store.getState().edit(label, f);
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const where = (): Where | null => target ?? (sections[0] ? { container: `s:${sections[0].id}`, into: { section: sections[0].id }, index: sections[0].fields.length } : null);
  const add = (widget: string, at = where()) => {
    if (!at) return message.warning('请先在 form.ui.json 中建一个分组');
    let path = '';
    run(`添加${widgetNames[widget] ?? widget}`, (files) => {
      const taken = (k: string) => JSON.stringify(files[SCHEMA]).includes(`"${k}"`);
      path = addField(files, { widget, key: newKey(widget, taken), title: widgetNames[widget] ?? widget, into: at.into, index: at.index });
    });
    if (!path) return;
    setSelected(path);
    // The next field added to the same place goes after this one.
    setTarget((t) => (t && t.container === at.container ? { ...t, index: at.index + 1 } : t));
  };
  const move = (path: string, into: Container, index: number) => run('移动字段', (files) => moveField(files, path, into, index));
  const remove = (path: string) => {
    const plan = planRename(store.getState().trees, path, path);
    const refs = [...plan.changes, ...plan.breaks];
    Modal.confirm({
      title: `删除字段“${path}”？`,
      content: refs.length ? `以下 ${refs.length} 处仍引用它，删除后检查会报错：${refs.map((r) => r.file + r.pointer).join('、')}` : '没有其他地方引用它。',
      okText: '删除', cancelText: '取消', okButtonProps: { danger: true },
      onOk: () => {
        run('删除字段', (files) => removeField(files, path));
        setSelected('');
      },
    });
  };
  const onKey = (e: KeyboardEvent, node: FieldNode, into: Container, index: number) => {
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      move(node.path, into, index + (e.key === 'ArrowUp' ? -1 : 1));
    } else if (e.key === 'Delete') {
      e.preventDefault();
      remove(node.path);
    } else if (e.key === 'Enter') {
      setSelected(node.path);
      if (node.kind !== 'field') setTarget({ container: containerKey({ parent: node.path }), into: { parent: node.path }, index: node.children.length });
    }
  };
  // The rows and the panel get callbacks that never change and call the latest handlers.
  const latest = useRef({ add, onKey, remove });
  latest.current = { add, onKey, remove };
  const stableRemove = useCallback((p: string) => latest.current.remove(p), []);
  const stableKey = useCallback((e: KeyboardEvent, node: FieldNode, into: Container, index: number) => latest.current.onKey(e, node, into, index), []);
  const stableAdd = useCallback((w: string) => void latest.current.add(w), []);
  const onDragEnd = (e: DragEndEvent) => {
    if (!e.over) return;
    const over = e.over.data.current as { into: Container; index: number } | undefined;
    if (!over) return;
    const id = String(e.active.id);
    if (id.startsWith('new:')) return add(id.slice(4), { container: containerKey(over.into), into: over.into, index: over.index });
    const from = e.active.data.current as { into: Container; index: number };
    const path = id.slice(2);
    if (containerKey(from.into) === containerKey(over.into) || ('section' in from.into && 'section' in over.into)) move(path, over.into, over.index);
    else message.info('移入其他对象会改变字段路径：请在属性面板中用“重命名”');
  };
  return (
    <div className="designer">
      <Palette onAdd={stableAdd} />
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
        <div aria-label="表单结构">
          <Typography.Paragraph type="secondary">
            点击控件添加到{target ? `“${target.container.slice(2)}”` : '第一个分组'}；选中字段后 Alt+↑/↓ 移动，Delete 删除，在分组或可重复行上按 Enter 把新字段加到其中。
          </Typography.Paragraph>
          {sections.map((s) => (
            <section key={s.id} className="section-box" aria-label={s.title}>
              <Space>
                <Typography.Title level={5} style={{ margin: 0 }}>{s.title}</Typography.Title>
                <Button size="small" type={target?.container === `s:${s.id}` ? 'primary' : 'default'} onClick={() => setTarget({ container: `s:${s.id}`, into: { section: s.id }, index: s.fields.length })}>
                  新字段加到这里
                </Button>
              </Space>
              <Fields nodes={s.fields} container={`s:${s.id}`} selected={selected} onSelect={setSelected} onKey={stableKey} />
            </section>
          ))}
        </div>
      </DndContext>
      <aside aria-label="字段属性">{selected ? <FieldPanel key={selected} path={selected} onRemove={stableRemove} onRenamed={setSelected} /> : <Empty description="选择一个字段查看属性" />}</aside>
    </div>
  );
}

// The panel is memoised: it renders from the store itself, so the designer's re-render at each
// keystroke does not render its dozens of controls again.
const FieldPanel = memo(function FieldPanel({ path, onRemove, onRenamed }: { path: string; onRemove(p: string): void; onRenamed(p: string): void }) {
  const { message } = App.useApp();
  const store = useDraftApi();
  const required = useDraft((s) => (s.trees[SCHEMA] ? isRequired(s.trees, path) : false));
  const [name, setName] = useState(path);
  const [plan, setPlan] = useState<RenamePlan | null>(null);
  const { key } = splitPath(path);
  const rename = (force: boolean) => {
    try {
      let result: RenamePlan | undefined;
      store.getState().edit(`重命名 ${path} 为 ${name}`, (files) => void (result = renameField(files, path, name, force)));
      if (result && result.breaks.length && !force) return setPlan(result);
      setPlan(null);
      message.success(`已重命名，更新了 ${result?.changes.length ?? 0} 处引用`);
      onRenamed(name);
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Title level={5}>{key}</Typography.Title>
      <Form layout="vertical" component="div">
        <Form.Item label="字段路径（重命名会更新所有引用）" htmlFor="field-path">
          <Space.Compact style={{ width: '100%' }}>
            <Input id="field-path" value={name} onChange={(e) => setName(e.target.value)} />
            <Button disabled={name === path} onClick={() => setPlan(planRename(store.getState().trees, path, name))}>重命名…</Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item label="必填" htmlFor="field-required">
          <Switch id="field-required" checked={required} onChange={(v) => store.getState().edit(v ? '设为必填' : '取消必填', (f) => setRequired(f, path, v))} />
        </Form.Item>
      </Form>
      <SchemaForm file={SCHEMA} pointer={schemaPointer(path)} schema={fieldSchema} />
      <Typography.Title level={5}>界面</Typography.Title>
      <SchemaForm file={UI} pointer={pointerOf(['fields', path])} schema={uiFieldSchema} />
      <PrefillRules path={path} />
      <Button danger onClick={() => onRemove(path)}>删除字段</Button>
      <Modal open={!!plan} title={`重命名 ${path} → ${name}`} okText={plan?.breaks.length ? '仍然重命名' : '重命名'} cancelText="取消" onCancel={() => setPlan(null)} onOk={() => rename(!!plan?.breaks.length)}>
        <Typography.Paragraph>将更新 {plan?.changes.length ?? 0} 处引用。</Typography.Paragraph>
        <List size="small" dataSource={plan?.changes ?? []} renderItem={(c) => <List.Item>{c.file}{c.pointer}：{c.before} → {c.after}</List.Item>} />
        {!!plan?.breaks.length && (
          <>
            <Typography.Paragraph type="danger">以下引用无法自动更新，重命名后会失效：</Typography.Paragraph>
            <List size="small" dataSource={plan.breaks} renderItem={(c) => <List.Item>{c.file}{c.pointer}：{c.before}</List.Item>} />
          </>
        )}
      </Modal>
    </Space>
  );
});
