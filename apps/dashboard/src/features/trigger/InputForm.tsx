import '@mantine/dates/styles.css';
import Form from '@rjsf/mantine';
import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import { zodValidator } from './zod-validator';

interface InputFormProps {
  schema: RJSFSchema;
  value: unknown;
  onChange: (value: unknown) => void;
  /** Called with input that passed the schema; invalid input is never sent. */
  onSubmit: (value: unknown) => void;
  sending: boolean;
}

/**
 * A form generated from the workflow's inputSchema (@rjsf/mantine), checked by our zod
 * validator before anything is sent: a list of problems with their paths on top, each field's
 * own under it, focus on the first.
 */
export default function InputForm({ schema, value, onChange, onSubmit, sending }: InputFormProps) {
  const uiSchema: UiSchema = { 'ui:submitButtonOptions': { submitText: 'Run workflow', props: { disabled: sending } } };
  return (
    <Form
      schema={schema}
      uiSchema={uiSchema}
      validator={zodValidator}
      formData={value}
      onChange={(event) => onChange(event.formData)}
      onSubmit={(event) => onSubmit(event.formData)}
      // The validator said what is wrong; rjsf would also log it to the console.
      onError={() => undefined}
      noHtml5Validate
      showErrorList="top"
      focusOnFirstError
    />
  );
}
