// The bundle's shared definitions (共用定义), for administrators: the org tree with each org's
// roles, the working-day calendar as a year of month grids, the connectors with a try against
// the configured system, and the shared notices with the matters that use each. Edited in one
// store (undo, byte-identical files), checked by the server against every matter, and put in
// force by publishing every matter anew. Loaded lazily with its route.
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Input, Select, Space, Spin, Tabs, Tag, Tree, Typography } from 'antd';
import { useStore } from 'zustand';
import orgsSchema from '../../../../definitions/schema/orgs.schema.json';
import connectorSchema from '../../../../definitions/schema/connector.schema.json';
import { api, type Problem } from '../api';
import { DraftContext } from '../draft';
import { fromPlain, get, str, type J } from '../json/tree';
import { createDraftStore } from '../model/store';
import { ExprContext, SchemaForm, type Schema } from '../SchemaForm';
import { applySchedule, dayOf, iso, next, parseSchedule, setDay } from './calendar';
import './shared.css';

const PrintDesigner = lazy(() => import('../print/PrintDesigner'));

const orgItem = (orgsSchema as Schema).properties!.orgs.items as Schema;
type Store = ReturnType<typeof createDraftStore>;

export default function SharedDefinitions() {
  const { message, modal } = App.useApp();
  const store = useMemo(createDraftStore, []);
  const [usedBy, setUsedBy] = useState<Record<string, string[]>>({});
  const [error, setError] = useState('');
  const [loaded, setLoaded] = useState(false);
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const trees = useStore(store, (s) => s.trees);
  const changed = useMemo(() => store.getState().changed(), [trees, store]); // eslint-disable-line react-hooks/exhaustive-deps

  const load = () =>
    api.shared().then((s) => {
      store.getState().load('shared', '0', s.files);
      setUsedBy(s.usedBy);
      setLoaded(true);
    }, (e: Error) => setError(e.message));
  useEffect(() => void load(), []); // eslint-disable-line react-hooks/exhaustive-deps

  const texts = () => Object.fromEntries(store.getState().changed().map((n) => [n, store.getState().text(n)]));
  const check = async () => {
    const r = await api.checkShared(texts());
    setProblems(r.problems);
    return r.problems;
  };
  const publish = async () => {
    const notices = changed.filter((n) => n.startsWith('print/'));
    const affected = [...new Set(notices.flatMap((n) => usedBy[n] ?? []))];
    modal.confirm({
      title: '使修改生效',
      content: `将以修改后的共用定义重新发布各事项${affected.length ? `；共用文书的修改影响 ${affected.length} 个事项：${affected.join('、')}` : ''}。`,
      okText: '生效', cancelText: '取消',
      onOk: async () => {
        try {
          const r = await api.publishShared(texts(), '共用定义修改');
          message.success(`已生效，${r.published.length} 个事项发布了新版本`);
          setProblems(null);
          await load();
        } catch (e) {
          const p = (e as { problems?: Problem[] }).problems;
          if (p?.length) setProblems(p);
          message.error((e as Error).message);
        }
      },
    });
  };

  if (error) return <Alert type="error" showIcon title={error} action={<Button href="#/">返回</Button>} />;
  if (!loaded) return <Spin description="正在载入共用定义…" />;
  const names = Object.keys(trees).sort();
  return (
    <DraftContext.Provider value={store}>
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>共用定义</Typography.Title>
        <Button onClick={() => store.getState().undo()}>撤销</Button>
        <Button onClick={() => store.getState().redo()}>重做</Button>
        <Button disabled={changed.length === 0} onClick={check}>检查</Button>
        <Button type="primary" disabled={changed.length === 0} onClick={publish}>生效（{changed.length} 个文件）</Button>
        <Button href="#/">返回列表</Button>
      </Space>
      {problems && (
        <Alert style={{ marginBottom: 12 }} type={problems.length ? 'error' : 'success'} showIcon
          title={problems.length ? `修改后有 ${problems.length} 个问题，不能生效` : '没有发现问题'}
          description={problems.length > 0 && <ul className="shared-problems">{problems.map((p, k) => <li key={k}>{p.file}{p.pointer}：{p.message}</li>)}</ul>} />
      )}
      <Tabs items={[
        { key: 'orgs', label: '机构与岗位', children: <Orgs store={store} /> },
        { key: 'calendar', label: '办公日历', children: <Calendars store={store} names={names.filter((n) => n.startsWith('calendar/'))} /> },
        { key: 'connectors', label: '连接器', children: <Connectors store={store} names={names.filter((n) => n.startsWith('connectors/'))} /> },
        { key: 'notices', label: '共用文书', children: <Notices names={names.filter((n) => n.startsWith('print/'))} usedBy={usedBy} store={store} /> },
      ]} />
    </DraftContext.Provider>
  );
}

