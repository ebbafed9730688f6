// Command specifications for docs/testing.md: no store, no executor, just history → input → decision.
import { event } from '@eventcore/core'
import { commandSpec, SpecificationError } from '@eventcore/core/testing'
import { describe, expect, it } from 'vitest'
import { acceptPlacement } from './commands.js'
import { enroll } from './enrollment.js'

// #region spec
const opened = (seats: number) => event('CourseOpened', { title: 'Algebra I', seats })

describe('enroll', () => {
  it('takes a seat and records the enrollment on both streams', () => {
    commandSpec(enroll)
      .given({ course: [opened(2)] })
      .when({ courseId: 'algebra', studentId: 'ada' })
      .thenEmits({
        course: [event('SeatTaken', { studentId: 'ada' })],
        student: [event('EnrolledInCourse', { courseId: 'algebra' })],
      })
  })

  it('refuses a full course', () => {
    commandSpec(enroll)
      .given({ course: [opened(1), event('SeatTaken', { studentId: 'bob' })] })
      .when({ courseId: 'algebra', studentId: 'ada' })
      .thenRejects('course-full')
  })

  it('refuses a student already enrolled', () => {
    commandSpec(enroll)
      .given({ course: [opened(5)], student: [event('EnrolledInCourse', { courseId: 'algebra' })] })
      .when({ courseId: 'algebra', studentId: 'ada' })
      .thenRejects('already-enrolled')
  })
})

describe('acceptPlacement', () => {
  it('does nothing when the placement was accepted before', () => {
    commandSpec(acceptPlacement)
      .given({
        student: [
          event('PlacementOffered', { courseId: 'algebra' }),
          event('PlacementAccepted', { courseId: 'algebra' }),
        ],
        course: [opened(3)],
      })
      .when({ studentId: 'ada' })
      .thenNothingHappens()
  })
})
// #endregion spec

// #region spec-failure
describe('a failed expectation', () => {
  it('throws a SpecificationError that says what differed', () => {
    const spec = commandSpec(enroll).given().when({ courseId: 'algebra', studentId: 'ada' })
    expect(() => spec.thenEmits({ course: [event('SeatTaken', { studentId: 'ada' })] })).toThrow(SpecificationError)
    expect(() => spec.thenEmits({})).toThrow("expected events, but the command rejected with 'course-not-open'")
  })
})
// #endregion spec-failure
