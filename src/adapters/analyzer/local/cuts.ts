import type { Span } from './signals'

/** A clear cut (camera change); slide changes score far lower and are caught as isolated spikes. */
export const HARD_CUT = 0.3
const MIN_GAP = 2
const EDGE = 1

/**
 * Picks cut times from scene scores and freeze ends: a score ≥ 0.3, or a small spike with
 * no other candidate within ±1 s (a slide change in otherwise still video), or the end of a
 * frozen span (the still image changed). Candidates closer than 2 s keep the strongest.
 */
export function pickCuts(scenes: { time: number; score: number }[], frozen: Span[], duration: number): number[] {
  const candidates: { time: number; strength: number }[] = []
  for (const [i, s] of scenes.entries()) {
    if (s.score >= HARD_CUT) {
      candidates.push({ time: s.time, strength: 2 + s.score })
      continue
    }
    const prev = scenes[i - 1]
    const next = scenes[i + 1]
    const isolated = (!prev || s.time - prev.time > 1) && (!next || next.time - s.time > 1)
    if (isolated) candidates.push({ time: s.time, strength: 1 + s.score })
  }
  // A freeze that lasted and then ended: the picture changed after standing still.
  for (const f of frozen) if (f.end - f.start >= 1 && f.end < duration - EDGE) candidates.push({ time: f.end, strength: 0.5 })
  const inRange = candidates.filter((c) => c.time >= EDGE && c.time <= duration - EDGE).sort((a, b) => a.time - b.time)
  const picked: { time: number; strength: number }[] = []
  for (const c of inRange) {
    const last = picked.at(-1)
    if (last && c.time - last.time < MIN_GAP) {
      if (c.strength > last.strength) picked[picked.length - 1] = c
      continue
    }
    picked.push(c)
  }
  return picked.map((c) => Math.round(c.time * 1000) / 1000)
}

/** Shots between cuts, covering the whole video. */
export function shotsFrom(cuts: number[], duration: number): Span[] {
  const bounds = [0, ...cuts, duration]
  const shots: Span[] = []
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i] as number
    const end = bounds[i + 1] as number
    if (end > start) shots.push({ start, end })
  }
  return shots
}

/**
 * One keyframe time per shot (a little into it, past any transition), plus one a minute in
 * long shots, capped at `max` spread evenly.
 */
export function keyframeTimes(shots: Span[], max: number): { time: number; shot: number }[] {
  const times: { time: number; shot: number }[] = []
  for (const [i, s] of shots.entries()) {
    const len = s.end - s.start
    times.push({ time: s.start + Math.min(len / 2, 1.5), shot: i })
    for (let t = s.start + 60; t < s.end - 30; t += 60) times.push({ time: t, shot: i })
  }
  if (times.length <= max) return times
  const step = times.length / max
  return Array.from({ length: max }, (_, k) => times[Math.floor(k * step)] as { time: number; shot: number })
}
