import { cellPayload, hasError, isClaudeCell, keptOutput, usesClaude } from '../cells';
import { COMM_TARGET, hasSavedConversation, startCode } from '../saved';
import { describe as statusOf, phaseForKernel } from '../state';

describe('cellPayload', () => {
  it('keeps streams, errors, text and images, and drops HTML and widgets', () => {
    const outputs = [
      { output_type: 'stream', name: 'stdout', text: ['a\n', 'b\n'] },
      { output_type: 'display_data', data: { 'text/html': '<b>x</b>', 'image/png': 'iVBOR', 'text/plain': 'fig' } },
      { output_type: 'display_data', data: { 'application/vnd.jupyter.widget-view+json': { model_id: 'x' } } },
      { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['\u001b[31mT\u001b[0m'] }
    ];
    const payload = cellPayload('df.plot()', outputs, 3, 4);
    expect(payload.execution_count).toBe(3);
    expect(payload.index).toBe(4);
    expect(payload.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
      { output_type: 'display_data', data: { 'image/png': 'iVBOR', 'text/plain': 'fig' } },
      { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['\u001b[31mT\u001b[0m'] }
    ]);
    expect(hasError(outputs)).toBe(true);
    expect(hasError(outputs.slice(0, 2))).toBe(false);
  });

  it('has no execution count for a cell that never ran', () => {
    expect(cellPayload('x', [], null, 0).execution_count).toBeNull();
    expect(keptOutput(null)).toBeNull();
  });
});

describe('isClaudeCell', () => {
  it('knows a %%claude cell by its first line only', () => {
    expect(isClaudeCell('%%claude\nWhat is {df}?')).toBe(true);
    expect(isClaudeCell('%%claude -m haiku\nHi')).toBe(true);
    expect(isClaudeCell('%%claudex\nHi')).toBe(false);
    expect(isClaudeCell('x = 1\n%%claude')).toBe(false);
  });
});

describe('saved conversations', () => {
  it('only counts a blob with messages', () => {
    expect(hasSavedConversation(undefined)).toBe(false);
    expect(hasSavedConversation({ conversation: { messages: [] } })).toBe(false);
    expect(hasSavedConversation({ conversation: { messages: [{ role: 'user', content: 'x' }] } })).toBe(true);
  });

  it('passes the blob to Python as one string literal, whatever it holds', () => {
    const saved = { conversation: { messages: [{ role: 'user', content: 'quote " back \\ newline \n true null' }] } };
    const code = startCode(saved);
    expect(code).toMatch(/^__import__\('claude_magics\.ui\.lab\.bridge', fromlist=\['start'\]\)\.start\("/);
    const literal = code.slice(code.indexOf('(', 20) + 1, -1);
    expect(JSON.parse(JSON.parse(literal))).toEqual(saved);
    expect(startCode(undefined)).toMatch(/\.start\(None\)$/);
    expect(COMM_TARGET).toBe('claude_magics.lab');
  });
});

describe('sidebar states', () => {
  const base = { busy: false, subshells: true, hasKey: true };

  it('has a sentence for every state a person can meet', () => {
    for (const phase of [
      'no-notebook', 'no-kernel', 'starting', 'connecting', 'loading', 'not-python',
      'not-installed', 'restarting', 'dead', 'error'
    ] as const) {
      const status = statusOf({ ...base, phase });
      expect(status.text.length).toBeGreaterThan(10);
      expect(status.showPanel).toBe(false);
    }
    expect(statusOf({ ...base, phase: 'ready' })).toEqual({ text: '', level: 'info', showPanel: true });
  });

  it('says whether a running cell holds questions up', () => {
    expect(statusOf({ ...base, phase: 'ready', busy: true }).text).toMatch(/still answers/);
    const without = statusOf({ ...base, phase: 'ready', busy: true, subshells: false });
    expect(without.text).toMatch(/wait for it/);
    expect(statusOf({ ...base, phase: 'connecting', busy: true }).text).toMatch(/Waiting for the running cell/);
  });

  it('tells how to set a key without writing it into the notebook', () => {
    const status = statusOf({ ...base, phase: 'ready', hasKey: false });
    expect(status.text).toMatch(/getpass/);
    expect(status.text).not.toMatch(/sk-ant/);
    expect(status.showPanel).toBe(true);
  });

  it('maps kernel statuses', () => {
    expect(phaseForKernel(undefined, false, 'connecting')).toBe('no-kernel');
    expect(phaseForKernel('restarting', true, 'ready')).toBe('restarting');
    expect(phaseForKernel('autorestarting', true, 'ready')).toBe('restarting');
    expect(phaseForKernel('dead', true, 'ready')).toBe('dead');
    expect(phaseForKernel('busy', true, 'connecting')).toBe('ready');
    expect(phaseForKernel('idle', false, 'loading')).toBe('loading');
  });
});

describe('usesClaude', () => {
  it('sees Claude cells, lines and the extension loading, not other code', () => {
    expect(usesClaude('%%claude\nHi')).toBe(true);
    expect(usesClaude('df = load()\n%claude What is {df}?')).toBe(true);
    expect(usesClaude('%load_ext claude_magics')).toBe(true);
    expect(usesClaude('x = "%claude"')).toBe(false);
    expect(usesClaude('%load_ext claude_magicsx')).toBe(false);
    expect(usesClaude('%claudette hi')).toBe(false);
  });
});

