/**
 * Just enough of a Dockerfile parser for static checks: stages with their base image (global
 * ARG defaults substituted), ENV pairs, EXPOSE ports, exec-form CMD/ENTRYPOINT/HEALTHCHECK,
 * USER and COPY lines.
 */
export interface Stage {
  name: string;
  from: string;
  env: Record<string, string>;
  expose: number[];
  user?: string;
  cmd?: string[];
  entrypoint?: string[];
  healthcheck?: string[];
  copies: string[];
}

export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const stage = stages.at(-1);
    switch (keyword.toUpperCase()) {
      case 'ARG': {
        const [name, value] = rest.split('=');
        if (!stage && name) args[name] = value ?? '';
        break;
      }
      case 'FROM': {
        const [image = '', , name] = rest.split(/\s+/);
        const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? '');
        stages.push({ name: name ?? String(stages.length), from, env: {}, expose: [], copies: [] });
        break;
      }
      case 'ENV':
        for (const match of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage!.env[match[1]!] = match[2]!.replace(/^"|"$/g, '');
        break;
      case 'EXPOSE':
        stage!.expose.push(...rest.split(/\s+/).map((p) => Number(p.split('/')[0])));
        break;
      case 'USER':
        stage!.user = rest;
        break;
      case 'CMD':
        stage!.cmd = JSON.parse(rest) as string[];
        break;
      case 'ENTRYPOINT':
        stage!.entrypoint = JSON.parse(rest) as string[];
        break;
      case 'HEALTHCHECK': {
        const at = rest.indexOf('CMD ');
        stage!.healthcheck = JSON.parse(rest.slice(at + 4)) as string[];
        break;
      }
      case 'COPY':
        stage!.copies.push(rest);
        break;
    }
  }
  return { args, stages };
}

/** The port and path of the health URL a `node -e` health check asks for. */
export function healthTarget(command: string[]): { port: number; path: string; portVariable?: string } | undefined {
  const script = command.join(' ');
  const url = /https?:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(script);
  if (url) return { port: Number(url[1]), path: url[2]! };
  const object = /port:process\.env\.(\w+)\|\|(\d+),path:'(\/\w+)'/.exec(script);
  return object ? { port: Number(object[2]), path: object[3]!, portVariable: object[1]! } : undefined;
}
