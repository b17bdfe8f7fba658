import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './index';

/**
 * Migrations are append-only. TypeORM knows an applied migration by its name alone, so an edit
 * to one that has shipped never reaches the databases that already ran it (and a later migration
 * written against the edited version fails there). applied.lock.json holds each file's hash.
 */
describe('migrations', () => {
  const files = readdirSync(__dirname).filter((file) => /^\d+-[a-z0-9-]+\.ts$/.test(file)).sort();
  const lock = JSON.parse(readFileSync(join(__dirname, 'applied.lock.json'), 'utf8')) as Record<string, string>;
  const hash = (file: string) => createHash('sha256').update(readFileSync(join(__dirname, file))).digest('hex');

  it.each(Object.keys(lock))('%s is unchanged since it shipped (write a new migration instead)', (file) => {
    expect(files).toContain(file);
    expect(hash(file)).toBe(lock[file]);
  });

  it('every migration file is in applied.lock.json (add a new one with its sha256 once it is final)', () => {
    expect(files.filter((file) => !(file in lock)).map((file) => `"${file}": "${hash(file)}"`)).toEqual([]);
  });

  it('MIGRATIONS lists every file once, in timestamp order', () => {
    const timestamps = MIGRATIONS.map((migration) => Number(/\d{13}$/.exec(migration.name)?.[0]));
    expect(timestamps).toEqual(files.map((file) => Number(file.slice(0, 13))));
  });
});
