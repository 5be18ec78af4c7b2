// What an expression may name, for the editor's completion: the form's fields with their
// types (from form.schema.json), applicant, case, materials and the domain helpers. The
// server's check stays the judge of what is valid; this only offers names.
import { get, isObject, keys, str, type J } from '../json/tree';

export interface Name {
  label: string;
  type: string;
  doc: string;
}

export const helpers: Name[] = [
  { label: 'idAge', type: 'func(idNumber string, at time) int', doc: '身份证号所示的周岁年龄（到 at 那天）' },
  { label: 'idSex', type: 'func(idNumber string) string', doc: '身份证号所示性别：“男”或“女”' },
  { label: 'idBirth', type: 'func(idNumber string) time', doc: '身份证号所示出生日期' },
  { label: 'idDivision', type: 'func(idNumber string) string', doc: '身份证号前六位的行政区划代码' },
  { label: 'inDivision', type: 'func(code string, parent string) bool', doc: '区划代码是否在上级区划之内' },
  { label: 'divisionName', type: 'func(code string) string', doc: '行政区划名称' },
  { label: 'addWorkingDays', type: 'func(from time, days int) time', doc: '按办公日历加若干工作日' },
  { label: 'workingDaysBetween', type: 'func(from time, to time) int', doc: '两日之间的工作日数' },
  { label: 'amountInWords', type: 'func(amount float) string', doc: '金额的中文大写' },
  { label: 'formatAmount', type: 'func(amount float) string', doc: '金额按两位小数显示' },
  { label: 'formatDate', type: 'func(t time) string', doc: '日期按“2006年1月2日”显示' },
];

const applicant = ['kind', 'name', 'idNumber', 'uscc', 'mobile', 'divisionCode', 'address', 'legalPerson'];
const caseFields = ['number', 'channel', 'status', 'matter', 'orgCode', 'divisionCode', 'submittedAt', 'acceptedAt', 'concludedAt', 'decision'];

export const roots: Name[] = [
  { label: 'form', type: 'map', doc: '申请表数据' },
  { label: 'applicant', type: 'map', doc: '申请人（自然人或法人）' },
  { label: 'case', type: 'map', doc: '办件' },
  { label: 'materials', type: 'map', doc: '申请材料，按材料标识' },
  { label: 'now', type: 'time', doc: '当前时间（北京时间）' },
];

function typeOf(s: J | undefined): string {
  const t = str(get(s, 'type'));
  const f = str(get(s, 'format'));
  if (t === 'array') return `array<${typeOf(get(s, 'items')) || 'any'}>`;
  return f ? `${t}(${f})` : t;
}

/** formNames lists every form field as form.a.b with its type and title. */
export function formNames(schema: J | undefined): Name[] {
  const out: Name[] = [];
  const walk = (s: J | undefined, prefix: string) => {
    const props = get(s, 'properties');
    if (!isObject(props)) return;
    for (const k of keys(props)) {
      const p = get(props, k);
      out.push({ label: `${prefix}.${k}`, type: typeOf(p), doc: str(get(p, 'title')) });
      if (str(get(p, 'type')) === 'object') walk(p, `${prefix}.${k}`);
    }
  };
  walk(schema, 'form');
  return out;
}

/** names is everything an expression of this draft may name. */
export function names(schema: J | undefined, materialIDs: string[]): Name[] {
  return [
    ...roots,
    ...formNames(schema),
    ...applicant.map((k) => ({ label: `applicant.${k}`, type: 'string', doc: '申请人' })),
    ...caseFields.map((k) => ({ label: `case.${k}`, type: k.endsWith('At') ? 'time' : 'string', doc: '办件' })),
    ...materialIDs.map((id) => ({ label: `materials.${id}`, type: 'material', doc: '申请材料' })),
    ...helpers,
  ];
}
