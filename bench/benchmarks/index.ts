import { Benchmark } from '../lib/types';
import { claimHot } from './claim-hot';
import { claimSpread } from './claim-spread';
import { enqueue } from './enqueue';
import { fulfill } from './fulfill';
import { matchBulk } from './match-bulk';

/** In the order BENCHMARKS.md lists them. */
export const BENCHMARKS: Benchmark[] = [claimHot, claimSpread, matchBulk, fulfill, enqueue];
