/**
 * Polls `check` every 25 ms until it holds, or throws after `timeoutMs`: 15 s by default, as what
 * these specs wait for (a job relayed, run, retried after its backoff; a webhook delivered) takes
 * seconds on a busy machine.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
