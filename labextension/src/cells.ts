/**
 * A notebook cell as the kernel needs it for "Ask Claude about this cell": pure data.
 *
 * Only what the question can use crosses the comm: the source, streams, errors, text
 * results and images (already base64 in nbformat). HTML, widget and JavaScript outputs
 * are left out: they are large, and model input should be what the person saw as text
 * or picture.
 */

export interface ICellPayload {
  source: string;
  outputs: any[];
  execution_count: number | null;
  index: number;
  language: string;
}

const KEPT_DATA = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain'];

function joined(value: unknown): string {
  return Array.isArray(value) ? value.join('') : typeof value === 'string' ? value : '';
}

/** One nbformat output trimmed to what a question about the cell can use, or null. */
export function keptOutput(output: any): any | null {
  if (!output || typeof output !== 'object') {
    return null;
  }
  switch (output.output_type) {
    case 'stream':
      return { output_type: 'stream', name: output.name || 'stdout', text: joined(output.text) };
    case 'error':
      return {
        output_type: 'error',
        ename: String(output.ename || 'Error'),
        evalue: String(output.evalue || ''),
        traceback: Array.isArray(output.traceback) ? output.traceback.map(String) : []
      };
    case 'execute_result':
    case 'display_data': {
      const data: Record<string, string> = {};
      for (const mime of KEPT_DATA) {
        if (output.data && mime in output.data) {
          data[mime] = joined(output.data[mime]);
        }
      }
      return Object.keys(data).length ? { output_type: output.output_type, data } : null;
    }
    default:
      return null;
  }
}

/** The payload for one cell: its source, kept outputs, execution count and position. */
export function cellPayload(
  source: string,
  outputs: any[],
  executionCount: number | null | undefined,
  index: number,
  language = 'python'
): ICellPayload {
  return {
    source,
    outputs: (outputs || []).map(keptOutput).filter(o => o !== null),
    execution_count: typeof executionCount === 'number' ? executionCount : null,
    index,
    language
  };
}

/** Whether the outputs hold an error (for "Explain this error"). */
export function hasError(outputs: any[]): boolean {
  return (outputs || []).some(o => o && o.output_type === 'error');
}

/** Whether a cell's source is a `%%claude` cell (its prompt is Markdown, not Python). */
export function isClaudeCell(source: string): boolean {
  return /^%%claude(?:\s|$)/.test(source);
}

/**
 * Whether running a cell talks to Claude: a `%%claude` cell, a `%claude` line, or loading the
 * extension. Such a notebook's conversation is kept in its metadata even with the sidebar closed.
 */
export function usesClaude(source: string): boolean {
  return /^[ \t]*(?:%%?claude(?:\s|$)|%load_ext[ \t]+claude_magics\b)/m.test(source);
}
