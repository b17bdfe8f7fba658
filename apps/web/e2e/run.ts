import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM } from './browser';
import { JOURNEYS } from './journeys';
import { SCREENSHOTS_DIR, World } from './world';
import { OUTPUT_DIR, Platform, startPlatform } from './platform';

/**
 * `npm run test:browser`: starts the platform on free ports against a fresh database, runs the
 * members', brands' and admins' journeys in headless Chromium, and always tears everything down.
 * `-- --grep <text>` runs only the journeys whose name contains the text (earlier ones they
 * depend on then fail with "cannot run").
 */
async function main(): Promise<number> {
  const grepAt = process.argv.indexOf('--grep');
  const grep = grepAt > 0 ? process.argv[grepAt + 1]?.toLowerCase() : undefined;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  if (!existsSync(CHROMIUM)) {
    log(`Chromium not found at ${CHROMIUM}; install it with: apt-get install -y chromium`);
    return 1;
  }
  rmSync(SCREENSHOTS_DIR, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });

  let platform: Platform | undefined;
  let world: World | undefined;
  let passed = 0;
  let failed = 0;
  const stopping = async () => {
    await world?.closeAll().catch(() => undefined);
    await platform?.stop().catch((error: unknown) => log(`teardown: ${String(error)}`));
  };
  const interrupted = () => void stopping().then(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const started = Date.now();
    platform = await startPlatform(log);
    log(`platform up in ${((Date.now() - started) / 1000).toFixed(1)}s; logs in ${OUTPUT_DIR}\n`);
    world = new World(platform.apiUrl, platform.databaseUrl);
    for (const journey of JOURNEYS) {
      if (grep && !journey.name.toLowerCase().includes(grep)) continue;
      const began = Date.now();
      try {
        await journey.run(world);
        const crashes = pageErrors(world);
        if (crashes.length) throw new Error(`uncaught errors in the page: ${crashes.join('; ')}`);
        passed += 1;
        log(`  ✓ ${journey.name} (${((Date.now() - began) / 1000).toFixed(1)}s)`);
      } catch (error) {
        failed += 1;
        log(`  ✗ ${journey.name} (${((Date.now() - began) / 1000).toFixed(1)}s)\n      ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        for (const crash of pageErrors(world)) log(`      uncaught in the page: ${crash}`);
        await screenshotFailure(world, journey.name);
      }
    }
  } catch (error) {
    failed += 1;
    log(`  ✗ platform did not start: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await stopping();
  }
  log(`\nscreenshots in ${SCREENSHOTS_DIR}`);
  log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

function pageErrors(world: World): string[] {
  return [...world.personas].flatMap(([name, persona]) => persona.takeErrors().map((message) => `${name}: ${message}`));
}

async function screenshotFailure(world: World, journey: string): Promise<void> {
  const slug = journey.replace(/[^a-z0-9]+/gi, '-').slice(0, 50);
  for (const [name, persona] of world.personas) {
    await persona.page.screenshot({ path: join(SCREENSHOTS_DIR, `FAILED-${slug}-${name}.png`), fullPage: true }).catch(() => undefined);
  }
}

void main().then((code) => process.exit(code));
