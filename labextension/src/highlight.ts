/**
 * `%%claude` cells are a question in Markdown, not Python: highlight them so.
 *
 * CodeMirror takes the editor's language from the first value of its `language` facet, so
 * a Markdown language added at the highest precedence wins while the cell starts with
 * `%%claude`; a compartment switches it on and off as the first line changes. The
 * Markdown support is JupyterLab's own (from its language registry): no second copy.
 */
import { IEditorExtensionRegistry, IEditorLanguageRegistry, EditorExtensionRegistry } from '@jupyterlab/codemirror';
import { Compartment, EditorState, Extension, Prec } from '@codemirror/state';
import { EditorView, ViewPlugin } from '@codemirror/view';

import { isClaudeCell } from './cells';

function promptHighlighting(markdown: Extension): Extension {
  const compartment = new Compartment();
  const claude = (state: EditorState) => isClaudeCell(state.doc.sliceString(0, 16));
  const wanted = (on: boolean) => (on ? Prec.highest(markdown) : []);
  return [
    compartment.of([]),
    EditorState.transactionExtender.of(tr => {
      if (!tr.docChanged) {
        return null;
      }
      const now = claude(tr.state);
      return now === claude(tr.startState) ? null : { effects: compartment.reconfigure(wanted(now)) };
    }),
    // A cell that already starts with %%claude when its editor is made.
    ViewPlugin.define((view: EditorView) => {
      if (claude(view.state)) {
        setTimeout(() => view.dispatch({ effects: compartment.reconfigure(wanted(true)) }), 0);
      }
      return {};
    })
  ];
}

export async function addPromptHighlighting(
  extensions: IEditorExtensionRegistry,
  languages: IEditorLanguageRegistry
): Promise<void> {
  const markdown = await languages.getLanguage('markdown');
  if (!markdown?.support) {
    return;
  }
  const extension = promptHighlighting(markdown.support);
  extensions.addExtension({
    name: 'claude-magics:prompt-markdown',
    factory: () => EditorExtensionRegistry.createImmutableExtension(extension)
  });
}
