// The raw JSON tab: one file's text in CodeMirror, in step with the model both ways. Text that
// parses becomes an undoable step; text that does not is kept as typed, with the error shown.
// Both ways wait for a pause (a large file is parsed or printed once, not at every keystroke),
// and the text follows the model only for changes made elsewhere (the panels, undo).
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Select, Space } from 'antd';
import { json } from '@codemirror/lang-json';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { useDraft, useDraftApi } from './draft';
import { nonce } from './nonce';

/** syncDelay is the pause, in ms, after which text and model catch up with each other. */
const syncDelay = 250;

export default function RawJson({ initial }: { initial?: string }) {
  const store = useDraftApi();
  // The selector returns the store's own object: a fresh array each call would re-render forever.
  const originals = useDraft((s) => s.originals);
  const names = useMemo(() => Object.keys(originals).sort(), [originals]);
  const [name, setName] = useState(initial ?? names[0] ?? '');
  const tree = useDraft((s) => s.trees[name]);
  const [error, setError] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  /** own is the tree this editor's own text last became: the model then follows the text, not the reverse. */
  const own = useRef<unknown>(undefined);
  /** following is set while the text is replaced from the model: that is no edit of the text. */
  const following = useRef(false);
  useEffect(() => setName(initial ?? name), [initial]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    let timer = 0;
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
            if (!u.docChanged || following.current) return;
            window.clearTimeout(timer);
            timer = window.setTimeout(() => {
              setError(store.getState().setText(name, v.state.doc.toString()));
              own.current = store.getState().trees[name];
            }, syncDelay);
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      window.clearTimeout(timer);
      v.destroy();
    };
  }, [name, store]);
  useEffect(() => {
    if (tree === own.current) return;
    const timer = window.setTimeout(() => {
      const v = view.current;
      const text = store.getState().text(name);
      if (!v || v.state.doc.toString() === text) return;
      following.current = true;
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
      following.current = false;
    }, syncDelay);
    return () => window.clearTimeout(timer);
  }, [tree, name, store]);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Select aria-label="文件" value={name} onChange={setName} style={{ width: 280 }} options={names.map((n) => ({ value: n, label: n }))} />
      {error && <Alert type="error" showIcon title={error} />}
      <div ref={host} style={{ border: '1px solid #d9d9d9', background: '#fff', maxHeight: 720, overflow: 'auto' }} />
    </Space>
  );
}
