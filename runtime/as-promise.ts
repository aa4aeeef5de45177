// Runtime calls answer with a promise (the CRI shape). A call whose body waits for nothing runs
// through asPromise, so that what it throws reaches the caller as a rejection, as an async
// function's throw would (a plain function would throw at the call instead).
export function asPromise<T>(body: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(body()));
}
