/**
 * One notebook's connection to claude_magics in its kernel (the comm `claude_magics.lab`).
 *
 * The page opens the comm (never the kernel): replies reach this page alone, so two tabs
 * on one notebook never both act on one answer, and a reloaded page attaches afresh.
 * When the kernel has subshells the comm waits for its own subshell before opening, so
 * its messages are answered while a cell runs (see claude_magics/ui/subshells.py).
 *
 * When the kernel has not loaded claude_magics (the comm is closed at once), one silent
 * execute loads it (no execution count, nothing in the notebook) and restores the
 * conversation saved in the notebook's metadata. After a restart that execute is queued
 * before anything else, so Restart & Run All finds the history already back.
 */
import { NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { COMM_TARGET, METADATA_KEY, hasSavedConversation, startCode } from './saved';
import { Phase, phaseForKernel } from './state';

export interface IBridgeSettings {
  model: string;
  saveImages: boolean;
  maxSavedKB: number;
}

export interface IAttachInfo {
  model_id: string;
  conversation: string;
  messages: number;
  restored: boolean;
  has_key: boolean;
  key_help: string;
  subshells: boolean;
}

const SUBSHELL_WAIT_MS = 5000;
const CONNECT_TIMEOUT_MS = 120000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
    promise.then(
      value => {
        clearTimeout(timer);
        resolve(value);
      },
      error => {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

class Closed extends Error {}

export class KernelBridge implements IDisposable {
  constructor(
    readonly panel: NotebookPanel,
    private _settings: () => IBridgeSettings
  ) {
    const context = panel.sessionContext;
    context.statusChanged.connect(this._onStatus, this);
    context.kernelChanged.connect(this._onKernelChanged, this);
    void context.ready.then(() => this._maybeConnect());
  }

  /** Fires whenever phase, info or busy change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get phase(): Phase {
    return this._phase;
  }

  get info(): IAttachInfo | null {
    return this._info;
  }

  get detail(): string {
    return this._detail;
  }

  get busy(): boolean {
    return this.panel.sessionContext.session?.kernel?.status === 'busy';
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Connect now, even if the notebook has no saved conversation (sidebar shown, a command). */
  want(): Promise<IAttachInfo> {
    this._wanted = true;
    if (this._info && this._comm && !this._comm.isDisposed) {
      return Promise.resolve(this._info);
    }
    return this._connect();
  }

  /** Send a request over the comm and wait for the kernel's reply to it. */
  async request(type: string, payload: Record<string, unknown> = {}): Promise<any> {
    await this.want();
    return this._send(type, payload);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._dropComm();
    Signal.clearData(this);
  }

  // -- connection ---------------------------------------------------------------------
  private _maybeConnect(): void {
    if (this._disposed) {
      return;
    }
    if (this._wanted || hasSavedConversation(this._saved())) {
      void this._connect().catch(() => undefined);
    } else {
      this._refreshPhase();
    }
  }

  private _connect(): Promise<IAttachInfo> {
    if (!this._connecting) {
      const generation = this._generation;
      // Started on the next microtask, once `_connecting` is set: `_doConnect` emits `changed`
      // at once, and a listener that calls want() again (an inline panel's refresh) must find
      // this connection instead of starting another, recursively, until the stack overflows.
      this._connecting = Promise.resolve().then(() => this._doConnect(generation)).finally(() => {
        if (generation === this._generation) {
          this._connecting = null;
        }
      });
    }
    return this._connecting;
  }

  private async _doConnect(generation: number): Promise<IAttachInfo> {
    // Nothing below runs before `_connecting` holds this promise: the phase changes it
    // announces reach listeners that may ask to connect again.
    await Promise.resolve();
    const kernel = this.panel.sessionContext.session?.kernel;
    const stale = () => this._disposed || generation !== this._generation;
    if (!kernel) {
      this._setPhase('no-kernel');
      throw new Error('no kernel');
    }
    this._setPhase('connecting');
    try {
      const info = await withTimeout(kernel.info, CONNECT_TIMEOUT_MS, 'kernel info');
      const language = (info.language_info?.name || '').toLowerCase();
      if (language !== 'python') {
        this._setPhase('not-python');
        throw new Error('not a Python kernel');
      }
      let attached: IAttachInfo;
      try {
        attached = await this._attach(kernel, generation);
      } catch (error) {
        if (!(error instanceof Closed) || stale()) {
          throw error;
        }
        // The kernel has no comm target yet: load claude_magics there, then attach again.
        this._setPhase('loading');
        await this._start(kernel);
        if (stale()) {
          throw new Error('stale');
        }
        attached = await this._attach(kernel, generation);
      }
      if (stale()) {
        throw new Error('stale');
      }
      this._info = attached;
      this._setPhase('ready');
      return attached;
    } catch (error) {
      if (!stale() && this._phase !== 'not-python' && this._phase !== 'not-installed') {
        this._detail = String((error as Error)?.message || error);
        this._setPhase(phaseForKernel(kernel.status, false, 'error'));
      }
      throw error;
    }
  }

  private async _start(kernel: Kernel.IKernelConnection): Promise<void> {
    const future = kernel.requestExecute({
      code: startCode(this._saved()),
      silent: true,
      store_history: false,
      allow_stdin: false
    });
    const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
    if (reply.content.status === 'error') {
      const content = reply.content as KernelMessage.IReplyErrorContent;
      this._detail = `${content.ename}: ${content.evalue}`;
      if (content.ename === 'ModuleNotFoundError') {
        this._setPhase('not-installed');
      }
      throw new Error(this._detail);
    }
  }

  private async _attach(kernel: Kernel.IKernelConnection, generation: number): Promise<IAttachInfo> {
    this._dropComm();
    const comm = kernel.createComm(COMM_TARGET);
    if (kernel.supportsSubshells && (comm as any).commsOverSubshells !== 'disabled') {
      // Open on the comm's own subshell, so the kernel answers beside a running cell.
      await Promise.race([
        (comm as any).subshellStarted,
        new Promise(resolve => setTimeout(resolve, SUBSHELL_WAIT_MS))
      ]);
    }
    if (this._disposed || generation !== this._generation) {
      comm.dispose();
      throw new Error('stale');
    }
    this._comm = comm;
    comm.onMsg = msg => this._onMsg(msg.content.data as any);
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
        this._failPending(new Closed('closed by the kernel'));
      }
    };
    comm.open({ version: 1 });
    const settings = this._settings();
    const info = await this._send('attach', {
      saved: this._saved() ?? null,
      settings: {
        model: settings.model,
        images: settings.saveImages,
        max_bytes: Math.max(1, Math.round(settings.maxSavedKB * 1024))
      }
    });
    if (info.type !== 'attached') {
      throw new Error(info.error || 'unexpected reply');
    }
    return info as IAttachInfo;
  }

  private _send(type: string, payload: Record<string, unknown>): Promise<any> {
    const comm = this._comm;
    if (!comm || comm.isDisposed) {
      return Promise.reject(new Closed('not connected'));
    }
    const request = `r${++this._requests}`;
    return new Promise((resolve, reject) => {
      this._pending.set(request, { resolve, reject });
      comm.send({ ...payload, type, request });
    });
  }

  private _onMsg(data: any): void {
    if (!data || typeof data !== 'object') {
      return;
    }
    if (data.type === 'saved') {
      this._writeSaved(data.state);
      return;
    }
    const pending = this._pending.get(data.request);
    if (pending) {
      this._pending.delete(data.request);
      if (data.type === 'error') {
        pending.reject(new Error(data.error));
      } else {
        pending.resolve(data);
      }
    }
  }

  private _failPending(error: Error): void {
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const { reject } of pending) {
      reject(error);
    }
  }

  private _dropComm(): void {
    const comm = this._comm;
    this._comm = null;
    this._failPending(new Closed('reconnecting'));
    if (comm && !comm.isDisposed) {
      try {
        comm.close();
      } catch {
        comm.dispose();
      }
    }
  }

  // -- metadata -----------------------------------------------------------------------
  private _saved(): unknown {
    return this.panel.model?.getMetadata(METADATA_KEY);
  }

  private _writeSaved(state: unknown): void {
    const model = this.panel.model;
    if (!model) {
      return;
    }
    if (hasSavedConversation(state)) {
      model.setMetadata(METADATA_KEY, state as any);
    } else if (model.getMetadata(METADATA_KEY) !== undefined) {
      model.deleteMetadata(METADATA_KEY); // the conversation was reset: it leaves the notebook
    }
  }

  // -- kernel status --------------------------------------------------------------------
  private _onKernelChanged(): void {
    this._reset();
    this._maybeConnect();
  }

  private _onStatus(): void {
    const status = this.panel.sessionContext.session?.kernel?.status;
    if (status === 'restarting' || status === 'autorestarting') {
      const wasUp = this._info !== null || this._phase !== 'restarting';
      this._reset();
      this._setPhase('restarting');
      const kernel = this.panel.sessionContext.session?.kernel;
      if (wasUp && kernel && hasSavedConversation(this._saved())) {
        // Queued by the kernel connection until the new kernel is up, ahead of any cell
        // that Restart & Run All sends: the history is back before the first cell runs.
        queueMicrotask(() => {
          try {
            kernel.requestExecute({ code: startCode(this._saved()), silent: true, store_history: false });
          } catch {
            // the kernel is dead: the next start attaches and restores instead
          }
        });
      }
      return;
    }
    if (status === 'dead') {
      this._reset();
      this._setPhase('dead');
      return;
    }
    if (status === 'idle' && !this._info && !this._connecting) {
      if (this._phase === 'restarting' || this._phase === 'starting' || this._phase === 'no-kernel' || this._phase === 'dead') {
        this._maybeConnect();
        return;
      }
    }
    this._refreshPhase();
  }

  private _reset(): void {
    this._generation++;
    this._connecting = null;
    this._info = null;
    this._dropComm();
  }

  private _refreshPhase(): void {
    if (this._info) {
      this._changed.emit();
      return;
    }
    if (this._connecting) {
      this._changed.emit();
      return;
    }
    const status = this.panel.sessionContext.session?.kernel?.status;
    const next = phaseForKernel(status, false, this._phase === 'restarting' ? 'connecting' : this._phase);
    this._setPhase(next === 'ready' ? 'connecting' : next);
  }

  private _setPhase(phase: Phase): void {
    this._phase = phase;
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _phase: Phase = 'starting';
  private _info: IAttachInfo | null = null;
  private _detail = '';
  private _comm: Kernel.IComm | null = null;
  private _connecting: Promise<IAttachInfo> | null = null;
  private _generation = 0;
  private _wanted = false;
  private _disposed = false;
  private _requests = 0;
  private _pending = new Map<string, { resolve: (v: any) => void; reject: (e: Error) => void }>();
}
