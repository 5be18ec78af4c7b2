// The Excel catalog (事项目录, 4.3.1 columns) through the design API, with the code of
// `tongban catalog export/import`: export the matters one may work on, edit the workbook, and
// import it into each matter's draft. A refused import lists every bad cell and writes nothing.
import { useRef, useState } from 'react';
import { Alert, App, Button, List } from 'antd';
import { api, ApiError } from './api';

export function CatalogExcel({ canEdit, onImported }: { canEdit: boolean; onImported(): void }) {
  const { message } = App.useApp();
  const input = useRef<HTMLInputElement>(null);
  const [refused, setRefused] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const upload = async (file: File) => {
    setBusy(true);
    setRefused(null);
    try {
      const r = await api.importCatalog(file);
      message.success(r.updated.length ? `已写入 ${r.updated.length} 个事项的草稿：${r.updated.join('、')}` : '事项目录与现有内容相同，没有改动');
      onImported();
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) setRefused(e);
      else message.error((e as Error).message);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  return (
    <>
      <Button href={api.catalogURL} download="catalog.xlsx">导出事项目录（Excel）</Button>
      {canEdit && (
        <>
          <Button loading={busy} onClick={() => input.current?.click()}>导入事项目录…</Button>
          <input ref={input} type="file" hidden aria-label="选择事项目录 Excel 文件" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => e.target.files?.[0] && upload(e.target.files[0])} />
        </>
      )}
      {refused && (
        <Alert type="error" showIcon closable onClose={() => setRefused(null)} title={refused.message} style={{ width: '100%' }}
          description={<List size="small" dataSource={refused.fields} renderItem={(f) => <List.Item>{f.pointer ? `${f.pointer}：` : ''}{f.message}</List.Item>} />} />
      )}
    </>
  );
}
