// The raw JSON tab: one file's text in CodeMirror, in step with the model both ways. Text that
// parses becomes an undoable step; text that does not is kept as typed, with the error shown.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Select, Space } from 'antd';
import { json } from '@codemirror/lang-json';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { useDraft, useDraftApi } from './draft';
import { nonce } from './nonce';

export default function RawJson({ initial }: { initial?: string }) {
  const store = useDraftApi();
  // The selector returns the store's own object: a fresh array each call would re-render forever.
  const originals = useDraft((s) => s.originals);
  const names = useMemo(() => Object.keys(originals).sort(), [originals]);
  const [name, setName] = useState(initial ?? names[0] ?? '');
  const text = useDraft((s) => (name ? s.text(name) : ''));
  const [error, setError] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  useEffect(() => setName(initial ?? name), [initial]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: store.getState().text(name),
        extensions: [
          EditorView.cspNonce.of(nonce),
          lineNumbers(),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          json(),
          EditorView.contentAttributes.of({ 'aria-label': `${name} 原文`, tabindex: '0' }), // a focusable content keeps its scroller reachable by keyboard (axe)
          EditorView.updateListener.of((u) => {
            if (u.docChanged) setError(store.getState().setText(name, u.state.doc.toString()));
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, [name, store]);
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== text) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
  }, [text]);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Select aria-label="文件" value={name} onChange={setName} style={{ width: 280 }} options={names.map((n) => ({ value: n, label: n }))} />
      {error && <Alert type="error" showIcon title={error} />}
      <div ref={host} style={{ border: '1px solid #d9d9d9', background: '#fff', maxHeight: 720, overflow: 'auto' }} />
    </Space>
  );
}
