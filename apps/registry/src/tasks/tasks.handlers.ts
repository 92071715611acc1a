import { Injectable } from '@nestjs/common';
import { tasks } from '@cleargate/contracts';
import { CrudHandlers } from '../crud/crud.handlers';
import { TasksService } from './tasks.service';

@Injectable()
export class TasksHandlers extends CrudHandlers(tasks) {
  constructor(protected readonly service: TasksService) {
    super();
  }
}
