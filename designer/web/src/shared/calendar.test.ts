import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDraftStore } from '../model/store';
import { applySchedule, dayOf, parseSchedule, setDay } from './calendar';

const text = readFileSync(join(__dirname, '../../../../examples/calendar/2026.json'), 'utf8');

describe('the calendar editor', () => {
  it('marks a day and unmarks it, and the file is as it was', () => {
    const store = createDraftStore();
    store.getState().load('shared', '1', { 'calendar/2026.json': text });
    expect(store.getState().text('calendar/2026.json')).toBe(text);
    store.getState().edit('放假', (f) => setDay(f['calendar/2026.json'], '2026-06-03', 'holiday', '测试'));
    expect(dayOf(store.getState().trees['calendar/2026.json'], '2026-06-03')).toEqual({ kind: 'holiday', name: '测试' });
    const lines = store.getState().text('calendar/2026.json').split('\n');
    expect(lines.findIndex((l) => l.includes('2026-06-03'))).toBeGreaterThan(lines.findIndex((l) => l.includes('2026-05-05')));
    store.getState().edit('恢复', (f) => setDay(f['calendar/2026.json'], '2026-06-03', '', ''));
    expect(store.getState().text('calendar/2026.json')).toBe(text);
    // an adjusted working day leaves the holidays
    store.getState().edit('调休', (f) => setDay(f['calendar/2026.json'], '2026-10-07', 'workday', '调休上班'));
    expect(dayOf(store.getState().trees['calendar/2026.json'], '2026-10-07').kind).toBe('workday');
  });

  it('imports a schedule pasted as text or from Excel', () => {
    const { lines, bad } = parseSchedule('国庆节：2026-10-01 至 2026-10-08 放假\n2026/9/27\t上班\t国庆节调休\n说明一行\n2026-13-40 放假');
    expect(lines).toEqual([
      { from: '2026-10-01', to: '2026-10-08', kind: 'holiday', name: '国庆节' },
      { from: '2026-09-27', to: '2026-09-27', kind: 'workday', name: '国庆节调休' },
    ]);
    expect(bad).toEqual([4]);
    const store = createDraftStore();
    store.getState().load('shared', '1', { 'calendar/2026.json': text });
    store.getState().edit('导入', (f) => void applySchedule(f['calendar/2026.json'], 2026, lines));
    expect(dayOf(store.getState().trees['calendar/2026.json'], '2026-10-08').kind).toBe('holiday');
    expect(dayOf(store.getState().trees['calendar/2026.json'], '2026-09-27').kind).toBe('workday');
  });
});
