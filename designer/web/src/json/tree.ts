// The studio's model of a definition file: a JSON tree that keeps what JSON.parse loses — the
// order of keys (integer-like keys included), duplicate keys and the literal text of numbers —
// so that a file the analyst did not change is written back byte for byte, and a changed one
// differs only where it was changed.

/** A JSON number kept as its literal text ("1.0" stays "1.0"). */
export interface JNumber {
  readonly t: 'n';
  readonly raw: string;
}

/** A JSON object: its entries in file order. */
export interface JObject {
  readonly t: 'o';
  e: [string, J][];
}

export type J = string | boolean | null | JNumber | JObject | J[];

export function isObject(v: J | undefined): v is JObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.t === 'o';
}

export function isNumber(v: J | undefined): v is JNumber {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && v.t === 'n';
}

export function num(n: number): JNumber {
  return { t: 'n', raw: String(n) };
}

export function obj(entries: [string, J][] = []): JObject {
  return { t: 'o', e: entries };
}

/** get returns the value of key in an object, or undefined. */
export function get(o: J | undefined, key: string): J | undefined {
  if (!isObject(o)) return undefined;
  // A plain loop: the form designer looks up every field of a large form at each keystroke.
  const e = o.e;
  for (let i = 0; i < e.length; i++) if (e[i][0] === key) return e[i][1];
  return undefined;
}

/** set replaces key's value in place (keeping its position) or appends it. */
export function set(o: JObject, key: string, value: J): void {
  const hit = o.e.find(([k]) => k === key);
  if (hit) hit[1] = value;
  else o.e.push([key, value]);
}

/** del removes key from an object; it reports whether the key was there. */
export function del(o: JObject, key: string): boolean {
  const i = o.e.findIndex(([k]) => k === key);
  if (i < 0) return false;
  o.e.splice(i, 1);
  return true;
}

/** renameKey gives an entry a new key where it stands. */
export function renameKey(o: JObject, from: string, to: string): void {
  const hit = o.e.find(([k]) => k === from);
  if (hit) hit[0] = to;
}

export function keys(o: J | undefined): string[] {
  return isObject(o) ? o.e.map(([k]) => k) : [];
}

/** str is the value as a string, or '' when it is not one. */
export function str(v: J | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** toPlain converts to an ordinary JavaScript value, for display and for sending to the server. */
export function toPlain(v: J): unknown {
  if (Array.isArray(v)) return v.map(toPlain);
  if (isNumber(v)) return Number(v.raw);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, c] of v.e) out[k] = toPlain(c);
    return out;
  }
  return v;
}

/** fromPlain converts an ordinary JavaScript value (a new widget's schema, a typed number). */
export function fromPlain(v: unknown): J {
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === 'number') return num(v);
  if (v && typeof v === 'object') return obj(Object.entries(v).map(([k, c]) => [k, fromPlain(c)]));
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return null;
}

/** Pointer tokens of an RFC 6901 JSON pointer ("" is the whole document). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '' ? [] : [''];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointerOf(tokens: string[]): string {
  return tokens.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** at returns the value at a JSON pointer, or undefined. */
export function at(root: J | undefined, pointer: string): J | undefined {
  let cur: J | undefined = root;
  for (const t of pointerTokens(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else cur = get(cur, t);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** setAt sets the value at a pointer, creating objects on the way; undefined deletes it. */
export function setAt(root: J, pointer: string, value: J | undefined): void {
  const tokens = pointerTokens(pointer);
  let cur: J | undefined = root;
  for (const t of tokens.slice(0, -1)) {
    let next: J | undefined = Array.isArray(cur) ? cur[Number(t)] : get(cur, t);
    if (next === undefined && isObject(cur)) {
      next = obj();
      set(cur, t, next);
    }
    cur = next;
  }
  const last = tokens[tokens.length - 1];
  if (Array.isArray(cur)) {
    if (value === undefined) cur.splice(Number(last), 1);
    else cur[Number(last)] = value;
  } else if (isObject(cur)) {
    if (value === undefined) del(cur, last);
    else set(cur, last, value);
  }
}
