import { describe, expect, it } from 'vitest'
import { parseTesseractTsv } from '../../../src/adapters/analyzer/local/ocr-cli'

const HEADER = 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext'
const row = (level: number, page: number, top: number, height: number, conf: number, text = '') =>
  [level, page, 1, 1, 1, 0, 10, top, 100, height, conf, text].join('\t')

describe("tesseract's TSV output", () => {
  it('becomes lines per image, in list order, with the line box and its words’ mean confidence cut to a whole number', () => {
    const tsv = [
      HEADER,
      row(1, 1, 0, 360, -1),
      row(2, 1, 60, 140, -1),
      row(3, 1, 60, 140, -1),
      row(4, 1, 60, 29, -1),
      row(5, 1, 60, 23, 96, 'The'),
      row(5, 1, 60, 29, 90.9, 'Calvin'),
      row(4, 1, 180, 18, -1),
      row(5, 1, 181, 17, 80, 'Oxygen'),
      // Image 2 is blank: a page row and nothing else.
      row(1, 2, 0, 360, -1),
      row(1, 3, 0, 360, -1),
      row(4, 3, 40, 20, -1),
      // A line of only spaces is no line.
      row(5, 3, 40, 20, 95, ' '),
      row(4, 3, 70, 20, -1),
      row(5, 3, 70, 20, 69.99, 'Faults'),
      ''
    ].join('\n')
    expect(parseTesseractTsv(tsv, 3)).toEqual([
      {
        lines: [
          // (96 + 90.9) / 2 = 93.45: tesseract.js says 93 for such a line, so a line at 69.9 stays under the bar of 70.
          { text: 'The Calvin', confidence: 93, height: 29, top: 60 },
          { text: 'Oxygen', confidence: 80, height: 18, top: 180 }
        ]
      },
      { lines: [] },
      { lines: [{ text: 'Faults', confidence: 69, height: 20, top: 70 }] }
    ])
  })

  it('gives every image a result even when the output stops early or names a page it was not given', () => {
    const tsv = [HEADER, row(4, 5, 10, 10, -1), row(5, 5, 10, 10, 90, 'stray'), 'garbage line'].join('\n')
    expect(parseTesseractTsv(tsv, 2)).toEqual([{ lines: [] }, { lines: [] }])
  })
})
