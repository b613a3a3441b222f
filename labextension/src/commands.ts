/**
 * Commands: ask about a cell, explain its error, put Claude's code into the notebook.
 *
 * They act on the active notebook (tracker.currentWidget) in this page only: the code to
 * insert comes back as the reply to this page's own request, so another tab showing the
 * same notebook inserts nothing.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICodeCellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { KernelBridge } from './bridge';
import { cellPayload, hasError } from './cells';

export const CommandIDs = {
  open: 'claude-magics:open',
  askCell: 'claude-magics:ask-cell',
  explainError: 'claude-magics:explain-error',
  insertCode: 'claude-magics:insert-code',
  replaceCell: 'claude-magics:replace-cell'
};

export const ASK_CELL = 'Explain this cell and what its output shows.';
export const EXPLAIN_ERROR = 'Explain this error and how to fix it.';

function activeCodeCell(panel: NotebookPanel | null) {
  const cell = panel?.content.activeCell;
  return cell && cell.model.type === 'code' ? cell : null;
}

function outputsOf(panel: NotebookPanel | null): any[] {
  const cell = activeCodeCell(panel);
  return cell ? ((cell.model as ICodeCellModel).outputs.toJSON() as any[]) : [];
}

/** Put `code` in a new cell below the active one, or in place of the active cell's source. */
export function placeCode(panel: NotebookPanel, code: string, replace: boolean): void {
  const notebook = panel.content;
  if (!replace) {
    NotebookActions.insertBelow(notebook);
  }
  const cell = notebook.activeCell;
  if (!cell) {
    return;
  }
  if (cell.model.type !== 'code') {
    NotebookActions.changeCellType(notebook, 'code');
  }
  notebook.activeCell?.model.sharedModel.setSource(code);
}

export function addCommands(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  bridgeFor: (panel: NotebookPanel) => KernelBridge,
  openSidebar: () => void
): void {
  const { commands } = app;
  const current = () => tracker.currentWidget;

  commands.addCommand(CommandIDs.open, {
    label: 'Show the Claude sidebar',
    caption: "The active notebook's conversation with Claude",
    execute: openSidebar
  });

  const ask = async (text: string) => {
    const panel = current();
    const cell = activeCodeCell(panel);
    if (!panel || !cell) {
      return;
    }
    const model = cell.model as ICodeCellModel;
    const payload = cellPayload(
      model.sharedModel.getSource(),
      model.outputs.toJSON() as any[],
      model.executionCount,
      panel.content.activeCellIndex
    );
    openSidebar();
    await bridgeFor(panel).request('ask', { text, cell: payload });
  };

  commands.addCommand(CommandIDs.askCell, {
    label: 'Ask Claude about this cell',
    caption: 'Send the cell, its outputs and images to Claude in the sidebar',
    isEnabled: () => activeCodeCell(current()) !== null,
    execute: () => ask(ASK_CELL)
  });

  commands.addCommand(CommandIDs.explainError, {
    label: 'Explain this error',
    caption: "Ask Claude about the active cell's error",
    isEnabled: () => hasError(outputsOf(current())),
    execute: () => ask(EXPLAIN_ERROR)
  });

  const code = async (replace: boolean) => {
    const panel = current();
    if (!panel) {
      return;
    }
    const reply = await bridgeFor(panel).request('code');
    if (reply.code) {
      placeCode(panel, reply.code, replace);
    }
  };

  commands.addCommand(CommandIDs.insertCode, {
    label: "Insert Claude's code below",
    caption: "The code blocks of Claude's last answer, in a new cell below the active one",
    isEnabled: () => current() !== null,
    execute: () => code(false)
  });

  commands.addCommand(CommandIDs.replaceCell, {
    label: "Replace cell with Claude's code",
    caption: "The active cell's source becomes the code of Claude's last answer",
    isEnabled: () => current() !== null,
    execute: () => code(true)
  });
}

/**
 * "Insert below" and "Replace cell" buttons on every code block of an answer, through the
 * chat panel's hook (globalThis.claudeMagics.codeActions, see claude_magics/ui/panel).
 * The code is the block's own text, read from the page when the button is pressed.
 */
export function addCodeBlockActions(tracker: INotebookTracker): void {
  const hooks = ((globalThis as any).claudeMagics ??= {});
  hooks.codeActions ??= [];
  hooks.codeActions.push(({ toolbar, code }: { toolbar: HTMLElement; code: () => string }) => {
    for (const [label, title, replace] of [
      ['Insert below', "Put this code in a new cell below the active cell", false],
      ['Replace cell', "Replace the active cell's source with this code", true]
    ] as const) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'cp-button claude-code-action';
      button.textContent = label;
      button.title = title;
      button.dataset.action = replace ? 'replace' : 'insert';
      button.addEventListener('click', () => {
        const panel = tracker.currentWidget;
        if (panel) {
          placeCode(panel, code(), replace);
        }
      });
      toolbar.appendChild(button);
    }
  });
}
