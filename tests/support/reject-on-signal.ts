/**
 * Preloaded into a CLI process (`node --import`): on SIGUSR2, a promise rejects with nobody to
 * catch it, as a library's stray rejection would.
 */
process.on('SIGUSR2', () => {
  void Promise.reject(new Error('stray rejection from a library'))
})
