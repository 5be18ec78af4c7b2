import { useCallback, useEffect, useMemo, useState } from 'react';
import { App, Button, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import { api, type MatterItem, type Session } from './api';
import { CatalogExcel } from './CatalogExcel';

type Status = 'published' | 'editing' | 'requested' | 'returned';

const statusText: Record<Status, [string, string]> = {
  published: ['已发布', 'green'],
  editing: ['草稿', 'blue'],
  requested: ['待发布', 'orange'],
  returned: ['已退回', 'red'],
};

function statusOf(m: MatterItem): Status {
  return m.draft ? m.draft.status : 'published';
}

/** MatterList is the studio's home: the matters the caller may edit, searchable and filtered. */
export function MatterList({ session }: { session: Session }) {
  const { message } = App.useApp();
  const [items, setItems] = useState<MatterItem[]>([]);
  const [loading, setLoading] = useState(true);
  const [q, setQ] = useState('');
  const [org, setOrg] = useState<string>();
  const [status, setStatus] = useState<Status>();
  const [creating, setCreating] = useState<{ from?: string } | null>(null);
  const [form] = Form.useForm();
  const reload = useCallback(() => {
    api.matters().then((r) => setItems(r.items), (e: Error) => message.error(e.message)).finally(() => setLoading(false));
  }, [message]);
  useEffect(reload, [reload]);
  const orgs = useMemo(() => [...new Map(items.map((m) => [m.orgCode, m.orgName])).entries()], [items]);
  const shown = items.filter(
    (m) => (!q || m.name.includes(q) || m.slug.includes(q)) && (!org || m.orgCode === org) && (!status || statusOf(m) === status),
  );
  const create = async () => {
    const v = await form.validateFields();
    try {
      const d = await api.create(creating?.from ? { slug: v.slug, from: creating.from } : { slug: v.slug, name: v.name, orgCode: v.orgCode });
      window.location.hash = `#/m/${d.slug}`;
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search aria-label="搜索事项" placeholder="按名称或标识搜索" allowClear onChange={(e) => setQ(e.target.value)} style={{ width: 260 }} />
        <Select aria-label="实施机构" placeholder="全部实施机构" allowClear value={org} onChange={setOrg} style={{ width: 240 }} options={orgs.map(([value, label]) => ({ value, label }))} />
        <Select
          aria-label="状态"
          placeholder="全部状态"
          allowClear
          value={status}
          onChange={setStatus}
          style={{ width: 140 }}
          options={(Object.keys(statusText) as Status[]).map((s) => ({ value: s, label: statusText[s][0] }))}
        />
        {session.canEdit && (
          <Button type="primary" onClick={() => (form.resetFields(), setCreating({}))}>
            新建事项
          </Button>
        )}
        <CatalogExcel canEdit={session.canEdit} onImported={reload} />
      </Space>
      <Table<MatterItem>
        rowKey="slug"
        loading={loading}
        dataSource={shown}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: '事项名称', dataIndex: 'name', render: (name, m) => <a href={`#/m/${m.slug}`}>{name}</a> },
          { title: '标识', dataIndex: 'slug' },
          { title: '实施机构', dataIndex: 'orgName' },
          { title: '已发布版本', dataIndex: 'published', render: (v: number) => (v ? `第 ${v} 版` : '未发布') },
          {
            title: '状态',
            render: (_, m) => {
              const [text, color] = statusText[statusOf(m)];
              return (
                <Space>
                  <Tag color={color}>{text}</Tag>
                  {m.draft?.updatedBy && <span>{m.draft.updatedBy.name} 编辑中</span>}
                </Space>
              );
            },
          },
          {
            title: '操作',
            render: (_, m) =>
              session.canEdit && (
                <Button size="small" onClick={() => (form.resetFields(), setCreating({ from: m.slug }))}>
                  复制为新事项
                </Button>
              ),
          },
        ]}
      />
      <Modal open={!!creating} title={creating?.from ? `复制“${creating.from}”为新事项` : '新建事项'} okText="创建" cancelText="取消" onOk={create} onCancel={() => setCreating(null)}>
        <Form form={form} layout="vertical" initialValues={{ orgCode: session.orgCode }}>
          <Form.Item name="slug" label="事项标识（英文小写、数字和连字符）" rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]*$/, message: '只能用小写字母、数字和连字符' }]}>
            <Input autoFocus />
          </Form.Item>
          {!creating?.from && (
            <>
              <Form.Item name="name" label="事项名称" rules={[{ required: true, message: '请填写事项名称' }]}>
                <Input />
              </Form.Item>
              <Form.Item name="orgCode" label="实施机构编码" rules={[{ required: true, message: '请填写实施机构编码' }]}>
                <Input />
              </Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </>
  );
}
