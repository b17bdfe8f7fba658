import cliProgress from 'cli-progress';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint('1');
export const dim = paint('2');
export const green = paint('32');
export const red = paint('31');
export const cyan = paint('36');
export const yellow = paint('33');

let stepNo = 0;

export function heading(title: string): void {
  process.stdout.write(`\n${bold(cyan(`${++stepNo}. ${title}`))}\n`);
}

export function say(text: string): void {
  process.stdout.write(`   ${text}\n`);
}

export function ok(text: string): void {
  process.stdout.write(`   ${green('✔')} ${text}\n`);
}

/** A progress bar for a long step; without a terminal it prints the start and end only. */
export function progress(label: string, total: number): { tick: (n?: number) => void; set: (n: number) => void; stop: () => void } {
  if (!process.stdout.isTTY) {
    say(`${label}: 0/${total}…`);
    let value = 0;
    return { tick: (n = 1) => void (value += n), set: (n) => void (value = n), stop: () => say(`${label}: ${value}/${total}`) };
  }
  const bar = new cliProgress.SingleBar(
    { format: `   ${label.padEnd(24)} {bar} {percentage}% | {value}/{total} | {duration_formatted} elapsed, ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), set: (n) => bar.update(n), stop: () => bar.stop() };
}

export function table(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => stripAnsi(v).length));
  const line = `   ┌${'─'.repeat(width + 2)}┬${'─'.repeat(valueWidth + 2)}┐`;
  process.stdout.write(`${line}\n`);
  for (const [k, v] of rows) {
    process.stdout.write(`   │ ${k.padEnd(width)} │ ${v}${' '.repeat(valueWidth - stripAnsi(v).length)} │\n`);
  }
  process.stdout.write(`   └${'─'.repeat(width + 2)}┴${'─'.repeat(valueWidth + 2)}┘\n`);
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
