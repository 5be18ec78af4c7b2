// Reading and writing definition files as text. print is a port of the Go layout that
// `tongban fmt` and the server write (definitions/pretty.go): two-space indent, keys in the
// order they stand, and an array or object on one line when it holds only scalars and fits in
// 100 bytes. Strings are escaped as Go's encoding/json does without HTML escaping.
import { isNumber, isObject, type J } from './tree';

/** A syntax error at a 1-based line and column. */
export class JSONSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    readonly offset: number,
  ) {
    super(`第 ${line} 行第 ${column} 列：${message}`);
  }
}

const numberRe = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** parse reads JSON text into a tree, keeping key order, duplicate keys and number literals. */
export function parse(text: string): J {
  let i = 0;
  const fail = (msg: string): never => {
    const before = text.slice(0, i).split('\n');
    throw new JSONSyntaxError(msg, before.length, before[before.length - 1].length + 1, i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) fail(`应为“${ch}”`);
    i++;
  };
  const string = (): string => {
    expect('"');
    let out = '';
    for (;;) {
      if (i >= text.length) fail('字符串没有结束');
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c < ' ') fail('字符串中有控制字符');
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) {
        out += simple[e];
        i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        fail('无效的转义');
      }
    }
  };
  const value = (): J => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const e: [string, J][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'o', e };
      }
      for (;;) {
        ws();
        const k = string();
        ws();
        expect(':');
        e.push([k, value()]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect('}');
        return { t: 'o', e };
      }
    }
    if (c === '[') {
      i++;
      const a: J[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(']');
        return a;
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    numberRe.lastIndex = i;
    const m = numberRe.exec(text);
    if (!m) fail(i >= text.length ? 'JSON 不完整' : `意外的字符“${c}”`);
    i += m![0].length;
    return { t: 'n', raw: m![0] };
  };
  const v = value();
  ws();
  if (i < text.length) fail('JSON 之后还有多余内容');
  return v;
}

const hex = '0123456789abcdef';

/** quote encodes a string as Go's encoding/json does with SetEscapeHTML(false). */
export function quote(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20) out += '\\u00' + hex[c >> 4] + hex[c & 15];
    else if (c === 0x2028 || c === 0x2029) out += '\\u202' + hex[c & 15];
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length && (s.charCodeAt(k + 1) & 0xfc00) === 0xdc00) {
      out += s[k] + s[k + 1];
      k++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd'; // a lone surrogate is not UTF-8
    else out += s[k];
  }
  return out + '"';
}

/** utf8Length is a string's length in UTF-8 bytes, the unit of the Go layout's line width. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length) {
      n += 4;
      k++;
    } else n += 3;
  }
  return n;
}

const lineWidth = 100;

function scalar(v: J): string | null {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quote(v);
  if (isNumber(v)) return v.raw;
  return null;
}

function write(v: J, indent: number, out: string[]): void {
  const s = scalar(v);
  if (s !== null) {
    out.push(s);
    return;
  }
  const entries: [string | null, J][] = isObject(v) ? v.e : (v as J[]).map((c) => [null, c]);
  const [open, close] = isObject(v) ? ['{', '}'] : ['[', ']'];
  const key = (k: string | null) => (k === null ? '' : quote(k) + ': ');
  const flat = entries.every(([, c]) => scalar(c) !== null);
  if (entries.length === 0 || flat) {
    const line = open + entries.map(([k, c]) => key(k) + scalar(c)).join(', ') + close;
    if (entries.length === 0 || indent * 2 + utf8Length(line) <= lineWidth) {
      out.push(line);
      return;
    }
  }
  out.push(open);
  const pad = '  '.repeat(indent + 1);
  entries.forEach(([k, c], n) => {
    out.push((n > 0 ? ',' : '') + '\n' + pad + key(k));
    write(c, indent + 1, out);
  });
  out.push('\n' + '  '.repeat(indent) + close);
}

/** print writes a tree in the canonical layout, ending with a newline. */
export function print(v: J): string {
  const out: string[] = [];
  write(v, 0, out);
  return out.join('') + '\n';
}
