import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from './app/create-app';
import { VERSION } from './app/version';
import { ConfigError, loadConfig } from './platform/config/config';
import { migrate } from './platform/db/migrate';
import { provideInfrastructure } from './platform/embedded/infrastructure';
import { buildOpenApiDocument } from './platform/http/openapi';
import { createLogger } from './platform/logger/logger';
import { closeRuntime, createRuntime } from './platform/runtime';
import { seed } from './seed/seed';

interface Command {
  summary: string;
  options?: Record<string, { type: 'string' | 'boolean' }>;
  run(values: Record<string, string | boolean | undefined>, json: boolean): Promise<unknown>;
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
      const app = await createApp(runtime, { role: 'gateway' });
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
  const { values } = parseArgs({
    args: rest,
    options: { json: { type: 'boolean' }, ...command.options },
    allowPositionals: false,
  });
  const result = await command.run(values, values.json === true);
  process.stdout.write(typeof result === 'string' ? `${result}\n` : `${JSON.stringify(result)}\n`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`visapi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
