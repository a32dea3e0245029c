// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { TransportContext } from '../../../src/renderer/src/api/transport-context'
import { AddVideos } from '../../../src/renderer/src/features/actions/AddVideos'
import type { Transport } from '../../../src/renderer/src/transport/transport'
import { createInMemoryCore } from '../../contract/in-memory-core'

afterEach(cleanup)

function setup(extra: Partial<Transport> = {}) {
  const core = createInMemoryCore()
  const transport: Transport = { kind: 'http', api: core.api, subscribe: () => () => {}, mediaUrl: () => '', ...extra }
  const added: string[] = []
  render(
    <TransportContext.Provider value={transport}>
      <QueryClientProvider client={new QueryClient()}>
        <AddVideos onClose={() => {}} onAdded={(id) => added.push(id)} dropped={null} />
      </QueryClientProvider>
    </TransportContext.Provider>
  )
  const sources = async () => (await core.api['videos.list']({})).items.map((v) => [v.title, v.source])
  return { core, added, sources }
}

const message = () => screen.getByTestId('add-message').textContent

describe('<AddVideos>', () => {
  it('queues a path, a URL and an S3 key, and explains what it cannot use', async () => {
    const { sources, added } = setup()
    fireEvent.change(screen.getByTestId('add-location'), { target: { value: 'talk.mp4' } })
    fireEvent.click(screen.getByTestId('add-submit'))
    await waitFor(() => expect(message()).toMatch(/absolute file path/))

    fireEvent.change(screen.getByTestId('add-location'), { target: { value: '/data/talk.mp4' } })
    fireEvent.change(screen.getByTestId('add-title'), { target: { value: 'Talk' } })
    fireEvent.click(screen.getByTestId('add-submit'))
    await waitFor(() => expect(message()).toBe('Queued Talk'))

    fireEvent.change(screen.getByTestId('add-location'), { target: { value: 'https://youtu.be/dQw4w9WgXcQ' } })
    fireEvent.click(screen.getByTestId('add-submit'))
    await waitFor(() => expect(message()).toBe('Queued https://youtu.be/dQw4w9WgXcQ'))

    fireEvent.click(screen.getByRole('tab', { name: 'S3 key' }))
    fireEvent.change(screen.getByTestId('add-key'), { target: { value: 'videos/a.mp4' } })
    fireEvent.click(screen.getByTestId('add-submit'))
    await waitFor(() => expect(message()).toBe('Queued videos/a.mp4'))

    expect(await sources()).toEqual([
      ['Talk', { kind: 'file', path: '/data/talk.mp4' }],
      [null, { kind: 'youtube', url: 'https://youtu.be/dQw4w9WgXcQ' }],
      [null, { kind: 's3', key: 'videos/a.mp4' }]
    ])
    expect(added).toHaveLength(3)
  })

  it('queues picked files by their path where the transport knows it (Electron)', async () => {
    const { sources } = setup({ pathForFile: (file) => `/home/op/${file.name}` })
    const file = new File(['x'], 'lecture.mp4', { type: 'video/mp4' })
    fireEvent.change(screen.getByTestId('add-files'), { target: { files: [file] } })
    await waitFor(() => expect(message()).toBe('Queued 1 file'))
    expect(await sources()).toEqual([['lecture', { kind: 'file', path: '/home/op/lecture.mp4' }]])
  })

  it('uploads picked files where it cannot know paths, or says what to do instead', async () => {
    const uploaded: string[] = []
    const withUpload = setup({
      upload: async (file, title) => {
        uploaded.push(`${file.name}:${title}`)
        return (await withUpload.core.api['videos.enqueue']({ source: { kind: 'file', path: `/data/uploads/${file.name}` }, title }))
      }
    })
    fireEvent.change(screen.getByTestId('add-files'), { target: { files: [new File(['x'], 'clip.webm')] } })
    await waitFor(() => expect(message()).toBe('Queued 1 file'))
    expect(uploaded).toEqual(['clip.webm:clip'])
    cleanup()

    setup()
    fireEvent.change(screen.getByTestId('add-files'), { target: { files: [new File(['x'], 'clip.webm')] } })
    await waitFor(() => expect(message()).toMatch(/Cannot tell where clip\.webm is/))
  })
})
