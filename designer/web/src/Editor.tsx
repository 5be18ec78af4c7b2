// One matter's draft: the catalog, form, materials and fees designers, the raw JSON of every
// file and publishing, with undo/redo across all of them, saving with the draft's revision
// (a stale save offers reload-and-reapply) and the preview beside.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, App, Badge, Button, Space, Spin, Tabs, Typography } from 'antd';
import { applyPatches } from 'immer';
import { useStore } from 'zustand';
import matterSchema from '../../../definitions/schema/matter.schema.json';
import materialsSchema from '../../../definitions/schema/materials.schema.json';
import feesSchema from '../../../definitions/schema/fees.schema.json';
import { api, ApiError, type DraftView, type Problem, type Session } from './api';
import { DraftContext, useChanged } from './draft';
import { loadVocabulary, names } from './expr/vocab';
import { at, get, str } from './json/tree';
import { pathOfPointer, SCHEMA } from './model/form';
import { createDraftStore } from './model/store';
import { ExprContext, pointerId, SchemaForm, type Schema } from './SchemaForm';
import { Preview } from './Preview';
import { Publish } from './Publish';
import { TryPanel } from './TryPanel';

const loadFormDesigner = () => import('./FormDesigner');
const FormDesigner = lazy(loadFormDesigner);
// A matter's address opened directly loads the form designer's code beside the session and the
// draft, not after them.
if (/^#\/m\//.test(window.location.hash)) void loadFormDesigner();
const RawJson = lazy(() => import('./RawJson'));
const WorkflowDesigner = lazy(() => import('./flow/WorkflowDesigner'));
const PrintDesigner = lazy(() => import('./print/PrintDesigner'));

/** ownTab are the properties of matter.json outside the catalog (4.3.1), with a tab of their own. */
const ownTab = ['parameters', 'values'];

/** catalogGroups splits matter.json's properties into tabs: the plain ones, the lists, then each object. */
function catalogGroups(schema: Schema): { key: string; label: string; only: string[] }[] {
  const props = Object.entries(schema.properties ?? {}).filter(([k]) => k !== '$schema' && !ownTab.includes(k));
  const plain = props.filter(([, s]) => s.type !== 'object' && !(s.type === 'array' && s.items?.type === 'object') && s.type !== 'array').map(([k]) => k);
  const lists = props.filter(([, s]) => s.type === 'array' && s.items?.type !== 'object').map(([k]) => k);
  const groups = props.filter(([, s]) => s.type === 'object' || (s.type === 'array' && s.items?.type === 'object'));
  return [
    { key: 'basic', label: '基本信息', only: plain },
    { key: 'lists', label: '依据与条件', only: lists },
    ...groups.map(([k, s]) => ({ key: k, label: s.title ?? k, only: [k] })),
  ];
}

const tabOfFile: Record<string, string> = { 'matter.json': 'catalog', 'form.schema.json': 'form', 'form.ui.json': 'form', 'materials.json': 'materials', 'fees.json': 'fees', 'workflow.json': 'workflow' };

export function Editor({ slug, session }: { slug: string; session: Session }) {
  const { message, modal } = App.useApp();
  const store = useMemo(createDraftStore, []);
  const [draft, setDraft] = useState<DraftView | null>(null);
  const [error, setError] = useState('');
  const [tab, setTab] = useState('form');
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const [focusField, setFocusField] = useState<string | null>(null);
  const [rawFile, setRawFile] = useState<string>();
  const [saving, setSaving] = useState(false);
  const canUndo = useStore(store, (s) => s.past.length > 0);
  const canRedo = useStore(store, (s) => s.future.length > 0);
  const title = useStore(store, (s) => str(at(s.trees['matter.json'], '/name')));
  const changed = useChanged(store);

  const load = useCallback((d: DraftView) => {
    setDraft(d);
    store.getState().load(d.slug, String(d.revision), d.files);
  }, [store]);
  useEffect(() => {
    api.openDraft(slug).then(load, (e: Error) => setError(e.message));
  }, [slug, load]);

  // The workflow page and its layout engine are large: fetched, and the workflow laid out, while the analyst reads.
  const loaded = draft !== null;
  useEffect(() => {
    if (!loaded) return;
    const idle = window.requestIdleCallback(() => {
      void import('./flow/WorkflowDesigner');
      void import('./flow/layout').then((m) => m.preload(store.getState().trees['workflow.json']));
    }, { timeout: 2000 });
    return () => window.cancelIdleCallback(idle);
  }, [loaded, store]);

  const check = useCallback(() => api.check(slug).then((r) => setProblems(r.problems), (e: Error) => message.error(e.message)), [slug, message]);

  /** save writes every changed file with the draft's revision; a 409 offers reload-and-reapply. */
  const save = useCallback(async (): Promise<boolean> => {
    const s = store.getState();
    const names = s.changed();
    if (names.length === 0) return true;
    setSaving(true);
    let revision = Number(s.revision);
    try {
      for (const n of names) revision = (await api.putFile(slug, n, s.text(n), revision)).revision;
      store.getState().saved(String(revision), names);
      setDraft((d) => (d ? { ...d, revision } : d));
      message.success(`已保存 ${names.length} 个文件`);
      check();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        modal.confirm({
          title: '草稿已被他人修改',
          content: e.message + '。可以载入最新草稿，并把您这次的修改重新应用上去。',
          okText: '重新载入并应用我的修改', cancelText: '暂不处理',
          onOk: async () => {
            const steps = store.getState().past;
            const fresh = await api.draft(slug);
            load(fresh);
            let failed = 0;
            for (const step of steps) {
              try {
                store.getState().edit(step.label, (files) => void Object.assign(files, applyPatches(files, step.patches)));
              } catch {
                failed++;
              }
            }
            if (failed) message.warning(`${failed} 处修改无法重新应用，请检查`);
          },
        });
      } else message.error((e as Error).message);
      return false;
    } finally {
      setSaving(false);
    }
  }, [store, slug, message, modal, check, load]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      const inEditor = (e.target as HTMLElement).closest?.('.cm-editor');
      if (e.key === 's') {
        e.preventDefault();
        save();
      } else if (!inEditor && e.key === 'z' && !e.shiftKey) {
        e.preventDefault();
        store.getState().undo();
      } else if (!inEditor && (e.key === 'y' || (e.key === 'z' && e.shiftKey))) {
        e.preventDefault();
        store.getState().redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save, store]);

  const locate = (p: Problem) => {
    const t = p.file === 'matter.json' && ownTab.some((k) => p.pointer.startsWith(`/${k}/`)) ? 'params' : tabOfFile[p.file];
    if (t === 'form') {
      setFocusField(pathOfPointer(p.file, p.pointer));
      setTab('form');
      return;
    }
    if (!t) {
      setRawFile(p.file);
      setTab('raw');
      return;
    }
    setTab(t);
    setTimeout(() => {
      for (let ptr = p.pointer; ptr; ptr = ptr.slice(0, ptr.lastIndexOf('/'))) {
        const el = document.getElementById(pointerId(p.file, ptr));
        if (el) {
          el.scrollIntoView({ block: 'center' });
          (el.querySelector('input,textarea,[contenteditable]') as HTMLElement | null ?? el).focus();
          return;
        }
      }
    }, 50);
  };

  // What expressions may name is read from the draft when the editor asks (on completion),
  // so that the context stays one value and no keystroke re-renders its users.
  const exprCtx = useMemo(() => {
    const unsaved = () => {
      const s = store.getState();
      return Object.fromEntries(s.changed().map((n) => [n, s.text(n)]));
    };
    loadVocabulary();
    const draftNames = () => {
      const { trees } = store.getState();
      const ms = get(trees['materials.json'], 'materials');
      const ids = Array.isArray(ms) ? ms.map((m) => str(get(m, 'id'))).filter(Boolean) : [];
      return names(trees[SCHEMA], trees['matter.json'], ids);
    };
    return { slug, names: draftNames, unsaved };
  }, [slug, store]);

  if (error) return <Alert type="error" showIcon title={error} action={<Button href="#/">返回列表</Button>} />;
  if (!draft) return <Spin description="正在打开草稿…" />;
  const other = [draft.openedBy, draft.updatedBy].find((p) => p && p.id !== session.user.id);
  const loading = <Spin />;
  return (
    <DraftContext.Provider value={store}>
      <ExprContext.Provider value={exprCtx}>
        <Space style={{ marginBottom: 12 }} wrap>
          <Typography.Title level={4} style={{ margin: 0 }}>{title || slug}</Typography.Title>
          <Typography.Text type="secondary">草稿修订 {draft.revision}</Typography.Text>
          <Button onClick={() => store.getState().undo()} disabled={!canUndo} aria-keyshortcuts="Control+Z">撤销</Button>
          <Button onClick={() => store.getState().redo()} disabled={!canRedo} aria-keyshortcuts="Control+Y">重做</Button>
          <Badge count={changed.length} size="small">
            <Button type="primary" loading={saving} disabled={changed.length === 0} onClick={save} aria-keyshortcuts="Control+S">保存</Button>
          </Badge>
          <Button href="#/">返回列表</Button>
        </Space>
        {other && <Alert style={{ marginBottom: 12 }} type="info" showIcon title={`${other.name} 也在编辑这份草稿`} description="保存时若对方已先保存，您可以载入最新草稿并重新应用自己的修改。" />}
        <div className={tab === 'workflow' || tab === 'print' ? 'editor no-preview' : 'editor'}>
          <Tabs activeKey={tab} onChange={setTab} items={[
            { key: 'catalog', label: '事项目录', children: <Tabs tabPosition="left" items={catalogGroups(matterSchema as Schema).map((g) => ({ key: g.key, label: g.label, children: <SchemaForm file="matter.json" pointer="" schema={matterSchema as Schema} only={g.only} /> }))} /> },
            { key: 'params', label: '参数与计算值', children: <SchemaForm file="matter.json" pointer="" schema={matterSchema as Schema} only={ownTab} /> },
            { key: 'form', label: '申请表', children: <Suspense fallback={loading}><FormDesigner focus={focusField} /></Suspense> },
            { key: 'materials', label: '申请材料', children: <><SchemaForm file="materials.json" pointer="" schema={materialsSchema as Schema} /><TryPanel slug={slug} show={['materials']} /></> },
            { key: 'fees', label: '收费', children: <><SchemaForm file="fees.json" pointer="" schema={feesSchema as Schema} /><TryPanel slug={slug} show={['fees']} /></> },
            { key: 'workflow', label: '办理流程', children: <Suspense fallback={loading}><WorkflowDesigner slug={slug} /></Suspense> },
            { key: 'print', label: '打印模板', children: <Suspense fallback={loading}><PrintDesigner slug={slug} images={draft.images ?? []} /></Suspense> },
            { key: 'raw', label: '原文 JSON', children: <Suspense fallback={loading}><RawJson initial={rawFile} /></Suspense> },
            { key: 'publish', label: '检查与发布', children: <Publish slug={slug} session={session} draft={draft} problems={problems} onCheck={check} onLocate={locate} onSaveFirst={save} onDone={(d) => (d ? setDraft({ ...draft, ...d }) : (window.location.hash = '#/'))} /> },
          ]} />
          {tab !== 'workflow' && tab !== 'print' && (
            <div>
              <Preview slug={slug} revision={draft.revision} />
              <TryPanel slug={slug} show={['materials', 'fees', 'steps']} />
            </div>
          )}
        </div>
      </ExprContext.Provider>
    </DraftContext.Provider>
  );
}
