/** `chat:delta`, `agent:lifecycle:model`, … : what each event of a run is. */
export function kind(frame: any): string {
  const p = frame.payload
  if (frame.event === 'chat') return `chat:${p.state}${p.phase ? `:${p.phase}` : ''}${p.replace ? ':replace' : ''}`
  const phase = p.data?.phase ? `:${p.data.phase}` : ''
  const provider =
    p.stream === 'lifecycle' && p.data?.phase === 'model' ? (p.data.provider === null ? ':released' : ':provider') : ''
  return `agent:${p.stream}${phase}${provider}`
}

/** For each event after the first: `=` when its payload seq repeats the previous one, `>` when it grows. */
export function seqPattern(frames: any[]): string {
  return frames
    .slice(1)
    .map((f, i) => (f.payload.seq === frames[i].payload.seq ? '=' : f.payload.seq > frames[i].payload.seq ? '>' : '<'))
    .join('')
}

/** The events of one run (by payload runId), in the order received. */
export function runEvents(frames: any[], runId: string): any[] {
  return frames.filter(
    (f) => f.type === 'event' && (f.event === 'chat' || f.event === 'agent') && f.payload?.runId === runId,
  )
}
