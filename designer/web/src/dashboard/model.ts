// Dashboards (数据看板) as the server keeps them, the datasets their widgets query, and the
// pure helpers the builder and the views share.
import { call } from '../api';

export type WidgetType = 'number' | 'line' | 'bar' | 'stackedBar' | 'pie' | 'table' | 'ranking' | 'gauge' | 'funnel' | 'map';

export interface Filter {
  dimension: string;
  values: string[];
}

export interface Widget {
  id: string;
  type: WidgetType;
  title?: string;
  x: number;
  y: number;
  w: number;
  h: number;
  dataset?: string;
  dimension?: string;
  series?: string;
  measure?: string;
  filters?: Filter[];
  range?: string;
}

export interface DashboardSpec {
  slug: string;
  title: string;
  refresh?: number;
  widgets: Widget[];
}

export interface Dashboard extends DashboardSpec {
  version: number;
  updatedBy: { id: number; name: string };
  updatedAt: string;
}

export interface DashboardSummary {
  slug: string;
  title: string;
  published: number;
  draft: boolean;
  updatedAt: string;
}

export interface Field {
  name: string;
  title: string;
  type: string;
}

export interface Dataset {
  name: string;
  title: string;
  time?: string;
  dimensions: Field[];
  measures: Field[];
}

export interface DatasetResult {
  columns: Field[];
  rows: (string | number | null)[][];
  labels?: Record<string, Record<string, string>>;
}

export const GRID_COLUMNS = 24;

/** The palette: each widget type with its name and the size it starts at. */
export const WIDGET_KINDS: { type: WidgetType; name: string; w: number; h: number; needsDimension: boolean }[] = [
  { type: 'number', name: '数字卡片', w: 6, h: 4, needsDimension: false },
  { type: 'line', name: '折线图', w: 12, h: 8, needsDimension: true },
  { type: 'bar', name: '柱状图', w: 12, h: 8, needsDimension: true },
  { type: 'stackedBar', name: '堆叠柱状图', w: 12, h: 8, needsDimension: true },
  { type: 'pie', name: '饼图（环形）', w: 8, h: 8, needsDimension: true },
  { type: 'table', name: '表格', w: 12, h: 8, needsDimension: true },
  { type: 'ranking', name: '排行榜', w: 8, h: 8, needsDimension: true },
  { type: 'gauge', name: '仪表盘', w: 6, h: 6, needsDimension: false },
  { type: 'funnel', name: '漏斗图', w: 8, h: 8, needsDimension: true },
  { type: 'map', name: '许昌地图', w: 12, h: 9, needsDimension: true },
];

export const kindOf = (t: WidgetType) => WIDGET_KINDS.find((k) => k.type === t)!;

export const RANGES: { value: string; name: string }[] = [
  { value: '', name: '全部时间' },
  { value: 'today', name: '今天' },
  { value: '7d', name: '近 7 天' },
  { value: '30d', name: '近 30 天' },
  { value: 'month', name: '本月' },
  { value: '12m', name: '近 12 个月' },
  { value: 'year', name: '本年' },
];

const day = (d: Date) => d.toISOString().slice(0, 10);

/** rangeDates turns a relative range into the query's dates (From inclusive, To exclusive) as
 * seen on today, a YYYY-MM-DD day in Beijing. */
export function rangeDates(range: string | undefined, today: string): { from?: string; to?: string } {
  if (!range) return {};
  const t = new Date(today + 'T00:00:00Z');
  const to = day(new Date(t.getTime() + 86400000));
  const back = (n: number) => day(new Date(t.getTime() - n * 86400000));
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth();
  switch (range) {
    case 'today':
      return { from: today, to };
    case '7d':
      return { from: back(6), to };
    case '30d':
      return { from: back(29), to };
    case 'month':
      return { from: day(new Date(Date.UTC(y, m, 1))), to };
    case '12m':
      return { from: day(new Date(Date.UTC(y, m - 11, 1))), to };
    case 'year':
      return { from: `${y}-01-01`, to };
  }
  return {};
}

/** beijingToday is today's date in the platform's zone. */
export const beijingToday = () => new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });

/** bound says whether a widget names all its query needs. */
export function bound(w: Widget): boolean {
  return !!w.dataset && !!w.measure && (!kindOf(w.type).needsDimension || !!w.dimension);
}

/** queryOf is the dataset query a widget shows. */
export function queryOf(w: Widget, today: string) {
  const dimensions = [w.dimension, w.type === 'stackedBar' ? w.series : undefined].filter((d): d is string => !!d);
  return { dataset: w.dataset, dimensions: kindOf(w.type).needsDimension ? dimensions : [], measures: [w.measure], filters: w.filters?.length ? w.filters : undefined, ...rangeDates(w.range, today) };
}

/** format writes a measure's value as its type reads. */
export function format(v: unknown, type: string | undefined): string {
  if (v === null || v === undefined) return '—';
  const n = Number(v);
  if (type === 'ratio') return (n * 100).toFixed(1) + '%';
  if (type === 'hours' || type === 'number') return n.toLocaleString('zh-CN', { maximumFractionDigits: 1 });
  return n.toLocaleString('zh-CN');
}

export const dashboards = {
  list: () => call<{ items: DashboardSummary[] }>('GET', '/api/v1/dashboards'),
  get: (slug: string, version: number | 'draft' | 'newest') =>
    call<Dashboard>('GET', `/api/v1/dashboards/${encodeURIComponent(slug)}` + (version === 'newest' ? '' : `?version=${version}`)),
  save: (spec: DashboardSpec) => call<Dashboard>('PUT', `/api/v1/dashboards/${encodeURIComponent(spec.slug)}/draft`, spec),
  publish: (slug: string) => call<Dashboard>('POST', `/api/v1/dashboards/${encodeURIComponent(slug)}/publish`),
  datasets: () => call<{ items: Dataset[] }>('GET', '/api/v1/datasets'),
  query: (q: unknown) => call<DatasetResult>('POST', '/api/v1/datasets/query', q),
};
