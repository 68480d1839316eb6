import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { createApiKeySchema, SCOPES, USER_ROLES, type UserRole } from '@visapi/contracts';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AppModule } from './app/app.module';
import { createApp } from './app/create-app';
import { ProblemException, zodErrors } from './platform/http/problem';
import { MagicLinksService } from './auth/magic-links.service';
import { UsersService } from './users/users.service';
import { RunsService } from './runs/runs.service';
import { WorkflowsService } from './workflows/workflows.service';
import { VERSION } from './app/version';
import { ConfigError, loadConfig } from './platform/config/config';
import { migrate } from './platform/db/migrate';
import { provideInfrastructure } from './platform/embedded/infrastructure';
import { buildOpenApiDocument } from './platform/http/openapi';
import { createLogger } from './platform/logger/logger';
import { closeRuntime, createRuntime, type Runtime } from './platform/runtime';
import { cryptoRotateCommand } from './key-rotation/rotate-command';
import { scheduleCommands } from './scheduler/schedule-commands';
import { seed } from './seed/seed';

interface Command {
  summary: string;
  options?: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  positionals?: string[];
  run(values: Record<string, string | boolean | string[] | undefined>, json: boolean, args: string[]): Promise<unknown>;
}

/** Runs fn with the same config, database and Redis as the server (embedded ones included). */
async function withRuntime<T>(fn: (runtime: ReturnType<typeof createRuntime>, databaseUrl: string) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const logger = createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const infra = await provideInfrastructure(config, logger);
  const runtime = createRuntime(config, logger, infra);
  try {
    return await fn(runtime, infra.databaseUrl);
  } finally {
    await closeRuntime(runtime);
    await infra.release();
  }
}

/** Runs fn against the gateway's services (no HTTP listener), as the API would. */
function withServices<T>(fn: (get: <S>(type: new (...args: never[]) => S) => S, runtime: Runtime) => Promise<T>): Promise<T> {
  return withRuntime(async (runtime) => {
    const context = await NestFactory.createApplicationContext(AppModule.forRole('gateway', runtime), { logger: false });
    try {
      return await fn((type) => context.get(type), runtime);
    } finally {
      await context.close();
    }
  });
}

