// Certificates and keys rotate without a restart (docs/DESIGN.md §5): the files are polled
// (fs.watchFile follows the symlink swaps Kubernetes uses for mounted secrets) and, on a
// change or SIGHUP, the server's secure context is replaced; new handshakes use the new
// material, established connections carry on.
import { unwatchFile, watchFile } from 'node:fs';

export class FileChangeWatcher {
  private timer: NodeJS.Timeout | null = null;
  // This watcher's own listener: closing it must not stop another watcher of the same file (Node
  // keeps one poller per file; unwatchFile without the listener removes them all).
  private readonly listener = () => this.schedule();

  constructor(
    private readonly files: string[],
    private readonly onChange: () => void,
    intervalMs = 1000,
  ) {
    for (const f of files) watchFile(f, { interval: intervalMs, persistent: false }, this.listener);
  }

  /** Several files change together (cert + key): reload once, after they settle. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onChange();
    }, 250);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const f of this.files) unwatchFile(f, this.listener);
  }
}
