import { describe, expect, it } from 'vitest';
import { parse } from '../json/text';
import { ownNames, vocabularyNames } from './vocab';

describe('completion names', () => {
  it('offers the server vocabulary, a material field once per material and a helper by each of its names', () => {
    const got = vocabularyNames(
      {
        helpers: [{ name: 'idAge', signature: 'idAge(idNumber, on) int', description: '周岁年龄', example: "idAge('x', now)", result: '39' }],
        builtins: [{ name: 'any / all', signature: 'any(xs, cond) bool', description: '有一项 / 每一项', example: 'any([1], # > 0)', result: 'true' }, { name: '??', signature: 'a ?? b', description: '为空时', example: 'nil ?? 0', result: '0' }],
        variables: [{ name: 'applicant.idNumber', type: 'string', description: '申请人' }, { name: 'materials.*.provided', type: 'bool', description: '申请材料' }],
      },
      ['m1', 'm2'],
    ).map((n) => n.label);
    expect(got).toEqual(['applicant.idNumber', 'materials.m1.provided', 'materials.m2.provided', 'idAge', 'any', 'all']);
  });

  it('offers the matter’s parameters and computed values by id', () => {
    const matter = parse('{"parameters": [{"id": "standard", "title": "低保标准", "type": "number"}], "values": [{"id": "perCapita", "title": "人均月收入", "expression": "1"}]}');
    expect(ownNames(matter)).toEqual([
      { label: 'standard', type: 'number', doc: '参数：低保标准' },
      { label: 'perCapita', type: 'value', doc: '计算值：人均月收入' },
    ]);
  });
});
