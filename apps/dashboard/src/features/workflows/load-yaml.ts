import type { Extension } from '@uiw/react-codemirror';
import type { TextFormat } from './definition-validation';

/*
 * YAML's printer and parser (the `yaml` package) and CodeMirror's YAML language, each in its own
 * chunk, loaded the first time someone picks YAML and kept for every view and editor after
 * (a saved version remounts the editor). Readers load only the printer.
 */
let text: TextFormat | undefined;
let language: (() => Extension) | undefined;

export const loadedYamlText = () => text;
export const loadYamlText = async () => (text ??= (await import('./yaml-format')).yamlText);

/** What the editor needs for YAML: the text format and its language, or undefined until both are loaded. */
export const loadedYamlEditing = () => (text && language ? { text, language } : undefined);
export async function loadYamlEditing() {
  const loadLanguage = async () => (language ??= (await import('./yaml-language')).yamlLanguage);
  const [loadedText, loadedLanguage] = await Promise.all([loadYamlText(), loadLanguage()]);
  return { text: loadedText, language: loadedLanguage };
}
