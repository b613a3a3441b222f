/**
 * The right-sidebar panel "Claude": the active notebook's chat panel, and what stands in
 * its way when it cannot be shown (no notebook, kernel starting, restarted, dead, no key).
 *
 * The transcript itself is the kernel's chat panel widget (claude_magics/ui/panel),
 * rendered here with the notebook's own rendermime, which carries its widget manager: the
 * same HTML the inline panel shows, made in Python and sanitized there. This file adds
 * only a status line, built with textContent.
 */
import { NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMime, MimeModel } from '@jupyterlab/rendermime';
import { LabIcon } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import { KernelBridge } from './bridge';
import { describe } from './state';

export const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">' +
  '<path class="jp-icon3" fill="#616161" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 5v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>';

export const claudeIcon = new LabIcon({ name: 'claude-magics:icon', svgstr: ICON_SVG });

/** Render the kernel widget `modelId` with the notebook's rendermime (its widget manager). */
export async function renderWidget(panel: NotebookPanel, modelId: string): Promise<IRenderMime.IRenderer | null> {
  const rendermime = panel.content.rendermime;
  if (!rendermime.mimeTypes.includes(WIDGET_MIME)) {
    return null; // no widget manager in this page (ipywidgets' extension missing)
  }
  const renderer = rendermime.createRenderer(WIDGET_MIME);
  await renderer.renderModel(
    new MimeModel({ data: { [WIDGET_MIME]: { model_id: modelId, version_major: 2, version_minor: 1 } }, trusted: true })
  );
  return renderer;
}

export class ClaudeSidebar extends Panel {
  constructor() {
    super();
    this.id = 'claude-magics-sidebar';
    this.addClass('claude-sidebar');
    this.title.icon = claudeIcon;
    this.title.caption = 'Claude';
    this._status.addClass('claude-sidebar-status');
    this._status.node.setAttribute('role', 'status');
    this._host.addClass('claude-sidebar-host');
    this.addWidget(this._status);
    this.addWidget(this._host);
    this._update();
  }

  /** Show `bridge`'s notebook (or nothing): called when the active notebook changes. */
  follow(bridge: KernelBridge | null): void {
    if (bridge === this._bridge) {
      return;
    }
    this._bridge?.changed.disconnect(this._update, this);
    this._bridge = bridge;
    this._clearWidget();
    bridge?.changed.connect(this._update, this);
    if (bridge && this.isVisible) {
      void bridge.want().catch(() => undefined);
    }
    this._update();
  }

  get bridge(): KernelBridge | null {
    return this._bridge;
  }

  protected onAfterShow(): void {
    if (this._bridge) {
      void this._bridge.want().catch(() => undefined);
    }
    this._update();
  }

  protected onAfterHide(): void {
    this._update();
  }

  private _update(): void {
    const bridge = this._bridge;
    const info = bridge?.info ?? null;
    const status = describe({
      phase: bridge ? bridge.phase : 'no-notebook',
      busy: bridge?.busy ?? false,
      subshells: info?.subshells ?? false,
      hasKey: info?.has_key ?? true,
      keyHelp: info?.key_help,
      detail: bridge?.detail
    });
    const node = this._status.node;
    node.textContent = status.text;
    node.dataset.level = status.level;
    node.hidden = !status.text;
    this.node.dataset.phase = bridge ? bridge.phase : 'no-notebook';
    // Only a visible sidebar holds a view of the panel: a hidden one must not add a second
    // `.claude-panel` to the page (or keep a view of every notebook's widget alive).
    if (status.showPanel && bridge && info && this.isVisible) {
      void this._showWidget(bridge, info.model_id);
    } else {
      this._clearWidget();
    }
  }

  private async _showWidget(bridge: KernelBridge, modelId: string): Promise<void> {
    if (this._shown === modelId) {
      return;
    }
    this._clearWidget();
    this._shown = modelId;
    const renderer = await renderWidget(bridge.panel, modelId);
    if (this._shown !== modelId || this._bridge !== bridge) {
      renderer?.dispose();
      return;
    }
    if (!renderer) {
      this._status.node.textContent =
        'This page cannot show Jupyter widgets (the ipywidgets JupyterLab extension is missing).';
      this._status.node.hidden = false;
      return;
    }
    this._renderer = renderer;
    this._host.addWidget(renderer);
  }

  private _clearWidget(): void {
    this._shown = null;
    if (this._renderer) {
      this._renderer.dispose();
      this._renderer = null;
    }
  }

  private _bridge: KernelBridge | null = null;
  private _status = new Widget();
  private _host = new Panel();
  private _renderer: IRenderMime.IRenderer | null = null;
  private _shown: string | null = null;
}
