import { Benchmark } from '../lib/types';
import { claimHot } from './claim-hot';
import { claimSpread } from './claim-spread';
import { enqueue } from './enqueue';

/** In the order BENCHMARKS.md lists them. */
export const BENCHMARKS: Benchmark[] = [claimHot, claimSpread, enqueue];
