/** Run `fn` and return what it threw; fails the test when it returns normally. */
export const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (e) {
    return e
  }
  expect('the call returned').toBe('the call threw')
  return undefined
}

/** Async variant of `thrown`. */
export const rejected = async (fn: () => Promise<unknown>): Promise<unknown> => {
  try {
    await fn()
  } catch (e) {
    return e
  }
  expect('the call resolved').toBe('the call rejected')
  return undefined
}
