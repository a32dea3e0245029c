// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { Quiz } from '../../../src/renderer/src/features/detail/Quiz'
import { choose, initialQuiz, optionState, reveal, score } from '../../../src/renderer/src/lib/quiz'
import type { QuizQuestion } from '../../../src/shared/analysis'

const questions: QuizQuestion[] = [
  { question: 'What colour is the sky?', options: ['Green', 'Blue', 'Red'], answer: 'Blue', explanation: 'Rayleigh scattering.' },
  { question: 'How many legs has a spider?', options: ['6', '8'], answer: '8', explanation: 'Arachnids have eight.' }
]

afterEach(cleanup)

describe('quiz logic', () => {
  it('locks a question once answered and scores only chosen answers', () => {
    let state = choose(initialQuiz(questions), 0, 'Red')
    state = choose(state, 0, 'Blue') // locked: the first pick stands
    expect(state[0]).toEqual({ chosen: 'Red', revealed: true })
    state = reveal(state, 1)
    expect(score(questions, state)).toEqual({ correct: 0, answered: 1, total: 2 })
    expect(optionState(questions[0]!, state[0], 'Red')).toBe('wrong')
    expect(optionState(questions[0]!, state[0], 'Blue')).toBe('missed')
    expect(optionState(questions[1]!, state[1], '8')).toBe('correct')
    expect(optionState(questions[1]!, initialQuiz(questions)[1], '8')).toBe('idle')
  })
})

describe('<Quiz>', () => {
  it('hides answers until the operator picks one or asks for it', () => {
    render(<Quiz questions={questions} />)
    expect(screen.queryByText(/Rayleigh/)).toBeNull()
    const [first, second] = screen.getAllByTestId('quiz-question')
    fireEvent.click(within(first!).getByRole('button', { name: 'Blue' }))
    expect(within(first!).getByTestId('quiz-explanation').textContent).toBe('Correct. Rayleigh scattering.')
    expect(within(first!).getByRole('button', { name: 'Blue' }).getAttribute('data-state')).toBe('correct')
    expect(within(first!).getByRole('button', { name: 'Red' })).toHaveProperty('disabled', true)

    fireEvent.click(within(second!).getByRole('button', { name: 'Show answer' }))
    expect(within(second!).getByTestId('quiz-explanation').textContent).toBe('Answer: Arachnids have eight.')
    expect(screen.getByTestId('quiz-score').textContent).toMatch(/^1 of 1 answered correctly · 2 questions/)

    fireEvent.click(screen.getByRole('button', { name: 'start over' }))
    expect(screen.queryByTestId('quiz-explanation')).toBeNull()
  })

  it('marks a wrong pick and shows the right answer', () => {
    render(<Quiz questions={questions} />)
    const [first] = screen.getAllByTestId('quiz-question')
    fireEvent.click(within(first!).getByRole('button', { name: 'Green' }))
    expect(within(first!).getByRole('button', { name: 'Green' }).getAttribute('data-state')).toBe('wrong')
    expect(within(first!).getByRole('button', { name: 'Blue' }).getAttribute('data-state')).toBe('missed')
    expect(within(first!).getByTestId('quiz-explanation').textContent).toContain('the answer is “Blue”')
  })
})
