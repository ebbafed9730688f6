// The domain used across the docs: courses with a limited number of seats, and students.
// Every region below is quoted in a page under docs/; keep them compiling and tested.
import { defineCommand, type Event, event, reject } from '@eventcore/core'

// #region events
/** Everything that can happen to a course or a student, as one union of `{ type, data }` events. */
export type EnrollmentEvent =
  | Event<'CourseOpened', { readonly title: string; readonly seats: number }>
  | Event<'SeatTaken', { readonly studentId: string }>
  | Event<'EnrolledInCourse', { readonly courseId: string }>
// #endregion events

// #region open-course
/** Opens a course with a number of seats; refuses to open the same course twice. */
export const openCourse = defineCommand({
  name: 'open-course',
  streams: (input: { readonly courseId: string; readonly title: string; readonly seats: number }) => ({
    course: `course-${input.courseId}`,
  }),
  initialState: () => ({ opened: false }),
  apply: (state, e: EnrollmentEvent) => (e.type === 'CourseOpened' ? { opened: true } : state),
  decide: (state, { title, seats }) =>
    state.opened ? reject('course-exists') : { course: [event('CourseOpened', { title, seats })] },
})
// #endregion open-course

// #region enroll
interface EnrollState {
  readonly courseOpen: boolean
  readonly seatsLeft: number
  /** The courses the student is already enrolled in. */
  readonly courses: readonly string[]
}

/**
 * Enrolls a student in a course: reads the course and the student, then writes to both in one
 * atomic append. Two students racing for the last seat cannot both get it: the loser's append
 * finds the course stream moved, and the executor decides again on fresh state.
 */
export const enroll = defineCommand({
  name: 'enroll',
  streams: (input: { readonly courseId: string; readonly studentId: string }) => ({
    course: `course-${input.courseId}`,
    student: `student-${input.studentId}`,
  }),
  initialState: (): EnrollState => ({ courseOpen: false, seatsLeft: 0, courses: [] }),
  apply: (state, e: EnrollmentEvent): EnrollState => {
    switch (e.type) {
      case 'CourseOpened':
        return { ...state, courseOpen: true, seatsLeft: e.data.seats }
      case 'SeatTaken':
        return { ...state, seatsLeft: state.seatsLeft - 1 }
      case 'EnrolledInCourse':
        return { ...state, courses: [...state.courses, e.data.courseId] }
    }
  },
  decide: (state, { courseId, studentId }) => {
    if (!state.courseOpen) return reject('course-not-open')
    if (state.courses.includes(courseId)) return reject('already-enrolled')
    if (state.seatsLeft <= 0) return reject('course-full', `${courseId} has no seats left`, { courseId })
    return {
      course: [event('SeatTaken', { studentId })],
      student: [event('EnrolledInCourse', { courseId })],
    }
  },
})
// #endregion enroll
