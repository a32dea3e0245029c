import { useState } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { ProfileName } from '../../../../shared/settings-catalog'
import type { ProfileList } from '../../../../shared/settings'
import { useTransport } from '../../api/transport-context'

export interface ProfileBarProps {
  profiles: ProfileList
  /** The profile shown in the panel (maybe a new one not saved yet). */
  profile: string
  pendingApply: boolean
  readOnly: boolean
  onChoose(name: string): void
}

/** Pick the profile to edit, make a new one, and switch the worker to it (a confirmed action). */
export function ProfileBar({ profiles, profile, pendingApply, readOnly, onChoose }: ProfileBarProps) {
  const { api } = useTransport()
  const client = useQueryClient()
  const [naming, setNaming] = useState('')
  const [nameError, setNameError] = useState<string | null>(null)
  const [confirming, setConfirming] = useState(false)
  const use = useMutation({
    mutationFn: (name: string) => api['profiles.use']({ name }),
    onSettled: () => {
      setConfirming(false)
      void client.invalidateQueries()
    }
  })
  const known = profiles.profiles.some((p) => p.name === profile)
  const isActive = profile === profiles.active
  const names = known ? profiles.profiles.map((p) => p.name) : [...profiles.profiles.map((p) => p.name), profile]

  const create = () => {
    const parsed = ProfileName.safeParse(naming.trim())
    if (!parsed.success) return setNameError(parsed.error.issues[0]?.message ?? 'invalid name')
    setNameError(null)
    setNaming('')
    onChoose(parsed.data)
  }

  return (
    <div className="profile-bar" data-testid="profile-bar">
      <label className="small muted" htmlFor="settings-profile">
        Profile
      </label>
      <select id="settings-profile" value={profile} onChange={(e) => onChoose(e.target.value)} data-testid="profile-select">
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
            {name === profiles.active ? ' (active)' : ''}
          </option>
        ))}
      </select>
      {!readOnly ? (
        <span className="new-profile">
          <input value={naming} placeholder="new profile, e.g. staging" onChange={(e) => setNaming(e.target.value)} data-testid="profile-new-name" aria-label="New profile name" />
          <button type="button" onClick={create} disabled={!naming.trim()} data-testid="profile-new">
            New
          </button>
        </span>
      ) : null}
      {nameError ? <span className="small tone-bad">{nameError}</span> : null}
      {!readOnly && known && (!isActive || pendingApply) && !confirming ? (
        <button type="button" className="primary" onClick={() => setConfirming(true)} disabled={use.isPending || profiles.switching !== null} data-testid="profile-use">
          {isActive ? 'Apply saved settings' : `Switch the worker to ${profile}`}
        </button>
      ) : null}
      {!known && !readOnly ? <span className="small muted">New profile: save a setting to create it.</span> : null}
      {confirming ? (
        <div className="confirm" role="alertdialog" data-testid="profile-confirm">
          <p className="small">
            The worker stops taking videos, lets the jobs in flight finish (or hands them back to the queue at the shutdown deadline),
            reopens every backend with the settings of <strong>{profile}</strong> and starts again. The console stays open.
          </p>
          <button type="button" className="primary" onClick={() => use.mutate(profile)} disabled={use.isPending} data-testid="profile-confirm-yes">
            {use.isPending ? 'Switching…' : isActive ? 'Apply now' : `Switch to ${profile}`}
          </button>
          <button type="button" onClick={() => setConfirming(false)} disabled={use.isPending}>
            Cancel
          </button>
        </div>
      ) : null}
      {use.error ? (
        <p className="small tone-bad" role="alert" data-testid="profile-error">
          {use.error.message}
        </p>
      ) : null}
      {use.isSuccess && !use.isPending ? (
        <p className="small tone-ok" data-testid="profile-switched">
          Profile {use.data.active} is active.
        </p>
      ) : null}
    </div>
  )
}
