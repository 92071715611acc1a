import { readRepoFile } from './repo';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export const DOCKERFILE = ['deploy', 'docker', 'Dockerfile'] as const;

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending !== '' && line.startsWith('#')) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`;
    pending = '';
    const m = /^(\S+)\s*(.*)$/.exec(full)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, line: start });
  });
  return out;
}

/** Build stages of deploy/docker/Dockerfile (`FROM <image> AS <name>`), in order. */
export function dockerfileStages(text = readRepoFile(...DOCKERFILE)): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      stages.push({ from: m[1]!, name: m[2] ?? `#${stages.length}`, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return stages;
}

/** Instructions before the first FROM (global ARGs). */
export function globalArgs(text = readRepoFile(...DOCKERFILE)): Record<string, string> {
  const args: Record<string, string> = {};
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') break;
    if (ins.keyword === 'ARG') {
      const [name, value] = ins.args.split('=');
      args[name!] = value ?? '';
    }
  }
  return args;
}

/**
 * Whether the build context sends `path`, following .dockerignore rules: Go filepath.Match
 * patterns plus `**`, a match on a folder covers what is inside, `!` re-includes, the last
 * matching pattern wins.
 */
export function dockerignoreSends(ignoreFile: string, path: string): boolean {
  const patterns = ignoreFile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let sent = true;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+/, '').replace(/\/+$/, '');
    const re = new RegExp(
      `^${pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((tok) => {
          if (tok === '**/') return '(?:.*/)?';
          if (tok === '**') return '.*';
          if (tok === '*') return '[^/]*';
          if (tok === '?') return '[^/]';
          return tok.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('')}$`,
    );
    if (candidates.some((c) => re.test(c))) sent = negated;
  }
  return sent;
}

/** The JSON (exec) form of CMD/ENTRYPOINT/RUN, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  try {
    const value = JSON.parse(args) as unknown;
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}
