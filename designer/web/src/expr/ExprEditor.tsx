// The expression editor: CodeMirror 6 with completion of what an expression may name, and the
// server's check as the analyst types (debounced), its error underlined at line:col and the
// expression's type shown below. Loaded lazily: it is the studio's heaviest part.
import { useEffect, useRef, useState } from 'react';
import { autocompletion, type CompletionContext } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { linter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { api } from '../api';
import { nonce } from '../nonce';
import type { Name } from './vocab';

export interface ExprEditorProps {
  value: string;
  onChange(v: string): void;
  slug: string;
  file: string;
  pointer: string;
  /** names gives what the expression may name, asked at each completion. */
  names(): Name[];
  label: string;
  /** unsaved gives the draft's files changed since the last save, which the check must see. */
  unsaved(): Record<string, string>;
}

/** offsetOf turns a 1-based line and column into an offset of the text. */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let off = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
  return Math.min(text.length, off + Math.max(0, column - 1));
}

export default function ExprEditor(p: ExprEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const props = useRef(p);
  props.current = p;
  const [status, setStatus] = useState<{ ok: boolean; text: string }>({ ok: true, text: '' });

  useEffect(() => {
    let timer = 0;
    let seq = 0;
    const check = (v: EditorView) => {
      window.clearTimeout(timer);
      timer = window.setTimeout(async () => {
        const my = ++seq;
        const source = v.state.doc.toString();
        const { slug, file, pointer, unsaved } = props.current;
        try {
          const r = await api.checkExpression({ slug, file, pointer, source, files: unsaved() });
          if (my !== seq || view.current !== v) return;
          const diags: Diagnostic[] = [];
          if (!r.ok) {
            const from = offsetOf(source, r.line ?? 1, r.column ?? 1);
            diags.push({ from, to: Math.min(source.length, from + 1) || from, severity: 'error', message: r.message ?? '' });
          }
          v.dispatch(setDiagnostics(v.state, diags));
          setStatus(r.ok ? { ok: true, text: r.type ? `类型：${r.type}` : '' } : { ok: false, text: `第 ${r.line} 行第 ${r.column} 列：${r.message}` });
        } catch (e) {
          if (my === seq) setStatus({ ok: false, text: (e as Error).message });
        }
      }, 250);
    };
    const complete = (ctx: CompletionContext) => {
      const word = ctx.matchBefore(/[A-Za-z_][\w.]*/);
      if (!word || (word.from === word.to && !ctx.explicit)) return null;
      return {
        from: word.from,
        options: props.current.names().map((n) => ({ label: n.label, detail: n.type, info: n.doc, type: n.type.startsWith('func') ? 'function' : 'variable' })),
        validFor: /^[\w.]*$/,
      };
    };
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.current.value,
        extensions: [
          EditorView.cspNonce.of(nonce),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          autocompletion({ override: [complete] }),
          linter(null),
          EditorView.lineWrapping,
          placeholder('输入表达式，如 form.age >= 18'),
          EditorView.contentAttributes.of({ 'aria-label': props.current.label }),
          EditorView.updateListener.of((u) => {
            if (!u.docChanged) return;
            const text = u.state.doc.toString();
            if (text !== props.current.value) props.current.onChange(text);
            check(u.view);
          }),
        ],
      }),
    });
    view.current = v;
    if (props.current.value) check(v);
    return () => {
      window.clearTimeout(timer);
      view.current = null;
      v.destroy();
    };
  }, []);

  // Undo/redo of the studio replaces the value from outside: follow it.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== p.value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: p.value } });
  }, [p.value]);

  return (
    <div>
      <div className="expr-box" ref={host} />
      <div className={status.ok ? 'expr-meta' : 'expr-meta error'} role="status" aria-live="polite">
        {status.text}
      </div>
    </div>
  );
}
