const SHORTCUTS: [string, string][] = [
  ['j / ↓', 'next video'],
  ['k / ↑', 'previous video'],
  ['r', 'retry the selected video (asks first when its cause will fail again)'],
  ['e', 'export the selected video as a debug bundle'],
  ['c', 'compare the runs of the selected video'],
  ['/', 'search'],
  ['t', 'theme: system → light → dark'],
  ['Esc', 'close the dialog, the detail or the search'],
  ['?', 'this list']
]

export function ShortcutsOverlay({ onClose }: { onClose(): void }) {
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal panel" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" data-testid="shortcuts" onClick={(event) => event.stopPropagation()}>
        <div className="panel-head">
          <h2>Keyboard shortcuts</h2>
          <button type="button" className="link" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        <dl className="shortcuts">
          {SHORTCUTS.map(([key, what]) => (
            <div key={key}>
              <dt>
                <kbd>{key}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  )
}
