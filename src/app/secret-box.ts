/**
 * Seals secrets before they are written to DATA_DIR/secrets.json. The desktop app supplies one
 * backed by the operating system's keychain (Electron safeStorage); elsewhere the file box keeps
 * them as they are, in a file only the user may read.
 */
export interface SecretBox {
  /** Stored with each secret, so one sealed by another box is recognised instead of misread. */
  readonly kind: string
  /** Where and how secrets are kept, in one sentence for the operator. */
  readonly note: string
  seal(plain: string): string
  /** Throws when the sealed text cannot be opened here (another user's or machine's keychain). */
  open(sealed: string): string
}

export const FILE_BOX_KIND = 'file'

/** Secrets unencrypted in a file of mode 600: what a headless server without a keychain can do. */
export function fileSecretBox(path: string): SecretBox {
  return {
    kind: FILE_BOX_KIND,
    note: `Secrets are kept unencrypted in ${path}, readable only by you (mode 600); the desktop app encrypts them with the system keychain instead.`,
    seal: (plain) => plain,
    open: (sealed) => sealed
  }
}
