import os from 'node:os'

export interface MachineDescription {
  cpuModel: string
  cores: number
  memoryGiB: number
  freeMemoryGiB: number
  loadAverage: [number, number, number]
  node: string
  os: string
  date: string
}

/** What the figures were measured on; the load average matters on a shared machine. */
export function describeMachine(now = new Date()): MachineDescription {
  const cpus = os.cpus()
  const [l1 = 0, l5 = 0, l15 = 0] = os.loadavg()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    freeMemoryGiB: os.freemem() / 2 ** 30,
    loadAverage: [l1, l5, l15],
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    date: now.toISOString()
  }
}

export function machineMarkdown(m: MachineDescription): string {
  const load = m.loadAverage.map((l) => l.toFixed(2)).join(' / ')
  return [
    `- Date: ${m.date}`,
    `- CPU: ${m.cores} cores, ${m.cpuModel}`,
    `- Memory: ${m.memoryGiB.toFixed(1)} GiB (${m.freeMemoryGiB.toFixed(1)} GiB free at start)`,
    `- Load average at start (1 / 5 / 15 min): ${load}`,
    `- Node: ${m.node}`,
    `- OS: ${m.os}`
  ].join('\n')
}
