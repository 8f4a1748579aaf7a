/** The error a synchronous call throws, checked to be of the expected class (anything else is rethrown). */
export function caught<E extends Error>(cls: abstract new (...args: never[]) => E, f: () => unknown): E {
  try {
    f()
  } catch (error) {
    if (error instanceof cls) return error
    throw error
  }
  throw new Error(`expected a ${cls.name}`)
}
