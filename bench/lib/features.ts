import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './environment';

/** True when some .ts file under `dir` (recursively, specs excluded) matches `pattern`. */
export function sourceMatches(dir: string, pattern: RegExp): boolean {
  const root = join(ROOT, dir);
  if (!existsSync(root)) return false;
  const walk = (path: string): boolean =>
    readdirSync(path).some((name) => {
      const full = join(path, name);
      if (statSync(full).isDirectory()) return walk(full);
      return name.endsWith('.ts') && !name.endsWith('.spec.ts') && pattern.test(readFileSync(full, 'utf8'));
    });
  return walk(root);
}