const COMMANDS: Record<string, Command> = {
  migrate: {
    summary: 'apply pending database migrations (idempotent)',
    run: (_, json) =>
      withRuntime(async (runtime, url) => {
        const applied = await migrate(url, runtime.logger);
        return json ? { applied } : applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date';
      }),
  },
  seed: {
    summary: 'insert first-run data (idempotent): admin users from ADMIN_EMAILS',
    run: (_, json) =>
      withRuntime(async (runtime) => {
        const result = await seed(runtime);
        return json ? result : `admins: ${result.admins.join(', ') || '(none: set ADMIN_EMAILS)'}`;
      }),
  },
  'apikey:create': {
    summary: 'create an API key: --label L --scopes trigger,read_logs [--expires-in-days N]; prints the key once',
    options: { label: { type: 'string' }, scopes: { type: 'string' }, 'expires-in-days': { type: 'string' } },
    run: (values, json) => {
      const input = createApiKeySchema.safeParse({
        label: values.label,
        scopes: typeof values.scopes === 'string' ? values.scopes.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        expiresInDays: values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']),
      });
      if (!input.success) {
        const first = zodErrors(input.error)[0]!;
        const flag = { '$.label': '--label', '$.scopes': '--scopes', '$.expiresInDays': '--expires-in-days' }[first.path.replace(/\[\d+\]$/, '')] ?? first.path;
        throw new Error(`${flag}: ${first.message} (scopes: ${SCOPES.join(', ')}; expiry 1-365 days)`);
      }
      return withServices(async (get) => {
        const created = await get(ApiKeysService).create(input.data);
        if (json) return { id: created.id, prefix: created.prefix, key: created.key, scopes: created.scopes, expiresAt: created.expiresAt };
        return `${created.key}\n\nid ${created.id}, scopes ${created.scopes.join(',')}, expires ${created.expiresAt}.\nThis is the only time the key is shown: store it now.`;
      });
    },
  },
  'apikey:list': {
    summary: 'list API keys (never a secret)',
    run: (_, json) =>
      withServices(async (get) => {
        const items = [];
        let cursor: string | undefined;
        do {
          const page = await get(ApiKeysService).list(200, cursor);
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        if (json) return items;
        return items
          .map((k) => `${k.id}  ${k.prefix}  ${k.revokedAt ? 'revoked' : new Date(k.expiresAt) < new Date() ? 'expired' : 'active '}  ${k.label}  [${k.scopes.join(',')}]  last used ${k.lastUsedAt ?? 'never'}`)
          .join('\n') || '(no API keys)';
      }),
  },
  'apikey:revoke': {
    summary: 'revoke an API key: apikey:revoke ID',
    positionals: ['ID'],
    run: (_, json, [id]) => {
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('apikey:revoke takes the key id (a UUID; apikey:list shows them)');
      return withServices(async (get) => {
        await get(ApiKeysService).revoke(id);
        return json ? { revoked: id } : `revoked ${id}`;
      });
    },
  },
  'user:role': {
    summary: `set a dashboard user's role: user:role EMAIL ${USER_ROLES.join('|')}`,
    positionals: ['EMAIL', 'ROLE'],
    run: (_, json, [email, role]) => {
      if (!email || !role || !USER_ROLES.includes(role as UserRole)) throw new Error(`usage: visapi user:role EMAIL ${USER_ROLES.join('|')}`);
      return withServices(async (get) => {
        const user = await get(UsersService).setRoleByEmail(email, role as UserRole);
        return json ? user : `${user.email} is now ${user.role}`;
      });
    },
  },
  'workflow:import': {
    summary:
      'create a workflow from a definition file, or publish it as a new version of the active workflow of the same name (signed webhooks keep their stored secrets): workflow:import FILE',
    positionals: ['FILE'],
    run: async (_, json, [file]) => {
      if (!file) throw new Error('usage: visapi workflow:import FILE');
      let definition: unknown;
      try {
        definition = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
      }
      return withServices(async (get) => {
        const { workflow, created, unsigned } = await get(WorkflowsService).import(definition);
        if (json) return { id: workflow.id, name: workflow.name, version: workflow.version, created, unsigned };
        const notes = unsigned.map((key) => `webhook ${key} was signed in the file, which has no secret: it now takes API keys only; rotate-secret gives it a new one`);
        return [`${created ? 'created' : 'published'} "${workflow.name}" ${workflow.version} (${workflow.id})`, ...notes].join('\n');
      });
    },
  },
  'workflow:export': {
    summary: 'print the current definition of a workflow, signing secrets left out: workflow:export ID [--with-secrets]',
    options: { 'with-secrets': { type: 'boolean' } },
    positionals: ['ID'],
    run: (values, _json, [id]) => {
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('workflow:export takes the workflow id (a UUID)');
      return withServices(async (get) => JSON.stringify(await get(WorkflowsService).exportDefinition(id, values['with-secrets'] === true), null, 2));
    },
  },
  'dlq:list': {
    summary: 'list dead runs (newest first)',
    run: (_, json) =>
      withServices(async (get) => {
        const items = [];
        let cursor: string | undefined;
        do {
          const page = await get(RunsService).list({ status: 'dead', limit: 200, cursor });
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        if (json) return items;
        return items.map((r) => `${r.id}  ${r.workflowId}  ${r.createdAt}  ${r.error?.stepId ?? '-'}: ${r.error?.message ?? ''}`).join('\n') || '(no dead runs)';
      }),
  },
  'dlq:replay': {
    summary: 'replay dead runs: dlq:replay --run ID [--run ID ...] | --workflow ID | --all [--dry-run]',
    options: { run: { type: 'string', multiple: true }, workflow: { type: 'string' }, all: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
    run: (values, json) => {
      const runIds = values.run as string[] | undefined;
      const selectors = [runIds, values.workflow, values.all].filter((v) => v !== undefined);
      if (selectors.length !== 1) throw new Error('give exactly one of --run ID (repeatable), --workflow ID or --all');
      const uuid = /^[0-9a-f-]{36}$/i;
      if (runIds?.some((id) => !uuid.test(id)) || (typeof values.workflow === 'string' && !uuid.test(values.workflow))) throw new Error('run and workflow ids are UUIDs');
      return withServices(async (get) => {
        const filter = runIds ? { runIds } : typeof values.workflow === 'string' ? { workflowId: values.workflow } : { all: true };
        const result = await get(RunsService).replay(filter, { actorId: null, actorType: 'cli' }, values['dry-run'] === true);
        if (json) return { ...result, dryRun: values['dry-run'] === true };
        return values['dry-run'] ? `would replay ${result.replayed} run(s)${result.runIds.length ? `:\n${result.runIds.join('\n')}` : ''}` : `replayed ${result.replayed} run(s)`;
      });
    },
  },
  'auth:link': {
    summary: 'print a sign-in link for an existing user: auth:link EMAIL',
    positionals: ['EMAIL'],
    run: (_, json, [email]) => {
      if (!email) throw new Error('usage: visapi auth:link EMAIL');
      return withServices(async (get) => {
        const user = await get(UsersService).findByEmail(email);
        if (!user) throw new Error(`No user has the address ${email}: they appear after their first sign-in (or set ADMIN_EMAILS and run visapi seed)`);
        const link = await get(MagicLinksService).createLink(user.email);
        return json ? { email: user.email, link } : `${link}\n(works once, for 15 minutes)`;
      });
    },
  },
  'crypto:rotate': cryptoRotateCommand(withServices),
  ...scheduleCommands(withServices),
  openapi: {
    summary: 'print the OpenAPI 3.1 document (or write it with --out FILE)',
    options: { out: { type: 'string' } },
    run: async (values) => {
      const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
      const runtime = createRuntime(config, createLogger(config), {
        // Building the document touches neither: nothing connects until asked.
        databaseUrl: 'postgres://unused@127.0.0.1:1/unused',
        redisUrl: 'redis://127.0.0.1:1',
      });
      const app = await createApp(runtime, { role: 'gateway', init: false });
      const text = JSON.stringify(buildOpenApiDocument(app, VERSION), null, 2);
      await app.close();
      await closeRuntime(runtime);
      if (typeof values.out !== 'string') return text;
      fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
      fs.writeFileSync(values.out, `${text}\n`);
      return `wrote ${values.out}`;
    },
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(18)} ${c.summary}`);
  return `usage: visapi <command> [--json]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]) {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new ConfigError(`unknown command "${name}" (visapi help lists them)`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { json: { type: 'boolean' }, ...command.options },
    allowPositionals: (command.positionals?.length ?? 0) > 0,
  });
  if (positionals.length > (command.positionals?.length ?? 0)) throw new Error(`too many arguments for ${name}`);
  const result = await command.run(values, values.json === true, positionals);
  // Written out before the exit below: a write to a pipe that is full (more than 64 KB, the
  // OpenAPI document) is finished asynchronously, and process.exit would cut it short.
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(typeof result === 'string' ? `${result}\n` : `${JSON.stringify(result)}\n`, (error) => (error ? reject(error) : resolve())),
  );
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const fields = error instanceof ProblemException && error.errors?.length ? `: ${error.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : '';
    process.stderr.write(`visapi: ${(error instanceof Error ? error.message : String(error)).replace(/\.$/, '')}${fields}\n`);
    process.exit(1);
  },
);
