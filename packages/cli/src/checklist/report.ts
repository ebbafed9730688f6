import { type Static, Type } from 'typebox'
import { countStatuses } from '../checks.js'
import type { Evidence } from './evidence.js'
import type { Judge } from './judge.js'

/** One line of the production checklist and how it is judged. */
export interface ChecklistItem {
  /** Stable, for tooling: `security.jwt-secret`. */
  readonly id: string
  /** As the checklist words it. */
  readonly title: string
  readonly judge: Judge
}

/** A heading of the checklist with its items (`Authentication and Authorization`). */
export interface ChecklistGroup {
  readonly title: string
  readonly items: readonly ChecklistItem[]
}

/** A top-level section (`Security`, `Performance`, …). */
export interface ChecklistSection {
  readonly title: string
  readonly groups: readonly ChecklistGroup[]
}

const StatusSchema = Type.Union([
  Type.Literal('pass'),
  Type.Literal('fail'),
  Type.Literal('warn'),
  Type.Literal('manual'),
  Type.Literal('skip'),
])

/** An item as judged. */
export const ItemReportSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9.-]+$' }),
    title: Type.String({ minLength: 1 }),
    status: StatusSchema,
    detail: Type.String(),
  },
  { additionalProperties: false },
)

/** An item as judged. */
export type ItemReport = Static<typeof ItemReportSchema>

const Count = Type.Integer({ minimum: 0 })

/**
 * The JSON Schema of `checklist --format json` (published in docs/cli.md): sections, their groups and
 * judged items, and the count of each status.
 */
export const ChecklistReportSchema = Type.Object(
  {
    generatedAt: Type.String({ format: 'date-time' }),
    sections: Type.Array(
      Type.Object(
        {
          title: Type.String({ minLength: 1 }),
          groups: Type.Array(
            Type.Object(
              { title: Type.String({ minLength: 1 }), items: Type.Array(ItemReportSchema, { minItems: 1 }) },
              { additionalProperties: false },
            ),
            { minItems: 1 },
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    summary: Type.Object(
      { pass: Count, fail: Count, warn: Count, manual: Count, skip: Count, total: Count },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)

/** The judged checklist, as `--format json` prints it. */
export type ChecklistReport = Static<typeof ChecklistReportSchema>

/**
 * Judges every item of `checklist` from `evidence`: a pure function, so every verdict can be
 * tested from evidence made by hand.
 */
export function judgeChecklist(
  checklist: readonly ChecklistSection[],
  evidence: Evidence,
  generatedAt: Date,
): ChecklistReport {
  const sections = checklist.map(({ title, groups }) => ({
    title,
    groups: groups.map((group) => ({
      title: group.title,
      items: group.items.map(({ id, title: itemTitle, judge }) => ({ id, title: itemTitle, ...judge(evidence) })),
    })),
  }))
  const all = sections.flatMap((section) => section.groups.flatMap((group) => group.items))
  return { generatedAt: generatedAt.toISOString(), sections, summary: { ...countStatuses(all), total: all.length } }
}
