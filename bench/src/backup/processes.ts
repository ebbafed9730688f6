import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type ChildProgress,
  type ChildReport,
  type ChildTask,
  parseChildReport,
  parseProgressLine,
} from './child-task.js'

/** The child's entry, next to this file (`dist/backup/backup-child.js` once built). */
const CHILD = fileURLToPath(new URL('./backup-child.js', import.meta.url))
/** GNU time reports a command's peak RSS (`%M`, KiB); Node cannot read a child's rusage. */
const GNU_TIME = '/usr/bin/time'
const STDERR_TAIL = 2000

/** A finished process: its exit, how long it ran, what it wrote. */
interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly ms: number
  readonly stdout: string
  readonly stderrTail: string
  readonly timedOut: boolean
  /** The last progress line on stderr. */
  readonly progress: ChildProgress | undefined
  /** Peak RSS read from /proc just before a stopped process was killed, KiB. */
  readonly peakBeforeKillKiB: number | undefined
}

/** The peak RSS of a running process so far (Linux: VmHWM), KiB. */
function peakRssKiB(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1])
    return Number.isFinite(kib) ? kib : undefined
  } catch {
    return undefined
  }
}

/** Runs a command to its end, killing it after `timeoutMs`. */
function runProcess(command: string, args: readonly string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let partial = ''
    let timedOut = false
    let progress: ChildProgress | undefined
    let peakBeforeKillKiB: number | undefined
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text
    })
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        const reported = parseProgressLine(line)
        if (reported) progress = reported
        else stderr = `${stderr}${line}\n`.slice(-STDERR_TAIL)
      }
    })
    const timer = setTimeout(() => {
      timedOut = true
      peakBeforeKillKiB = peakRssKiB(child.pid)
      child.kill('SIGKILL')
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const stderrTail = `${stderr}${partial}`.trim()
      resolve({
        code,
        signal,
        ms: performance.now() - started,
        stdout,
        stderrTail,
        timedOut,
        progress,
        peakBeforeKillKiB,
      })
    })
  })
}

/** Why a process failed, in one line. */
function failure(finished: Finished, timeoutMs: number): string {
  if (finished.timedOut) return `stopped at the time limit of ${Math.round(timeoutMs / 1000)} s`
  const exit = finished.signal ?? `exit code ${finished.code}`
  const last = finished.stderrTail.split('\n').at(-1)
  return last ? `${exit}: ${last}` : String(exit)
}

/** Runs one task in a child process, killed after `timeoutMs`; resolves to its report, or to why it failed. */
export async function runChild(task: ChildTask, timeoutMs: number): Promise<ChildReport> {
  const finished = await runProcess(process.execPath, [CHILD, JSON.stringify(task)], timeoutMs)
  const report = parseChildReport(finished.stdout)
  if (report && !finished.timedOut) return report
  return {
    ok: false,
    error: failure(finished, timeoutMs),
    maxRssKiB: finished.peakBeforeKillKiB ?? Number.NaN,
    ...(finished.timedOut ? { timedOut: true } : {}),
    ...(finished.progress === undefined ? {} : { progress: finished.progress }),
  }
}

/** A command-line tool's run: wall time from spawn to exit and, where GNU time is there, its peak RSS. */
export interface ToolRun {
  readonly ms: number
  readonly maxRssKiB: number | undefined
}

/**
 * Runs a tool (pg_dump, pg_restore) under GNU time when it is installed, for the peak RSS; throws
 * with the tool's last line of stderr when it fails.
 */
export async function runTool(command: string, args: readonly string[], timeoutMs: number): Promise<ToolRun> {
  if (!existsSync(GNU_TIME)) {
    const finished = await runProcess(command, args, timeoutMs)
    if (finished.code !== 0) throw new Error(`${command}: ${failure(finished, timeoutMs)}`)
    return { ms: finished.ms, maxRssKiB: undefined }
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eventcore-bench-time-'))
  try {
    const out = path.join(dir, 'rss')
    const finished = await runProcess(GNU_TIME, ['-f', '%M', '-o', out, command, ...args], timeoutMs)
    if (finished.code !== 0) throw new Error(`${command}: ${failure(finished, timeoutMs)}`)
    const kib = Number((await readFile(out, 'utf8')).trim().split('\n').at(-1))
    return { ms: finished.ms, maxRssKiB: Number.isFinite(kib) ? kib : undefined }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
