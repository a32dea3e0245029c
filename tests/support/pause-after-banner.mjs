// Loaded with `node --import`: the video-processor process stalls for a moment right after it
// prints where its console is, as a loaded machine may deschedule it there. A signal sent on seeing
// that line then arrives before anything else runs, so a test can tell whether the process was
// ready for it. A launcher that relays the line (and inherits NODE_OPTIONS) does not stall.
const isVideoProcessor = process.argv[1]?.endsWith('video-processor.js') ?? false
const write = process.stdout.write.bind(process.stdout)
if (isVideoProcessor) {
  process.stdout.write = (chunk, ...rest) => {
    const result = write(chunk, ...rest)
    if (/Console(?: API)? on /.test(String(chunk))) {
      const until = Date.now() + 500
      while (Date.now() < until) {
        // busy: no event loop turn, as when the process is not scheduled
      }
    }
    return result
  }
}
