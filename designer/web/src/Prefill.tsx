// The prefill rules of one field (form.ui.json's prefill, those whose field is this one) in the
// field's panel: where the value comes from and the expressions that fetch and pick it, each in
// the expression editor. Generated from the format's schema like the other panels.
import { Button, Card, Space, Typography } from 'antd';
import uiSchema from '../../../definitions/schema/form.ui.schema.json';
import { useDraft, useDraftApi } from './draft';
import { fromPlain, get, isObject, set, str, type J } from './json/tree';
import { UI } from './model/form';
import { pointerId, SchemaForm, type Schema } from './SchemaForm';

const ruleSchema = uiSchema.properties.prefill.items as Schema;
/** shown are the rule's properties but its field, which is the panel's. */
const shown = Object.keys(ruleSchema.properties ?? {}).filter((k) => k !== 'field');

export function PrefillRules({ path }: { path: string }) {
  const store = useDraftApi();
  // The indexes as one string, so that other edits of form.ui.json do not re-render the rules.
  const joined = useDraft((s) => {
    const list = get(s.trees[UI], 'prefill');
    return Array.isArray(list) ? list.flatMap((r, i) => (str(get(r, 'field')) === path ? [i] : [])).join(',') : '';
  });
  const indexes = joined ? joined.split(',').map(Number) : [];
  const add = () =>
    store.getState().edit('添加预填规则', (files) => {
      const ui = files[UI];
      if (!isObject(ui)) return;
      let list = get(ui, 'prefill');
      if (!Array.isArray(list)) {
        list = [];
        set(ui, 'prefill', list);
      }
      (list as J[]).push(fromPlain({ field: path, from: 'applicant', value: '' }));
    });
  const remove = (i: number) =>
    store.getState().edit('删除预填规则', (files) => {
      const list = get(files[UI], 'prefill');
      if (Array.isArray(list)) list.splice(i, 1);
    });
  return (
    <section aria-label="预填规则">
      <Typography.Title level={5}>{ruleSchema.title ?? '预填规则'}</Typography.Title>
      <Space orientation="vertical" style={{ width: '100%' }}>
        {indexes.map((i) => (
          <Card key={i} size="small" id={pointerId(UI, `/prefill/${i}`)} tabIndex={-1} title={`预填规则 ${i + 1}`}
            extra={<Button size="small" danger onClick={() => remove(i)}>删除</Button>}>
            <SchemaForm file={UI} pointer={`/prefill/${i}`} schema={ruleSchema} only={shown} />
          </Card>
        ))}
        <Button onClick={add}>添加预填规则</Button>
      </Space>
    </section>
  );
}
