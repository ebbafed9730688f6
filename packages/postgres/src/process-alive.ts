/**
 * True while a process with this pid exists, whoever owns it: a lock or a cluster left by a
 * process that is gone may be taken over.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
