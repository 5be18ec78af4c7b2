import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { beijingToday, bound, dashboards, format, kindOf, queryOf, type DatasetResult, type Widget } from './model';

/** The 许昌 counties and districts as a schematic tile map: each tile where it lies, roughly. */
const TILES: { code: string; name: string; row: number; col: number }[] = [
  { code: '411081', name: '禹州市', row: 1, col: 1 },
  { code: '411082', name: '长葛市', row: 1, col: 2 },
  { code: '411000', name: '市本级', row: 1, col: 3 },
  { code: '411003', name: '建安区', row: 2, col: 2 },
  { code: '411002', name: '魏都区', row: 2, col: 3 },
  { code: '411024', name: '鄢陵县', row: 2, col: 4 },
  { code: '411025', name: '襄城县', row: 3, col: 2 },
];

interface Row {
  key: string;
  label: string;
  series?: string;
  value: number | null;
}

function rowsOf(w: Widget, res: DatasetResult): Row[] {
  const dims = kindOf(w.type).needsDimension ? [w.dimension, w.type === 'stackedBar' ? w.series : undefined].filter(Boolean) : [];
  return res.rows.map((r) => {
    const key = dims.length ? String(r[0]) : '';
    return {
      key,
      label: dims.length ? (res.labels?.[dims[0]!]?.[key] ?? key) : '',
      series: dims.length > 1 ? (res.labels?.[dims[1]!]?.[String(r[1])] ?? String(r[1])) : undefined,
      value: r[dims.length] as number | null,
    };
  });
}

function optionOf(w: Widget, rows: Row[], measureTitle: string, type: string, dark: boolean): EChartsCoreOption {
  const text = dark ? '#e6f0ff' : '#262626';
  const axis = { axisLabel: { color: text }, axisLine: { lineStyle: { color: dark ? '#7f95b8' : '#8c8c8c' } } };
  const labels = [...new Set(rows.map((r) => r.label))];
  const label = { show: true, color: text, formatter: (p: { value: number }) => format(p.value, type) };
  switch (w.type) {
    case 'line':
    case 'bar':
      return {
        grid: { left: 48, right: 16, top: 24, bottom: 32 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: labels, ...axis },
        yAxis: { type: 'value', ...axis },
        series: [{ type: w.type, name: measureTitle, data: rows.map((r) => r.value), label, itemStyle: { color: '#3b82c4' } }],
      };
    case 'stackedBar': {
      const series = [...new Set(rows.map((r) => r.series ?? ''))];
      return {
        grid: { left: 48, right: 16, top: 40, bottom: 32 },
        tooltip: { trigger: 'axis' },
        legend: { textStyle: { color: text } },
        xAxis: { type: 'category', data: labels, ...axis },
        yAxis: { type: 'value', ...axis },
        series: series.map((s) => ({ type: 'bar', stack: 'total', name: s, data: labels.map((l) => rows.find((r) => r.label === l && r.series === s)?.value ?? 0) })),
      };
    }
    case 'pie':
      return {
        tooltip: { trigger: 'item' },
        series: [{ type: 'pie', radius: ['40%', '68%'], data: rows.map((r) => ({ name: r.label, value: r.value })), label: { color: text, formatter: '{b}：{c}' } }],
      };
    case 'funnel':
      return {
        tooltip: { trigger: 'item' },
        series: [{ type: 'funnel', sort: 'descending', data: rows.map((r) => ({ name: r.label, value: r.value })), label: { color: text, formatter: '{b}：{c}' } }],
      };
    case 'gauge': {
      const v = rows[0]?.value ?? 0;
      const ratio = type === 'ratio';
      return {
        series: [{ type: 'gauge', min: 0, max: ratio ? 100 : Math.max(10, Math.ceil(v * 1.5)), data: [{ value: ratio ? +(v * 100).toFixed(1) : v, name: measureTitle }],
          detail: { formatter: ratio ? '{value}%' : '{value}', color: text, fontSize: 20 }, title: { color: text }, axisLabel: { color: text } }],
      };
    }
  }
  return {};
}

