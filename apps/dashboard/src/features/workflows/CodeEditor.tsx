import { json } from '@codemirror/lang-json';
import { useComputedColorScheme } from '@mantine/core';
import CodeMirror, { EditorView, type Extension } from '@uiw/react-codemirror';
import { useMemo } from 'react';

interface Props {
  value: string;
  onChange: (value: string) => void;
  /** The language's CodeMirror support; JSON unless given (YAML's comes with its lazy chunk). */
  language?: Extension;
  /** The textbox's accessible name. */
  label: string;
  /** Ids of the texts that describe the editor (keyboard hint, problems). */
  describedBy?: string;
  readOnly: boolean;
}

/** Focus ring and gutter colours with AA contrast in both schemes (CodeMirror's grey line numbers have 2.6:1). */
const mantineLook = EditorView.theme({
  '&': { fontSize: '13px', border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)' },
  '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)', outlineOffset: '2px' },
  '.cm-gutters': { color: 'var(--mantine-color-dimmed)', backgroundColor: 'var(--mantine-color-default)', borderRight: '1px solid var(--mantine-color-default-border)' },
  '.cm-scroller': { fontFamily: 'var(--mantine-font-family-monospace)' },
});

/**
 * CodeMirror for the definition, in its own chunk. Tab is left to the browser (it moves focus
 * out of the editor, as in any form); indentation follows Enter, or Ctrl-] / Ctrl-[.
 */
export default function CodeEditor({ value, onChange, language, label, describedBy, readOnly }: Props) {
  const scheme = useComputedColorScheme('light');
  const extensions = useMemo(
    () => [
      language ?? json(),
      mantineLook,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': label, ...(describedBy ? { 'aria-describedby': describedBy } : {}) }),
    ],
    [language, label, describedBy],
  );
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      extensions={extensions}
      readOnly={readOnly}
      indentWithTab={false}
      theme={scheme === 'dark' ? 'dark' : 'light'}
      basicSetup={{ autocompletion: false, searchKeymap: true }}
      minHeight="240px"
      maxHeight="70vh"
    />
  );
}
