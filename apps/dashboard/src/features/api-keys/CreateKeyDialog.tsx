import { Button, Checkbox, Fieldset, Group, Modal, NumberInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { createApiKeySchema, SCOPES, type Scope } from '@visapi/contracts/auth';
import { type FormEvent, useState } from 'react';
import { useCreateApiKey } from '../../api/api-keys';
import { ErrorAlert } from '../../components/QueryState';
import { SCOPE_DESCRIPTIONS } from './scopes';
import { SecretView } from './SecretView';

type Field = 'label' | 'scopes' | 'expiresInDays' | 'rateLimit.burst' | 'rateLimit.perSecond';

/** What to fix, in the user's words; the contracts' schema decides what is wrong. */
const HINTS: Record<Field, string> = {
  label: 'Give the key a label of up to 100 characters.',
  scopes: 'Choose at least one scope.',
  expiresInDays: 'A whole number of days from 1 to 365.',
  'rateLimit.burst': 'A whole number from 1 to 100,000 (or leave both rate-limit fields empty).',
  'rateLimit.perSecond': 'A number above 0, up to 100,000 (or leave both rate-limit fields empty).',
};

const fieldOf = (path: PropertyKey[]): Field => (path[0] === 'rateLimit' && path.length > 1 ? `rateLimit.${String(path[1])}` : String(path[0])) as Field;
const blankToUndefined = (value: number | string) => (value === '' ? undefined : value);

/** The create form, then the new key, shown once. */
export function CreateKeyDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateApiKey();
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [days, setDays] = useState<number | string>(90);
  const [burst, setBurst] = useState<number | string>('');
  const [perSecond, setPerSecond] = useState<number | string>('');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});

  const close = () => {
    create.reset();
    setLabel('');
    setScopes([]);
    setDays(90);
    setBurst('');
    setPerSecond('');
    setErrors({});
    onClose();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const rateLimit = burst === '' && perSecond === '' ? undefined : { burst: blankToUndefined(burst), perSecond: blankToUndefined(perSecond) };
    const parsed = createApiKeySchema.safeParse({ label, scopes, expiresInDays: days, rateLimit });
    if (!parsed.success) {
      const found: Partial<Record<Field, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = fieldOf(issue.path);
        found[field] ??= HINTS[field] ?? issue.message;
      }
      setErrors(found);
      return;
    }
    setErrors({});
    create.mutate(parsed.data);
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={create.data ? 'Your new API key' : 'Create an API key'}
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
      closeOnClickOutside={!create.data}
    >
      {create.data ? (
        <SecretView created={create.data} onDone={close} />
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label="Label"
              description="What or who uses the key, e.g. partner-portal"
              required
              value={label}
              onChange={(e) => setLabel(e.currentTarget.value)}
              error={errors.label}
            />
            <Checkbox.Group
              label="Scopes"
              description="What the key may do. Give it only what it needs."
              required
              value={scopes}
              onChange={(value) => setScopes(value as Scope[])}
              error={errors.scopes}
            >
              <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs" spacing="xs">
                {SCOPES.map((scope) => (
                  <Checkbox key={scope} value={scope} label={scope} description={SCOPE_DESCRIPTIONS[scope]} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <NumberInput
              label="Expires in (days)"
              description="From 1 to 365"
              required
              min={1}
              max={365}
              allowDecimal={false}
              clampBehavior="none"
              value={days}
              onChange={setDays}
              error={errors.expiresInDays}
            />
            <Fieldset legend="Rate limit (optional)" variant="unstyled">
              <Text size="xs" c="dimmed" mb="xs">
                Leave both empty for the default: bursts of 200, refilled at 2 requests per second.
              </Text>
              <Group grow align="flex-start">
                <NumberInput
                  label="Burst"
                  min={1}
                  max={100_000}
                  allowDecimal={false}
                  clampBehavior="none"
                  value={burst}
                  onChange={setBurst}
                  error={errors['rateLimit.burst']}
                />
                <NumberInput
                  label="Requests per second"
                  min={0}
                  max={100_000}
                  clampBehavior="none"
                  value={perSecond}
                  onChange={setPerSecond}
                  error={errors['rateLimit.perSecond']}
                />
              </Group>
            </Fieldset>
            {create.error && <ErrorAlert title="Key not created" error={create.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
