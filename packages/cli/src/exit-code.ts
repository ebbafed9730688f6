/**
 * The exit codes of every command: 0 when all is well, 1 when a check ran and failed, 2 when the
 * command could not run (bad usage or configuration, or what it talks to could not be reached).
 */
export const EXIT = { ok: 0, failed: 1, error: 2 } as const

/** One of {@link EXIT}'s codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
