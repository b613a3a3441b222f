/**
 * claude_magics in JupyterLab and Notebook 7: the "Claude" right sidebar following the
 * active notebook, commands, settings, inline panels that survive restarts, and Markdown
 * highlighting for `%%claude` cells.
 *
 * Layout: `bridge` (the kernel connection, metadata save/restore), `sidebar` (the view),
 * `inline` (outputs of `%claude chat`), `commands`, `highlight`; `state`, `cells` and
 * `saved` are pure helpers with Jest tests.
 */
import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IEditorExtensionRegistry, IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { IBridgeSettings, KernelBridge } from './bridge';
import { CommandIDs, addCodeBlockActions, addCommands } from './commands';
import { addPromptHighlighting } from './highlight';
import { addInlineRenderer } from './inline';
import { usesClaude } from './cells';
import { ClaudeSidebar } from './sidebar';

const PLUGIN_ID = 'claude-magics:plugin';
const CATEGORY = 'Claude';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "The active notebook's Claude conversation in the right sidebar.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, ILabShell, IEditorExtensionRegistry, IEditorLanguageRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    _labShell: ILabShell | null,
    editorExtensions: IEditorExtensionRegistry | null,
    languages: IEditorLanguageRegistry | null
  ) => {
    const settings: IBridgeSettings = { model: '', saveImages: false, maxSavedKB: 256 };
    const bridges = new WeakMap<NotebookPanel, KernelBridge>();
    const bridgeFor = (panel: NotebookPanel): KernelBridge => {
      let bridge = bridges.get(panel);
      if (!bridge) {
        bridge = new KernelBridge(panel, () => settings);
        bridges.set(panel, bridge);
        panel.disposed.connect(() => bridge!.dispose());
      }
      return bridge;
    };

    const sidebar = new ClaudeSidebar();
    app.shell.add(sidebar, 'right', { rank: 900 });
    const openSidebar = () => app.shell.activateById(sidebar.id);

    tracker.widgetAdded.connect((_, panel) => {
      addInlineRenderer(panel, bridgeFor(panel));
    });
    tracker.forEach(panel => addInlineRenderer(panel, bridgeFor(panel)));
    const follow = () => sidebar.follow(tracker.currentWidget ? bridgeFor(tracker.currentWidget) : null);
    tracker.currentChanged.connect(follow);
    follow();

    // A notebook that runs a Claude cell keeps its conversation in its metadata, sidebar open or not.
    NotebookActions.executed.connect((_, { notebook, cell }) => {
      const panel = tracker.find(p => p.content === notebook);
      if (panel && usesClaude(cell.model.sharedModel.getSource())) {
        void bridgeFor(panel).want().catch(() => undefined);
      }
    });

    addCommands(app, tracker, bridgeFor, openSidebar);
    addCodeBlockActions(tracker);
    if (palette) {
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category: CATEGORY });
      }
    }
    const menuItems = [CommandIDs.askCell, CommandIDs.explainError, CommandIDs.insertCode, CommandIDs.replaceCell];
    menuItems.forEach((command, index) => {
      app.contextMenu.addItem({ command, selector: '.jp-Notebook .jp-Cell', rank: 20 + index });
    });

    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          const apply = () => {
            settings.model = String(loaded.get('model').composite ?? '');
            settings.saveImages = Boolean(loaded.get('saveImages').composite);
            settings.maxSavedKB = Number(loaded.get('maxSavedKB').composite ?? 256);
          };
          apply();
          loaded.changed.connect(apply);
        })
        .catch(reason => console.warn('claude-magics: settings not loaded', reason));
    }
    if (editorExtensions && languages) {
      void addPromptHighlighting(editorExtensions, languages).catch(reason =>
        console.warn('claude-magics: no Markdown highlighting for %%claude cells', reason)
      );
    }
  }
};

export default plugin;
