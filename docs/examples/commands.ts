// Examples for docs/commands.md: declared streams, read-only participants, discovery, rejections,
// and what the compiler and the executor refuse.
import { type Decision, defineCommand, type Event, event, reject } from '@eventcore/core'
import type { EnrollmentEvent } from './enrollment.js'

// #region read-only
export type TeacherEvent =
  | Event<'TeacherCertified', { readonly subject: string }>
  | Event<'CertificationRevoked', { readonly reason: string }>

/**
 * Opens a course taught by a certified teacher. It reads the teacher's stream but writes only the
 * course: the teacher's version is still checked in the same atomic append, so a certification
 * revoked between the read and the write makes the append conflict, and the executor decides again.
 */
export const openTaughtCourse = defineCommand({
  name: 'open-taught-course',
  streams: (input: { readonly courseId: string; readonly teacherId: string; readonly seats: number }) => ({
    course: `course-${input.courseId}`,
    teacher: `teacher-${input.teacherId}`,
  }),
  initialState: () => ({ opened: false, certified: false }),
  apply: (state, e: EnrollmentEvent | TeacherEvent) => {
    switch (e.type) {
      case 'CourseOpened':
        return { ...state, opened: true }
      case 'TeacherCertified':
        return { ...state, certified: true }
      case 'CertificationRevoked':
        return { ...state, certified: false }
      case 'SeatTaken':
      case 'EnrolledInCourse':
        return state
    }
  },
  decide: (state, { courseId, seats }) => {
    if (state.opened) return reject('course-exists')
    if (!state.certified) return reject('teacher-not-certified')
    // Nothing for 'teacher': it is a read-only participant, checked but not written.
    return { course: [event('CourseOpened', { title: courseId, seats })] }
  },
})
// #endregion read-only

// #region discover
export type PlacementEvent =
  | Event<'PlacementOffered', { readonly courseId: string }>
  | Event<'PlacementAccepted', { readonly courseId: string }>

interface PlacementState {
  readonly offeredCourse: string | undefined
  readonly accepted: boolean
  readonly seatsLeft: number
}

/**
 * Accepts the placement a student was offered. The input names only the student; the course is
 * found in the student's history, so `discover` names it and the executor reads it too (and
 * checks its version at append time, like any declared stream).
 */
export const acceptPlacement = defineCommand({
  name: 'accept-placement',
  streams: (input: { readonly studentId: string }) => ({ student: `student-${input.studentId}` }),
  discover: (state: PlacementState) => (state.offeredCourse ? { course: `course-${state.offeredCourse}` } : {}),
  initialState: (): PlacementState => ({ offeredCourse: undefined, accepted: false, seatsLeft: 0 }),
  apply: (state, e: EnrollmentEvent | PlacementEvent): PlacementState => {
    switch (e.type) {
      case 'PlacementOffered':
        return { ...state, offeredCourse: e.data.courseId }
      case 'PlacementAccepted':
        return { ...state, accepted: true }
      case 'CourseOpened':
        return { ...state, seatsLeft: e.data.seats }
      case 'SeatTaken':
        return { ...state, seatsLeft: state.seatsLeft - 1 }
      case 'EnrolledInCourse':
        return state
    }
  },
  decide: (state, { studentId }) => {
    if (state.offeredCourse === undefined) return reject('no-offer')
    if (state.accepted) return {} // accepted before: nothing to do, nothing is written
    if (state.seatsLeft <= 0) return reject('course-full')
    return {
      student: [event('PlacementAccepted', { courseId: state.offeredCourse })],
      course: [event('SeatTaken', { studentId })],
    }
  },
})
// #endregion discover

// #region inline-literal
const courseOf = (input: { readonly courseId: string }) => ({ course: `course-${input.courseId}` })

export const withInlineLiteral = defineCommand({
  name: 'inline-literal',
  streams: courseOf,
  initialState: () => null,
  apply: (state, _e: EnrollmentEvent) => state,
  // @ts-expect-error 'SeatTaken' widens to string, and { type: string } is none of the EnrollmentEvents
  decide: (_state) => ({ course: [{ type: 'SeatTaken', data: { studentId: 'ada' } }] }),
})

export const withEventHelper = defineCommand({
  name: 'event-helper',
  streams: courseOf,
  initialState: () => null,
  apply: (state, _e: EnrollmentEvent) => state,
  decide: () => ({ course: [event('SeatTaken', { studentId: 'ada' })] }), // the type stays 'SeatTaken'
})
// #endregion inline-literal

// #region compile-errors
export const undeclaredStream = defineCommand({
  name: 'undeclared-stream',
  streams: courseOf,
  initialState: () => null,
  apply: (state, _e: EnrollmentEvent) => state,
  // @ts-expect-error 'audit' is not a stream this command declared
  decide: (_state) => ({ audit: [event('SeatTaken', { studentId: 'ada' })] }),
})

export const unknownEvent = defineCommand({
  name: 'unknown-event',
  streams: courseOf,
  initialState: () => null,
  apply: (state, _e: EnrollmentEvent) => state,
  // @ts-expect-error 'SeatsTaken' is not one of the command's events
  decide: (_state) => ({ course: [event('SeatsTaken', { studentId: 'ada' })] }),
})

export const wrongData = defineCommand({
  name: 'wrong-data',
  streams: courseOf,
  initialState: () => null,
  apply: (state, _e: EnrollmentEvent) => state,
  // @ts-expect-error SeatTaken's data has a studentId, not a student
  decide: (_state) => ({ course: [event('SeatTaken', { student: 'ada' })] }),
})
// #endregion compile-errors

// #region run-time-check
/** A cast (or plain JavaScript) gets past the types; the executor still refuses the write. */
export const castAway = defineCommand({
  name: 'cast-away',
  streams: courseOf,
  initialState: () => null,
  apply: (state, _e: EnrollmentEvent) => state,
  decide: () =>
    ({ audit: [event('SeatTaken', { studentId: 'ada' })] }) as unknown as Decision<'course', EnrollmentEvent>,
})
// #endregion run-time-check
