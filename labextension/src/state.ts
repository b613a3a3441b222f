/**
 * What the sidebar says about the notebook's kernel, as pure functions of its state.
 *
 * Kept apart from the widgets so that every state a person can meet (no notebook, kernel
 * starting, busy, restarted, dead, no key, ...) has one sentence, tested without a page.
 */

/** Where the connection between a notebook's kernel and the sidebar stands. */
export type Phase =
  | 'no-notebook'
  | 'no-kernel'
  | 'starting'
  | 'connecting'
  | 'loading'
  | 'not-python'
  | 'not-installed'
  | 'ready'
  | 'restarting'
  | 'dead'
  | 'error';

export interface IStatusInput {
  phase: Phase;
  /** The kernel is running a cell (status "busy"). */
  busy: boolean;
  /** The kernel can answer comm messages beside a running cell (ipykernel 7 subshells). */
  subshells: boolean;
  /** An API key is set in the kernel's environment (only known once attached). */
  hasKey: boolean;
  /** The kernel's own instructions for setting a key without writing it into the notebook. */
  keyHelp?: string;
  /** A detail for 'error' and 'not-installed'. */
  detail?: string;
}

export type Level = 'info' | 'busy' | 'warning' | 'error';

export interface IStatus {
  text: string;
  level: Level;
  /** Whether the chat panel can be shown below the status line. */
  showPanel: boolean;
}

export const NO_KEY_HELP =
  'No API key: set ANTHROPIC_API_KEY before starting Jupyter, or run ' +
  "`import os, getpass; os.environ['ANTHROPIC_API_KEY'] = getpass.getpass()` in a cell " +
  '(the key is typed into a prompt, so it is never written into the notebook).';

/** Map a kernel's reported status onto a phase, given whether the bridge is attached. */
export function phaseForKernel(
  kernelStatus: string | undefined,
  attached: boolean,
  fallback: Phase
): Phase {
  switch (kernelStatus) {
    case undefined:
    case 'unknown':
      return attached ? fallback : 'no-kernel';
    case 'starting':
      return 'starting';
    case 'restarting':
    case 'autorestarting':
      return 'restarting';
    case 'dead':
      return 'dead';
    default:
      return attached ? 'ready' : fallback;
  }
}

/** The status line for a notebook, and whether its panel can show. */
export function describe(input: IStatusInput): IStatus {
  const waitCell = 'Waiting for the running cell: this kernel cannot answer before it ends.';
  switch (input.phase) {
    case 'no-notebook':
      return { text: 'Open a notebook to talk with Claude about it.', level: 'info', showPanel: false };
    case 'no-kernel':
      return {
        text: 'This notebook has no kernel. Select a Python kernel to talk with Claude.',
        level: 'info',
        showPanel: false
      };
    case 'starting':
      return { text: 'The kernel is starting…', level: 'busy', showPanel: false };
    case 'connecting':
      return {
        text: input.busy ? waitCell : 'Connecting to the kernel…',
        level: 'busy',
        showPanel: false
      };
    case 'loading':
      return {
        text: input.busy
          ? 'Loading claude_magics in the kernel. ' + waitCell
          : 'Loading claude_magics in the kernel…',
        level: 'busy',
        showPanel: false
      };
    case 'not-python':
      return {
        text: "This notebook's kernel is not IPython: Claude works with Python kernels.",
        level: 'warning',
        showPanel: false
      };
    case 'not-installed':
      return {
        text:
          "claude_magics is not installed in this kernel's environment: run `%pip install claude_magics` " +
          'in a cell, then restart the kernel.' +
          (input.detail ? ` (${input.detail})` : ''),
        level: 'error',
        showPanel: false
      };
    case 'restarting':
      return {
        text: 'The kernel is restarting. The conversation comes back from the notebook when it is up.',
        level: 'busy',
        showPanel: false
      };
    case 'dead':
      return {
        text:
          'The kernel died. Restart it (Kernel › Restart Kernel) to go on; the conversation is kept in the notebook.',
        level: 'error',
        showPanel: false
      };
    case 'error':
      return {
        text: 'The sidebar could not reach claude_magics in the kernel' + (input.detail ? `: ${input.detail}` : '.'),
        level: 'error',
        showPanel: false
      };
    case 'ready':
      if (!input.hasKey) {
        return { text: input.keyHelp || NO_KEY_HELP, level: 'warning', showPanel: true };
      }
      if (input.busy) {
        return input.subshells
          ? { text: 'A cell is running; Claude still answers here.', level: 'info', showPanel: true }
          : {
              text: 'A cell is running: questions sent now wait for it (this kernel has no subshells).',
              level: 'busy',
              showPanel: true
            };
      }
      return { text: '', level: 'info', showPanel: true };
  }
}
