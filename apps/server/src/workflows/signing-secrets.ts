import { randomBytes } from 'node:crypto';
import type { ProblemFieldError, WorkflowDefinition, WorkflowDefinitionInput, WorkflowDefinitionView, WorkflowTrigger } from '@visapi/contracts';

/**
 * Webhook signing secrets (SPEC §3.3, §5.1). They live in a version's definition, where the
 * catalog reads them to verify signatures, and never leave the server again: every read of a
 * definition goes through withoutSecrets(), every write through withStoredSecrets(), and a new
 * secret comes only from rotate-secret, shown once.
 */

/** The definition as every read shows it: each webhook secret replaced by `signed: true`. */
export function withoutSecrets(definition: WorkflowDefinition): WorkflowDefinitionView {
  if (!definition.triggers) return definition as WorkflowDefinitionView;
  return {
    ...definition,
    triggers: definition.triggers.map((trigger) => {
      if (trigger.type !== 'webhook') return trigger;
      const { signingSecret, signed: _mirror, ...rest } = trigger as typeof trigger & { signed?: unknown };
      return signingSecret ? { ...rest, signed: true as const } : rest;
    }),
  };
}

/**
 * What to do with `signed: true` on a trigger that has no secret to keep: refuse (the API, so
 * nobody believes a trigger is signed when it is not), or store it unsigned and say so (an
 * import of an export made without secrets).
 */
export type MissingSecret = 'refuse' | 'unsign';

export interface StoredSecrets {
  definition: WorkflowDefinition;
  errors: ProblemFieldError[];
  /** Keys of triggers that said `signed: true` but were stored unsigned (MissingSecret 'unsign'). */
  unsigned: string[];
}

/**
 * The definition to store from one as written. A webhook trigger's `signingSecret` is stored
 * as given; without one, the trigger keeps the secret of the current version's trigger with the
 * same key (so a definition read without secrets can be published back), unless it says
 * `signed: false`, which removes it. `signed` itself is never stored: it only mirrors the
 * secret's presence.
 */
export function withStoredSecrets(input: WorkflowDefinitionInput, current: WorkflowDefinition | undefined, missing: MissingSecret = 'refuse'): StoredSecrets {
  const kept = new Map((current?.triggers ?? []).flatMap((t) => (t.type === 'webhook' && t.signingSecret ? [[t.key, t.signingSecret] as const] : [])));
  const errors: ProblemFieldError[] = [];
  const unsigned: string[] = [];
  const triggers = input.triggers?.map((trigger, i): WorkflowTrigger => {
    if (trigger.type !== 'webhook') return trigger;
    const { signed, signingSecret, ...rest } = trigger as typeof trigger & { signed?: boolean };
    if (signingSecret) return { ...rest, signingSecret };
    const secret = signed === false ? undefined : kept.get(trigger.key);
    if (secret) return { ...rest, signingSecret: secret };
    if (signed === true) {
      if (missing === 'unsign') unsigned.push(trigger.key);
      else
        errors.push({
          path: `$.triggers[${i}].signed`,
          message: `is true, but webhook "${trigger.key}" has no signing secret to keep: set signingSecret, or leave signed out and call POST /api/v1/workflows/{id}/webhooks/${trigger.key}/rotate-secret`,
        });
    }
    return rest;
  });
  return { definition: { ...input, ...(triggers ? { triggers } : {}) } as WorkflowDefinition, errors, unsigned };
}

/** `signingSecret` beside `signed: false` says two things at once: refused before anything is looked up. */
export function contradictorySigning(input: WorkflowDefinitionInput): ProblemFieldError[] {
  return (input.triggers ?? []).flatMap((trigger, i) =>
    trigger.type === 'webhook' && trigger.signingSecret && (trigger as { signed?: boolean }).signed === false
      ? [{ path: `$.triggers[${i}].signed`, message: 'is false beside a signingSecret: give the secret (to sign) or signed: false (to stop signing), not both' }]
      : [],
  );
}

/** A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The stored definition with webhook `key`'s secret replaced, as `version`; undefined when it has no such trigger. */
export function withRotatedSecret(definition: WorkflowDefinition, key: string, secret: string, version: string): WorkflowDefinition | undefined {
  if (!definition.triggers?.some((t) => t.type === 'webhook' && t.key === key)) return undefined;
  return {
    ...definition,
    version,
    triggers: definition.triggers.map((t) => (t.type === 'webhook' && t.key === key ? { ...t, signingSecret: secret } : t)),
  };
}
