import { lazy, Suspense } from 'react';
import { Input } from 'antd';
import type { ExprEditorProps } from './ExprEditor';

const ExprEditor = lazy(() => import('./ExprEditor'));

/** ExprInput is the expression editor, with a plain input while CodeMirror loads. */
export function ExprInput(p: ExprEditorProps) {
  return (
    <Suspense fallback={<Input aria-label={p.label} value={p.value} onChange={(e) => p.onChange(e.target.value)} />}>
      <ExprEditor {...p} />
    </Suspense>
  );
}
