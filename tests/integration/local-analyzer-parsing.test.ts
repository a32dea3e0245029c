import { beforeAll, describe, expect, it } from 'vitest'
import { buildQuiz, mergeShots, pickTopics } from '../../src/adapters/analyzer/local/compose'
import { pickCuts } from '../../src/adapters/analyzer/local/cuts'
import { keyPhrases, loadNlp } from '../../src/adapters/analyzer/local/nlp'
import { createSignalParser } from '../../src/adapters/analyzer/local/signals'
import { joinLetters, parsePocketsphinx } from '../../src/adapters/analyzer/local/speech'
import { parseCues } from '../../src/adapters/analyzer/local/subtitles'

describe('local analyzer parsing', () => {
  beforeAll(loadNlp)

  it('picks hard cuts, isolated slide-change spikes and freeze ends, 2 s apart at least', () => {
    const scenes = [
      { time: 0.04, score: 0.05 }, // inside the first second: ignored
      { time: 10, score: 0.03 }, // isolated small spike: a slide change
      { time: 20, score: 0.03 }, // spikes in a busy stretch: motion, not a cut
      { time: 20.4, score: 0.04 },
      { time: 30, score: 0.9 },
      { time: 31, score: 0.5 } // within 2 s of a stronger cut
    ]
    expect(pickCuts(scenes, [{ start: 35, end: 40 }], 50)).toEqual([10, 30, 40])
  })

  it('keeps only the last ebur128 summary and closes spans still open at the end', () => {
    const p = createSignalParser()
    const log = [
      '[Parsed_ebur128_1 @ 0x1] Summary:', '    I:         -70.0 LUFS', '    LRA:         0.0 LU', '    Peak:       -inf dBFS',
      '[silencedetect @ 0x2] silence_start: 20', '[silencedetect @ 0x2] silence_end: 25 | silence_duration: 5',
      '[blackdetect @ 0x3] black_start:30 black_end:33 black_duration:3',
      '[freezedetect @ 0x4] lavfi.freezedetect.freeze_start: 40',
      '[silencedetect @ 0x2] silence_start: 55.5',
      '[Parsed_ebur128_1 @ 0x1] Summary:', '    I:         -20.6 LUFS', '    LRA:         1.8 LU', '    Peak:        -10.1 dBFS'
    ]
    log.forEach(p.line)
    expect(p.finish(60)).toMatchObject({
      silences: [{ start: 20, end: 25 }, { start: 55.5, end: 60 }],
      black: [{ start: 30, end: 33 }],
      frozen: [{ start: 40, end: 60 }],
      loudness: { integratedLufs: -20.6, rangeLu: 1.8, truePeakDbfs: -10.1 }
    })
  })

  it('reads SRT and WebVTT cues, dropping markup', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> there\n\n2\n00:00:03,000 --> 00:00:04,000\nSecond line\nwraps\n'
    const vtt = 'WEBVTT\n\nintro\n00:01.000 --> 00:02.500 align:start\nHello there\n\n01:00:03.000 --> 01:00:04.000\n{\\an8}Later\n'
    expect(parseCues(srt)).toEqual([{ start: 1, end: 2.5, text: 'Hello there' }, { start: 3, end: 4, text: 'Second line wraps' }])
    expect(parseCues(vtt)).toEqual([{ start: 1, end: 2.5, text: 'Hello there' }, { start: 3603, end: 3604, text: 'Later' }])
  })

  it('turns pocketsphinx word timings into segments at pauses, with acronyms joined', () => {
    const out = [
      'the t c p header', '<s> 0.000 0.100 0.999', 'the 0.100 0.200 0.5', 't 0.210 0.300 0.9', 'c 0.310 0.400 0.9', 'p(2) 0.410 0.500 0.9',
      'header 1.200 1.600 0.7', '[NOISE] 1.600 1.700 0.1', '</s> 1.700 1.800 1.0'
    ].join('\n')
    expect(parsePocketsphinx(out, 100)).toEqual([
      {
        start: 100.1,
        end: 100.5,
        text: 'the TCP',
        confidence: expect.closeTo(0.7, 3),
        keyText: 'the TCP',
        sureText: ', TCP',
        // An acronym is as sure as its least sure letter.
        words: [
          { text: 'the', start: 100.1, end: 100.2, confidence: 0.5 },
          { text: 'TCP', start: 100.21, end: 100.5, confidence: 0.9 }
        ]
      },
      { start: 101.2, end: 101.6, text: 'header', confidence: 0.7, keyText: 'header', sureText: ',', words: [{ text: 'header', start: 101.2, end: 101.6, confidence: 0.7 }] }
    ])
    expect(joinLetters(['a', 'cat', 'i', 'saw', 'd', 'n', 's'])).toEqual(['a', 'cat', 'i', 'saw', 'DNS'])
    // A retry decodes the chunk with 1 s of silence before it (offset -1) and, without a lattice, prints 1.0 for every word.
    const retried = parsePocketsphinx(['<s> 0.000 0.900 1.000000', 'sand 0.950 1.400 1.000000', 'dunes 1.400 1.900 1.000000', '</s> 1.900 2.000 1.000000'].join('\n'), -1, false)
    expect(retried).toEqual([
      {
        start: 0,
        end: 0.9,
        text: 'sand dunes',
        confidence: null,
        keyText: 'sand dunes',
        sureText: ',',
        words: [
          { text: 'sand', start: 0, end: 0.4, confidence: null },
          { text: 'dunes', start: 0.4, end: 0.9, confidence: null }
        ]
      }
    ])
  })

  it('never blanks a word the recogniser was unsure of in a fill-in-the-blank question', () => {
    const phrase = (key: string) => ({ key, text: key, score: 1, words: 1, shown: true })
    const sentence = (text: string, keyText: string, start: number) => ({ start, end: start + 4, text, keyText, confidence: 0.8, reliable: true })
    const sentences = [
      // "sediment" was heard at low confidence here (blanked in keyText): no question may hinge on it.
      sentence('the river carries sediment down to the delta every spring', 'the river carries, down to the delta every spring', 0),
      sentence('farmers plant rice where the delta floods each year', 'farmers plant rice where the delta floods each year', 5)
    ]
    const quiz = buildQuiz([], sentences, [2, 1], [phrase('sediment'), phrase('rice'), phrase('delta')])
    expect(quiz.length).toBeGreaterThan(0)
    expect(quiz.map((q) => q.answer)).not.toContain('sediment')
  })

  it('merges shots into chapters: new slide titles start one, untitled shots join the one before', () => {
    const shots = [
      { start: 0, end: 12, title: 'Intro' },
      { start: 12, end: 14, title: null },
      { start: 14, end: 30, title: 'Method' },
      { start: 30, end: 33, title: 'Method' },
      { start: 33, end: 60, title: null }
    ]
    expect(mergeShots(shots, 60)).toEqual([
      { start: 0, end: 14, title: 'Intro' },
      { start: 14, end: 33, title: 'Method' },
      { start: 33, end: 60, title: null }
    ])
  })

  it('weights slide titles above spoken phrases', () => {
    const phrases = keyPhrases([
      { text: 'The weather today is nice. The weather is warm.', weight: 1 },
      { text: 'Packet routing', weight: 3 }
    ])
    expect(phrases[0]?.key).toBe('packet routing')
    expect(phrases.map((p) => p.key)).toContain('weather')
    expect(pickTopics(['Reliable Delivery'], phrases)).toEqual(['Reliable Delivery', 'packet routing', 'weather'])
  })
})
