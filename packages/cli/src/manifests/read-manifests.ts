// Where a rendering comes from: a file, every YAML file of a directory, or stdin (`-`, the end of
// `kubectl kustomize … |`).
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { text } from 'node:stream/consumers'
import { CliError, messageOf } from '../cli-error.js'
import { type KubeObject, parseManifests } from './kube-object.js'

/** Reads all of the process's stdin. */
const processStdin = (): Promise<string> => text(process.stdin)

// A file's text, or a one-line usage error naming it as the user gave it.
async function readText(full: string, shown: string): Promise<string> {
  try {
    return await readFile(full, 'utf8')
  } catch (error) {
    throw new CliError('usage', `cannot read ${shown}: ${messageOf(error)}`, { cause: error })
  }
}

/**
 * The objects of `path` (relative to `cwd`): `-` is stdin, a directory is each of its `.yaml` and
 * `.yml` files in name order. Unreadable input or bad YAML is a `CliError` (usage) naming it.
 */
export async function readManifests(
  path: string,
  { cwd, stdin = processStdin }: { readonly cwd: string; readonly stdin?: () => Promise<string> },
): Promise<readonly KubeObject[]> {
  if (path === '-') return parseManifests(await stdin(), 'stdin')
  const full = resolve(cwd, path)
  const directory = await stat(full).then(
    (info) => info.isDirectory(),
    () => false, // readText says why it cannot be read
  )
  if (!directory) return parseManifests(await readText(full, path), path)
  const files = (await readdir(full)).filter((name) => /\.ya?ml$/.test(name)).sort()
  if (files.length === 0) throw new CliError('usage', `no .yaml or .yml file in ${path}`)
  const objects: KubeObject[] = []
  for (const file of files)
    objects.push(...parseManifests(await readText(join(full, file), join(path, file)), join(path, file)))
  return objects
}
