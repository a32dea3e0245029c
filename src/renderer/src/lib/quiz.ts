import type { QuizQuestion } from '../../../shared/analysis'

/** Where the operator is in one question: nothing chosen, a choice, or the answer shown. */
export interface QuestionState {
  chosen: string | null
  revealed: boolean
}

export type QuizState = QuestionState[]

export function initialQuiz(questions: readonly QuizQuestion[]): QuizState {
  return questions.map(() => ({ chosen: null, revealed: false }))
}

/** Choosing an option reveals whether it was right; once revealed the choice is locked. */
export function choose(state: QuizState, index: number, option: string): QuizState {
  return state.map((q, i) => (i === index && !q.revealed ? { chosen: option, revealed: true } : q))
}

/** Shows the answer without choosing (counts as not answered). */
export function reveal(state: QuizState, index: number): QuizState {
  return state.map((q, i) => (i === index ? { ...q, revealed: true } : q))
}

/** Correct answers so far, and how many were answered by choosing. */
export function score(questions: readonly QuizQuestion[], state: QuizState): { correct: number; answered: number; total: number } {
  let correct = 0
  let answered = 0
  questions.forEach((question, i) => {
    const chosen = state[i]?.chosen
    if (chosen === null || chosen === undefined) return
    answered += 1
    if (chosen === question.answer) correct += 1
  })
  return { correct, answered, total: questions.length }
}

/** How an option should look: untouched, the right answer, or the wrong pick. */
export function optionState(question: QuizQuestion, state: QuestionState | undefined, option: string): 'idle' | 'correct' | 'wrong' | 'missed' {
  if (!state?.revealed) return 'idle'
  if (option === question.answer) return state.chosen === null || state.chosen === option ? 'correct' : 'missed'
  return option === state.chosen ? 'wrong' : 'idle'
}
