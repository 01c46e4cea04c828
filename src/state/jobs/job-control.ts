// Bookkeeping shared by the worker jobs: ids unique across kinds (the worker's cancel takes an
// id), the promise of each kind's job in flight, and cancel-and-wait for one kind or for all.
import type { AppContext } from '../store';
import type { QuantJobKind } from '../quant-results-slice';

let lastId = 0;
const inFlight = new Map<QuantJobKind, Promise<unknown>>();

export function newJobId(): number {
  return ++lastId;
}

/** Remember `job` as the running job of its kind until it settles. */
export function track<T>(kind: QuantJobKind, job: Promise<T>): Promise<T> {
  const p = job.finally(() => {
    if (inFlight.get(kind) === p) inFlight.delete(kind);
  });
  inFlight.set(kind, p);
  return p;
}

/** Ask the worker to stop a running job after its current batch; `wait` resolves when it has ended. */
export async function cancelJob(ctx: AppContext, kind: QuantJobKind, wait = false): Promise<void> {
  const st = ctx.store.getState();
  const job = st.jobs[kind];
  if (job.status !== 'running') return;
  st.requestJobCancel(kind);
  await ctx.engine.cancel(job.jobId);
  if (wait) await inFlight.get(kind)?.catch(() => undefined);
}

/** Stop every quantization job and wait for them (before a new model replaces the session). */
export async function cancelQuantJobs(ctx: AppContext): Promise<void> {
  await Promise.all((['calib', 'eval', 'verify', 'recon'] as const).map((k) => cancelJob(ctx, k, true)));
}

/**
 * Run a job of `kind` with progress bookkeeping: start it, let `body` do the work (returning the
 * worker's summary), finish with done/cancelled, or failed with the error shown under `title`.
 */
export function runJob(
  ctx: AppContext,
  kind: QuantJobKind,
  title: string,
  total: number,
  body: (jobId: number) => Promise<{ cancelled: boolean; ms: number } | null>,
): Promise<boolean> {
  const { store } = ctx;
  const jobId = newJobId();
  store.getState().startJob(kind, jobId, total);
  const job = (async () => {
    try {
      const r = await body(jobId);
      if (store.getState().jobs[kind].jobId !== jobId) return false;
      store.getState().finishJob(kind, !r ? 'failed' : r.cancelled ? 'cancelled' : 'done', r?.ms ?? Date.now() - store.getState().jobs[kind].startedAt);
      return !!r && !r.cancelled;
    } catch (e) {
      if (store.getState().jobs[kind].jobId === jobId) store.getState().finishJob(kind, 'failed', Date.now() - store.getState().jobs[kind].startedAt);
      store.getState().pushError(title, e);
      return false;
    }
  })();
  return track(kind, job);
}
