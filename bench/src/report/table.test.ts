import { describe, expect, it } from 'vitest'
import { formatMs, formatPercent, formatRate, formatRatio, formatTable } from './table.js'

describe('formatTable', () => {
  it('pads columns to their widest cell, right-aligns numbers and rules the header', () => {
    const text = formatTable(
      [{ header: 'store' }, { header: 'ops/s', align: 'right' }],
      [
        ['raw SQL', '3,500'],
        ['EventCore', '12'],
      ],
    )
    expect(text.split('\n')).toEqual(['store      ops/s', '---------  -----', 'raw SQL    3,500', 'EventCore     12'])
  })

  it('trims trailing blanks and treats a missing cell as empty', () => {
    const text = formatTable([{ header: 'a' }, { header: 'note' }], [['x']])
    expect(text.split('\n')).toEqual(['a  note', '-  ----', 'x'])
  })
})

describe('number formats', () => {
  it('writes rates with separators, and a decimal only below 100', () => {
    expect(formatRate(12_345.6)).toBe('12,346')
    expect(formatRate(47.84)).toBe('47.8')
    expect(formatRate(Number.NaN)).toBe('—')
  })

  it('writes ratios with two decimals, and a dash when there is nothing to compare with', () => {
    expect(formatRatio(0.934)).toBe('0.93×')
    expect(formatRatio(undefined)).toBe('—')
  })

  it('keeps three significant-ish digits of milliseconds', () => {
    expect(formatMs(0.0042)).toBe('0.004')
    expect(formatMs(1.234)).toBe('1.23')
    expect(formatMs(23.45)).toBe('23.4')
    expect(formatMs(123.4)).toBe('123')
  })

  it('writes shares as whole percentages', () => {
    expect(formatPercent(0.956)).toBe('96 %')
  })
})
