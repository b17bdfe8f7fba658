/**
 * Refreshes of derived data asked for by many writers at once: a run asked for while one is in
 * progress (which may have read the data before the caller's commit) is the single run that
 * starts right after it, shared by everyone who asked meanwhile. A burst of N requests costs at
 * most two runs per key instead of N, and every caller still gets a run that began after it asked.
 */
export class TrailingRun {
  private readonly runs = new Map<string, { current: Promise<void>; next?: Promise<void> }>();

  run(key: string, work: () => Promise<void>): Promise<void> {
    const slot = this.runs.get(key);
    if (!slot) return this.start(key, work);
    slot.next ??= slot.current.then(settled, settled).then(() => this.start(key, work));
    return slot.next;
  }

  private start(key: string, work: () => Promise<void>): Promise<void> {
    const current = work();
    const slot: { current: Promise<void>; next?: Promise<void> } = { current };
    this.runs.set(key, slot);
    void current.then(settled, settled).then(() => {
      if (this.runs.get(key) === slot && !slot.next) this.runs.delete(key);
    });
    return current;
  }
}

function settled(): void {}
