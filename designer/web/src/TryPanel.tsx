// "Try with sample data": the server's dry run of a submission against the draft — which
// materials apply, what each fee comes to, the rules and first steps — nothing stored.
import { useState } from 'react';
import { Alert, Button, Descriptions, Input, List, Space, Tag } from 'antd';
import { api, type TryResult } from './api';

export function TryPanel({ slug, show }: { slug: string; show: ('materials' | 'fees' | 'steps')[] }) {
  const [data, setData] = useState('');
  const [result, setResult] = useState<TryResult | null>(null);
  const [error, setError] = useState('');
  const run = async () => {
    try {
      setResult(await api.try(slug, data.trim() ? JSON.parse(data) : undefined));
      setError('');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section aria-label="试算">
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Input.TextArea aria-label="申请数据（JSON，留空用 sample.json）" placeholder="申请数据（JSON），留空则用 sample.json" rows={4} value={data} onChange={(e) => setData(e.target.value)} />
        <Button type="primary" onClick={run}>用示例数据试一试</Button>
        {error && <Alert type="error" showIcon title={error} />}
        {result && (
          <>
            {!result.valid && <Alert type="warning" showIcon title="数据未通过校验" description={result.errors.map((e) => `${e.pointer}：${e.message}`).join('；')} />}
            {result.problems && result.problems.length > 0 && <Alert type="error" showIcon title="草稿有错误，先修正再试" description={result.problems.map((p) => `${p.file}${p.pointer}：${p.message}`).join('；')} />}
            {show.includes('materials') && (
              <List size="small" header="材料" dataSource={result.materials} renderItem={(m) => <List.Item>{m.name} {m.applies ? <Tag color="green">需要</Tag> : <Tag>不需要</Tag>} {m.required && <Tag color="red">必交</Tag>}</List.Item>} />
            )}
            {show.includes('fees') && (
              <Descriptions size="small" column={1} bordered title={`收费合计 ${result.feeTotal} 元`} items={result.fees.map((f) => ({ key: f.id, label: f.name, children: `${f.amount} 元` }))} />
            )}
            {show.includes('steps') && <List size="small" header="前几步" dataSource={result.steps} renderItem={(s) => <List.Item>{s.name}（{s.type}）</List.Item>} />}
          </>
        )}
      </Space>
    </section>
  );
}