/** Orgs is the org tree: select an org to edit it and its roles; add below it or remove it. */
function Orgs({ store }: { store: Store }) {
  const tree = useStore(store, (s) => s.trees['orgs.json']);
  const orgs = get(tree, 'orgs');
  const list = Array.isArray(orgs) ? orgs : [];
  const [sel, setSel] = useState(0);
  const data = useMemo(() => {
    interface Node { key: string; title: string; children: Node[] }
    const node = (i: number): Node => {
      const code = str(get(list[i], 'code'));
      return {
        key: String(i), title: `${str(get(list[i], 'name'))}（${code}）`,
        children: list.map((o, k) => [o, k] as const).filter(([o]) => str(get(o, 'parent')) === code && code !== '').map(([, k]) => node(k)),
      };
    };
    return list.map((o, i) => [o, i] as const).filter(([o]) => !list.some((p) => str(get(p, 'code')) === str(get(o, 'parent')))).map(([, i]) => node(i));
  }, [list]);
  const edit = (label: string, f: (l: J[]) => void) => store.getState().edit(label, (files) => {
    const l = get(files['orgs.json'], 'orgs');
    if (Array.isArray(l)) f(l);
  });
  const parent = list[sel];
  return (
    <div className="shared-orgs">
      <Card size="small" title="机构树" extra={
        <Space>
          <Button size="small" onClick={() => {
            edit('新增下级机构', (l) => l.push(fromPlain({ code: 'new-org', name: '新机构', parent: str(get(parent, 'code')), divisionCode: str(get(parent, 'divisionCode')), level: str(get(parent, 'level')), roles: [] })));
            setSel(list.length);
          }}>新增下级</Button>
          <Button size="small" danger disabled={!parent} onClick={() => (edit('删除机构', (l) => void l.splice(sel, 1)), setSel(0))}>删除</Button>
        </Space>
      }>
        <Tree aria-label="机构树" defaultExpandAll treeData={data} selectedKeys={[String(sel)]} onSelect={(k) => k.length && setSel(Number(k[0]))} />
      </Card>
      {parent && (
        <Card size="small" title={`${str(get(parent, 'name'))} 的信息与岗位`}>
          <SchemaForm key={sel} file="orgs.json" pointer={`/orgs/${sel}`} schema={orgItem} />
          <Typography.Text type="secondary">删去仍被事项环节使用的机构或岗位时，检查会列出用到它的事项和环节，修改不能生效。</Typography.Text>
        </Card>
      )}
    </div>
  );
}

const weekdays = ['一', '二', '三', '四', '五', '六', '日'];
const kindNames = { '': '', holiday: '放假', workday: '调休上班' };

