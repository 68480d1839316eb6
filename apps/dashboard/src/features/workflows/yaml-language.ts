/** CodeMirror's YAML language in its own chunk: loaded only when an admin edits in YAML. */
export { yaml as yamlLanguage } from '@codemirror/lang-yaml';
