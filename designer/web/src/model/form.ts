// Operations of the form designer on a matter's files. A field lives in two files, as the
// format keeps them: its data (a property of form.schema.json) and its placement and widget
// (form.ui.json). Every operation edits both, on immer drafts of the studio's trees, so that
// each is one undoable step.
import { del, fromPlain, get, isObject, keys, obj, renameKey, set, setAt, str, type J, type JObject } from '../json/tree';

export const SCHEMA = 'form.schema.json';
export const UI = 'form.ui.json';

export type Files = Record<string, J>;

/** The JSON Schema a new field of each widget starts with (the inverse of the renderer's widgetOf). */
export function schemaFor(widget: string, title: string): unknown {
  const base = { title };
  switch (widget) {
    case 'number':
    case 'amount':
      return { type: 'number', ...base };
    case 'date':
      return { type: 'string', ...base, format: 'date' };
    case 'select':
    case 'radio':
      return { type: 'string', ...base, enum: ['选项一', '选项二'] };
    case 'checkbox':
      return { type: 'boolean', ...base };
    case 'id-card':
      return { type: 'string', ...base, format: 'cn-id-card' };
    case 'uscc':
      return { type: 'string', ...base, format: 'cn-uscc' };
    case 'mobile':
      return { type: 'string', ...base, format: 'cn-mobile' };
    case 'division':
      return { type: 'string', ...base, format: 'cn-division' };
    case 'section':
      return { type: 'object', ...base, properties: {} };
    case 'rows':
      return { type: 'array', ...base, items: { type: 'object', properties: {} } };
    case 'list':
      return { type: 'array', ...base, items: { type: 'string' } };
    default:
      return { type: 'string', ...base };
  }
}

/** The widget form.ui.json names for a palette entry ("list" is a rows widget over strings). */
export function uiWidget(widget: string): string {
  return widget === 'list' ? 'rows' : widget;
}

/** Where a field is placed: in a top-level section of form.ui.json, or inside an object or rows field. */
export type Container = { section: string } | { parent: string };

function schemaRoot(files: Files): JObject {
  const s = files[SCHEMA];
  if (!isObject(s)) throw new Error('form.schema.json 不是对象');
  return s;
}

function uiRoot(files: Files): JObject {
  const u = files[UI];
  if (!isObject(u)) throw new Error('form.ui.json 不是对象');
  return u;
}

function ensureObject(o: JObject, key: string): JObject {
  let v = get(o, key);
  if (!isObject(v)) {
    v = obj();
    set(o, key, v);
  }
  return v;
}

/** segments splits a UI path ("a.b", "rows[].col") into schema steps. */
function segments(path: string): { key: string; items: boolean }[] {
  return path.split('.').map((s) => (s.endsWith('[]') ? { key: s.slice(0, -2), items: true } : { key: s, items: false }));
}

/** objectAt is the schema object whose properties hold the children of a container path ('' is the root). */
function objectAt(root: JObject, path: string): JObject | undefined {
  let cur: J | undefined = root;
  if (path === '') return root;
  for (const { key, items } of segments(path)) {
    cur = get(get(cur, 'properties'), key);
    if (items) cur = get(cur, 'items');
  }
  if (isObject(cur) && get(cur, 'type') === 'array') cur = get(cur, 'items');
  return isObject(cur) ? cur : undefined;
}

/** childPath is the UI path of a child key of a container path. */
export function childPath(parentSchema: J | undefined, parent: string, key: string): string {
  if (parent === '') return key;
  return get(parentSchema, 'type') === 'array' ? `${parent}[].${key}` : `${parent}.${key}`;
}

function splitPath(path: string): { parent: string; key: string } {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return { parent: '', key: path };
  const parent = path.slice(0, dot);
  return { parent: parent.endsWith('[]') ? parent.slice(0, -2) : parent, key: path.slice(dot + 1) };
}

/** schemaAt is a field's JSON Schema by its UI path. */
export function schemaAt(files: Files, path: string): J | undefined {
  const { parent, key } = splitPath(path);
  return get(get(objectAt(schemaRoot(files), parent), 'properties'), key);
}

function sectionOf(ui: JObject, id: string): JObject {
  const sections = get(ui, 'sections');
  const s = Array.isArray(sections) ? sections.find((x) => str(get(x, 'id')) === id) : undefined;
  if (!isObject(s)) throw new Error(`没有分组“${id}”`);
  return s;
}

function insertEntry(o: JObject, key: string, value: J, index: number): void {
  del(o, key);
  o.e.splice(Math.max(0, Math.min(index, o.e.length)), 0, [key, value]);
}

