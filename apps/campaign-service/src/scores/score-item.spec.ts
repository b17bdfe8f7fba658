import { parseScoreItem, ScoreRejectionCode } from './score-item';

const memberId = '5f0c6b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';

describe('parseScoreItem', () => {
  it('accepts a well-formed item and turns topics into a map', () => {
    expect(parseScoreItem({ memberId, score: 55.5, topics: [{ topic: 'tech', score: 40 }, { topic: 'board-games', score: 0 }] })).toEqual({
      ok: true,
      item: { memberId, score: 55.5, topics: { tech: 40, 'board-games': 0 } },
    });
    expect(parseScoreItem({ memberId, score: 0 })).toEqual({ ok: true, item: { memberId, score: 0, topics: {} } });
  });

  it('accepts topic slugs that are also names on Object.prototype', () => {
    expect(parseScoreItem({ memberId, score: 1, topics: [{ topic: 'constructor', score: 5 }] })).toEqual({
      ok: true,
      item: { memberId, score: 1, topics: { constructor: 5 } },
    });
  });

  it.each([
    ['not an object', 'x'],
    ['an array', []],
    ['a bad uuid', { memberId: 'nope', score: 1 }],
    ['a score above 100', { memberId, score: 100.5 }],
    ['a negative score', { memberId, score: -1 }],
    ['a string score', { memberId, score: '50' }],
    ['NaN-like score', { memberId, score: null }],
    ['an unknown field', { memberId, score: 1, extra: true }],
    ['an upper-case topic', { memberId, score: 1, topics: [{ topic: 'Tech', score: 1 }] }],
    ['a topic score out of range', { memberId, score: 1, topics: [{ topic: 'tech', score: 101 }] }],
    ['a repeated topic', { memberId, score: 1, topics: [{ topic: 'tech', score: 1 }, { topic: 'tech', score: 2 }] }],
    ['topics that are not a list', { memberId, score: 1, topics: { tech: 1 } }],
  ])('rejects %s', (_, raw) => {
    expect(parseScoreItem(raw)).toMatchObject({ ok: false, code: ScoreRejectionCode.InvalidItem, message: expect.any(String) });
  });

  it('takes up to 50 topics, and not 51', () => {
    const topics = (n: number) => Array.from({ length: n }, (_, i) => ({ topic: `t${i}`, score: 1 }));
    expect(parseScoreItem({ memberId, score: 1, topics: topics(50) })).toMatchObject({ ok: true });
    expect(parseScoreItem({ memberId, score: 1, topics: topics(51) })).toMatchObject({ ok: false, code: ScoreRejectionCode.InvalidItem });
  });

  it('takes the bounds of the score range: 0 and 100, for the score and a topic score', () => {
    expect(parseScoreItem({ memberId, score: 100, topics: [{ topic: 'tech', score: 100 }] })).toEqual({
      ok: true,
      item: { memberId, score: 100, topics: { tech: 100 } },
    });
    expect(parseScoreItem({ memberId, score: 0, topics: [{ topic: 'tech', score: 0 }] })).toMatchObject({ ok: true });
  });

  it('takes a topic slug of up to 64 characters, and not 65', () => {
    expect(parseScoreItem({ memberId, score: 1, topics: [{ topic: 'a'.repeat(64), score: 1 }] })).toMatchObject({ ok: true });
    expect(parseScoreItem({ memberId, score: 1, topics: [{ topic: 'a'.repeat(65), score: 1 }] })).toMatchObject({ ok: false, code: ScoreRejectionCode.InvalidItem });
  });

  it('reads an upper-case memberId as the same member, in lower case as the database gives ids back', () => {
    expect(parseScoreItem({ memberId: memberId.toUpperCase(), score: 1 })).toEqual({ ok: true, item: { memberId, score: 1, topics: {} } });
  });
});
