// The soak writer's ledger: every write it tried on each key, in order, and how it ended.
// Each key has one writer, so its history is a sequence. An acknowledged write (2xx) must
// be reflected in the final state unless a later write of ours may have replaced it; a
// write that got no answer (connection lost, timeout, 5xx) may or may not have happened;
// a write refused with a 4xx did not.
//
// Final state of a key: absent, or present carrying the `seq` of the write that made it.

export type WriteKind = 'create' | 'update' | 'delete';
export type Outcome = 'acked' | 'refused' | 'unknown';

export interface Attempt {
  seq: number;
  kind: WriteKind;
  outcome: Outcome;
}

/** What a write leaves behind: the key absent, or present with its seq. */
const effect = (a: Attempt): number | 'absent' => (a.kind === 'delete' ? 'absent' : a.seq);

export class Ledger {
  private readonly history = new Map<string, Attempt[]>();
  private nextSeq = 1;

  /** A new write on `key`; its outcome is filled in by settle(). */
  begin(key: string, kind: WriteKind): Attempt {
    const a: Attempt = { seq: this.nextSeq++, kind, outcome: 'unknown' };
    const h = this.history.get(key) ?? [];
    h.push(a);
    this.history.set(key, h);
    return a;
  }

  keys(): string[] {
    return [...this.history.keys()];
  }

  acknowledged(): number {
    let n = 0;
    for (const h of this.history.values()) n += h.filter((a) => a.outcome === 'acked').length;
    return n;
  }

  /**
   * Whether `final` (absent, or the seq the stored object carries) is a state the history
   * allows: the effect of the last acknowledged write, or of a later write whose outcome is
   * unknown. Before any acknowledged write the key was absent.
   */
  consistent(key: string, final: number | 'absent'): boolean {
    const h = this.history.get(key) ?? [];
    let last = -1;
    for (let i = 0; i < h.length; i++) if (h[i].outcome === 'acked') last = i;
    const allowed = new Set<number | 'absent'>([last >= 0 ? effect(h[last]) : 'absent']);
    for (let i = last + 1; i < h.length; i++) if (h[i].outcome === 'unknown') allowed.add(effect(h[i]));
    return allowed.has(final);
  }

  /** Keys whose final state contradicts an acknowledged write, with what was expected. */
  lost(finals: Map<string, number>): { key: string; final: number | 'absent'; history: Attempt[] }[] {
    const out: { key: string; final: number | 'absent'; history: Attempt[] }[] = [];
    for (const key of this.keys()) {
      const final = finals.get(key) ?? 'absent';
      if (!this.consistent(key, final)) out.push({ key, final, history: this.history.get(key)!.slice(-4) });
    }
    return out;
  }
}
