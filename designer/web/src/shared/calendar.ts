// The working-day calendar's model (calendar/<year>.json): each day is an ordinary day, a
// holiday (放假) or an adjusted working day (调休上班), edited in the file's own lists, kept
// in date order, so that an unchanged year is written back byte for byte.
import { get, isObject, obj, set, str, type J } from '../json/tree';

export type DayKind = '' | 'holiday' | 'workday';

const list = { holiday: 'holidays', workday: 'workdays' } as const;

/** iso is a date as the file writes it (local date, no zone). */
export function iso(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function entries(tree: J | undefined, kind: 'holiday' | 'workday'): J[] {
  const l = get(tree, list[kind]);
  return Array.isArray(l) ? l : [];
}

/** dayOf says what the calendar makes of date, with the entry's name. */
export function dayOf(tree: J | undefined, date: string): { kind: DayKind; name: string } {
  for (const kind of ['holiday', 'workday'] as const) {
    const hit = entries(tree, kind).find((e) => str(get(e, 'date')) === date);
    if (hit) return { kind, name: str(get(hit, 'name')) };
  }
  return { kind: '', name: '' };
}

/** setDay makes date a day of kind (named name), taking it out of the other list. */
export function setDay(tree: J, date: string, kind: DayKind, name: string): void {
  if (!isObject(tree)) return;
  for (const k of ['holiday', 'workday'] as const) {
    let l = get(tree, list[k]);
    if (!Array.isArray(l)) {
      l = [];
      set(tree, list[k], l);
    }
    const arr = l as J[];
    const at = arr.findIndex((e) => str(get(e, 'date')) === date);
    if (k !== kind) {
      if (at >= 0) arr.splice(at, 1);
      continue;
    }
    if (at >= 0) continue;
    const pos = arr.findIndex((e) => str(get(e, 'date')) > date);
    arr.splice(pos < 0 ? arr.length : pos, 0, obj([['date', date], ['name', name]]));
  }
}

/** next is what a click makes of a day: ordinary → holiday → adjusted working day → ordinary. */
export function next(kind: DayKind): DayKind {
  return kind === '' ? 'holiday' : kind === 'holiday' ? 'workday' : '';
}

export interface ScheduleLine {
  from: string;
  to: string;
  kind: 'holiday' | 'workday';
  name: string;
}

const dateRe = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?/g;

/**
 * parseSchedule reads a year's schedule pasted as text or from Excel (one row a line, cells
 * by tabs): a date or a range of two (2026-10-01 至 2026-10-08, 2026/9/28), a name, and 放假
 * or 上班 (a row that says 上班 or 调休 is an adjusted working day; any other a holiday).
 * Lines without a date are passed over; the line numbers of the others that fail are given.
 */
export function parseSchedule(text: string): { lines: ScheduleLine[]; bad: number[] } {
  const lines: ScheduleLine[] = [];
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((raw, n) => {
    const dates = [...raw.matchAll(dateRe)].map((m) => iso(+m[1], +m[2], +m[3]));
    if (dates.length === 0) return;
    const rest = raw.replace(dateRe, ' ').replace(/至|到|~|～|—|–/g, ' ').split(/[\t,，]+|\s{2,}|\s+/).map((s) => s.trim()).filter(Boolean);
    const kind = /上班|调休/.test(raw) ? 'workday' : 'holiday';
    const name = rest.filter((s) => !/^(放假|休息|上班|调休上班|-)$/.test(s)).join('').replace(/[：:]/g, '') || (kind === 'workday' ? '调休上班' : '放假');
    const [from, to = from] = dates;
    if (to < from || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) bad.push(n + 1);
    else lines.push({ from, to, kind, name });
  });
  return { lines, bad };
}

/** applySchedule marks every day of the lines that falls in year. */
export function applySchedule(tree: J, year: number, lines: ScheduleLine[]): number {
  let n = 0;
  for (const l of lines) {
    for (let d = new Date(l.from + 'T00:00:00Z'); d <= new Date(l.to + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
      if (d.getUTCFullYear() !== year) continue;
      setDay(tree, iso(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()), l.kind, l.name);
      n++;
    }
  }
  return n;
}
