import { InitialSchema1764115200000 } from './1764115200000-initial-schema';

/** Every migration in order; listed explicitly so bundled builds and the CLI see the same set. */
export const MIGRATIONS = [InitialSchema1764115200000];
