import { Benchmark } from '../lib/types';
import { enqueue } from './enqueue';

/** In the order BENCHMARKS.md lists them. */
export const BENCHMARKS: Benchmark[] = [enqueue];
