import { createValidationPipe, droppedKeyErrors, inputDepth, MAX_INPUT_DEPTH } from './validation';

describe('inputDepth', () => {
  it('measures nesting of objects and arrays, scalars being depth 0', () => {
    expect(inputDepth('x')).toBe(0);
    expect(inputDepth(null)).toBe(0);
    expect(inputDepth({})).toBe(1);
    expect(inputDepth({ a: [1, { b: 2 }] })).toBe(3);
  });

  it('stops early on hostile nesting without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    expect(inputDepth(deep)).toBe(MAX_INPUT_DEPTH + 1);
  });
});

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

  it('names every string and key holding a lone surrogate, and lets paired ones (emoji) through', () => {
    const body = JSON.parse('{"name": "a\\ud800b", "perk": {"title": "\\udc00"}, "tags": ["ok", "x\\ud83d"], "\\ud800": 1, "emoji": "\\ud83d\\ude00"}');
    expect(droppedKeyErrors(body).map((e) => e.field)).toEqual(['name', 'perk.title', 'tags.1', '\ud800']);
    expect(droppedKeyErrors('\ud800')).toEqual([expect.objectContaining({ field: 'body' })]);
  });
});

describe('createValidationPipe and dropped keys', () => {
  const pipe = createValidationPipe();

  it('refuses a body or query holding a dropped key with VALIDATION_FAILED, naming it', async () => {
    for (const type of ['body', 'query'] as const) {
      await expect(pipe.transform(JSON.parse('{"constructor": 1}'), { type })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [refused('constructor')] });
    }
  });

  it('passes anything else through untouched', async () => {
    const value = { a: 1 };
    await expect(pipe.transform(value, { type: 'body' })).resolves.toBe(value);
    await expect(pipe.transform('__proto__', { type: 'param' })).resolves.toBe('__proto__');
  });
});
