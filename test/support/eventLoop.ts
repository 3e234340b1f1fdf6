/**
 * Runs `work` while counting event-loop turns (setImmediate callbacks): a native call that
 * blocked the loop would let none through.
 */
export async function ticksDuring<T>(work: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  let done = false;
  const tick = (): void => {
    ticks += 1;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return { result: await work(), ticks };
  } finally {
    done = true;
  }
}
