import './form-styles.css';
import { Alert, List } from '@mantine/core';
import Form from '@rjsf/mantine';
import type { ErrorListProps, RJSFSchema, UiSchema } from '@rjsf/utils';
import { zodValidator } from './zod-validator';

/** The problems above the form, each with its path; in the page's text colour (the theme's red list is below AA contrast). */
function ErrorList({ errors }: ErrorListProps) {
  return (
    <Alert color="red" title="The input was not sent: fix these first" role="alert" mb="md">
      <List size="sm">
        {errors.map((error) => (
          <List.Item key={error.stack}>{error.stack}</List.Item>
        ))}
      </List>
    </Alert>
  );
}

/** Required fields first: the stored schema's property order is not the author's (PostgreSQL's jsonb sorts keys). */
function uiSchemaFor(schema: RJSFSchema, sending: boolean): UiSchema {
  const required = Array.isArray(schema.required) ? schema.required.filter((k) => schema.properties?.[k] !== undefined) : [];
  return {
    ...(schema.properties && required.length > 0 ? { 'ui:order': [...required, '*'] } : {}),
    'ui:submitButtonOptions': { submitText: 'Run workflow', props: { disabled: sending } },
  };
}

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
  return (
    <Form
      schema={schema}
      uiSchema={uiSchemaFor(schema, sending)}
      templates={{ ErrorListTemplate: ErrorList }}
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
