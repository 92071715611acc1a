import { Injectable } from '@nestjs/common';
import { endpoints } from '@cleargate/contracts';
import { CrudHandlers } from '../crud/crud.handlers';
import { EndpointsService } from './endpoints.service';

@Injectable()
export class EndpointsHandlers extends CrudHandlers(endpoints) {
  constructor(protected readonly service: EndpointsService) {
    super();
  }
}
