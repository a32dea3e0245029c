import { useState } from 'react'
import type { QuizQuestion } from '../../../../shared/analysis'
import { choose, initialQuiz, optionState, reveal, score } from '../../lib/quiz'

/** The analysis's quiz, answerable: a pick shows right or wrong, "Show answer" reveals without picking. */
export function Quiz({ questions }: { questions: QuizQuestion[] }) {
  const [state, setState] = useState(() => initialQuiz(questions))
  const result = score(questions, state)
  if (questions.length === 0) {
    return (
      <p className="muted" data-testid="quiz">
        No quiz: the analysis found nothing to ask about.
      </p>
    )
  }
  return (
    <div className="quiz" data-testid="quiz">
      <p className="muted small" data-testid="quiz-score">
        {result.correct} of {result.answered} answered correctly · {result.total} questions
        {state.some((q) => q.revealed) ? (
          <button type="button" className="link" onClick={() => setState(initialQuiz(questions))}>
            start over
          </button>
        ) : null}
      </p>
      <ol>
        {questions.map((question, i) => {
          const q = state[i]
          return (
            <li key={`${i}-${question.question}`} className="question" data-testid="quiz-question">
              <p className="q">{question.question}</p>
              <div className="options" role="group" aria-label={`Options for question ${i + 1}`}>
                {question.options.map((option) => {
                  const look = optionState(question, q, option)
                  return (
                    <button
                      key={option}
                      type="button"
                      className={`option option-${look}`}
                      data-state={look}
                      disabled={q?.revealed}
                      onClick={() => setState((s) => choose(s, i, option))}
                    >
                      {option}
                    </button>
                  )
                })}
              </div>
              {q?.revealed ? (
                <p className="explanation" data-testid="quiz-explanation">
                  {q.chosen === null ? 'Answer: ' : q.chosen === question.answer ? 'Correct. ' : `Not quite — the answer is “${question.answer}”. `}
                  {question.explanation}
                </p>
              ) : (
                <button type="button" className="link" onClick={() => setState((s) => reveal(s, i))}>
                  Show answer
                </button>
              )}
            </li>
          )
        })}
      </ol>
    </div>
  )
}