/** Calendars is a year of month grids: a click makes a day a holiday, an adjusted working day, or ordinary again. */
function Calendars({ store, names }: { store: Store; names: string[] }) {
  const [file, setFile] = useState(names[names.length - 1]);
  const tree = useStore(store, (s) => (file ? s.trees[file] : undefined));
  const [paste, setPaste] = useState('');
  const [note, setNote] = useState('');
  const year = Number(/(\d{4})/.exec(file ?? '')?.[1] ?? new Date().getFullYear());
  const click = (date: string) => {
    const d = dayOf(tree, date);
    const k = next(d.kind);
    store.getState().edit(`${date} ${kindNames[k] || '恢复'}`, (files) => setDay(files[file], date, k, k === 'holiday' ? '放假' : '调休上班'));
  };
  const importSchedule = () => {
    const { lines, bad } = parseSchedule(paste);
    let n = 0;
    store.getState().edit('导入放假安排', (files) => void (n = applySchedule(files[file], year, lines)));
    setNote(`已标记 ${n} 天${bad.length ? `；第 ${bad.join('、')} 行的日期无法识别` : ''}`);
  };
  if (!file) return <Alert type="info" title="还没有办公日历" />;
  return (
    <>
      <Space style={{ marginBottom: 8 }}>
        <Select aria-label="年份" value={file} onChange={setFile} options={names.map((n) => ({ value: n, label: n.slice('calendar/'.length, -5) + ' 年' }))} />
        <Tag color="red">放假</Tag><Tag color="blue">调休上班</Tag><Tag>周末</Tag>
        <Typography.Text type="secondary">点一下日期：放假 → 调休上班 → 恢复</Typography.Text>
      </Space>
      <div className="calendar-year">
        {Array.from({ length: 12 }, (_, m) => {
          const first = new Date(Date.UTC(year, m, 1));
          const lead = (first.getUTCDay() + 6) % 7;
          const days = new Date(Date.UTC(year, m + 1, 0)).getUTCDate();
          return (
            <section key={m} className="calendar-month" aria-label={`${m + 1} 月`}>
              <h3>{m + 1} 月</h3>
              <div className="calendar-grid">
                {weekdays.map((w) => <span key={w} className="calendar-head">{w}</span>)}
                {Array.from({ length: lead }, (_, k) => <span key={'x' + k} />)}
                {Array.from({ length: days }, (_, d) => {
                  const date = iso(year, m + 1, d + 1);
                  const { kind, name } = dayOf(tree, date);
                  const weekend = (lead + d) % 7 >= 5;
                  return (
                    <button key={date} type="button" className={['calendar-day', kind, weekend ? 'weekend' : ''].join(' ')} data-date={date}
                      aria-label={`${d + 1}日（${m + 1}月，${date}）${kind ? ' ' + kindNames[kind] + (name ? '（' + name + '）' : '') : weekend ? ' 周末' : ''}`} title={name} onClick={() => click(date)}>
                      {d + 1}
                    </button>
                  );
                })}
              </div>
            </section>
          );
        })}
      </div>
      <Card size="small" title="导入全年放假安排" style={{ marginTop: 12 }}>
        <Input.TextArea aria-label="放假安排（粘贴文字或 Excel 表格）" rows={4} value={paste} onChange={(e) => setPaste(e.target.value)}
          placeholder={'每行一项，如：\n国庆节 2026-10-01 至 2026-10-08 放假\n2026/9/27\t上班\t国庆节调休（从 Excel 复制的行）'} />
        <Space style={{ marginTop: 8 }}>
          <Button onClick={importSchedule} disabled={!paste.trim()}>导入</Button>
          <span role="status">{note}</span>
        </Space>
      </Card>
    </>
  );
}