const keyRe = /^[a-z][a-zA-Z0-9]*$/;

export interface NewField {
  widget: string;
  key: string;
  title: string;
  into: Container;
  index: number;
}

/** addField writes a new field's schema property and its placement; it returns the field's path. */
export function addField(files: Files, f: NewField): string {
  if (!keyRe.test(f.key)) throw new Error('字段标识须以小写字母开头，只含字母和数字');
  const root = schemaRoot(files);
  const ui = uiRoot(files);
  const parent = 'parent' in f.into ? f.into.parent : '';
  const holder = objectAt(root, parent);
  if (!holder) throw new Error(`“${parent}”不能容纳字段`);
  const props = ensureObject(holder, 'properties');
  if (get(props, f.key) !== undefined) throw new Error(`已有字段“${f.key}”`);
  const parentSchema = parent === '' ? root : schemaAt(files, parent);
  const path = childPath(parentSchema, parent, f.key);
  const schema = fromPlain(schemaFor(f.widget, f.title));
  if ('section' in f.into) {
    set(props, f.key, schema);
    const list = get(sectionOf(ui, f.into.section), 'fields');
    if (Array.isArray(list)) list.splice(Math.max(0, Math.min(f.index, list.length)), 0, path);
  } else {
    insertEntry(props, f.key, schema, f.index);
  }
  set(ensureObject(ui, 'fields'), path, fromPlain({ widget: uiWidget(f.widget) }));
  return path;
}

/** moveField places a field at another index of its container, or in another top-level section. */
export function moveField(files: Files, path: string, to: Container, index: number): void {
  const ui = uiRoot(files);
  if ('section' in to) {
    const sections = get(ui, 'sections');
    if (!Array.isArray(sections)) return;
    for (const s of sections) {
      const list = get(s, 'fields');
      if (!Array.isArray(list)) continue;
      const i = list.indexOf(path);
      if (i >= 0) list.splice(i, 1);
    }
    const list = get(sectionOf(ui, to.section), 'fields');
    if (Array.isArray(list)) list.splice(Math.max(0, Math.min(index, list.length)), 0, path);
    return;
  }
  const { parent, key } = splitPath(path);
  if (parent !== to.parent) throw new Error('移入其他分组会改变字段路径：请用“重命名”');
  const props = get(objectAt(schemaRoot(files), parent), 'properties');
  if (!isObject(props)) return;
  const value = get(props, key);
  if (value !== undefined) insertEntry(props, key, value, index);
}

/** removeField deletes a field's schema property, its required mark and every placement of it. */
export function removeField(files: Files, path: string): void {
  const { parent, key } = splitPath(path);
  const holder = objectAt(schemaRoot(files), parent);
  if (holder) {
    const props = get(holder, 'properties');
    if (isObject(props)) del(props, key);
    const req = get(holder, 'required');
    if (Array.isArray(req)) {
      const i = req.indexOf(key);
      if (i >= 0) req.splice(i, 1);
    }
  }
  const ui = uiRoot(files);
  const fields = get(ui, 'fields');
  if (isObject(fields)) fields.e = fields.e.filter(([k]) => !within(k, path));
  const sections = get(ui, 'sections');
  if (Array.isArray(sections)) {
    for (const s of sections) {
      const list = get(s, 'fields');
      if (isObject(s) && Array.isArray(list)) set(s, 'fields', list.filter((p) => typeof p !== 'string' || !within(p, path)));
    }
  }
}

/** within tells whether a UI path is path itself or lies below it. */
function within(p: string, path: string): boolean {
  return p === path || p.startsWith(path + '.') || p.startsWith(path + '[].');
}

function movePrefix(p: string, from: string, to: string): string {
  return within(p, from) ? to + p.slice(from.length) : p;
}

/** A reference the rename changes, or one it cannot change and would break. */
export interface Reference {
  file: string;
  pointer: string;
  before: string;
  after?: string;
}

