// The print designer's model: a print template (definitions/print.go) read from and edited in
// the draft's tree, so that what the analyst does not touch keeps its bytes. Positions and
// sizes are millimetres from the paper's top-left corner, as in the file.
import { at, fromPlain, get, isNumber, isObject, num, obj, set, str, toPlain, type J, type JObject } from '../json/tree';

export type ElementType = 'text' | 'multiline' | 'table' | 'image' | 'qr' | 'seal' | 'line' | 'box';

/** The palette: each element type with its name and what a new one starts as. */
export const palette: { type: ElementType; label: string; start: Record<string, unknown> }[] = [
  { type: 'text', label: '文字', start: { w: 60, h: 8, value: 'license.holder', font: 'song', sizePt: 12, shrink: true } },
  { type: 'multiline', label: '多行文字', start: { w: 120, h: 30, value: '"说明文字"', font: 'song', sizePt: 12 } },
  { type: 'table', label: '表格', start: { w: 170, h: 60, rows: 'notice.items', columns: [{ title: '名称', value: 'row.name', widthMm: 100 }, { title: '说明', value: 'row.note', widthMm: 70 }], sizePt: 10 } },
  { type: 'qr', label: '二维码', start: { w: 25, h: 25, value: 'license.verifyUrl' } },
  { type: 'seal', label: '印章', start: { w: 40, h: 40, value: 'license.issuer' } },
  { type: 'image', label: '图片', start: { w: 30, h: 40, value: '"photo.png"' } },
  { type: 'line', label: '直线', start: { w: 80 } },
  { type: 'box', label: '方框', start: { w: 80, h: 40 } },
];

export const typeLabel: Record<string, string> = Object.fromEntries(palette.map((p) => [p.type, p.label]));

/** A placed element as the canvas draws it. */
export interface Placed {
  index: number;
  type: string;
  x: number;
  y: number;
  w: number;
  h: number;
  value: string;
  label: string;
  sizePt: number;
  align: string;
  bold: boolean;
}

function n(v: J | undefined, d = 0): number {
  return isNumber(v) ? Number(v.raw) : d;
}

/** pageSize is the paper's width and height in millimetres, turned for landscape (pdf.PageSize). */
export function pageSize(tree: J | undefined): { w: number; h: number } {
  const page = get(tree, 'page');
  const sizes: Record<string, [number, number]> = { A3: [297, 420], A5: [148, 210], A4: [210, 297] };
  const size = str(get(page, 'size'));
  let [w, h] = size === 'custom' ? [n(get(page, 'widthMm')), n(get(page, 'heightMm'))] : (sizes[size] ?? sizes.A4);
  if (str(get(page, 'orientation')) === 'landscape') [w, h] = [h, w];
  return { w, h };
}

/** placed lists the template's elements. */
export function placed(tree: J | undefined): Placed[] {
  const els = get(tree, 'elements');
  if (!Array.isArray(els)) return [];
  return els.map((e, index) => ({
    index,
    type: str(get(e, 'type')),
    x: n(get(e, 'x')),
    y: n(get(e, 'y')),
    w: n(get(e, 'w')),
    h: n(get(e, 'h')),
    value: str(get(e, 'value')) || str(get(e, 'rows')),
    label: str(get(e, 'label')),
    sizePt: n(get(e, 'sizePt'), 12),
    align: str(get(e, 'align')) || 'left',
    bold: get(e, 'bold') === true,
  }));
}

/** mm rounds to a tenth of a millimetre, the finest step worth writing down. */
export function mm(v: number): number {
  return Math.round(v * 10) / 10;
}

/** snap puts v on the grid (0: no grid). */
export function snap(v: number, grid: number): number {
  return grid > 0 ? mm(Math.round(v / grid) * grid) : mm(v);
}

/** setNumber writes a number into an element, keeping the literal when the value is the same. */
function setNumber(e: JObject, key: string, v: number): void {
  const cur = get(e, key);
  if (isNumber(cur) && Number(cur.raw) === v) return;
  if (v === 0 && cur === undefined && key !== 'x' && key !== 'y') return;
  set(e, key, num(v));
}

