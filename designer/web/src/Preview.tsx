// The preview beside the designer: the server's own form renderer in an iframe (phone 390 px,
// desktop or kiosk), with the sample filled or empty, refreshed after each saved change.
import { useEffect, useState } from 'react';
import { Button, Segmented, Space, Switch } from 'antd';
import { api } from './api';

export function Preview({ slug, revision }: { slug: string; revision: number }) {
  const [look, setLook] = useState<'phone' | 'desktop' | 'kiosk'>('desktop');
  const [sample, setSample] = useState(true);
  const [html, setHtml] = useState('');
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  // The first preview waits until the page is idle: rendering the server's form in the frame is
  // work of the same thread, and the designer beside it comes first.
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const id = requestIdleCallback(() => setReady(true), { timeout: 2000 });
    return () => cancelIdleCallback(id);
  }, []);
  useEffect(() => {
    if (!ready) return;
    const server = look === 'kiosk' ? 'kiosk' : 'portal';
    api.preview(slug, server, sample).then((h) => (setHtml(h), setError('')), (e: Error) => setError(e.message));
  }, [slug, revision, look, sample, tick, ready]);
  return (
    <section aria-label="预览">
      <Space wrap style={{ marginBottom: 8 }}>
        <Segmented aria-label="预览设备" value={look} onChange={(v) => setLook(v as typeof look)} options={[{ value: 'phone', label: '手机' }, { value: 'desktop', label: '电脑' }, { value: 'kiosk', label: '自助终端' }]} />
        <label>
          <Switch size="small" checked={sample} onChange={setSample} aria-label="填入示例数据" /> 示例数据
        </label>
        <Button size="small" onClick={() => setTick((t) => t + 1)}>刷新</Button>
      </Space>
      {error ? <p role="alert">{error}</p> : <iframe title="表单预览" className={'preview-frame ' + look} sandbox="allow-same-origin" srcDoc={html} />}
    </section>
  );
}