export interface RenamePlan {
  changes: Reference[];
  breaks: Reference[];
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** exprPattern matches form.<path> in an expression, with or without optional chaining. */
function exprPattern(path: string): RegExp {
  const steps = path.split('.').map(esc).join('(\\?)?\\.');
  return new RegExp(`\\bform(\\?)?\\.${steps}(?![A-Za-z0-9_])`, 'g');
}

function rewriteExpr(s: string, from: string, to: string): string {
  const n = from.split('.').length;
  return s.replace(exprPattern(from), (...m) => {
    const opts = m.slice(1, n + 1) as (string | undefined)[];
    return 'form' + to.split('.').map((step, i) => (opts[i] ?? '') + '.' + step).join('');
  });
}

const pathKeys = new Set(['field', 'fields', 'path', 'source', 'target']);

function walkStrings(v: J, pointer: string, parentKey: string, visit: (s: string, pointer: string, parentKey: string) => void): void {
  if (typeof v === 'string') visit(v, pointer, parentKey);
  else if (Array.isArray(v)) v.forEach((c, i) => walkStrings(c, `${pointer}/${i}`, parentKey, visit));
  else if (isObject(v)) for (const [k, c] of v.e) walkStrings(c, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, k, visit);
}

/** planRename lists every reference to a field outside its own definition that a rename changes or breaks. */
export function planRename(files: Files, from: string, to: string): RenamePlan {
  const plan: RenamePlan = { changes: [], breaks: [] };
  const rowsCol = from.includes('[].');
  for (const [file, tree] of Object.entries(files)) {
    if (file === SCHEMA) continue;
    walkStrings(tree, '', '', (s, pointer, parentKey) => {
      if (file === UI && /^\/sections\/\d+\/fields\//.test(pointer)) return;
      if (pathKeys.has(parentKey) && within(s, from)) {
        plan.changes.push({ file, pointer, before: s, after: movePrefix(s, from, to) });
        return;
      }
      if (rowsCol) {
        const col = from.slice(from.lastIndexOf('.') + 1);
        if (new RegExp(`\\.${esc(col)}(?![A-Za-z0-9_])`).test(s) && s.includes('form')) plan.breaks.push({ file, pointer, before: s });
        return;
      }
      const after = rewriteExpr(s, from, to);
      if (after !== s) plan.changes.push({ file, pointer, before: s, after });
    });
  }
  return plan;
}

/**
 * renameField gives a field a new key (or moves it under another object) and applies the plan's
 * changes. It refuses when the plan has references it cannot change, unless force is set.
 */
export function renameField(files: Files, from: string, to: string, force = false): RenamePlan {
  const plan = planRename(files, from, to);
  if (plan.breaks.length > 0 && !force) return plan;
  const a = splitPath(from);
  const b = splitPath(to);
  if (!keyRe.test(b.key)) throw new Error('字段标识须以小写字母开头，只含字母和数字');
  const root = schemaRoot(files);
  const src = objectAt(root, a.parent);
  const dst = objectAt(root, b.parent);
  if (!src || !dst) throw new Error('目标位置不存在');
  const srcProps = ensureObject(src, 'properties');
  const value = get(srcProps, a.key);
  if (value === undefined) throw new Error(`没有字段“${from}”`);
  const dstProps = ensureObject(dst, 'properties');
  if (from !== to && get(dstProps, b.key) !== undefined) throw new Error(`已有字段“${to}”`);
  const wasRequired = (() => {
    const req = get(src, 'required');
    if (!Array.isArray(req) || !req.includes(a.key)) return false;
    req.splice(req.indexOf(a.key), 1);
    return true;
  })();
  if (src === dst) renameKey(srcProps, a.key, b.key);
  else {
    del(srcProps, a.key);
    set(dstProps, b.key, value);
  }
  if (wasRequired) {
    const req = get(dst, 'required');
    if (Array.isArray(req)) req.push(b.key);
    else set(dst, 'required', [b.key]);
  }
  const ui = uiRoot(files);
  const fields = get(ui, 'fields');
  if (isObject(fields)) for (const entry of fields.e) entry[0] = movePrefix(entry[0], from, to);
  const sections = get(ui, 'sections');
  if (Array.isArray(sections))
    for (const s of sections) {
      const list = get(s, 'fields');
      if (Array.isArray(list)) list.forEach((p, i) => typeof p === 'string' && (list[i] = movePrefix(p, from, to)));
    }
  for (const c of plan.changes) setAt(files[c.file], c.pointer, c.after!);
  return plan;
}

/** The designer's view of one field: its path, key, schema and UI settings, and its children. */
export interface FieldNode {
  path: string;
  key: string;
  title: string;
  widget: string;
  kind: 'field' | 'section' | 'rows';
  children: FieldNode[];
}

/** fieldNode describes the field at path, with its children for objects and rows. */
export function fieldNode(files: Files, path: string): FieldNode {
  const schema = schemaAt(files, path);
  const ui = get(get(files[UI], 'fields'), path);
  const type = str(get(schema, 'type'));
  const items = get(schema, 'items');
  const kind = type === 'object' ? 'section' : type === 'array' && get(items, 'type') === 'object' ? 'rows' : 'field';
  const holder = kind === 'section' ? schema : kind === 'rows' ? items : undefined;
  return {
    path,
    key: splitPath(path).key,
    title: str(get(schema, 'title')) || splitPath(path).key,
    widget: str(get(ui, 'widget')) || (kind === 'field' ? '' : kind),
    kind,
    children: keys(get(holder, 'properties')).map((k) => fieldNode(files, childPath(schema, path, k))),
  };
}

/** layout is the form as the designer shows it: form.ui.json's sections with their fields. */
export function layout(files: Files): { id: string; title: string; fields: FieldNode[] }[] {
  const sections = get(files[UI], 'sections');
  if (!Array.isArray(sections)) return [];
  return sections.map((s) => ({
    id: str(get(s, 'id')),
    title: str(get(s, 'title')),
    fields: (Array.isArray(get(s, 'fields')) ? (get(s, 'fields') as J[]) : []).filter((p): p is string => typeof p === 'string').map((p) => fieldNode(files, p)),
  }));
}

/** schemaPointer is the JSON pointer of a field's schema in form.schema.json. */
export function schemaPointer(path: string): string {
  return segments(path)
    .map(({ key, items }) => `/properties/${key}${items ? '/items' : ''}`)
    .join('');
}

/** pathOfPointer is the field a problem's pointer in form.schema.json or form.ui.json names, if any. */
export function pathOfPointer(file: string, pointer: string): string | null {
  if (file === UI) {
    const m = /^\/fields\/([^/]+)/.exec(pointer);
    return m ? m[1].replace(/~1/g, '/').replace(/~0/g, '~') : null;
  }
  if (file !== SCHEMA) return null;
  const parts: string[] = [];
  const re = /\/properties\/([^/]+)(\/items)?/g;
  let m;
  while ((m = re.exec(pointer))) parts.push(m[1] + (m[2] ? '[]' : ''));
  if (parts.length === 0) return null;
  parts[parts.length - 1] = parts[parts.length - 1].replace(/\[\]$/, '');
  return parts.join('.');
}

/** setRequired marks a field required in its parent object's schema, or not. */
export function setRequired(files: Files, path: string, required: boolean): void {
  const { parent, key } = splitPath(path);
  const holder = objectAt(schemaRoot(files), parent);
  if (!holder) return;
  let req = get(holder, 'required');
  if (!Array.isArray(req)) {
    if (!required) return;
    req = [];
    set(holder, 'required', req);
  }
  const i = req.indexOf(key);
  if (required && i < 0) req.push(key);
  if (!required && i >= 0) req.splice(i, 1);
}

/** isRequired tells whether a field is in its parent's required list. */
export function isRequired(files: Files, path: string): boolean {
  const { parent, key } = splitPath(path);
  const req = get(objectAt(schemaRoot(files), parent), 'required');
  return Array.isArray(req) && req.includes(key);
}

export { splitPath };

/** A top-level section of form.ui.json as the designer shows it. */
export type Section = ReturnType<typeof layout>[number];

/**
 * reuseNode returns next, with every node that equals prev's node at the same place replaced
 * by prev's own, so that a row whose field did not change keeps its identity and a memoised
 * row skips its render: an edit of one field re-renders that field's row, not all of them.
 */
export function reuseNode(prev: FieldNode | undefined, next: FieldNode): FieldNode {
  if (!prev) return next;
  const children = reuseList(prev.children, next.children);
  const same = prev.path === next.path && prev.key === next.key && prev.title === next.title && prev.widget === next.widget && prev.kind === next.kind && children === prev.children;
  return same ? prev : { ...next, children };
}

function reuseList(prev: FieldNode[], next: FieldNode[]): FieldNode[] {
  const byPath = new Map(prev.map((n) => [n.path, n]));
  const out = next.map((n) => reuseNode(byPath.get(n.path), n));
  return out.length === prev.length && out.every((n, i) => n === prev[i]) ? prev : out;
}

/** reuseLayout is reuseNode over a whole layout, section by section. */
export function reuseLayout(prev: Section[], next: Section[]): Section[] {
  const byId = new Map(prev.map((s) => [s.id, s]));
  return next.map((s) => {
    const p = byId.get(s.id);
    if (!p) return s;
    const fields = reuseList(p.fields, s.fields);
    return p.title === s.title && fields === p.fields ? p : { ...s, fields };
  });
}
