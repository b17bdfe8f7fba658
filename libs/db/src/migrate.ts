import dataSource from './data-source';

/** `npm run migrate`: applies pending migrations and exits. */
async function main(): Promise<void> {
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  process.stdout.write(`migrations: ${applied.length ? applied.map((m) => m.name).join(', ') : 'up to date'}\n`);
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
