import { DemoError } from './api';

const USAGE = `npm run demo -- [--api URL] [--members N] [--units N] [--concurrency N]

A guided story against a running platform (start it first with \`npm start\`):
a brand signs up, creates and funds a digital-code campaign, an admin approves it, members
with scores are matched, they all claim at once, fulfillment hands out codes, the campaign
ends and the unused units are refunded.

  --api URL          the platform's API (default http://localhost:3000, or DEMO_API_URL)
  --members N        members to register through the API (default 2000)
  --units N          units in the campaign (default: 40% of the members, a little more than the
                     audience, so unused units are refunded at the end; fewer units than eligible
                     members shows SOLD_OUT refusals instead)
  --concurrency N    requests in flight during the claim rush (default 100)
  --seed-members N   also add N scored members straight into the platform's database with the
                     dev-only \`npm run seed:members\` (needs DATABASE_URL to be the platform's
                     database, as it is on a local \`npm start\`): matching then runs at that scale
  --provider-key K   score provider as provider:key (default klout:dev-klout-key)
  --admin-email E, --admin-password P   (default ADMIN_EMAIL / ADMIN_PASSWORD or the dev defaults)`;

export interface Options {
  api: string;
  members: number;
  seedMembers: number;
  units: number;
  concurrency: number;
  provider: string;
  providerKey: string;
  adminEmail: string;
  adminPassword: string;
}

export function parseArgs(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const members = Number(value('--members') ?? 2000);
  const [provider, providerKey] = (value('--provider-key') ?? 'klout:dev-klout-key').split(':');
  const options: Options = {
    api: (value('--api') ?? process.env.DEMO_API_URL ?? 'http://localhost:3000').replace(/\/$/, ''),
    members,
    seedMembers: Number(value('--seed-members') ?? 0),
    units: Number(value('--units') ?? Math.max(1, Math.ceil(members * 0.4))),
    concurrency: Number(value('--concurrency') ?? 100),
    provider,
    providerKey,
    adminEmail: value('--admin-email') ?? process.env.ADMIN_EMAIL ?? 'admin@perks.local',
    adminPassword: value('--admin-password') ?? process.env.ADMIN_PASSWORD ?? 'admin-password-change-me',
  };
  for (const [name, n] of [['--members', options.members], ['--units', options.units], ['--concurrency', options.concurrency]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new DemoError('options', `${name} must be a positive integer`);
  }
  if (!Number.isInteger(options.seedMembers) || options.seedMembers < 0) throw new DemoError('options', '--seed-members must be 0 or more');
  if (!providerKey) throw new DemoError('options', '--provider-key must look like provider:key');
  return options;
}
