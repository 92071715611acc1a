import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..', '..');
export const CHART = join(ROOT, 'k8s', 'cleargate');

export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);
export const readRepoFile = (...parts: string[]): string => readFileSync(repoPath(...parts), 'utf8');

export interface AppProject {
  /** The Nx project name, which is also the image and Helm component name. */
  name: string;
  /** The command of its `serve` target, e.g. `node dist/apps/registry/src/main.js`. */
  serve: string;
}

/** Every service under apps/ (a project.json with a `serve` target). */
export function appProjects(): AppProject[] {
  return readdirSync(repoPath('apps'))
    .filter((dir) => existsSync(repoPath('apps', dir, 'project.json')))
    .map((dir) => {
      const project = JSON.parse(readRepoFile('apps', dir, 'project.json')) as {
        name: string;
        targets?: Record<string, { options?: { command?: string } }>;
      };
      return { name: project.name, serve: project.targets?.serve?.options?.command ?? '' };
    })
    .filter((p) => p.serve !== '')
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The command of the registry's `migrate` target: what the chart's job and the compose file run. */
export function migrateCommand(): string[] {
  const project = JSON.parse(readRepoFile('apps', 'registry', 'project.json')) as {
    targets: Record<string, { options: { command: string } }>;
  };
  return project.targets.migrate!.options.command.split(/\s+/);
}
