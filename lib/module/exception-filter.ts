import {
  BadRequestException,
  Catch,
  ConflictException,
  NotFoundException,
  type ArgumentsHost,
  type HttpException,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import {
  ActiveRecordError,
  ForeignKeyConstraintError,
  RecordNotFoundError,
  StaleRecordError,
  UniqueConstraintError,
  UnknownColumnError,
  ValidationError,
} from '../errors';

/**
 * Maps the library's errors to HTTP answers a client can act on: not found -> 404, invalid input
 * -> 400 (with the list of problems), unique or foreign-key conflicts and stale records
 * (optimistic locking) -> 409. Everything else
 * goes to Nest's default handling (500, logged). Opt in globally:
 * `app.useGlobalFilters(new ActiveRecordExceptionFilter(app.get(HttpAdapterHost).httpAdapter))`
 * or `{ provide: APP_FILTER, useClass: ActiveRecordExceptionFilter }`.
 */
@Catch(ActiveRecordError)
export class ActiveRecordExceptionFilter extends BaseExceptionFilter {
  override catch(exception: ActiveRecordError, host: ArgumentsHost): void {
    super.catch(toHttpException(exception) ?? exception, host);
  }
}

export function toHttpException(error: ActiveRecordError): HttpException | undefined {
  if (error instanceof RecordNotFoundError) return new NotFoundException(error.message, { cause: error });
  if (error instanceof ValidationError) {
    return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: error.message, errors: error.errors }, { cause: error });
  }
  if (error instanceof UnknownColumnError) return new BadRequestException(error.message, { cause: error });
  if (error instanceof UniqueConstraintError) return new ConflictException('A record with the same unique value already exists', { cause: error });
  if (error instanceof ForeignKeyConstraintError) return new ConflictException('The record refers to, or is referred to by, another record', { cause: error });
  if (error instanceof StaleRecordError) return new ConflictException('The record was changed by someone else; reload it and try again', { cause: error });
  return undefined;
}
