// Overprint calibration (套打校准): each printer feeds paper a little off; its x/y offsets,
// measured once from a printed calibration sheet, shift every overprint sent to it. The
// offsets belong to the printer at this workstation, so they are kept in this browser, by
// printer name.
import { useState } from 'react';
import { AutoComplete, Button, InputNumber, Space, Typography } from 'antd';

const key = 'tongban.printers';

type Printers = Record<string, { x: number; y: number }>;

function load(): Printers {
  try {
    return JSON.parse(localStorage.getItem(key) ?? '{}') as Printers;
  } catch {
    return {};
  }
}

export function useCalibration() {
  const [printers, setPrinters] = useState<Printers>(load);
  const [printer, setPrinter] = useState(() => Object.keys(load())[0] ?? '窗口打印机');
  const offset = printers[printer] ?? { x: 0, y: 0 };
  const setOffset = (o: { x: number; y: number }) => {
    const next = { ...load(), [printer]: o };
    localStorage.setItem(key, JSON.stringify(next));
    setPrinters(next);
  };
  return { printers, printer, setPrinter, offset, setOffset };
}

export function Calibration({ cal, onSheet, onPrint }: { cal: ReturnType<typeof useCalibration>; onSheet(): void; onPrint(): void }) {
  return (
    <section aria-label="套打校准" className="print-calibration">
      <Typography.Title level={5}>套打校准</Typography.Title>
      <Space wrap>
        <AutoComplete aria-label="打印机" style={{ width: 160 }} value={cal.printer} onChange={cal.setPrinter}
          options={Object.keys(cal.printers).map((p) => ({ value: p }))} placeholder="打印机名称" />
        <label>X <InputNumber aria-label="横向偏移（毫米，向右为正）" step={0.1} value={cal.offset.x} onChange={(v) => cal.setOffset({ ...cal.offset, x: v ?? 0 })} /> 毫米</label>
        <label>Y <InputNumber aria-label="纵向偏移（毫米，向下为正）" step={0.1} value={cal.offset.y} onChange={(v) => cal.setOffset({ ...cal.offset, y: v ?? 0 })} /> 毫米</label>
      </Space>
      <Typography.Paragraph type="secondary" style={{ marginTop: 6 }}>
        在预印纸上打印校准页，量出十字与纸上标记相差多少（向右、向下为正），加到偏移上，再打一张核对。
      </Typography.Paragraph>
      <Space>
        <Button onClick={onSheet}>打印校准页</Button>
        <Button onClick={onPrint}>按此打印机套打</Button>
      </Space>
    </section>
  );
}
