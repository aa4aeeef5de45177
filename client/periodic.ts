// client-go's wait.Until: run a pass, then the next one a period after the last one ended (never two
// at once); a failed pass is reported and the loop goes on. stop() waits for a pass in progress.

export interface Periodic {
  stop(): Promise<void>;
}

export function runPeriodically(pass: () => Promise<void>, periodMs: () => number, onError: (err: unknown) => void, opts: { immediate?: boolean } = {}): Periodic {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (stopped) return;
    running = pass()
      .catch(onError)
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, periodMs());
      });
  };
  if (opts.immediate) tick();
  else timer = setTimeout(tick, periodMs());
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
