/**
 * Several tabs of one visitor: they share the token and the outbox (localStorage), tell each other
 * how far the visitor has read (BroadcastChannel), and agree that exactly one of them plays the
 * sound for a new message (a Web Lock per message, and a stored "sounded up to" mark).
 */

export type TabNote = { readonly type: 'read'; readonly upTo: number };

export class Tabs {
  private readonly channel: BroadcastChannel | null;
  private readonly listeners = new Set<(note: TabNote) => void>();

  constructor(
    private readonly prefix: string,
    private readonly storage: Storage | null,
  ) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(prefix) : null;
    this.channel?.addEventListener('message', (event: MessageEvent<TabNote>) => {
      for (const listener of this.listeners) listener(event.data);
    });
  }

  tell(note: TabNote): void {
    this.channel?.postMessage(note);
  }

  listen(listener: (note: TabNote) => void): void {
    this.listeners.add(listener);
  }

  read(name: string): string | null {
    try {
      return this.storage?.getItem(`${this.prefix}:${name}`) ?? null;
    } catch {
      return null;
    }
  }

  write(name: string, value: string | null): void {
    try {
      if (value === null) this.storage?.removeItem(`${this.prefix}:${name}`);
      else this.storage?.setItem(`${this.prefix}:${name}`, value);
    } catch {
      // Storage refused: this tab keeps going from memory.
    }
  }

  /**
   * Claims message `id` for the sound: true in exactly one tab. A tab whose visitor is looking at
   * the chat claims at once (and stays silent); a visible tab next; hidden tabs wait a moment so a
   * visible one wins.
   */
  async claimSound(id: number, waitMs: number): Promise<boolean> {
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (Number(this.read('sounded') ?? '0') >= id) return false;
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) {
      this.write('sounded', String(id));
      return true;
    }
    // Storage reaches other tabs a moment late; a lock does not: the first tab to take this
    // message's lock holds it a while, and any other tab asking meanwhile is told no.
    return new Promise<boolean>((resolve) => {
      void locks.request(`${this.prefix}:sound:${id}`, { ifAvailable: true }, (lock) => {
        if (!lock) return resolve(false);
        this.write('sounded', String(id));
        resolve(true);
        return new Promise<void>((release) => setTimeout(release, 10_000));
      });
    });
  }
}
