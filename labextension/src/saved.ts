/**
 * The notebook metadata that carries the conversation: its key and the code that puts it
 * back into a fresh kernel. Pure, so the quoting is tested without a kernel.
 */

export const METADATA_KEY = 'claude_magics';
export const COMM_TARGET = 'claude_magics.lab';

/** Whether a metadata value looks like a saved conversation with something in it. */
export function hasSavedConversation(value: unknown): boolean {
  const state = value as any;
  return !!(
    state &&
    typeof state === 'object' &&
    state.conversation &&
    Array.isArray(state.conversation.messages) &&
    state.conversation.messages.length > 0
  );
}

/**
 * Python for a silent execute that loads claude_magics and restores `saved`.
 *
 * The blob travels as a JSON string inside a Python string literal (JSON's escapes are
 * valid in Python literals once `\` and quotes are escaped by JSON.stringify twice), so
 * `true`/`null` never meet Python's parser as names.
 */
export function startCode(saved: unknown): string {
  const argument = saved === undefined || saved === null ? 'None' : JSON.stringify(JSON.stringify(saved));
  return `__import__('claude_magics.ui.lab.bridge', fromlist=['start']).start(${argument})`;
}
