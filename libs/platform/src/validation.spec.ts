import { IsISO8601 } from 'class-validator';
import { AsUtc, createValidationPipe, droppedKeyErrors, inputShape, IsReadableInstant, MAX_INPUT_DEPTH, MAX_OBJECT_KEYS } from './validation';

describe('inputShape', () => {
  it('measures nesting of objects and arrays, scalars being depth 0, and the widest object', () => {
    expect(inputShape('x')).toEqual({ depth: 0, keys: 0 });
    expect(inputShape(null)).toEqual({ depth: 0, keys: 0 });
    expect(inputShape({})).toEqual({ depth: 1, keys: 0 });
    expect(inputShape({ a: [1, { b: 2, c: 3, d: 4 }] })).toEqual({ depth: 3, keys: 3 });
    // arrays are lists, not fields
    expect(inputShape({ list: Array.from({ length: 10_000 }, () => 1) }).keys).toBe(1);
  });

  it('stops early on hostile nesting without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    expect(inputShape(deep).depth).toBe(MAX_INPUT_DEPTH + 1);
  });
});

describe('the validation pipe on hostile bodies', () => {
  class LoginDto {}

  it('refuses an object with more fields than any DTO has, before the whitelist walks them (its cost is their square)', async () => {
    const wide = Object.fromEntries(Array.from({ length: 400_000 }, (_, i) => [`k${i}`, 1]));
    await expect(createValidationPipe().transform(wide, { type: 'body', metatype: LoginDto })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'body', errors: [`no object may have more than ${MAX_OBJECT_KEYS} fields`] }],
    });
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

describe('AsUtc', () => {
  class WhenDto {
    @AsUtc() @IsISO8601({ strict: true }) @IsReadableInstant()
    at!: string;
  }
  const read = async (at: string) => ((await createValidationPipe().transform({ at }, { type: 'body', metatype: WhenDto })) as WhenDto).at;

  it('reads a date-time without a zone designator as UTC, whatever the server’s time zone', async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(new Date(await read('2027-01-01T00:00:00')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
      expect(new Date(await read('2027-01-01T09:30')).toISOString()).toBe('2027-01-01T09:30:00.000Z');
      expect(await read('2027-01-01T00:00:00.250')).toBe('2027-01-01T00:00:00.250Z');
    } finally {
      process.env.TZ = zone;
    }
  });

  it('keeps the zone a date-time names, and a date alone (which JavaScript reads as UTC)', async () => {
    for (const at of ['2027-01-01T00:00:00Z', '2027-01-01T00:00:00+02:00', '2027-01-01T00:00:00-05:00', '2027-01-01']) expect(await read(at)).toBe(at);
  });
});