/** Connectors: each config's panel from the format's schema (secrets only as variable names) and a try from the server. */
function Connectors({ store, names }: { store: Store; names: string[] }) {
  const [file, setFile] = useState(names[0]);
  const [key, setKey] = useState('');
  const [tried, setTried] = useState<{ ok: boolean; result?: unknown; error?: string; millis: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const kind = useStore(store, (s) => str(get(s.trees[file], 'kind')));
  const name = file?.slice('connectors/'.length, -5) ?? '';
  const tryIt = async () => {
    setBusy(true);
    try {
      setTried(await api.tryConnector(name, key, store.getState().text(file)));
    } catch (e) {
      setTried({ ok: false, error: (e as Error).message, millis: 0 });
    } finally {
      setBusy(false);
    }
  };
  if (!file) return <Alert type="info" title="还没有连接器" />;
  return (
    <div className="shared-orgs">
      <Card size="small" title="连接器">
        <Select aria-label="连接器" style={{ width: '100%' }} value={file} onChange={(v) => (setFile(v), setTried(null))}
          options={names.map((n) => ({ value: n, label: n.slice('connectors/'.length, -5) }))} />
        {kind === 'lookup' && (
          <div style={{ marginTop: 12 }}>
            <Typography.Text>试查询（由服务器向所配系统发出）</Typography.Text>
            <Space.Compact style={{ width: '100%', marginTop: 4 }}>
              <Input aria-label="查询键（如身份证号）" value={key} onChange={(e) => setKey(e.target.value)} placeholder="查询键，如身份证号" />
              <Button type="primary" loading={busy} disabled={!key} onClick={tryIt}>试一下</Button>
            </Space.Compact>
            {tried && (
              <Alert style={{ marginTop: 8 }} type={tried.ok ? 'success' : 'error'} showIcon title={tried.ok ? `映射后的结果（${tried.millis} 毫秒）` : '查询失败'}
                description={<pre className="shared-result" aria-label="试查询结果" tabIndex={0}>{tried.ok ? JSON.stringify(tried.result, null, 2) : tried.error}</pre>} />
            )}
          </div>
        )}
      </Card>
      <Card size="small" title={`${name} 的配置`}>
        <Typography.Paragraph type="secondary">密钥只填环境变量名（secretEnv），不填密钥本身。</Typography.Paragraph>
        <SchemaForm key={file} file={file} pointer="" schema={connectorSchema as Schema} />
      </Card>
    </div>
  );
}

/**
 * Notices edits the shared notices in the print designer, laid out with the data of a matter
 * that prints them, under a warning that lists every matter the change reaches.
 */
function Notices({ names, usedBy, store }: { names: string[]; usedBy: Record<string, string[]>; store: Store }) {
  const trees = useStore(store, (s) => s.trees);
  const users = [...new Set(names.flatMap((n) => usedBy[n] ?? []))].sort();
  const [matter, setMatter] = useState(users[0]);
  const unsaved = useMemo(() => () => Object.fromEntries(store.getState().changed().filter((n) => n.startsWith('print/')).map((n) => [n, store.getState().text(n)])), [store, trees]); // eslint-disable-line react-hooks/exhaustive-deps
  const changedNotices = names.filter((n) => store.getState().changed().includes(n));
  const reached = [...new Set(changedNotices.flatMap((n) => usedBy[n] ?? []))];
  if (!matter) return <Alert type="info" title="没有事项使用共用文书" />;
  return (
    <>
      <Alert style={{ marginBottom: 8 }} type="warning" showIcon
        title={changedNotices.length ? `已修改的共用文书将影响 ${reached.length} 个事项：${reached.join('、')}` : '共用文书为所有未自备同名模板的事项共用，修改会影响它们'}
        description={names.map((n) => `${str(get(trees[n], 'title')) || n}：${(usedBy[n] ?? []).length} 个事项（${(usedBy[n] ?? []).join('、')}）`).join('；')} />
      <Space style={{ marginBottom: 8 }}>
        <span>按此事项的数据预览</span>
        <Select aria-label="预览用的事项" style={{ width: 260 }} value={matter} onChange={setMatter} options={users.map((u) => ({ value: u, label: u }))} />
      </Space>
      <ExprContext.Provider value={{ slug: matter, names: () => [], unsaved }}>
        <Suspense fallback={<Spin />}>
          <PrintDesigner key={matter} slug={matter} images={[]} shared preview={(t, f, b) => api.sharedPrintPreview(matter, t, f, b)} />
        </Suspense>
      </ExprContext.Provider>
    </>
  );
}
