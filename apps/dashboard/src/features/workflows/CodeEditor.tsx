import { json } from '@codemirror/lang-json';
import { useComputedColorScheme } from '@mantine/core';
import CodeMirror, { EditorView, type Extension, Prec } from '@uiw/react-codemirror';
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
  autoFocus?: boolean;
}

/**
 * Focus ring and gutter colours with AA contrast in both schemes (CodeMirror's grey line numbers
 * read at 2.6:1, One Dark's at 3.9:1); above the light and dark themes.
 */
const mantineLook = Prec.highest(
  EditorView.theme({
    '&': { fontSize: '13px', border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)' },
    '&.cm-focused': { outline: '2px solid var(--mantine-primary-color-filled)', outlineOffset: '2px' },
    '.cm-gutters': { color: 'var(--mantine-color-dimmed)', backgroundColor: 'var(--mantine-color-default)', borderRight: '1px solid var(--mantine-color-default-border)' },
    '.cm-scroller': { fontFamily: 'var(--mantine-font-family-monospace)' },
  }),
);

/** In dark, a darker ground than One Dark's, on which its coral property names reach 4.9:1 (no active-line band, which would take them below 4.5:1). */
const darkGround = Prec.highest(
  EditorView.theme({ '&': { backgroundColor: 'var(--mantine-color-dark-8)' }, '.cm-gutters': { backgroundColor: 'var(--mantine-color-dark-8)' } }, { dark: true }),
);

/**
 * CodeMirror for the definition, in its own chunk. Tab is left to the browser (it moves focus
 * out of the editor, as in any form); indentation follows Enter, or Ctrl-] / Ctrl-[.
 */
export default function CodeEditor({ value, onChange, language, label, describedBy, autoFocus }: Props) {
  const dark = useComputedColorScheme('light') === 'dark';
  const extensions = useMemo(
    () => [
      language ?? json(),
      mantineLook,
      ...(dark ? [darkGround] : []),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': label, ...(describedBy ? { 'aria-describedby': describedBy } : {}) }),
    ],
    [language, label, describedBy, dark],
  );
  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      extensions={extensions}
      autoFocus={autoFocus}
      indentWithTab={false}
      theme={dark ? 'dark' : 'light'}
      basicSetup={{ autocompletion: false, highlightActiveLine: false, highlightActiveLineGutter: false }}
      minHeight="240px"
      maxHeight="70vh"
    />
  );
}
