import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Empty, Input, InputNumber, Select, Space, Spin, Table, Tag } from 'antd';
import GridLayout, { WidthProvider, type Layout } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import 'react-resizable/css/styles.css';
import './dashboard.css';
import { ApiError } from '../api';
import { WidgetView } from './WidgetView';
import { dashboards, GRID_COLUMNS, kindOf, RANGES, WIDGET_KINDS, type Dashboard, type DashboardSpec, type DashboardSummary, type Dataset, type Widget, type WidgetType } from './model';

const Grid = WidthProvider(GridLayout);
const ROW_HEIGHT = 30;

/** route reads #/dashboards, #/dashboards/<slug>, and …/view or …/screen. */
function route(): { slug?: string; mode: 'edit' | 'view' | 'screen' } {
  const m = /^#\/dashboards(?:\/([a-z0-9-]+)(?:\/(view|screen))?)?/.exec(window.location.hash);
  return { slug: m?.[1], mode: (m?.[2] as 'view' | 'screen') ?? 'edit' };
}

export default function DashboardPage() {
  const [r, setR] = useState(route);
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  useEffect(() => {
    dashboards.datasets().then((d) => setDatasets(d.items));
    const on = () => setR(route());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  if (!datasets) return <Spin description="正在载入…" />;
  if (!r.slug) return <DashboardList />;
  if (r.mode === 'edit') return <Builder key={r.slug} slug={r.slug} datasets={datasets} />;
  return <Viewer key={r.slug + r.mode} slug={r.slug} datasets={datasets} screen={r.mode === 'screen'} />;
}

function DashboardList() {
  const [items, setItems] = useState<DashboardSummary[] | null>(null);
  const [slug, setSlug] = useState('');
  useEffect(() => {
    dashboards.list().then((l) => setItems(l.items));
  }, []);
  return (
    <div>
      <h2>数据看板</h2>
      <Space style={{ marginBottom: 12 }}>
        <Input aria-label="新看板标识" placeholder="新看板标识，如 my-board" value={slug} onChange={(e) => setSlug(e.target.value.trim())} />
        <Button type="primary" disabled={!/^[a-z0-9][a-z0-9-]*$/.test(slug)} href={`#/dashboards/${slug}`}>
          新建看板
        </Button>
      </Space>
      <Table<DashboardSummary>
        rowKey="slug"
        loading={!items}
        dataSource={items ?? []}
        pagination={false}
        columns={[
          { title: '看板', dataIndex: 'title', render: (t, d) => <a href={`#/dashboards/${d.slug}`}>{t}</a> },
          { title: '已发布版本', dataIndex: 'published', render: (v: number) => (v ? `第 ${v} 版` : '未发布') },
          { title: '草稿', dataIndex: 'draft', render: (v: boolean) => (v ? <Tag color="gold">有草稿</Tag> : '—') },
          {
            title: '查看',
            key: 'view',
            render: (_, d) =>
              d.published ? (
                <Space>
                  <a href={`#/dashboards/${d.slug}/view`}>只读查看</a>
                  <a href={`#/dashboards/${d.slug}/screen`}>大屏</a>
                </Space>
              ) : null,
          },
        ]}
      />
    </div>
  );
}

function measureOf(datasets: Dataset[], w: Widget) {
  return datasets.find((d) => d.name === w.dataset)?.measures.find((m) => m.name === w.measure);
}

function Board({ spec, datasets, tick, dark }: { spec: DashboardSpec; datasets: Dataset[]; tick?: number; dark?: boolean }) {
  const layout = spec.widgets.map((w) => ({ i: w.id, x: w.x, y: w.y, w: w.w, h: w.h, static: true }));
  return (
    <Grid className="dash-grid" layout={layout} cols={GRID_COLUMNS} rowHeight={ROW_HEIGHT} isDraggable={false} isResizable={false}>
      {spec.widgets.map((w) => {
        const m = measureOf(datasets, w);
        return (
          <div key={w.id}>
            <WidgetView widget={w} measureType={m?.type} measureTitle={m?.title} tick={tick} dark={dark} />
          </div>
        );
      })}
    </Grid>
  );
}

function Viewer({ slug, datasets, screen }: { slug: string; datasets: Dataset[]; screen: boolean }) {
  const [d, setD] = useState<Dashboard | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const [at, setAt] = useState(() => new Date());
  useEffect(() => {
    dashboards.get(slug, 'newest').then(setD, (e: Error) => setError(e.message));
  }, [slug]);
  useEffect(() => {
    if (!screen || !d) return;
    const t = setInterval(() => (setTick((n) => n + 1), setAt(new Date())), (d.refresh || 60) * 1000);
    return () => clearInterval(t);
  }, [screen, d]);
  if (error) return <Alert type="error" showIcon title={error} />;
  if (!d) return <Spin description="正在载入…" />;
  const full = () => document.documentElement.requestFullscreen?.().catch(() => undefined);
  return (
    <div className={screen ? 'dash-screen' : 'dash-view'} data-testid={screen ? 'big-screen' : 'view'}>
      <header className="dash-title">
        <h2>{d.title}</h2>
        <span>第 {d.version} 版</span>
        {screen && <span aria-live="polite">数据更新于 {at.toLocaleTimeString('zh-CN', { hour12: false })}，每 {d.refresh || 60} 秒刷新</span>}
        <span style={{ flex: 1 }} />
        {screen ? <Button onClick={full}>全屏</Button> : <Button href={`#/dashboards/${slug}/screen`}>大屏模式</Button>}
        <Button href={screen ? `#/dashboards/${slug}/view` : '#/dashboards'}>{screen ? '退出大屏' : '返回列表'}</Button>
      </header>
      <Board spec={d} datasets={datasets} tick={tick} dark={screen} />
    </div>
  );
}

/** nextFree is the top-left place a widget of width w fits below or beside the others. */
function nextFree(widgets: Widget[], w: number): { x: number; y: number } {
  const bottom = Math.max(0, ...widgets.map((o) => o.y + o.h));
  const last = widgets.filter((o) => o.y + o.h === bottom);
  const right = Math.max(0, ...last.map((o) => o.x + o.w));
  if (last.length && right + w <= GRID_COLUMNS) return { x: right, y: Math.min(...last.map((o) => o.y)) };
  return { x: 0, y: bottom };
}

function Builder({ slug, datasets }: { slug: string; datasets: Dataset[] }) {
  const { message } = App.useApp();
  const [spec, setSpec] = useState<DashboardSpec | null>(null);
  const [published, setPublished] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const [fields, setFields] = useState<{ pointer: string; message: string }[]>([]);
  const [dragging, setDragging] = useState<WidgetType | null>(null);
  useEffect(() => {
    dashboards.get(slug, 'draft').then(
      (d) => setSpec(d),
      () =>
        dashboards.get(slug, 'newest').then(
          (d) => (setSpec(d), setPublished(d.version)),
          () => setSpec({ slug, title: '新看板', refresh: 60, widgets: [] }),
        ),
    );
    dashboards.list().then((l) => setPublished(l.items.find((i) => i.slug === slug)?.published ?? 0));
  }, [slug]);
  const change = (f: (s: DashboardSpec) => DashboardSpec) => (setSpec((s) => s && f(s)), setDirty(true));
  const add = (type: WidgetType, at?: { x: number; y: number }) => {
    const k = kindOf(type);
    change((s) => {
      let n = s.widgets.length + 1;
      while (s.widgets.some((w) => w.id === `w${n}`)) n++;
      const w: Widget = { id: `w${n}`, type, title: k.name, ...(at ?? nextFree(s.widgets, k.w)), w: k.w, h: k.h, range: '' };
      if (type === 'map') Object.assign(w, { dataset: 'cases', dimension: 'district', measure: 'count' });
      setSelected(w.id);
      return { ...s, widgets: [...s.widgets, w] };
    });
  };
  const onLayout = (l: Layout[]) =>
    spec &&
    l.some((p) => {
      const w = spec.widgets.find((o) => o.id === p.i);
      return w && (w.x !== p.x || w.y !== p.y || w.w !== p.w || w.h !== p.h);
    }) &&
    change((s) => ({ ...s, widgets: s.widgets.map((w) => {
      const p = l.find((o) => o.i === w.id);
      return p ? { ...w, x: p.x, y: p.y, w: p.w, h: p.h } : w;
    }) }));
  const save = async () => {
    try {
      const d = await dashboards.save(spec!);
      setSpec(d);
      setDirty(false);
      setFields([]);
      message.success('草稿已保存');
      return true;
    } catch (e) {
      setFields(e instanceof ApiError ? e.fields : []);
      message.error((e as Error).message);
      return false;
    }
  };
  const publish = async () => {
    if (dirty && !(await save())) return;
    try {
      const d = await dashboards.publish(slug);
      setPublished(d.version);
      message.success(`已发布第 ${d.version} 版`);
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const exportJSON = () => {
    const { slug: s, title, refresh, widgets } = spec!;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([JSON.stringify({ slug: s, title, refresh, widgets }, null, 2)], { type: 'application/json' }));
    a.download = `${s}.json`;
    a.click();
  };
  const importJSON = (file: File) =>
    file.text().then((t) => {
      try {
        const d = JSON.parse(t) as DashboardSpec;
        change(() => ({ slug, title: d.title ?? '导入的看板', refresh: d.refresh, widgets: d.widgets ?? [] }));
        message.info('已导入，保存后生效');
      } catch {
        message.error('文件不是看板 JSON');
      }
    });
  const layout = useMemo(() => spec?.widgets.map((w) => ({ i: w.id, x: w.x, y: w.y, w: w.w, h: w.h, minW: 3, minH: 3 })) ?? [], [spec]);
  if (!spec) return <Spin description="正在载入…" />;
  const current = spec.widgets.find((w) => w.id === selected);
  const setWidget = (p: Partial<Widget>) => change((s) => ({ ...s, widgets: s.widgets.map((w) => (w.id === selected ? { ...w, ...p } : w)) }));
  return (
    <div className="dash-builder">
      <header className="dash-title">
        <a href="#/dashboards">数据看板</a>
        <Input aria-label="看板名称" className="dash-name" value={spec.title} onChange={(e) => change((s) => ({ ...s, title: e.target.value }))} />
        <span>{published ? `已发布第 ${published} 版` : '未发布'}{dirty ? '，有未保存的修改' : ''}</span>
        <span style={{ flex: 1 }} />
        <Button onClick={save}>保存草稿</Button>
        <Button type="primary" onClick={publish}>发布</Button>
        <Button onClick={exportJSON}>导出 JSON</Button>
        <label className="ant-btn ant-btn-default dash-import">
          导入 JSON
          <input type="file" accept="application/json,.json" onChange={(e) => e.target.files?.[0] && importJSON(e.target.files[0])} />
        </label>
        <Button href={`#/dashboards/${slug}/view`} disabled={!published}>只读查看</Button>
        <Button href={`#/dashboards/${slug}/screen`} disabled={!published}>大屏</Button>
      </header>
      {fields.length > 0 && <Alert type="error" showIcon title="看板有误" description={fields.map((f) => `${f.pointer}：${f.message}`).join('；')} />}
      <div className="dash-layout">
        <nav className="dash-palette" aria-label="组件">
          <h3>组件</h3>
          <p className="dash-hint">拖到画布上，或按回车添加</p>
          {WIDGET_KINDS.map((k) => (
            <button key={k.type} type="button" className="dash-kind" draggable unselectable="on" data-kind={k.type}
              onDragStart={(e) => (e.dataTransfer.setData('text/plain', k.type), setDragging(k.type))} onDragEnd={() => setDragging(null)} onClick={() => add(k.type)}>
              {k.name}
            </button>
          ))}
        </nav>
        <div className="dash-canvas" aria-label="画布">
          {spec.widgets.length === 0 && <Empty description="把左侧的组件拖到这里" />}
          <Grid className="dash-grid" layout={layout} cols={GRID_COLUMNS} rowHeight={ROW_HEIGHT} compactType="vertical" isDroppable
            droppingItem={dragging ? { i: '__dropping__', w: kindOf(dragging).w, h: kindOf(dragging).h } : undefined}
            onDrop={(_l, item, e: DragEvent) => {
              const type = (e.dataTransfer?.getData('text/plain') || dragging) as WidgetType;
              if (kindOf(type)) add(type, { x: item.x, y: item.y });
              setDragging(null);
            }}
            onLayoutChange={(l) => onLayout(l.filter((p) => p.i !== '__dropping__'))} draggableCancel=".dash-widget-tools">
            {spec.widgets.map((w) => {
              const m = measureOf(datasets, w);
              return (
                <div key={w.id} className={w.id === selected ? 'dash-cell selected' : 'dash-cell'} tabIndex={0} role="button" aria-pressed={w.id === selected}
                  aria-label={`组件 ${w.title || kindOf(w.type).name}，按回车选中`} onClick={() => setSelected(w.id)} onKeyDown={(e) => e.key === 'Enter' && e.target === e.currentTarget && setSelected(w.id)}>
                  <WidgetView widget={w} measureType={m?.type} measureTitle={m?.title} />
                </div>
              );
            })}
          </Grid>
        </div>
        <aside className="dash-panel" aria-label="组件配置">
          {current ? (
            <WidgetPanel key={current.id} widget={current} datasets={datasets} onChange={setWidget}
              onRemove={() => (change((s) => ({ ...s, widgets: s.widgets.filter((w) => w.id !== current.id) })), setSelected(null))} />
          ) : (
            <p className="dash-hint">选中画布上的组件以绑定数据</p>
          )}
          <h3>刷新</h3>
          <label>
            大屏刷新间隔（秒）
            <InputNumber aria-label="大屏刷新间隔（秒）" min={5} max={3600} value={spec.refresh || 60} onChange={(v) => change((s) => ({ ...s, refresh: v ?? 60 }))} />
          </label>
        </aside>
      </div>
    </div>
  );
}

function WidgetPanel({ widget, datasets, onChange, onRemove }: { widget: Widget; datasets: Dataset[]; onChange: (p: Partial<Widget>) => void; onRemove: () => void }) {
  const ds = datasets.find((d) => d.name === widget.dataset);
  const kind = kindOf(widget.type);
  const [values, setValues] = useState<{ value: string; label: string }[]>([]);
  const filter = widget.filters?.[0];
  useEffect(() => {
    if (!ds || !filter?.dimension) return;
    dashboards.query({ dataset: ds.name, dimensions: [filter.dimension], measures: [ds.measures[0].name] }).then((r) =>
      setValues(r.rows.map((row) => ({ value: String(row[0]), label: r.labels?.[filter.dimension]?.[String(row[0])] ?? String(row[0]) }))),
    );
  }, [ds, filter?.dimension]);
  const dims = (ds?.dimensions ?? []).filter((d) => widget.type !== 'map' || d.name === 'district');
  return (
    <div className="dash-form">
      <h3>{kind.name}</h3>
      <label>
        标题
        <Input aria-label="标题" value={widget.title} onChange={(e) => onChange({ title: e.target.value })} />
      </label>
      <label>
        数据集
        <Select aria-label="数据集" value={widget.dataset} placeholder="选择数据集" options={datasets.map((d) => ({ value: d.name, label: d.title }))}
          onChange={(v) => onChange({ dataset: v, dimension: widget.type === 'map' ? 'district' : undefined, series: undefined, measure: undefined, filters: undefined, range: datasets.find((d) => d.name === v)?.time ? widget.range : '' })} />
      </label>
      {kind.needsDimension && (
        <label>
          维度
          <Select aria-label="维度" value={widget.dimension} placeholder="选择维度" disabled={!ds} options={dims.map((d) => ({ value: d.name, label: d.title }))} onChange={(v) => onChange({ dimension: v })} />
        </label>
      )}
      {widget.type === 'stackedBar' && (
        <label>
          堆叠维度
          <Select aria-label="堆叠维度" value={widget.series} allowClear placeholder="选择第二维度" disabled={!ds} options={dims.filter((d) => d.name !== widget.dimension).map((d) => ({ value: d.name, label: d.title }))} onChange={(v) => onChange({ series: v })} />
        </label>
      )}
      <label>
        度量
        <Select aria-label="度量" value={widget.measure} placeholder="选择度量" disabled={!ds} options={(ds?.measures ?? []).map((m) => ({ value: m.name, label: m.title }))} onChange={(v) => onChange({ measure: v })} />
      </label>
      <label>
        时间范围
        <Select aria-label="时间范围" value={widget.range ?? ''} disabled={!ds?.time} options={RANGES.map((r) => ({ value: r.value, label: r.name }))} onChange={(v) => onChange({ range: v })} />
      </label>
      <label>
        筛选维度
        <Select aria-label="筛选维度" value={filter?.dimension} allowClear placeholder="不筛选" disabled={!ds} options={(ds?.dimensions ?? []).map((d) => ({ value: d.name, label: d.title }))}
          onChange={(v) => onChange({ filters: v ? [{ dimension: v, values: [] }] : undefined })} />
      </label>
      {filter?.dimension && (
        <label>
          筛选取值
          <Select aria-label="筛选取值" mode="multiple" value={filter.values} options={values} placeholder="选择取值"
            onChange={(v: string[]) => onChange({ filters: v.length ? [{ dimension: filter.dimension, values: v }] : [{ dimension: filter.dimension, values: [] }] })} />
        </label>
      )}
      <h3>位置和大小</h3>
      <Space wrap>
        {(['x', 'y', 'w', 'h'] as const).map((k) => (
          <label key={k}>
            {{ x: '列', y: '行', w: '宽', h: '高' }[k]}
            <InputNumber aria-label={{ x: '列', y: '行', w: '宽', h: '高' }[k]} min={k === 'w' || k === 'h' ? 1 : 0} max={k === 'x' ? GRID_COLUMNS - widget.w : k === 'w' ? GRID_COLUMNS - widget.x : 48} value={widget[k]}
              onChange={(v) => v !== null && onChange({ [k]: v })} style={{ width: 72 }} />
          </label>
        ))}
      </Space>
      <Button danger onClick={onRemove} style={{ marginTop: 12 }}>
        删除组件
      </Button>
    </div>
  );
}
