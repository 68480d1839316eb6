import { Alert, Button, Group, List, SegmentedControl, Text, useComputedColorScheme } from '@mantine/core';
import { useDeferredValue, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import CodeEditor from './CodeEditor';
import { checkDefinition, type DefinitionCheck, type DefinitionFormat, jsonText, type TextFormat } from './definition-validation';
import { loadedYamlEditing, loadYamlEditing } from './load-yaml';

interface Props {
  initial: unknown;
  saving: boolean;
  saveError: unknown;
  onSave: (definition: unknown) => void;
  format: DefinitionFormat;
  onFormatChange: (format: DefinitionFormat) => void;
  /** Focus the editor when it opens (the "Edit definition" button it replaces is gone). */
  autoFocus?: boolean;
}

const FORMATS = [
  { value: 'json', label: 'JSON' },
  { value: 'yaml', label: 'YAML' },
];

function check(text: string, format: TextFormat): { parses: boolean; result: DefinitionCheck } {
  const parsed = format.parse(text);
  return parsed.ok ? { parses: true, result: checkDefinition(parsed.value) } : { parses: false, result: { ok: false, problems: [parsed.problem] } };
}

/**
 * The admin's editor of the definition, as JSON or YAML (CodeMirror and the schema in this chunk,
 * loaded when the admin presses "Edit definition"; YAML in its own), checked as you type; saved as
 * a new version, always sent as JSON.
 */
export function DefinitionEditor({ initial, saving, saveError, onSave, format: wanted, onFormatChange, autoFocus }: Props) {
  const [yaml, setYaml] = useState(loadedYamlEditing);
  const format: DefinitionFormat = wanted === 'yaml' && yaml ? 'yaml' : 'json';
  const codec = format === 'yaml' ? yaml!.text : jsonText;
  const language = useMemo(() => (format === 'yaml' ? yaml!.language() : undefined), [format, yaml]);
  const original = useMemo(() => codec.print(initial), [codec, initial]);
  // A shade per scheme that keeps WCAG AA contrast on its background.
  const validColor = useComputedColorScheme('light') === 'dark' ? 'teal.4' : 'teal.9';
  const [text, setText] = useState(original);
  const [switching, setSwitching] = useState(false);
  const typed = useMemo(() => ({ text, codec }), [text, codec]);
  const deferred = useDeferredValue(typed);
  const { parses, result } = useMemo(() => check(deferred.text, deferred.codec), [deferred]);
  const changed = text !== original;
  const serverProblems = saveError instanceof ApiError ? (saveError.problem?.errors ?? []) : [];
  const formatName = format === 'json' ? 'JSON' : 'YAML';

  const switchFormat = async (next: DefinitionFormat) => {
    const parsed = codec.parse(text);
    if (next === format || !parsed.ok) return;
    setSwitching(true);
    try {
      const loaded = next === 'yaml' ? await loadYamlEditing() : undefined;
      const target = loaded?.text ?? jsonText;
      if (loaded) setYaml(loaded);
      setText(target.print(parsed.value));
      onFormatChange(next);
    } finally {
      setSwitching(false);
    }
  };
  const save = () => {
    // What is on screen now, not the deferred check of a moment ago.
    const now = check(text, codec).result;
    if (now.ok) onSave(now.definition);
  };

  return (
    <section aria-labelledby="definition-title">
      <Group justify="space-between" mb="xs">
        <Group gap="sm">
          <Text id="definition-title" fw={600}>
            Definition
          </Text>
          <SegmentedControl
            size="xs"
            aria-label="Definition format"
            value={format}
            onChange={(value) => void switchFormat(value as DefinitionFormat)}
            data={FORMATS}
            disabled={!parses || switching}
          />
        </Group>
        <Group gap="xs">
          <Button variant="default" size="xs" disabled={!changed || saving} onClick={() => setText(original)}>
            Discard changes
          </Button>
          <Button size="xs" disabled={!changed || !result.ok} loading={saving} onClick={save}>
            Save as new version
          </Button>
        </Group>
      </Group>
      <div id="definition-status">
        {result.ok ? (
          <Text size="sm" c={validColor} mb="xs" role="status">
            Valid definition{changed ? ' — not saved yet' : ''}
          </Text>
        ) : (
          <Alert color="red" mb="xs" title={`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`} role="status">
            <List size="sm">
              {result.problems.map((p) => (
                <List.Item key={`${p.path} ${p.message}`}>
                  <code>{p.path}</code> {p.message}
                </List.Item>
              ))}
            </List>
            {!parses && (
              <Text size="sm" mt="xs">
                Fix the {formatName} syntax to switch format.
              </Text>
            )}
          </Alert>
        )}
      </div>
      {saveError instanceof Error && (
        <Alert color="red" mb="xs" title="Not saved">
          {saveError.message}
          {serverProblems.length > 0 && (
            <List size="sm" mt="xs">
              {serverProblems.map((p) => (
                <List.Item key={`${p.path} ${p.message}`}>
                  <code>{p.path}</code> {p.message}
                </List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
      <Text id="definition-keys" size="xs" c="dimmed" mb={4}>
        Tab moves on to the next control; Ctrl-] and Ctrl-[ indent. Saved as JSON whichever format you edit.
      </Text>
      <CodeEditor
        value={text}
        onChange={setText}
        language={language}
        label={`Workflow definition (${formatName})`}
        describedBy="definition-keys definition-status"
        autoFocus={autoFocus}
      />
    </section>
  );
}
