// `eventcore-cli checklist --manifests`: the rendering read and checked as one of the checklist's
// sources (the program in-process; no service or database needed).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { edited, PASSING } from '../manifests/test-manifests.js'
import { runInProcess } from '../test-cli.js'
import { scratchDir } from '../test-servers.js'
import type { ChecklistReport } from './report.js'

const scratch = scratchDir('eventcore-checklist-manifests-')
const itemsOf = (stdout: string) =>
  new Map(
    (JSON.parse(stdout) as ChecklistReport).sections
      .flatMap((section) => section.groups.flatMap((group) => group.items))
      .map((item) => [item.id, item]),
  )

describe('eventcore-cli checklist --manifests', () => {
  afterAll(() => scratch.remove())

  it('judges the deployment items from the rendering', async () => {
    writeFileSync(join(scratch.path, 'rendered.yaml'), PASSING)
    const run = await runInProcess(['checklist', '--manifests', 'rendered.yaml', '--format', 'json'], {}, scratch.path)
    const items = itemsOf(run.stdout)
    for (const id of ['performance.cpu-limits', 'reliability.pdb', 'deployment.network-policies'])
      expect([id, items.get(id)?.status]).toEqual([id, 'pass'])
    expect(items.get('reliability.replicas')?.detail).toMatch(/^replicas: Deployment\/eventcore-app: 3 replicas/)
  })

  it('fails the items a broken rendering breaks, naming the offender', async () => {
    writeFileSync(join(scratch.path, 'broken.yaml'), edited(PASSING, ['minAvailable: 2', 'minAvailable: 3']))
    const run = await runInProcess(['checklist', '--manifests', 'broken.yaml', '--format', 'json'], {}, scratch.path)
    expect(run.code).toBe(1)
    const pdb = itemsOf(run.stdout).get('reliability.pdb')
    expect(pdb?.status).toBe('fail')
    expect(pdb?.detail).toMatch(/PodDisruptionBudget\/eventcore-app minAvailable 3 of 3 lets no pod go/)
  })

  it('fails those items, saying why, when the rendering cannot be read', async () => {
    const run = await runInProcess(['checklist', '--manifests', 'absent.yaml', '--format', 'json'], {}, scratch.path)
    expect(run.code).toBe(1)
    expect(itemsOf(run.stdout).get('reliability.replicas')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^could not check: cannot read absent\.yaml: ENOENT/),
    })
  })
})
