import { Injectable } from '@nestjs/common';
import type { PutTemplate, Template, TemplateChannel } from '@visapi/contracts';
import { actor, type Principal } from '../platform/http/principal';
import { templateSyntaxError } from '../engine/templating';
import { LogService } from '../logs/log-write.service';
import { ProblemException } from '../platform/http/problem';
import { TemplateRegistry } from './template-registry';
import { type TemplateRow, TemplatesRepository } from './templates.repository';

/** The admin side of the template registry (SPEC §8): list, create or version, audited. */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly repository: TemplatesRepository,
    private readonly registry: TemplateRegistry,
    private readonly logs: LogService,
  ) {}

  async list(filter: { name?: string; channel?: TemplateChannel; locale?: string }): Promise<{ items: Template[] }> {
    return { items: (await this.repository.list(filter)).map(toTemplate) };
  }

  async put(input: PutTemplate, by?: Principal): Promise<Template & { created: boolean }> {
    const errors = [
      ...this.syntaxErrors('$.body', input.body),
      ...(input.subject ? this.syntaxErrors('$.subject', input.subject) : []),
    ];
    if (errors.length > 0) throw new ProblemException('validation', 'The template does not parse.', errors);
    if (input.channel === 'email' && !input.subject) {
      throw new ProblemException('validation', 'E-mail templates need a subject.', [{ path: '$.subject', message: 'required for channel email' }]);
    }
    const who = actor(by);
    const row = await this.repository.upsert(input, who.actorType === 'user' ? who.actorId : null);
    await this.registry.changed();
    this.logs.audit({
      actorId: who.actorId,
      action: row.created ? 'template.created' : 'template.updated',
      target: `template:${row.name}/${row.channel}/${row.locale}`,
      details: { actorType: who.actorType, version: row.version },
    });
    return { ...toTemplate(row), created: row.created };
  }

  private syntaxErrors(path: string, text: string) {
    const message = templateSyntaxError(text);
    return message ? [{ path, message }] : [];
  }

}

function toTemplate(row: TemplateRow): Template {
  return {
    id: row.id,
    name: row.name,
    channel: row.channel,
    locale: row.locale,
    subject: row.subject,
    body: row.body,
    providerRef: row.provider_ref,
    version: row.version,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at.toISOString(),
  };
}
