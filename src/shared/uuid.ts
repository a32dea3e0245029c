/** A UUID of any version, as the `videos` table's ids and the local queue's receipt handles are. */
export const UUID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

const UUID = new RegExp(`^${UUID_SOURCE}$`, 'i')

export function isUuid(text: string): boolean {
  return UUID.test(text)
}
