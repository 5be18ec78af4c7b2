// The print-template designer (套打): the page at true scale with its elements placed by drag,
// the palette, the selected element's properties (generated from the format's schema, with the
// print variables the server serves in the expressions' completion), and beside it the
// server's own rendering of the unsaved template — the renderer is the truth, and the
// elements it could not lay out are marked on the canvas. Loaded lazily with its tab.
import { useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Empty, Input, Modal, Segmented, Select, Slider, Space, Switch, Tooltip, Typography } from 'antd';
import printSchema from '../../../../definitions/schema/print.schema.json';
import { api, ApiError, type PrintPreview as PrintPreviewAnswer, type PrintPreviewRequest, type PrintVariable } from '../api';
import { useDraft, useDraftApi } from '../draft';
import { helperNames, loadVocabulary } from '../expr/vocab';
import { parse } from '../json/text';
import { get, str } from '../json/tree';
import { ExprContext, SchemaForm, type Schema } from '../SchemaForm';
import { Canvas, paletteType } from './Canvas';
import { Calibration, useCalibration } from './Calibration';
import { addElement, align, calibrationSheet, elementOfPointer, pageSize, palette, place, placed, setBackground, type Alignment, type ElementType } from './template';
import './print.css';

const schema = printSchema as Schema;
const elementSchema = schema.properties!.elements.items as Schema;

const emptyTemplate = (title: string) =>
  `{\n  "title": ${JSON.stringify(title)},\n  "kind": "certificate",\n  "page": {"size": "A4", "orientation": "landscape", "marginsMm": [10, 10, 10, 10]},\n  "mode": "electronic",\n  "elements": []\n}\n`;

/** dataURL reads a blob as a data: URL, which the studio's CSP allows for pictures. */
function dataURL(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(b);
  });
}

