// The page at true scale: each element a box placed in millimetres over the paper (and its
// background picture), dragged with the pointer to move, by its corner handle to resize, with
// the arrow keys a grid step at a time. A drag is one undo step: the boxes follow the pointer
// locally and the draft changes once, when the pointer is let go.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { mm, snap, typeLabel, type Placed } from './template';

/** pxPerMM is CSS pixels per millimetre at zoom 1 (96 dpi). */
export const pxPerMM = 96 / 25.4;

interface Drag {
  kind: 'move' | 'resize';
  startX: number;
  startY: number;
  dx: number;
  dy: number;
}

export interface CanvasProps {
  page: { w: number; h: number };
  elements: Placed[];
  selected: number[];
  errors: Map<number, string>;
  zoom: number;
  grid: number;
  background?: string;
  onSelect(indexes: number[]): void;
  /** onPlace commits new boxes of elements, by index. */
  onPlace(boxes: Map<number, { x?: number; y?: number; w?: number; h?: number }>, label: string): void;
  onDelete(indexes: number[]): void;
  /** onDrop adds an element of a palette type dragged onto the page at (x, y) mm. */
  onDrop(type: string, x: number, y: number): void;
}

/** paletteType is the drag data type of a palette entry dragged onto the page. */
export const paletteType = 'application/x-tongban-print-element';

function summary(e: Placed): string {
  if (e.type === 'line' || e.type === 'box') return '';
  return (e.label ? e.label + '：' : '') + e.value;
}

export function Canvas(p: CanvasProps) {
  const s = pxPerMM * p.zoom;
  const [drag, setDrag] = useState<Drag | null>(null);
  const dragRef = useRef<Drag | null>(null);
  const props = useRef(p);
  props.current = p;

  useEffect(() => {
    if (!drag) return;
    const move = (ev: globalThis.PointerEvent) => {
      const d = dragRef.current;
      if (!d) return;
      const next = { ...d, dx: (ev.clientX - d.startX) / s, dy: (ev.clientY - d.startY) / s };
      dragRef.current = next;
      setDrag(next);
    };
    const up = () => {
      const d = dragRef.current;
      dragRef.current = null;
      setDrag(null);
      if (!d || (Math.abs(d.dx) < 0.05 && Math.abs(d.dy) < 0.05)) return;
      const { elements, selected, grid, onPlace } = props.current;
      const boxes = new Map<number, { x?: number; y?: number; w?: number; h?: number }>();
      for (const i of selected) {
        const e = elements[i];
        if (!e) continue;
        if (d.kind === 'move') boxes.set(i, { x: snap(e.x + d.dx, grid), y: snap(e.y + d.dy, grid) });
        else if (e.type === 'line') boxes.set(i, e.h && !e.w ? { h: Math.max(0, snap(e.h + d.dy, grid)) } : { w: Math.max(0, snap(e.w + d.dx, grid)) });
        else boxes.set(i, { w: Math.max(1, snap(e.w + d.dx, grid)), h: Math.max(1, snap(e.h + d.dy, grid)) });
      }
      onPlace(boxes, d.kind === 'move' ? '移动元素' : '改变元素大小');
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
    return () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
  }, [drag !== null, s]); // eslint-disable-line react-hooks/exhaustive-deps

  const start = (ev: PointerEvent, e: Placed, kind: Drag['kind']) => {
    ev.preventDefault();
    ev.stopPropagation();
    let sel = p.selected;
    if (ev.shiftKey) sel = sel.includes(e.index) ? sel.filter((i) => i !== e.index) : [...sel, e.index];
    else if (!sel.includes(e.index)) sel = [e.index];
    p.onSelect(sel);
    const d = { kind, startX: ev.clientX, startY: ev.clientY, dx: 0, dy: 0 };
    dragRef.current = d;
    setDrag(d);
  };

  const key = (ev: KeyboardEvent, e: Placed) => {
    const step = p.grid || 0.5;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const m = moves[ev.key];
    if (m) {
      ev.preventDefault();
      const sel = p.selected.includes(e.index) ? p.selected : [e.index];
      p.onPlace(new Map(sel.map((i) => [i, { x: mm(p.elements[i].x + m[0]), y: mm(p.elements[i].y + m[1]) }])), '移动元素');
    } else if (ev.key === 'Delete' || ev.key === 'Backspace') {
      ev.preventDefault();
      p.onDelete(p.selected.includes(e.index) ? p.selected : [e.index]);
    }
  };

  const gridStyle = p.grid > 0 ? { backgroundSize: `${p.grid * s}px ${p.grid * s}px` } : {};
  return (
    <div className="print-scroll">
      <div className={p.grid > 0 ? 'print-page gridded' : 'print-page'} style={{ width: p.page.w * s, height: p.page.h * s, ...gridStyle }}
        onPointerDown={() => p.onSelect([])} role="group" aria-label={`纸张 ${p.page.w}×${p.page.h} 毫米`}
        onDragOver={(ev) => ev.dataTransfer.types.includes(paletteType) && ev.preventDefault()}
        onDrop={(ev) => {
          const type = ev.dataTransfer.getData(paletteType);
          if (!type) return;
          ev.preventDefault();
          const r = ev.currentTarget.getBoundingClientRect();
          p.onDrop(type, snap((ev.clientX - r.left) / s, p.grid), snap((ev.clientY - r.top) / s, p.grid));
        }}>
        {p.background && <img className="print-background" src={p.background} alt="底图（预印纸张）" draggable={false} />}
        {p.elements.map((e) => {
          const sel = p.selected.includes(e.index);
          const off = sel && drag?.kind === 'move' ? drag : null;
          const grow = sel && drag?.kind === 'resize' ? drag : null;
          const w = Math.max(e.w + (grow?.dx ?? 0), 0), h = Math.max(e.h + (grow?.dy ?? 0), 0);
          const err = p.errors.get(e.index);
          const cls = ['print-el', 'print-' + e.type, sel ? 'selected' : '', err ? 'has-error' : ''].filter(Boolean).join(' ');
          return (
            <div key={e.index} className={cls} tabIndex={0} role="button" aria-pressed={sel}
              aria-label={`${typeLabel[e.type] ?? e.type} ${summary(e)}（X ${e.x}，Y ${e.y} 毫米）${err ? '：' + err : ''}`}
              title={err ?? summary(e)} data-index={e.index}
              style={{
                left: (e.x + (off?.dx ?? 0)) * s, top: (e.y + (off?.dy ?? 0)) * s,
                width: Math.max(w * s, e.type === 'line' ? 1 : 6), height: Math.max(h * s, e.type === 'line' ? 1 : 6),
                fontSize: e.sizePt * (25.4 / 72) * s, textAlign: e.align as 'left', fontWeight: e.bold ? 'bold' : undefined,
              }}
              onPointerDown={(ev) => start(ev, e, 'move')} onKeyDown={(ev) => key(ev, e)}>
              {e.type === 'qr' ? <span className="print-glyph">▦</span> : e.type === 'seal' ? <span className="print-glyph">㊞</span> : <span className="print-text">{summary(e)}</span>}
              {sel && <span className="print-handle" aria-hidden="true" onPointerDown={(ev) => start(ev, e, 'resize')} />}
            </div>
          );
        })}
      </div>
    </div>
  );
}
