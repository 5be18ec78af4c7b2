// What an expression may name, for the editor's completion: the form's fields with their
// types (from form.schema.json), the matter's parameters and values (matter.json), materials,
// and what the server's vocabulary lists — the helpers and built-ins of the rules' own table
// (the README's expression table) and the fields of applicant and case. The server's check stays
// the judge of what is valid; this only offers names.
import { api, type Vocabulary } from '../api';
import { get, isObject, keys, str, type J } from '../json/tree';

export interface Name {
  label: string;
  type: string;
  doc: string;
}

let loaded: Vocabulary | null = null;
let loading: Promise<Vocabulary | null> | null = null;

/** loadVocabulary asks the server for its vocabulary once per page; names uses it when it has come. */
export function loadVocabulary(): Promise<Vocabulary | null> {
  loading ??= api.vocabulary().then(
    (v) => (loaded = v),
    () => ((loading = null), null),
  );
  return loading;
}

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

/** ownNames lists the matter's parameters and computed values, which expressions name by id. */
export function ownNames(matter: J | undefined): Name[] {
  const list = (key: string, type: (v: J) => string, what: string) => {
    const v = get(matter, key);
    return Array.isArray(v) ? v.filter((p) => str(get(p, 'id'))).map((p) => ({ label: str(get(p, 'id')), type: type(p), doc: `${what}：${str(get(p, 'title'))}` })) : [];
  };
  return [...list('parameters', (p) => str(get(p, 'type')), '参数'), ...list('values', () => 'value', '计算值')];
}

/** vocabularyNames is the server's vocabulary as completions; a material's fields once per material. */
export function vocabularyNames(v: Vocabulary, materialIDs: string[]): Name[] {
  const vars = v.variables.flatMap((n) =>
    n.name.includes('*') ? materialIDs.map((id) => ({ label: n.name.replace('*', id), type: n.type, doc: n.description })) : [{ label: n.name, type: n.type, doc: n.description }],
  );
  const fn = (h: Vocabulary['helpers'][number]) =>
    h.name
      .split(' / ')
      .filter((w) => /^[A-Za-z_]\w*$/.test(w))
      .map((w) => ({ label: w, type: 'func ' + h.signature, doc: `${h.description}；例：${h.example} → ${h.result}` }));
  return [...vars, ...v.helpers.flatMap(fn), ...v.builtins.flatMap(fn)];
}

/** helperNames are the server's helpers and built-ins alone (print templates have their own variables). */
export function helperNames(): Name[] {
  return loaded ? vocabularyNames({ ...loaded, variables: [] }, []) : [];
}

/** names is everything an expression of this draft may name. */
export function names(schema: J | undefined, matter: J | undefined, materialIDs: string[]): Name[] {
  return [
    ...formNames(schema),
    ...ownNames(matter),
    ...materialIDs.map((id) => ({ label: `materials.${id}`, type: 'material', doc: '申请材料' })),
    ...(loaded ? vocabularyNames(loaded, materialIDs) : []),
  ];
}
