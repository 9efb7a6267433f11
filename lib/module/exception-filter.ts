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

/**
 * Bodies are built whole (`{ statusCode, error, message }`), so that clients see the same shape
 * on Nest 11 and Nest 12, whose HttpException fills in `error` differently from a bare message.
 */
export function toHttpException(error: ActiveRecordError): HttpException | undefined {
  const options = { cause: error };
  if (error instanceof RecordNotFoundError) return new NotFoundException(body(404, 'Not Found', error.message), options);
  if (error instanceof ValidationError) return new BadRequestException({ ...body(400, 'Bad Request', error.message), errors: error.errors }, options);
  if (error instanceof UnknownColumnError) return new BadRequestException(body(400, 'Bad Request', error.message), options);
  if (error instanceof UniqueConstraintError) return new ConflictException(body(409, 'Conflict', 'A record with the same unique value already exists'), options);
  if (error instanceof ForeignKeyConstraintError) {
    return new ConflictException(body(409, 'Conflict', 'The record refers to, or is referred to by, another record'), options);
  }
  if (error instanceof StaleRecordError) {
    return new ConflictException(body(409, 'Conflict', 'The record was changed by someone else; reload it and try again'), options);
  }
  return undefined;
}

function body(statusCode: number, error: string, message: string): { statusCode: number; error: string; message: string } {
  return { statusCode, error, message };
}
