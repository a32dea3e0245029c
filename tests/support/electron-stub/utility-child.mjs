// Preloaded into a fake utilityProcess child: Electron gives it `process.parentPort`, whose
// 'message' events carry `{ data }` and whose postMessage reaches the parent's 'message' event.
// Like Electron's port, it holds messages until the child listens (a message sent at once by
// the parent is not lost while the child's modules still load).
import { EventEmitter } from 'node:events'

const parentPort = new EventEmitter()
const queued = []
let listening = false
parentPort.postMessage = (message) => {
  if (process.connected) process.send(message)
}
parentPort.on('newListener', (event) => {
  if (event !== 'message' || listening) return
  listening = true
  setImmediate(() => {
    for (const message of queued.splice(0)) parentPort.emit('message', { data: message, ports: [] })
  })
})
process.on('message', (message) => {
  if (listening) parentPort.emit('message', { data: message, ports: [] })
  else queued.push(message)
})
// Electron ends a utility process with its parent; here the closed channel says so.
process.on('disconnect', () => process.exit(0))
process.parentPort = parentPort