function download(b: Blob, name: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(b);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

type Preview = (template: string, format: 'png' | 'pdf', body: PrintPreviewRequest) => Promise<PrintPreviewAnswer>;

/**
 * PrintDesigner edits the print templates (print/<name>.json) of the store it is in: a matter's
 * draft, or the shared notices (shared: no pictures or new templates there, and the preview is
 * the shared one, with slug the matter whose data it is laid out with).
 */
export default function PrintDesigner({ slug, images: initialImages, preview: previewOf, shared }: { slug: string; images: string[]; preview?: Preview; shared?: boolean }) {
  const store = useDraftApi();
  const trees = useDraft((s) => s.trees);
  const names = useMemo(() => Object.keys(trees).filter((n) => /^print\/[^/]+\.json$/.test(n)).sort(), [trees]);
  const [file, setFile] = useState<string | undefined>(names[0]);
  const tree = file ? trees[file] : undefined;
  const template = file ? file.slice('print/'.length, -'.json'.length) : '';
  const [selected, setSelected] = useState<number[]>([]);
  const [zoom, setZoom] = useState(0.8);
  const [grid, setGrid] = useState(1);
  const [images, setImages] = useState(initialImages);
  const [vars, setVars] = useState<{ variables: PrintVariable[]; rows: Record<string, PrintVariable[]> }>({ variables: [], rows: {} });
  const [preview, setPreview] = useState<{ src: string; ms: number; seq: number; errors: { pointer: string; message: string }[] } | null>(null);
  const [previewError, setPreviewError] = useState('');
  // the check's problems of this template when the draft does not compile, by pointer
  const [checkErrors, setCheckErrors] = useState<{ pointer: string; message: string }[]>([]);
  const [mode, setMode] = useState<'template' | 'electronic' | 'overprint'>('template');
  const [showBackground, setShowBackground] = useState(true);
  const [newName, setNewName] = useState<string | null>(null);
  const cal = useCalibration();
  const render: Preview = previewOf ?? ((t, f, b) => api.printPreview(slug, t, f, b));
  const outer = useContext(ExprContext);

  useEffect(() => {
    if (!file && names.length) setFile(names[0]);
  }, [names, file]);
  useEffect(() => {
    api.printVariables(slug).then(setVars, () => undefined);
  }, [slug]);

  const elements = useMemo(() => placed(tree), [tree]);
  const page = useMemo(() => pageSize(tree), [tree]);
  const background = str(get(tree, 'background'));
  const bgFile = background ? 'print/' + background : '';
  const unsaved = outer.unsaved;

  // The server's rendering of what the canvas shows, a moment after the last change.
  const seq = useRef(0);
  useEffect(() => {
    if (!file || !tree) return;
    const my = ++seq.current;
    const t = window.setTimeout(async () => {
      const started = performance.now();
      try {
        const r = await render(template, 'png', {
          files: unsaved(), background: showBackground, ...(mode === 'template' ? {} : { mode }),
          ...(mode === 'overprint' || (mode === 'template' && str(get(tree, 'mode')) === 'overprint') ? { offsetXMm: cal.offset.x, offsetYMm: cal.offset.y } : {}),
        });
        const src = await dataURL(r.blob);
        if (my !== seq.current) return;
        setPreview({ src, ms: Math.round(performance.now() - started), seq: my, errors: r.errors });
        setPreviewError('');
        setCheckErrors([]);
      } catch (e) {
        if (my !== seq.current) return;
        const mine = ((e as ApiError).problems ?? []).filter((p) => p.file === file || p.file.endsWith('/' + file));
        setPreviewError((e as Error).message + (mine.length ? '' : (e as ApiError).problems?.map((p) => `；${p.file}${p.pointer}：${p.message}`).join('') ?? ''));
        setCheckErrors(mine.map((p) => ({ pointer: p.pointer, message: p.message })));
      }
    }, 250);
    return () => window.clearTimeout(t);
  }, [slug, file, template, tree, mode, showBackground, cal.offset.x, cal.offset.y, unsaved]); // eslint-disable-line react-hooks/exhaustive-deps

  const errors = useMemo(() => {
    const m = new Map<number, string>();
    for (const e of [...(preview?.errors ?? []), ...checkErrors]) {
      const i = elementOfPointer(e.pointer);
      if (i >= 0) m.set(i, (m.has(i) ? m.get(i) + '；' : '') + e.message);
    }
    return m;
  }, [preview, checkErrors]);

  const exprNames = useMemo(() => {
    const rows = Object.values(vars.rows).flat();
    const seen = new Set<string>();
    return [...vars.variables, ...rows]
      .filter((v) => !seen.has(v.name) && seen.add(v.name))
      .map((v) => ({ label: v.name, type: v.type, doc: v.doc ?? '' }));
  }, [vars]);
  useEffect(() => void loadVocabulary(), []);

  const edit = (label: string, f: (t: ReturnType<typeof parse>) => unknown) => file && store.getState().edit(label, (files) => void f(files[file]));

  const add = (type: ElementType, x: number, y: number) => {
    let at = -1;
    edit(`添加${palette.find((p) => p.type === type)?.label ?? type}`, (t) => (at = addElement(t, type, x, y)));
    if (at >= 0) setSelected([at]);
  };

  const uploadBackground = async (f: File) => {
    const ext = f.type === 'image/jpeg' ? '.jpg' : '.png';
    const name = `print/${template}-paper${ext}`;
    try {
      const s = store.getState();
      const saved = await api.putImage(slug, name, f, Number(s.revision));
      store.getState().saved(String(saved.revision), []);
      setImages((l) => (l.includes(name) ? l : [...l, name]));
      edit('设置底图', (t) => setBackground(t, name.slice('print/'.length)));
    } catch (e) {
      Modal.error({ title: '底图未能上传', content: (e as Error).message });
    }
  };
  const [bgSrc, setBgSrc] = useState('');
  useEffect(() => {
    if (!bgFile || !images.includes(bgFile)) {
      setBgSrc('');
      return;
    }
    fetch(api.fileURL(slug, bgFile), { credentials: 'same-origin' }).then((r) => r.blob()).then(dataURL).then(setBgSrc, () => setBgSrc(''));
  }, [slug, bgFile, images]);

  const pdf = async (overprint: boolean) => {
    const r = await render(template, 'pdf', overprint ? { files: unsaved(), mode: 'overprint', offsetXMm: cal.offset.x, offsetYMm: cal.offset.y } : { files: unsaved() });
    download(r.blob, `${template}${overprint ? '-套打' : ''}.pdf`);
  };

  const ctx = useMemo(() => ({ slug, names: () => exprNames.concat(helperNames()), unsaved }), [slug, exprNames, unsaved]);
  const create = (n: string) => {
    store.getState().edit('新建打印模板', (files) => void (files[`print/${n}.json`] = parse(emptyTemplate('新证照'))));
    setFile(`print/${n}.json`);
    setSelected([]);
  };
  if (!file || !tree) {
    return (
      <Empty description="这个事项还没有打印模板">
        <Button type="primary" onClick={() => setNewName('certificate')}>新建打印模板</Button>
        <NewTemplate name={newName} onClose={() => setNewName(null)} onCreate={create} />
      </Empty>
    );
  }
  const one = selected.length === 1 ? selected[0] : -1;
  const aligns: [Alignment, string][] = [['left', '左对齐'], ['hcenter', '水平居中'], ['right', '右对齐'], ['top', '顶端对齐'], ['vcenter', '垂直居中'], ['bottom', '底端对齐']];
  return (
    <ExprContext.Provider value={ctx}>
      <Space wrap style={{ marginBottom: 8 }}>
        <Select aria-label="打印模板" value={file} style={{ width: 220 }} onChange={(v) => (setFile(v), setSelected([]))} options={names.map((n) => ({ value: n, label: str(get(trees[n], 'title')) || n }))} />
        {!shared && <Button onClick={() => setNewName('')}>新建模板</Button>}
        <span>网格</span>
        <Select aria-label="网格（毫米）" value={grid} style={{ width: 90 }} onChange={setGrid} options={[0, 0.5, 1, 2, 5].map((g) => ({ value: g, label: g ? `${g} 毫米` : '不吸附' }))} />
        <span>缩放</span>
        <Slider ariaLabelForHandle="缩放" min={0.3} max={2} step={0.1} value={zoom} onChange={setZoom} style={{ width: 120 }} />
        <Space.Compact>
          {aligns.map(([a, l]) => (
            <Tooltip key={a} title={selected.length > 1 ? `${l}（对齐到第一个选中的）` : `${l}（对齐到纸张）`}>
              <Button disabled={selected.length === 0} onClick={() => edit(l, (t) => align(t, selected, a))}>{l.slice(0, 2)}</Button>
            </Tooltip>
          ))}
        </Space.Compact>
        {!shared && (
          <label className="print-upload">
            <span className="ant-btn ant-btn-default">上传底图</span>
            <input type="file" accept="image/png,image/jpeg" aria-label="上传底图（预印纸张的扫描图）" onChange={(e) => e.target.files?.[0] && uploadBackground(e.target.files[0])} />
          </label>
        )}
      </Space>
      <div className="print-designer">
        <nav className="palette" aria-label="元素">
          {palette.map((p) => (
            <Button key={p.type} draggable title="点击添加到左上角，或拖到纸张上的位置"
              onDragStart={(e) => e.dataTransfer.setData(paletteType, p.type)} onClick={() => add(p.type, 20, 20)}>{p.label}</Button>
          ))}
        </nav>
        <Canvas page={page} elements={elements} selected={selected} errors={errors} zoom={zoom} grid={grid} background={showBackground ? bgSrc : undefined}
          onSelect={setSelected} onDrop={(type, x, y) => add(type as ElementType, x, y)}
          onPlace={(boxes, label) => edit(label, (t) => boxes.forEach((b, i) => place(t, i, b)))}
          onDelete={(idx) => {
            edit('删除元素', (t) => {
              const els = get(t, 'elements');
              if (Array.isArray(els)) [...idx].sort((a, b) => b - a).forEach((i) => els.splice(i, 1));
            });
            setSelected([]);
          }} />
        <aside className="print-side">
          <section aria-label="服务器预览">
            <Space wrap style={{ marginBottom: 6 }}>
              <Segmented aria-label="打印方式" value={mode} onChange={(v) => setMode(v as typeof mode)} options={[{ value: 'template', label: '按模板' }, { value: 'electronic', label: '电子证照' }, { value: 'overprint', label: '套打' }]} />
              <label><Switch size="small" checked={showBackground} onChange={setShowBackground} aria-label="显示底图" /> 底图</label>
              <Button size="small" onClick={() => pdf(false)}>下载 PDF</Button>
            </Space>
            {previewError && <Alert type="error" showIcon title={previewError} />}
            {checkErrors.length > 0 && (
              <ul className="print-errors" aria-label="检查问题">
                {checkErrors.map((e, k) => <li key={k}><a onClick={() => elementOfPointer(e.pointer) >= 0 && setSelected([elementOfPointer(e.pointer)])}>{e.pointer}</a>：{e.message}</li>)}
              </ul>
            )}
            {preview && <img className="print-preview" src={preview.src} alt="服务器渲染的打印预览" data-ms={preview.ms} data-seq={preview.seq} />}
            {preview && <Typography.Text type="secondary">服务器预览用时 {preview.ms} 毫秒</Typography.Text>}
            {preview && preview.errors.length > 0 && (
              <ul className="print-errors" aria-label="排版问题">
                {preview.errors.map((e, k) => (
                  <li key={k}><a onClick={() => elementOfPointer(e.pointer) >= 0 && setSelected([elementOfPointer(e.pointer)])}>{e.pointer}</a>：{e.message}</li>
                ))}
              </ul>
            )}
          </section>
          <Calibration cal={cal} onSheet={async () => {
            const r = await render('calibration', 'pdf', { files: { ...unsaved(), 'print/calibration.json': calibrationSheet(tree, cal.offset.x, cal.offset.y) } });
            download(r.blob, '套打校准页.pdf');
          }} onPrint={() => pdf(true)} />
          {one >= 0 ? (
            <section aria-label="元素属性">
              <Typography.Title level={5}>元素属性</Typography.Title>
              <SchemaForm key={`${file}#${one}`} file={file} pointer={`/elements/${one}`} schema={elementSchema} />
            </section>
          ) : (
            <section aria-label="模板属性">
              <Typography.Title level={5}>模板属性</Typography.Title>
              <SchemaForm key={file} file={file} pointer="" schema={schema} only={['title', 'description', 'kind', 'page', 'mode', 'background']} />
            </section>
          )}
        </aside>
      </div>
      <NewTemplate name={newName} onClose={() => setNewName(null)} onCreate={create} />
    </ExprContext.Provider>
  );
}

function NewTemplate({ name, onClose, onCreate }: { name: string | null; onClose(): void; onCreate(n: string): void }) {
  const [v, setV] = useState('');
  useEffect(() => setV(name ?? ''), [name]);
  const ok = /^[A-Za-z0-9_-]+$/.test(v);
  return (
    <Modal open={name !== null} title="新建打印模板" okText="新建" cancelText="取消" okButtonProps={{ disabled: !ok }} onCancel={onClose} onOk={() => (onCreate(v), onClose())}>
      <Input aria-label="模板文件名" addonBefore="print/" addonAfter=".json" value={v} onChange={(e) => setV(e.target.value)} />
      {!ok && v && <Typography.Text type="danger">只能用字母、数字、连字符和下划线</Typography.Text>}
    </Modal>
  );
}
