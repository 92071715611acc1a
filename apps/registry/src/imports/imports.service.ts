import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError, ImportProblem, ImportSource, RpcParsed, TIMEOUT_MS_DEFAULT, utilsImport } from '@cleargate/contracts';
import { InjectLogger, Logger } from '@cleargate/observability';
import { EndpointEntity } from '../endpoints/endpoint.entity';
import { toRoutingEndpoint } from '../endpoints/endpoints.service';
import { ChangeEvents } from '../events/change-events';
import { MachineEntity } from '../machines/machine.entity';
import { toRoutingMachine } from '../machines/machines.service';
import { TaskTemplateEntity } from '../tasks/task-template.entity';
import { ImportsRepository } from './imports.repository';

type Request = RpcParsed<typeof utilsImport>;
type Table = NonNullable<ImportProblem['table']>;

const NOBODY = { users: [], roles: [], groups: [] };

const at = (source: ImportSource) => `${source.file}:${source.line}`;

/** ClearML Utils named no machine: a new one is named after its serving task unless the export names it. */
export const importedMachineName = (row: { name?: string | undefined; serving_task_id: string }) =>
  row.name ?? `serving-${row.serving_task_id}`;

/**
 * Brings ClearML Utils' machines, endpoints and tasks into the registry under the public ids
 * their users hold. Checks every row against the others and against the registry first; any
 * problem refuses the whole import with every bad row named; otherwise writes all new rows in
 * one transaction and then tells the routers, as a create through the API does. Rows already
 * registered under their id are left alone, so running the same import again changes nothing.
 * Imported endpoints and tasks are public: ClearML Utils let every Snap4City user call them.
 */
