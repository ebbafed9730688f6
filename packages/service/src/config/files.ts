import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** Reads a whole file as UTF-8; throws (with a Node `code` such as `ENOENT`) when it cannot. */
export type ReadFile = (path: string) => string

/**
 * Creates a file readable by its owner only, with its parent directories; throws with `code`
 * `EEXIST` when the file already exists, so two processes never overwrite each other's file.
 */
export type CreateFile = (path: string, contents: string) => void

/** `readFileSync(path, 'utf8')`. */
export const readTextFile: ReadFile = (path) => readFileSync(path, 'utf8')

/** Creates the directories (0700) and the file (0600), failing if the file exists. */
export const createPrivateFile: CreateFile = (path, contents) => {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  writeFileSync(path, contents, { mode: 0o600, flag: 'wx' })
}

/** The Node error code of a failed file operation (`ENOENT`, `EACCES`, …), else its message. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return 'code' in error && typeof error.code === 'string' ? error.code : error.message
  return String(error)
}

/** A file's contents without the trailing newline editors and `echo` add. */
export function withoutTrailingNewline(text: string): string {
  return text.replace(/[\r\n]+$/, '')
}
