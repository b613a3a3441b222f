/**
 * Inline chat panels (`%claude chat` outputs) that outlive their kernel.
 *
 * A widget lives in the kernel: after a restart, or in a notebook reopened tomorrow, the
 * saved output points at a model that no longer exists, and ipywidgets says "Error
 * displaying widget: model not found". The panel's display also carries
 * `application/vnd.claude-magics.panel+json` ({conversation}); this renderer, preferred
 * over the widget's own, asks the kernel for the live panel of that conversation (made
 * anew after a restart, history restored from the notebook) and shows it.
 */
import { IRenderMime } from '@jupyterlab/rendermime';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Panel, Widget } from '@lumino/widgets';

import { KernelBridge } from './bridge';
import { renderWidget } from './sidebar';

export const PANEL_MIME = 'application/vnd.claude-magics.panel+json';

class InlinePanel extends Panel implements IRenderMime.IRenderer {
  constructor(private _bridge: KernelBridge) {
    super();
    this.addClass('claude-inline-panel');
    this._note.addClass('claude-inline-note');
    this.addWidget(this._note);
    this._bridge.changed.connect(this._refresh, this);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = (model.data[PANEL_MIME] || {}) as { conversation?: string };
    this._conversation = data.conversation || '';
    await this._refresh();
  }

  dispose(): void {
    if (!this.isDisposed) {
      this._bridge.changed.disconnect(this._refresh, this);
    }
    super.dispose();
  }

  private async _refresh(): Promise<void> {
    const bridge = this._bridge;
    if (!bridge.info) {
      this._setNote('The chat panel comes back when the kernel runs claude_magics (it reconnects by itself).');
      this._clear();
      if (!this._asked) {
        // once: the bridge reconnects by itself after restarts, and says so through `changed`
        this._asked = true;
        void bridge.want().catch(() => undefined);
      }
      return;
    }
    if (bridge.info === this._attachment) {
      return; // the same kernel session: the panel shown is still the live one
    }
    this._attachment = bridge.info;
    let modelId: string;
    try {
      const reply = await bridge.request('panel', { conversation: this._conversation });
      modelId = reply.model_id;
    } catch (error) {
      this._setNote(`The chat panel could not reconnect: ${(error as Error).message || error}`);
      return;
    }
    if (this.isDisposed || modelId === this._shown) {
      return;
    }
    this._clear();
    this._shown = modelId;
    const renderer = await renderWidget(bridge.panel, modelId);
    if (this.isDisposed || this._shown !== modelId || !renderer) {
      renderer?.dispose();
      return;
    }
    this._setNote('');
    this._renderer = renderer;
    this.addWidget(renderer);
  }

  private _setNote(text: string): void {
    this._note.node.textContent = text;
    this._note.node.hidden = !text;
  }

  private _clear(): void {
    this._shown = null;
    this._renderer?.dispose();
    this._renderer = null;
  }

  private _conversation = '';
  private _asked = false;
  private _attachment: unknown = null;
  private _note = new Widget();
  private _renderer: IRenderMime.IRenderer | null = null;
  private _shown: string | null = null;
}

/** Prefer our renderer over the widget's (rank -10) in this notebook's outputs. */
export function addInlineRenderer(panel: NotebookPanel, bridge: KernelBridge): void {
  panel.content.rendermime.addFactory(
    {
      safe: false,
      mimeTypes: [PANEL_MIME],
      defaultRank: -20,
      createRenderer: () => new InlinePanel(bridge)
    },
    -20
  );
}
