import { DomainError } from '@app/domain';
import { droppedKeyErrors, DroppedKeysPipe } from './dropped-keys.pipe';

const refused = (field: string) => ({ field, errors: [`property ${field.split('.').pop()} should not exist`] });

describe('droppedKeyErrors', () => {
  it('names every __proto__ and constructor key JSON.parse made an own property, at any depth', () => {
    const body = JSON.parse('{"__proto__": {"a": 1}, "perk": {"constructor": 1}, "scores": [{"memberId": "m", "__proto__": []}]}');
    expect(droppedKeyErrors(body)).toEqual([refused('__proto__'), refused('perk.constructor'), refused('scores.0.__proto__')]);
  });

  it('finds nothing in ordinary input, and does not read inherited names as keys', () => {
    expect(droppedKeyErrors({ name: 'constructor', perk: { title: '__proto__' }, codes: ['constructor'] })).toEqual([]);
    expect(droppedKeyErrors(null)).toEqual([]);
    expect(droppedKeyErrors('constructor')).toEqual([]);
  });
});

describe('DroppedKeysPipe', () => {
  const pipe = new DroppedKeysPipe();

  it('refuses a body or query holding a dropped key with VALIDATION_FAILED', () => {
    for (const type of ['body', 'query'] as const) {
      expect(() => pipe.transform(JSON.parse('{"constructor": 1}'), { type })).toThrow(DomainError);
    }
  });

  it('passes anything else through untouched', () => {
    const value = { a: 1 };
    expect(pipe.transform(value, { type: 'body' })).toBe(value);
    expect(pipe.transform('__proto__', { type: 'param' })).toBe('__proto__');
  });
});
