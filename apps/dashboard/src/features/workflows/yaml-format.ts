import { parseDocument, stringify } from 'yaml';
import type { ParsedText, TextFormat } from './definition-validation';

/** YAML, in its own chunk: loaded only when someone picks it (its CodeMirror language is yaml-language.ts). */
export const yamlText: TextFormat = {
  parse: parseYaml,
  print: (value) => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }),
};

function parseYaml(text: string): ParsedText {
  const document = parseDocument(text, { uniqueKeys: true });
  const error = document.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    // The library's message ends with the position and a snippet of the text; say the position once.
    const what = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { ok: false, problem: { path: '$', message: at ? `not valid YAML at line ${at.line}, column ${at.col}: ${what}` : `not valid YAML: ${what}` } };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: 100 }) };
  } catch (thrown) {
    return { ok: false, problem: { path: '$', message: `not valid YAML: ${(thrown as Error).message}` } };
  }
}
