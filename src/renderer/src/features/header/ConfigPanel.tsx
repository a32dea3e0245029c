import { useConfig } from '../../api/queries'

/** The worker's settings as the core reports them (secrets already masked there). */
export function ConfigPanel() {
  const { data } = useConfig()
  if (!data) return null
  return (
    <details className="config">
      <summary>in force</summary>
      <dl className="mono" data-testid="config">
        {Object.entries(data).map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </details>
  )
}
