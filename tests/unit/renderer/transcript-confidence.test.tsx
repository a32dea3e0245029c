// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen } from '@testing-library/react'
import { Transcript } from '../../../src/renderer/src/features/detail/Transcript'
import { Analysis, type Transcript as TranscriptData } from '../../../src/shared/analysis'

afterEach(cleanup)

const machine: TranscriptData = {
  source: 'speech-recognition',
  text: 'glaciers carve valleys slowly downhill',
  confidence: 0.62,
  segments: [
    {
      start: 0.4,
      end: 2.9,
      text: 'glaciers carve valleys',
      confidence: 0.81,
      words: [
        { text: 'glaciers', start: 0.4, end: 1.1, confidence: 0.93 },
        { text: 'carve', start: 1.1, end: 1.6, confidence: 0.31, low: true },
        { text: 'valleys', start: 1.6, end: 2.9, confidence: 0.88 }
      ]
    },
    { start: 3.2, end: 4.4, text: 'slowly downhill', confidence: 0.4, low: true, words: [] }
  ]
}

describe('<Transcript> of a machine transcript', () => {
  it('fades the words the recogniser was unsure of and gives the overall confidence', () => {
    render(<Transcript transcript={machine} />)
    expect(screen.getByText(/Transcript \(speech-recognition, 2 segments, confidence 62 %\)/)).toBeTruthy()
    const faded = screen.getAllByTestId('low-confidence-word')
    expect(faded.map((x) => x.textContent)).toEqual(['carve'])
    expect(faded[0]?.getAttribute('title')).toBe('confidence 31 %')
    const [first, second] = screen.getAllByTestId('transcript-segment')
    expect(first?.className).toBe('')
    expect(second?.className).toBe('low-confidence-segment')
  })

  it('says so when the speech was not understood', () => {
    render(<Transcript transcript={{ ...machine, confidence: 0.38, unintelligible: true }} />)
    expect(screen.getByText(/could not be understood/)).toBeTruthy()
  })

  it('renders a subtitle transcript (no confidences) as before', () => {
    render(<Transcript transcript={{ source: 'subtitles', text: 'Hello there', segments: [{ start: 1, end: 2, text: 'Hello there' }] }} />)
    expect(screen.queryByTestId('low-confidence-word')).toBeNull()
    expect(screen.getByText(/Transcript \(subtitles, 1 segments\)/)).toBeTruthy()
  })
})

describe('Analysis schema', () => {
  it('still parses an analysis saved before transcripts carried confidences', () => {
    const old = {
      summary: 'A 0:20 video.',
      topics: ['packets'],
      quiz: [],
      provenance: { engine: 'local', model: 'local:full', transcriptSource: 'speech-recognition', warnings: [] },
      transcript: { source: 'speech-recognition', text: 'packets move', segments: [{ start: 0, end: 1, text: 'packets move' }] }
    }
    expect(Analysis.safeParse(old).success).toBe(true)
    expect(Analysis.safeParse({ ...old, transcript: { ...old.transcript, confidence: 1.2 } }).success).toBe(false)
  })
})
