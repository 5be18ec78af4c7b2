// Publishing: the draft's problems (click one to open its field, material or fee), the diff
// against the published version, and the analyst's request or the publisher's decision.
import { useState } from 'react';
import { Alert, App, Button, Input, List, Space, Table, Tag, Typography } from 'antd';
import { api, type Change, type DraftView, type Problem, type Session } from './api';

const kindText: Record<string, string> = { field: '字段', material: '材料', fee: '收费', node: '流程节点', parameter: '参数', catalog: '目录', file: '文件' };
const changeText = { added: ['新增', 'green'], removed: ['删除', 'red'], changed: ['修改', 'blue'] } as const;

export function Publish({ slug, session, draft, problems, onCheck, onLocate, onSaveFirst, onDone }: {
  slug: string; session: Session; draft: DraftView; problems: Problem[] | null;
  onCheck(): void; onLocate(p: Problem): void; onSaveFirst(): Promise<boolean>; onDone(d?: DraftView): void;
}) {
  const { message } = App.useApp();
  const [diff, setDiff] = useState<Change[] | null>(null);
  const [comment, setComment] = useState('');
  const errors = problems?.filter((p) => p.severity === 'error').length ?? 0;
  const act = async (f: () => Promise<unknown>, ok: string) => {
    if (!(await onSaveFirst())) return;
    try {
      const r = await f();
      message.success(ok);
      onDone(r && typeof r === 'object' && 'files' in r ? (r as DraftView) : undefined);
    } catch (e) {
      message.error((e as Error).message);
      onCheck();
    }
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space>
        <Button onClick={onCheck}>检查</Button>
        <Button onClick={() => api.diff(slug).then((d) => setDiff(d.changes), (e: Error) => message.error(e.message))}>查看与已发布版本的差异</Button>
      </Space>
      {problems && problems.length === 0 && <Alert type="success" showIcon title="没有发现问题" />}
      {problems && problems.length > 0 && (
        <>
          <ProblemList title={`错误 ${errors} 个（须修正后才能发布）`} problems={problems.filter((p) => p.severity === 'error')} onLocate={onLocate} />
          <ProblemList title={`警告 ${problems.length - errors} 个（不妨碍发布，发布即表示已确认）`} problems={problems.filter((p) => p.severity !== 'error')} onLocate={onLocate} />
          <Typography.Text type="secondary">{`共 ${problems.length} 个问题（错误 ${errors} 个）`}</Typography.Text>
        </>
      )}
      {diff && (
        <Table<Change> size="small" rowKey={(c) => c.kind + c.id + c.file} dataSource={diff} pagination={false} locale={{ emptyText: '与已发布版本相同' }}
          columns={[
            { title: '类别', dataIndex: 'kind', render: (k: string) => kindText[k] ?? k },
            { title: '标识', dataIndex: 'id' },
            { title: '变化', dataIndex: 'change', render: (c: Change['change']) => <Tag color={changeText[c][1]}>{changeText[c][0]}</Tag> },
            { title: '修改前', dataIndex: 'before', render: (v) => v === undefined ? '' : <code>{JSON.stringify(v)}</code> },
            { title: '修改后', dataIndex: 'after', render: (v) => v === undefined ? '' : <code>{JSON.stringify(v)}</code> },
          ]} />
      )}
      {draft.status === 'returned' && <Alert type="warning" showIcon title="已被退回" description={draft.comment} />}
      <Input.TextArea aria-label="说明" placeholder="说明（退回时必填）" value={comment} onChange={(e) => setComment(e.target.value)} rows={2} />
      <Space>
        {session.canEdit && draft.status !== 'requested' && <Button type="primary" disabled={errors > 0} onClick={() => act(() => api.request(slug, comment || '请审核'), '已提交发布申请')}>申请发布</Button>}
        {session.canPublish && (
          <>
            <Button type="primary" disabled={errors > 0} onClick={() => act(() => api.publish(slug, true, comment), '已发布新版本')}>发布</Button>
            <Button danger disabled={!comment.trim()} onClick={() => act(() => api.sendBack(slug, comment), '已退回')}>退回</Button>
          </>
        )}
      </Space>
      {errors > 0 && <Typography.Text type="danger">有错误时不能发布：点击上面的问题定位修改。</Typography.Text>}
    </Space>
  );
}

/** ProblemList is one kind of problem, each a button that opens its place; none, nothing. */
function ProblemList({ title, problems, onLocate }: { title: string; problems: Problem[]; onLocate(p: Problem): void }) {
  if (problems.length === 0) return null;
  return (
    <List size="small" header={title} dataSource={problems}
      renderItem={(p) => (
        <List.Item>
          <Button type="link" onClick={() => onLocate(p)} style={{ whiteSpace: 'normal', textAlign: 'left', height: 'auto' }}>
            <Tag color={p.severity === 'error' ? 'red' : 'orange'}>{p.severity === 'error' ? '错误' : '警告'}</Tag>
            {p.file}{p.pointer}{p.line ? `（${p.line}:${p.column}）` : ''}：{p.message}
          </Button>
        </List.Item>
      )} />
  );
}
