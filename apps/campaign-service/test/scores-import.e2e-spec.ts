import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestApp } from '@app/testing';
import { createCampaignServiceApp } from './app';
import { insertMembers, SCORES_TEST_OPTIONS } from './scores-fixtures';

const run = promisify(execFile);

describe('scores:import (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createCampaignServiceApp(SCORES_TEST_OPTIONS);
  });
  afterAll(() => t.close());

  it('reads scoredAt as POST /scores/batch does, whatever the host time zone: UTC without a zone, ISO 8601 only, not in the future', async () => {
    const [utc, offset, loose, future] = await insertMembers(t.dataSource, [{}, {}, {}, {}]);
    const file = join(mkdtempSync(join(tmpdir(), 'scores-import-')), 'scores.csv');
    writeFileSync(
      file,
      [
        'memberId,score,scoredAt,topics',
        `${utc},40,2026-11-20T10:00:00,tech:5`,
        `${offset},41,2026-11-20T15:30:00+05:30,`,
        `${loose},42,1,`,
        `${future},43,2999-01-01T00:00:00Z,`,
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', 'scripts/scores-import.ts', file, '--provider', 'klout'], {
      env: { ...process.env, TZ: 'Pacific/Kiritimati' },
      cwd: `${__dirname}/../../..`,
    });
    expect(stdout).toContain('4 rows: 2 accepted, 2 rejected');
    const rows = await t.dataSource.query(`SELECT member_id, scored_at FROM score_history WHERE member_id = ANY($1) ORDER BY score`, [[utc, offset, loose, future]]);
    expect(rows).toEqual([
      { member_id: utc, scored_at: new Date('2026-11-20T10:00:00Z') },
      { member_id: offset, scored_at: new Date('2026-11-20T10:00:00Z') },
    ]);
  });
});