/** place sets an element's box; keys it does not have yet are added after the existing ones. */
export function place(tree: J, index: number, box: { x?: number; y?: number; w?: number; h?: number }): void {
  const e = at(tree, `/elements/${index}`);
  if (!isObject(e)) return;
  for (const k of ['x', 'y', 'w', 'h'] as const) {
    const v = box[k];
    if (v !== undefined) setNumber(e, k, mm(v));
  }
}

/** addElement appends a new element of type at (x, y) and returns its index. */
export function addElement(tree: J, type: ElementType, x: number, y: number): number {
  let els = get(tree, 'elements');
  if (!Array.isArray(els) && isObject(tree)) {
    els = [];
    set(tree, 'elements', els);
  }
  const start = palette.find((p) => p.type === type)?.start ?? {};
  const e = obj([['type', type], ['x', num(mm(x))], ['y', num(mm(y))]]);
  for (const [k, v] of Object.entries(start)) e.e.push([k, fromPlain(v)]);
  (els as J[]).push(e);
  return (els as J[]).length - 1;
}

/** setBackground names the template's background picture, before its elements when new. */
export function setBackground(tree: J, name: string): void {
  if (!isObject(tree)) return;
  const hit = tree.e.find(([k]) => k === 'background');
  if (hit) hit[1] = name;
  else tree.e.splice(Math.max(tree.e.findIndex(([k]) => k === 'elements'), 0), 0, ['background', name]);
}

export type Alignment = 'left' | 'hcenter' | 'right' | 'top' | 'vcenter' | 'bottom';

/** align lines up the elements to the first of them (one element: to the page). */
export function align(tree: J, indexes: number[], how: Alignment): void {
  const all = placed(tree);
  const sel = indexes.map((i) => all[i]).filter(Boolean);
  if (sel.length === 0) return;
  const page = pageSize(tree);
  const ref = sel.length === 1 ? { x: 0, y: 0, w: page.w, h: page.h } : sel[0];
  for (const e of sel.length === 1 ? sel : sel.slice(1)) {
    const box: { x?: number; y?: number } = {};
    if (how === 'left') box.x = ref.x;
    if (how === 'right') box.x = ref.x + ref.w - e.w;
    if (how === 'hcenter') box.x = ref.x + (ref.w - e.w) / 2;
    if (how === 'top') box.y = ref.y;
    if (how === 'bottom') box.y = ref.y + ref.h - e.h;
    if (how === 'vcenter') box.y = ref.y + (ref.h - e.h) / 2;
    place(tree, e.index, box);
  }
}

/**
 * calibrationSheet is a template to print on the pre-printed paper (套打校准页): a cross at 20 mm
 * from the top-left corner and one at the page's centre, each labelled with its coordinates,
 * shifted by the printer's current offsets (dx, dy) as an overprint on that printer would be.
 * Where the crosses miss the paper's own marks, the distance is the correction to add. It is
 * drawn as an electronic document, since an overprint leaves out lines and fixed wording.
 */
export function calibrationSheet(tree: J | undefined, dx: number, dy: number): string {
  const page = get(tree, 'page');
  const { w, h } = pageSize(tree);
  const cross = (x: number, y: number) => [
    { type: 'line', x: mm(x - 10 + dx), y: mm(y + dy), w: 20 },
    { type: 'line', x: mm(x + dx), y: mm(y - 10 + dy), h: 20 },
    { type: 'text', x: mm(x + 2 + dx), y: mm(y + 2 + dy), w: 60, h: 6, value: `"X ${x} 毫米，Y ${y} 毫米"`, sizePt: 9 },
  ];
  const cx = Math.round(w / 2), cy = Math.round(h / 2);
  return JSON.stringify({
    title: '套打校准页',
    kind: 'list',
    page: page ? toPlain(page) : { size: 'A4', orientation: 'portrait', marginsMm: [0, 0, 0, 0] },
    mode: 'electronic',
    elements: [
      ...cross(20, 20),
      ...cross(cx, cy),
      { type: 'text', x: 20, y: h - 20, w: Math.min(170, w - 40), h: 6, value: `"本页按偏移 X ${dx} 毫米、Y ${dy} 毫米打印；十字应落在纸上的对应标记处"`, sizePt: 9 },
    ],
  });
}

/** elementOfPointer is the element index a problem's or an error's pointer points into, or -1. */
export function elementOfPointer(pointer: string): number {
  const m = /^\/elements\/(\d+)/.exec(pointer);
  return m ? Number(m[1]) : -1;
}