@Injectable()
export class ImportsService {
  constructor(
    private readonly repository: ImportsRepository,
    private readonly events: ChangeEvents,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async importUtils(request: Request, correlationId?: string) {
    const { caller } = request;
    if (!caller.admin) throw new AppError('forbidden', 'only administrators may import');
    const owner = request.owner ?? caller.username;
    const problems: ImportProblem[] = [];
    const refuse = (table: Table, source: ImportSource, reason: string) =>
      problems.push({ file: source.file, line: source.line, table, reason });

    const registered = await this.repository.registered(
      [
        ...new Set([
          ...request.machines.map((m) => m.machine_id),
          ...request.endpoints.map((e) => e.machine_id),
          ...request.tasks.map((t) => t.task_id),
        ]),
      ],
      [...new Set(request.machines.map(importedMachineName))],
    );
    const machineById = new Map(registered.machines.map((m) => [m.publicId, m]));
    const machineByName = new Map(registered.machines.map((m) => [m.name, m]));
    const taskById = new Map(registered.tasks.map((t) => [t.publicId, t]));
    const endpointKeys = new Set(registered.endpoints.map((e) => `${e.machineId} ${e.name}`));

    // Machines: the first row of each id, serving task and name counts; the rest are refused.
    const machineRows = new Map<string, ImportSource>();
    const servingRows = new Map<string, ImportSource>();
    const nameRows = new Map<string, ImportSource>();
    /** Machines endpoints may name: those of good rows, new or already registered. */
    const machines = new Map<string, MachineEntity>();
    const newMachines: MachineEntity[] = [];
    let machinesUnchanged = 0;
    for (const row of request.machines) {
      const first = machineRows.get(row.machine_id) ?? servingRows.get(row.serving_task_id);
      machineRows.set(row.machine_id, machineRows.get(row.machine_id) ?? row.at);
      servingRows.set(row.serving_task_id, servingRows.get(row.serving_task_id) ?? row.at);
      if (first) {
        refuse(
          'machines',
          row.at,
          `machine_id ${row.machine_id} or serving_task_id ${row.serving_task_id} is listed again (first at ${at(first)})`,
        );
        continue;
      }
      if (taskById.has(row.machine_id)) {
        refuse('machines', row.at, `machine_id ${row.machine_id} is already the task_id of a registered task`);
        continue;
      }
      const existing = machineById.get(row.machine_id);
      if (existing) {
        machines.set(row.machine_id, existing);
        machinesUnchanged++;
        continue;
      }
      const name = importedMachineName(row);
      const sameName = nameRows.get(name);
      nameRows.set(name, sameName ?? row.at);
      if (sameName) {
        refuse('machines', row.at, `the machine name "${name}" is listed again (first at ${at(sameName)})`);
        continue;
      }
      const named = machineByName.get(name);
      if (named) {
        refuse(
          'machines',
          row.at,
          `a machine named "${name}" is already registered (machine_id ${named.publicId}); give this row another name`,
        );
        continue;
      }
      const id = randomUUID();
      const machine = Object.assign(new MachineEntity(), {
        id,
        publicId: row.machine_id,
        name,
        baseUrl: row.base_url,
        protocol: 'clearml-serving' as const,
        servingTaskId: row.serving_task_id,
        metricsUrl: null,
        labels: {},
        enabled: true,
        owner,
      });
      machines.set(row.machine_id, machine);
      newMachines.push(machine);
    }

    const taskRows = new Map<string, ImportSource>();
    const newTasks: TaskTemplateEntity[] = [];
    let tasksUnchanged = 0;
    for (const row of request.tasks) {
      const first = taskRows.get(row.task_id);
      taskRows.set(row.task_id, first ?? row.at);
      const asMachine = machineRows.get(row.task_id);
      if (first) refuse('tasks', row.at, `task_id ${row.task_id} is listed again (first at ${at(first)})`);
      else if (asMachine) refuse('tasks', row.at, `task_id ${row.task_id} is also a machine_id of this import (at ${at(asMachine)})`);
      else if (machineById.has(row.task_id))
        refuse('tasks', row.at, `task_id ${row.task_id} is already the machine_id of a registered machine`);
      else if (taskById.has(row.task_id)) tasksUnchanged++;
      else {
        newTasks.push(
          Object.assign(new TaskTemplateEntity(), {
            id: randomUUID(),
            publicId: row.task_id,
            clearmlTaskId: row.clearml_task_id,
            defaultQueue: row.default_queue,
            name: row.name ?? null,
            paramsSchema: null,
            paramsSection: 'General',
            visibility: 'public' as const,
            sharedWith: NOBODY,
            enabled: true,
            owner,
          }),
        );
      }
    }

    const endpointRows = new Map<string, ImportSource>();
    const newEndpoints: { endpoint: EndpointEntity; machine: MachineEntity }[] = [];
    let endpointsUnchanged = 0;
    for (const row of request.endpoints) {
      const key = `${row.machine_id} ${row.name}`;
      const first = endpointRows.get(key);
      endpointRows.set(key, first ?? row.at);
      if (first) {
        refuse('endpoints', row.at, `endpoint "${row.name}" of machine_id ${row.machine_id} is listed again (first at ${at(first)})`);
        continue;
      }
      const machine = machines.get(row.machine_id) ?? (machineRows.has(row.machine_id) ? undefined : machineById.get(row.machine_id));
      if (!machine) {
        const machineRow = machineRows.get(row.machine_id);
        refuse(
          'endpoints',
          row.at,
          machineRow
            ? `its machine (machine_id ${row.machine_id}, at ${at(machineRow)}) cannot be imported`
            : `no machine has machine_id ${row.machine_id}, in this import or registered`,
        );
        continue;
      }
      if (row.serving_task_id !== undefined && row.serving_task_id !== machine.servingTaskId) {
        refuse(
          'endpoints',
          row.at,
          `serving_task_id ${row.serving_task_id} is not the serving task of machine_id ${row.machine_id} (${machine.servingTaskId ?? 'none'})`,
        );
        continue;
      }
      if (endpointKeys.has(`${machine.id} ${row.name}`)) {
        endpointsUnchanged++;
        continue;
      }
      const endpoint = Object.assign(new EndpointEntity(), {
        id: randomUUID(),
        machineId: machine.id,
        name: row.name,
        path: null,
        timeoutMs: TIMEOUT_MS_DEFAULT,
        visibility: 'public' as const,
        sharedWith: NOBODY,
        countPredictions: null,
        enabled: true,
        owner,
      });
      newEndpoints.push({ endpoint, machine });
    }

    if (problems.length > 0) {
      problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
      throw new AppError('invalid_argument', `${problems.length} row(s) cannot be imported; nothing was written`, { rows: problems });
    }
    const result = {
      dry_run: request.dry_run,
      owner,
      machines: { created: newMachines.length, unchanged: machinesUnchanged },
      endpoints: { created: newEndpoints.length, unchanged: endpointsUnchanged },
      tasks: { created: newTasks.length, unchanged: tasksUnchanged },
    };
    if (request.dry_run) return result;

    await this.repository.insertAll({ machines: newMachines, endpoints: newEndpoints.map((e) => e.endpoint), tasks: newTasks });
    for (const machine of newMachines) await this.events.machine('created', toRoutingMachine(machine));
    for (const { endpoint, machine } of newEndpoints) await this.events.endpoint('created', toRoutingEndpoint({ ...endpoint, machine }));
    this.logger.info({ correlation_id: correlationId, ...result }, 'ClearML Utils export imported');
    return result;
  }
}