function Chart({ option }: { option: EChartsCoreOption }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let chart: { setOption: (o: EChartsCoreOption, notMerge: boolean) => void; resize: () => void; dispose: () => void } | undefined;
    let observer: ResizeObserver | undefined;
    let gone = false;
    import('./charts').then(({ echarts }) => {
      if (gone || !el.current) return;
      chart = echarts.init(el.current, null, { renderer: 'svg' });
      chart.setOption(option, true);
      observer = new ResizeObserver(() => chart?.resize());
      observer.observe(el.current);
    });
    return () => {
      gone = true;
      observer?.disconnect();
      chart?.dispose();
    };
  }, [option]);
  return <div ref={el} className="dash-chart" aria-hidden="true" />;
}

/** WidgetView queries and shows one widget as the signed-in user sees its dataset; tick makes it
 * query again (the big screen's refresh). */
export function WidgetView({ widget, measureType, measureTitle, tick = 0, dark = false }: { widget: Widget; measureType?: string; measureTitle?: string; tick?: number; dark?: boolean }) {
  const [res, setRes] = useState<DatasetResult | null>(null);
  const [error, setError] = useState('');
  const query = JSON.stringify(bound(widget) ? queryOf(widget, beijingToday()) : null);
  useEffect(() => {
    const q = JSON.parse(query);
    if (!q) return;
    let gone = false;
    dashboards.query(q).then(
      (r) => !gone && (setRes(r), setError('')),
      (e: Error) => !gone && setError(e.message),
    );
    return () => {
      gone = true;
    };
  }, [query, tick]);
  const type = measureType ?? res?.columns.at(-1)?.type;
  const rows = res ? rowsOf(widget, res) : [];
  const title = widget.title || kindOf(widget.type).name;
  let body;
  if (!bound(widget)) body = <p className="dash-empty">请在右侧选择数据集、维度和度量</p>;
  else if (error) body = <p className="dash-error" role="alert">{error}</p>;
  else if (!res) body = <p className="dash-empty">正在载入…</p>;
  else if (widget.type === 'number') body = <p className="dash-number" data-testid="value">{format(rows[0]?.value, type)}</p>;
  else if (widget.type === 'table' || widget.type === 'ranking') {
    const sorted = widget.type === 'ranking' ? [...rows].sort((a, b) => (b.value ?? 0) - (a.value ?? 0)).slice(0, 10) : rows;
    body = (
      <ol className={widget.type === 'ranking' ? 'dash-ranking' : 'dash-rows'}>
        {sorted.map((r) => (
          <li key={r.key + (r.series ?? '')}>
            <span>{r.label}</span>
            <b>{format(r.value, type)}</b>
          </li>
        ))}
      </ol>
    );
  } else if (widget.type === 'map') {
    const max = Math.max(1, ...rows.map((r) => r.value ?? 0));
    body = (
      <div className="dash-map">
        {TILES.map((t) => {
          const v = rows.find((r) => r.key === t.code)?.value ?? 0;
          return (
            <div key={t.code} className="dash-tile" data-code={t.code} style={{ gridRow: t.row, gridColumn: t.col, background: `rgba(31, 95, 168, ${0.12 + (0.78 * v) / max})`, color: v / max > 0.5 ? '#fff' : '#0b2547' }}>
              <span>{t.name}</span>
              <b>{format(v, type)}</b>
            </div>
          );
        })}
      </div>
    );
  } else body = <Chart option={optionOf(widget, rows, measureTitle ?? '', type ?? '', dark)} />;
  const chart = !['number', 'table', 'ranking', 'map'].includes(widget.type);
  return (
    <section className="dash-widget" aria-label={title} data-widget={widget.id} data-type={widget.type}>
      <h3>{title}</h3>
      <div className="dash-body">{body}</div>
      {chart && res && (
        <table className="sr-only" data-testid="data">
          <caption>{title}的数据</caption>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key + (r.series ?? '')}>
                <th scope="row">{[r.label, r.series].filter(Boolean).join(' · ')}</th>
                <td>{format(r.value, type)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
